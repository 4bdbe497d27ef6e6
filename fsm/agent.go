package fsm

import (
	"context"
	"errors"
	"fmt"
	"sync"

	lfsm "github.com/looplab/fsm"

	"github.com/slotd/slotd/contracts/marketplace"
	"github.com/slotd/slotd/persist"
)

// Agent is the sales agent of one slot: its looplab state machine, its
// persisted record as last committed, and what its driver needs. Create
// agents with Agents.Sell or Agents.Restore.
type Agent struct {
	r     *Agents
	id    persist.ID
	req   persist.ID // never change
	index uint64
	sm    *lfsm.FSM

	// fireMu serializes transitions; it is held across the store commit.
	fireMu sync.Mutex

	// mu guards the fields below and is never held across I/O, so that
	// Dispatch and readers never wait for a commit.
	mu        sync.Mutex
	rec       persist.Agent
	from      string // Errored: the state it errored from
	inbox     []note // dispatched chain events not yet handled
	effState  string // state whose side effect is running
	effCancel context.CancelFunc
	driving   bool // a driver goroutine owns the agent
	attempts  int  // transient failures in a row
	lastErr   string

	wake      chan struct{} // a note arrived (cap 1)
	released  chan struct{} // closed once the queue worker may go
	relOnce   sync.Once
	onRelease func(state string)
	done      chan struct{} // closed when the agent reached an end state
	doneOnce  sync.Once
}

// note is one dispatched chain event.
type note struct {
	kind   string
	block  uint64
	detail string
}

// maxInbox bounds the chain events waiting for one agent. Events of a
// kind already waiting are dropped (one is as good as two), so the bound
// is never reached in practice.
const maxInbox = 8

func newAgent(r *Agents, rec persist.Agent, from string, onRelease func(string)) *Agent {
	a := &Agent{
		r:         r,
		id:        rec.SlotID,
		req:       rec.RequestID,
		index:     rec.SlotIndex,
		sm:        newMachine(rec.State),
		rec:       rec,
		from:      from,
		wake:      make(chan struct{}, 1),
		released:  make(chan struct{}),
		onRelease: onRelease,
		done:      make(chan struct{}),
	}
	if isReleased(rec.State) {
		a.release(rec.State)
	}
	return a
}

// SlotID is the agent's slot.
func (a *Agent) SlotID() persist.ID { return a.id }

// RequestID is the request the slot belongs to.
func (a *Agent) RequestID() persist.ID { return a.req }

// SlotIndex is the slot's index in its request.
func (a *Agent) SlotIndex() uint64 { return a.index }

// ChainSlotID and ChainRequestID are the ids in go-ethereum's type, for
// Effects that call the contracts package.
func (a *Agent) ChainSlotID() marketplace.SlotID       { return marketplace.SlotID(a.id) }
func (a *Agent) ChainRequestID() marketplace.RequestID { return marketplace.RequestID(a.req) }

// State is the agent's current (committed) state.
func (a *Agent) State() string { return a.sm.Current() }

// Record returns the agent's persisted record as last committed.
func (a *Agent) Record() persist.Agent {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rec
}

// Info is an agent as the API and `slotd sales` show it: its record plus
// what only memory knows.
type Info struct {
	persist.Agent
	ErroredFrom string `json:"erroredFrom,omitempty"` // Errored: the state Retry returns to
	Attempts    int    `json:"attempts,omitempty"`    // transient failures in a row of the current step
	LastError   string `json:"lastError,omitempty"`   // the latest of them, or the permanent fault
}

// Info returns the agent's Info.
func (a *Agent) Info() Info {
	a.mu.Lock()
	defer a.mu.Unlock()
	return Info{Agent: a.rec, ErroredFrom: a.from, Attempts: a.attempts, LastError: a.lastErr}
}

// Released is closed once the queue worker that started the sale may take
// another slot: when the slot is Filled or later, Errored, or the sale
// ended, and when the registry stops; Sale.Released has run by then. It is
// the agent's own channel (no callback is shared between agents).
func (a *Agent) Released() <-chan struct{} { return a.released }

