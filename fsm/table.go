package fsm

import (
	"fmt"
	"slices"

	lfsm "github.com/looplab/fsm"
)

// States of a sales agent, as stored in persist.Agent.State and the
// journal. The names are lower case, as `slotd dump` prints them.
const (
	Preparing      = "preparing"       // check the slot is free and the request open; bytes already reserved
	Downloading    = "downloading"     // fetch and verify the slot's data (resumable)
	InitialProving = "initial-proving" // build the proof fillSlot carries
	Filling        = "filling"         // approve collateral, send fillSlot, wait for the receipt
	Filled         = "filled"          // fill mined: confirm on chain that the slot is ours
	Proving        = "proving"         // prove each period until the request ends
	Payout         = "payout"          // free the slot and collect what is due
	Finished       = "finished"        // end: paid after a clean end
	Cancelled      = "cancelled"       // end: the request was cancelled (paid if we held the slot)
	Failed         = "failed"          // end: the request failed or the slot was taken from us
	Ignored        = "ignored"         // end: someone else got the slot, or the request ended without us
	Errored        = "errored"         // a permanent fault; waits for the operator's retry
)

// Events of the sales agents: the names in the journal's event column.
// Several share a name and lead to different states depending on where
// the agent is (request-cancelled is Cancelled before the fill and Payout
// after it); Events is the one table of what goes where.
const (
	EvStart            = "start"             // a worker picked the slot: agent created, bytes reserved, slot out of the queue
	EvPrepared         = "prepared"          // slot free, request open
	EvDownloaded       = "downloaded"        // data complete and verified
	EvProofReady       = "proof-ready"       // initial proof built
	EvFillMined        = "fill-mined"        // our fillSlot has a receipt
	EvFillConfirmed    = "fill-confirmed"    // the chain says we host the slot
	EvSlotTaken        = "slot-taken"        // another host filled the slot
	EvSlotFreed        = "slot-freed"        // the contract freed our slot (missed proofs): nothing is due
	EvRequestCancelled = "request-cancelled" // expiry passed before the request started
	EvRequestFailed    = "request-failed"    // too many slots lost
	EvRequestEnded     = "request-ended"     // the request's end has passed (or it was fulfilled without us)
	EvPaid             = "paid"              // payout collected after a clean end
	EvPaidCancelled    = "paid-cancelled"    // payout collected from a cancelled request
	EvPaidFailed       = "paid-failed"       // payout collected (or nothing due) from a failed request or lost slot
	EvError            = "error"             // a permanent fault; the reason is kept
	// Retry events take an Errored agent back to the state it errored
	// from: EvRetryPrefix + state, e.g. "retry-filling".
	EvRetryPrefix = "retry-"
)

// preFill are the states before our fillSlot can have been sent; beforeUs
// adds Filling, where it may be sent but is not mined yet.
var (
	preFill  = []string{Preparing, Downloading, InitialProving}
	beforeUs = append(slices.Clip(preFill), Filling) // nothing is due when the request ends here
	holding  = []string{Filled, Proving}             // we hold the slot: endings collect
	live     = slices.Concat(beforeUs, holding, []string{Payout})
	ends     = []string{Finished, Cancelled, Failed, Ignored}
)

// Events is the transition table, handed to looplab/fsm as it is: the one
// place that says which event moves an agent from where to where. The
// driver never calls lfsm's Event (no callbacks are registered, so nothing
// runs on a transition): it checks Can, commits the transition to the
// store, and only then moves the lfsm with SetState.
var Events = buildEvents()

func buildEvents() lfsm.Events {
	ev := lfsm.Events{
		{Name: EvStart, Src: append([]string{""}, ends...), Dst: Preparing},
		{Name: EvPrepared, Src: []string{Preparing}, Dst: Downloading},
		{Name: EvDownloaded, Src: []string{Downloading}, Dst: InitialProving},
		{Name: EvProofReady, Src: []string{InitialProving}, Dst: Filling},
		{Name: EvFillMined, Src: []string{Filling}, Dst: Filled},
		{Name: EvFillConfirmed, Src: []string{Filled}, Dst: Proving},
		{Name: EvSlotTaken, Src: []string{Preparing, Downloading, InitialProving, Filling, Filled}, Dst: Ignored},
		{Name: EvSlotFreed, Src: holding, Dst: Failed},
		{Name: EvRequestCancelled, Src: beforeUs, Dst: Cancelled},
		{Name: EvRequestCancelled, Src: holding, Dst: Payout},
		{Name: EvRequestFailed, Src: beforeUs, Dst: Failed},
		{Name: EvRequestFailed, Src: holding, Dst: Payout},
		{Name: EvRequestEnded, Src: beforeUs, Dst: Ignored},
		{Name: EvRequestEnded, Src: holding, Dst: Payout},
		{Name: EvPaid, Src: []string{Payout}, Dst: Finished},
		{Name: EvPaidCancelled, Src: []string{Payout}, Dst: Cancelled},
		{Name: EvPaidFailed, Src: []string{Payout}, Dst: Failed},
		{Name: EvError, Src: live, Dst: Errored},
	}
	for _, s := range live {
		ev = append(ev, lfsm.EventDesc{Name: EvRetryPrefix + s, Src: []string{Errored}, Dst: s})
	}
	return ev
}

type edge struct{ event, src string }

// dst is Events as a lookup: where event leads from src. Built once and
// shared; each agent's lfsm holds its own copy (lfsm has no way to share).
var dst = func() map[edge]string {
	m := make(map[edge]string)
	for _, e := range Events {
		for _, s := range e.Src {
			if _, dup := m[edge{e.Name, s}]; dup {
				panic(fmt.Sprintf("fsm: event %q from %q listed twice", e.Name, s))
			}
			m[edge{e.Name, s}] = e.Dst
		}
	}
	return m
}()

// Destination returns the state event leads to from state src, and
// whether the table has such a transition.
func Destination(src, event string) (string, bool) {
	d, ok := dst[edge{event, src}]
	return d, ok
}

// States lists every state, live ones first in the order a sale goes
// through them.
func States() []string {
	out := append(slices.Clone(live), Errored)
	return append(out, ends...)
}

// IsEnd reports whether state is an end state (Finished, Cancelled,
// Failed, Ignored): the agent has released its bytes and left memory;
// only its record and journal stay.
func IsEnd(state string) bool { return slices.Contains(ends, state) }

// IsLive reports whether state has a side effect that the driver runs
// (every state but the ends and Errored).
func IsLive(state string) bool { return slices.Contains(live, state) }

// IsKnown reports whether state is one of States.
func IsKnown(state string) bool { return IsLive(state) || IsEnd(state) || state == Errored }

// BeforeFill reports whether state comes before our fill is mined
// (Preparing, Downloading, InitialProving, Filling): a sale there ends
// when the request does, or when another host takes the slot.
func BeforeFill(state string) bool { return slices.Contains(beforeUs, state) }

// isReleased: the queue worker that started the sale may go once our fill
// is mined or the sale went another way (pitfall: workers held until the
// end).
func isReleased(state string) bool { return !slices.Contains(beforeUs, state) }

// RetryEvent is the event that takes an Errored agent back to from, the
// state it errored from: that state's side effect is safe to run again,
// as it is after a crash. An unknown from retries from Preparing.
func RetryEvent(from string) string {
	if !IsLive(from) {
		from = Preparing
	}
	return EvRetryPrefix + from
}

// Outcome is what a side effect found out, in the chain's terms. The
// driver turns (state, outcome) into an event with EventFor.
type Outcome uint8

const (
	// Done: the state's work is complete; go on. From Proving it means the
	// request reached its end; from Payout, that the payout was collected
	// after a clean end.
	Done Outcome = iota
	// Lost: the slot is not ours. Before the fill: another host filled it.
	// From Proving: the contract freed it from us. From Payout: nothing
	// could be collected because the slot was no longer ours.
	Lost
	// RequestCancelled: the chain says the request is cancelled. From
	// Filling it means our fill did not land (otherwise report Done and
	// let Filled/Proving see the cancellation).
	RequestCancelled
	// RequestFailed: the chain says the request failed (same rule).
	RequestFailed
	// RequestEnded: the chain says the request has finished (its end is
	// past), or it was fulfilled without us.
	RequestEnded
)