// WaitReleased blocks until Released is closed (nil) or ctx is done.
func (a *Agent) WaitReleased(ctx context.Context) error {
	select {
	case <-a.released:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done is closed when the agent has committed an end state (after
// Options.OnEnd returned).
func (a *Agent) Done() <-chan struct{} { return a.done }

func (a *Agent) release(state string) {
	a.relOnce.Do(func() {
		defer close(a.released) // after the callback, even if it panics
		if fn := a.onRelease; fn != nil {
			defer func() {
				if p := recover(); p != nil {
					a.r.log.Error("release callback panicked", "slotId", a.id, "panic", p)
				}
			}()
			fn(state)
		}
	})
}

// Fire moves the agent with event: it checks the table (lfsm's Can),
// commits the new state, its journal entry (from, to, event, time, block,
// detail) and the changes the new state implies in one store transaction,
// and only then moves the in-memory machine. If the commit fails, nothing
// in memory changes. A side effect still running for the old state is
// interrupted; if the agent is left in a live state without a driver (a
// retry), one is started.
//
// The driver fires the outcomes of side effects; others use Dispatch and
// Retry. Fire is for tools and tests.
func (a *Agent) Fire(ctx context.Context, event, detail string) error {
	if err := a.fire(ctx, "", event, detail, a.r.head()); err != nil {
		return err
	}
	a.r.startDriver(a)
	return nil
}

// fire is Fire, optionally only if the agent is still in state expect.
func (a *Agent) fire(ctx context.Context, expect, event, detail string, block uint64) error {
	a.fireMu.Lock()
	defer a.fireMu.Unlock()
	from := a.sm.Current()
	if expect != "" && from != expect {
		return errStale
	}
	if IsEnd(from) {
		return fmt.Errorf("slot %s: %w: it ended %s (sell the slot again for a new agent)", a.id, ErrNoAgent, from)
	}
	if !a.sm.Can(event) {
		return fmt.Errorf("slot %s: %w: %q in state %q", a.id, ErrInvalidEvent, event, from)
	}
	to, _ := Destination(from, event)
	a.mu.Lock()
	base := a.rec
	a.mu.Unlock()
	rec, err := a.r.commit(ctx, base, from, to, event, detail, block)
	if errors.Is(err, persist.ErrConflict) {
		// The store holds another state than memory (someone wrote the
		// agent behind the registry's back): the store is the truth.
		a.resync()
	}
	if err != nil {
		return fmt.Errorf("slot %s %s→%s: %w", a.id, from, to, err)
	}
	a.mu.Lock()
	a.rec = rec
	a.attempts = 0
	if to == Errored {
		a.from, a.lastErr = from, detail
	} else {
		a.from, a.lastErr = "", ""
	}
	a.sm.SetState(to)
	if a.effCancel != nil && a.effState != to {
		a.effCancel()
	}
	a.mu.Unlock()
	a.r.log.Info("agent transition", "slotId", a.id, "requestId", rec.RequestID, "from", from, "to", to, "event", event, "detail", detail)
	if isReleased(to) {
		a.release(to)
	}
	if IsEnd(to) {
		a.r.drop(a)
	}
	return nil
}

// resync reloads the agent from the store after a conflicting commit.
// It runs under fireMu.
func (a *Agent) resync() {
	var rec persist.Agent
	var last persist.JournalEntry
	err := a.r.store.View(func(tx *persist.Tx) error {
		var err error
		if rec, err = tx.Agent(a.id); err != nil {
			return err
		}
		if rec.State == Errored {
			last, err = tx.LastJournalEntry(a.id)
		}
		return err
	})
	if err != nil {
		a.r.log.Error("could not reload agent after a conflict", "slotId", a.id, "error", err)
		return
	}
	a.r.log.Warn("agent reloaded from the store", "slotId", a.id, "memory", a.sm.Current(), "stored", rec.State)
	a.mu.Lock()
	a.rec, a.from = rec, last.From
	a.sm.SetState(rec.State)
	if a.effCancel != nil && a.effState != rec.State {
		a.effCancel()
	}
	a.mu.Unlock()
	if isReleased(rec.State) {
		a.release(rec.State)
	}
	if IsEnd(rec.State) {
		a.r.drop(a)
	}
}

// notify queues a chain event for the driver and interrupts the running
// side effect. It reports false when the event means nothing in the
// agent's state.
func (a *Agent) notify(n note) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if Reaction(n.kind, a.sm.Current()) == "" {
		return false
	}
	for _, m := range a.inbox {
		if m.kind == n.kind {
			return true
		}
	}
	if len(a.inbox) >= maxInbox {
		return false
	}
	a.inbox = append(a.inbox, n)
	if a.effCancel != nil {
		a.effCancel()
	}
	select {
	case a.wake <- struct{}{}:
	default:
	}
	return true
}

func (a *Agent) nextNote() (note, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.inbox) == 0 {
		return note{}, false
	}
	n := a.inbox[0]
	a.inbox = a.inbox[1:]
	if len(a.inbox) == 0 {
		a.inbox = nil
	}
	return n, true
}

func (a *Agent) requeueNote(n note) {
	a.mu.Lock()
	a.inbox = append([]note{n}, a.inbox...)
	a.mu.Unlock()
}

// beginEffect registers the side effect of state about to run, unless a
// note is waiting or the state moved on.
func (a *Agent) beginEffect(state string, cancel context.CancelFunc) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.inbox) > 0 || a.sm.Current() != state {
		return false
	}
	a.effState, a.effCancel = state, cancel
	return true
}

// endEffect clears what beginEffect set and reports whether the driver
// should drop the effect's result: the state moved on or a note waits.
func (a *Agent) endEffect(state string) (stale bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.effState, a.effCancel = "", nil
	return len(a.inbox) > 0 || a.sm.Current() != state
}

func (a *Agent) failed(err error) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.attempts++
	a.lastErr = err.Error()
	return a.attempts
}