var outcomeNames = [...]string{"done", "lost", "request-cancelled", "request-failed", "request-ended"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", o)
}

// doneEvent is the event a state's Done outcome fires.
var doneEvent = map[string]string{
	Preparing:      EvPrepared,
	Downloading:    EvDownloaded,
	InitialProving: EvProofReady,
	Filling:        EvFillMined,
	Filled:         EvFillConfirmed,
	Proving:        EvRequestEnded,
	Payout:         EvPaid,
}

// EventFor maps a side effect's outcome in state to the event the driver
// fires. Every live state has an event for every outcome (a test checks
// it against Events).
func EventFor(state string, o Outcome) (string, bool) {
	if !IsLive(state) {
		return "", false
	}
	if state == Payout {
		switch o {
		case Done, RequestEnded:
			return EvPaid, true
		case RequestCancelled:
			return EvPaidCancelled, true
		case RequestFailed, Lost:
			return EvPaidFailed, true
		}
		return "", false
	}
	switch o {
	case Done:
		return doneEvent[state], true
	case Lost:
		if state == Proving {
			return EvSlotFreed, true
		}
		return EvSlotTaken, true
	case RequestCancelled:
		return EvRequestCancelled, true
	case RequestFailed:
		return EvRequestFailed, true
	case RequestEnded:
		return EvRequestEnded, true
	}
	return "", false
}

// Chain events the agents react to, as Reactions names them.
const (
	ChainSlotFilled       = "SlotFilled"
	ChainSlotFreed        = "SlotFreed"
	ChainRequestFulfilled = "RequestFulfilled"
	ChainRequestCancelled = "RequestCancelled"
	ChainRequestFailed    = "RequestFailed"
)

// Recheck, as a reaction, interrupts the state's side effect and runs it
// again: the effect reads the chain and reports what it finds. It is the
// reaction where an event alone cannot say what happened (a SlotFilled
// while we are Filling may be our own fill).
const Recheck = "(recheck)"

// Reactions says what a dispatched chain event does to an agent in each
// state: fire the named event, Recheck, or (no entry) nothing. Events are
// hints that save waiting: the side effects read the chain's state
// themselves, so an event missed while the node was down changes nothing
// (RequestCancelled, for one, is only emitted by the first settlement).
var Reactions = map[string]map[string]string{
	// Before our fill could have been sent, any fill is someone else's.
	ChainSlotFilled: {Preparing: EvSlotTaken, Downloading: EvSlotTaken, InitialProving: EvSlotTaken, Filling: Recheck},
	// A slot is freed from its host: from us only once we hold it. The
	// side effect reads the slot's host on chain and reports Lost if it
	// is no longer us: the event alone may be a reorg's undoing of a
	// fill (ours may be mined again) rather than missed proofs.
	ChainSlotFreed: {Filled: Recheck, Proving: Recheck},
	// Every slot filled: before our fill, not by us.
	ChainRequestFulfilled: {Preparing: EvSlotTaken, Downloading: EvSlotTaken, InitialProving: EvSlotTaken, Filling: Recheck},
	ChainRequestCancelled: {Preparing: EvRequestCancelled, Downloading: EvRequestCancelled, InitialProving: EvRequestCancelled,
		Filling: Recheck, Filled: EvRequestCancelled, Proving: EvRequestCancelled},
	ChainRequestFailed: {Preparing: EvRequestFailed, Downloading: EvRequestFailed, InitialProving: EvRequestFailed,
		Filling: Recheck, Filled: EvRequestFailed, Proving: EvRequestFailed},
}

// Reaction returns what chain event kind does in state ("" for nothing).
func Reaction(kind, state string) string { return Reactions[kind][state] }

// newMachine returns an lfsm at state, with no callbacks: restoring an
// agent this way runs nothing.
func newMachine(state string) *lfsm.FSM { return lfsm.NewFSM(state, Events, nil) }
