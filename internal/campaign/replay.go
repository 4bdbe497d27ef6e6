package campaign

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts/bindings"
)

// The replay: every Marketplace log from the campaign's start block,
// folded in chain order up to a store's cursor, gives what that store's
// ledger and queue must hold. The events are read with ethclient and the
// bindings (chainread.go) and the store through `slotd dump --json`, so a
// wrong rollback, a record a reorg left behind or an event applied twice
// in the node shows as a difference, whatever path the node took to it.

// chainEvent is one Marketplace log, as the replay takes it.
type chainEvent struct {
	name      string
	block, ts uint64 // ts: SlotFilled, SlotFreed and ProofSubmitted only
	req       common.Hash
	index     uint64
	slot      common.Hash
	host      common.Address // SlotFilled, SlotFreed: the sender of the log's transaction
	ask       bindings.Ask   // StorageRequested
	expiry    uint64         // StorageRequested
	period    uint64         // ProofMarkedMissing
}

// chainState is the market as the logs up to a block leave it.
type chainState struct {
	requests map[common.Hash]*replayedRequest
	proofs   map[proofKey]replayedProof
}

type replayedRequest struct {
	ask                          bindings.Ask
	expiry                       uint64
	fulfilled, cancelled, failed bool
	slots                        map[uint64]*replayedSlot
}

type replayedSlot struct {
	filled bool
	host   common.Address // the last filler, kept when freed
	repair bool           // freed after the request started: sold at the repair collateral
}

type proofKey struct {
	req           common.Hash
	index, period uint64
}

type replayedProof struct {
	status string // "submitted" or "missed", as the store spells them
	block  uint64
	slot   common.Hash
	host   common.Address // who held the slot then
}

// replay folds events up to block upTo (inclusive); period is the proof
// period in seconds, slotOf names each slot id's request and index.
func replay(events []chainEvent, upTo, period uint64, slotOf map[common.Hash]slotRef) chainState {
	st := chainState{requests: map[common.Hash]*replayedRequest{}, proofs: map[proofKey]replayedProof{}}
	slot := func(req common.Hash, i uint64) *replayedSlot {
		r := st.requests[req]
		if r == nil {
			return nil
		}
		if r.slots[i] == nil {
			r.slots[i] = &replayedSlot{}
		}
		return r.slots[i]
	}
	for _, ev := range events {
		if ev.block > upTo {
			break
		}
		r := st.requests[ev.req]
		switch ev.name {
		case "StorageRequested":
			st.requests[ev.req] = &replayedRequest{ask: ev.ask, expiry: ev.expiry, slots: map[uint64]*replayedSlot{}}
		case "RequestFulfilled", "RequestCancelled", "RequestFailed":
			if r != nil {
				r.fulfilled = r.fulfilled || ev.name == "RequestFulfilled"
				r.cancelled = r.cancelled || ev.name == "RequestCancelled"
				r.failed = r.failed || ev.name == "RequestFailed"
			}
		case "SlotFilled":
			if s := slot(ev.req, ev.index); s != nil {
				s.filled, s.host, s.repair = true, ev.host, false
			}
		case "SlotFreed":
			if s := slot(ev.req, ev.index); s != nil {
				s.filled, s.repair = false, r.fulfilled && !r.failed
			}
		case "ProofSubmitted", "ProofMarkedMissing":
			ref, ok := slotOf[ev.slot]
			if !ok {
				continue
			}
			s := slot(ref.req, ref.index)
			if s == nil {
				continue
			}
			k, p := proofKey{ref.req, ref.index, ev.period}, replayedProof{status: "missed", block: ev.block, slot: ev.slot, host: s.host}
			if ev.name == "ProofSubmitted" {
				k.period, p.status = ev.ts/period, "submitted"
			}
			st.proofs[k] = p
		}
	}
	return st
}

// storeDump is what the replay compares in one store's `slotd dump --json`.
type storeDump struct {
	cursor   *dumpCursor
	requests []dumpLedgerRequest
	slots    []dumpLedgerSlot
	proofs   []dumpLedgerProof
	queue    []dumpQueueItem
	agents   map[common.Hash]bool // slot ids the store has a sales agent for
}

type dumpCursor struct {
	Number uint64      `json:"number"`
	Hash   common.Hash `json:"hash"`
}

type dumpLedgerRequest struct {
	RequestID   common.Hash `json:"requestId"`
	Slots       uint64      `json:"slots"`
	SlotSize    uint64      `json:"slotSize"`
	Duration    uint64      `json:"duration"`
	MaxSlotLoss uint64      `json:"maxSlotLoss"`
	Probability string      `json:"proofProbability"`
	Price       string      `json:"pricePerBytePerSecond"`
	Collateral  string      `json:"collateralPerByte"`
	Expiry      uint64      `json:"expiry"`
	Fulfilled   bool        `json:"fulfilled"`
	Cancelled   bool        `json:"cancelled"`
	Failed      bool        `json:"failed"`
}

type dumpLedgerSlot struct {
	RequestID common.Hash `json:"requestId"`
	Index     uint64      `json:"index"`
	Host      string      `json:"host"`
	Filled    bool        `json:"filled"`
}

type dumpLedgerProof struct {
	RequestID common.Hash `json:"requestId"`
	Index     uint64      `json:"index"`
	Period    uint64      `json:"period"`
	Status    string      `json:"status"`
	Block     uint64      `json:"block"`
}

type dumpQueueItem struct {
	SlotID     common.Hash `json:"slotId"`
	RequestID  common.Hash `json:"requestId"`
	SlotIndex  uint64      `json:"slotIndex"`
	SlotSize   uint64      `json:"slotSize"`
	Duration   uint64      `json:"duration"`
	Price      string      `json:"pricePerBytePerSecond"`
	Collateral string      `json:"collateralPerByte"`
	Expiry     uint64      `json:"expiry"`
}

// parseDump reads the records the replay compares from dump's JSON lines.
func parseDump(out []byte) (*storeDump, error) {
	d := &storeDump{agents: map[common.Hash]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var k struct {
			Kind   string      `json:"kind"`
			SlotID common.Hash `json:"slotId"`
		}
		if err := json.Unmarshal(line, &k); err != nil {
			return nil, fmt.Errorf("dump line %q: %w", line, err)
		}
		var err error
		switch k.Kind {
		case "cursor":
			d.cursor = new(dumpCursor)
			err = json.Unmarshal(line, d.cursor)
		case "ledger-request":
			err = appendJSON(line, &d.requests)
		case "ledger-slot":
			err = appendJSON(line, &d.slots)
		case "ledger-proof":
			err = appendJSON(line, &d.proofs)
		case "queue":
			err = appendJSON(line, &d.queue)
		case "agent":
			d.agents[k.SlotID] = true
		}
		if err != nil {
			return nil, fmt.Errorf("dump %s line %q: %w", k.Kind, line, err)
		}
	}
	return d, sc.Err()
}

func appendJSON[T any](line []byte, to *[]T) error {
	var v T
	if err := json.Unmarshal(line, &v); err != nil {
		return err
	}
	*to = append(*to, v)
	return nil
}

// compareReplay lists how store d (of the node at address me; host: it
// keeps a queue and proof records) differs from the chain's state st at
// its cursor.
func compareReplay(d *storeDump, st chainState, me common.Address, host bool) []string {
	var bad []string
	add := func(f string, a ...any) { bad = append(bad, fmt.Sprintf("replay from genesis: "+f, a...)) }
	seen := map[common.Hash]bool{}
	for _, lr := range d.requests {
		seen[lr.RequestID] = true
		r := st.requests[lr.RequestID]
		if r == nil {
			add("ledger has request %s, which the chain never posted up to the store's cursor", short(lr.RequestID))
			continue
		}
		want := dumpLedgerRequest{RequestID: lr.RequestID, Slots: r.ask.Slots, SlotSize: r.ask.SlotSize, Duration: r.ask.Duration,
			MaxSlotLoss: r.ask.MaxSlotLoss, Probability: r.ask.ProofProbability.String(), Price: r.ask.PricePerBytePerSecond.String(),
			Collateral: r.ask.CollateralPerByte.String(), Expiry: r.expiry, Fulfilled: r.fulfilled, Cancelled: r.cancelled, Failed: r.failed}
		if lr != want {
			add("ledger has request %s as %+v, the chain %+v", short(lr.RequestID), lr, want)
		}
	}
	for id := range st.requests {
		if !seen[id] {
			add("ledger lacks request %s, which the chain posted", short(id))
		}
	}
	type slotKey struct {
		req   common.Hash
		index uint64
	}
	held := map[slotKey]bool{}
	for _, ls := range d.slots {
		held[slotKey{ls.RequestID, ls.Index}] = true
		r := st.requests[ls.RequestID]
		if r == nil {
			add("ledger has slot %d of request %s, which the chain never posted", ls.Index, short(ls.RequestID))
			continue
		}
		s := r.slots[ls.Index]
		switch {
		case s == nil && (ls.Filled || ls.Host != ""):
			// a record with nothing in it is what a reverted fill leaves
			add("ledger has slot %d of %s filled by %q, the chain never filled it", ls.Index, short(ls.RequestID), ls.Host)
		case s != nil && s.filled != ls.Filled:
			add("ledger has slot %d of %s filled=%v, the chain %v", ls.Index, short(ls.RequestID), ls.Filled, s.filled)
		case s != nil && s.filled && !strings.EqualFold(ls.Host, s.host.Hex()):
			add("ledger has slot %d of %s held by %s, the chain by %s", ls.Index, short(ls.RequestID), ls.Host, s.host.Hex())
		}
	}
	for id, r := range st.requests {
		for i, s := range r.slots {
			if !held[slotKey{id, i}] && s.filled {
				add("ledger lacks slot %d of %s, which the chain has filled by %s", i, short(id), s.host.Hex())
			}
		}
	}
	if host {
		bad = append(bad, compareQueue(d, st)...)
		bad = append(bad, compareProofs(d, st, me)...)
	}
	return bad
}

// compareQueue: every queued slot is one the chain has open at the
// cursor, with its request's ask. (The other way round does not hold: a
// slot that fits no availability, or whose reservations are full, is
// not queued.)
func compareQueue(d *storeDump, st chainState) []string {
	var bad []string
	for _, q := range d.queue {
		r := st.requests[q.RequestID]
		var s replayedSlot
		if r != nil && r.slots[q.SlotIndex] != nil {
			s = *r.slots[q.SlotIndex]
		}
		var why string
		switch {
		case r == nil:
			why = "a request the chain never posted"
		case r.cancelled || r.failed:
			why = "a request that ended"
		case s.filled:
			why = "a filled slot"
		case r.fulfilled && !s.repair:
			why = "a slot of a started request that was never freed"
		case q.SlotSize != r.ask.SlotSize || q.Duration != r.ask.Duration || q.Price != r.ask.PricePerBytePerSecond.String() || q.Expiry != r.expiry:
			why = fmt.Sprintf("the ask %+v, not the request's %+v (expiry %d)", q, r.ask, r.expiry)
		case !s.repair && q.Collateral != r.ask.CollateralPerByte.String():
			// a repaired slot is sold at a reduced collateral, which the node's --repair-collateral sets
			why = fmt.Sprintf("collateral %s, not the request's %s", q.Collateral, r.ask.CollateralPerByte)
		}
		if why != "" {
			bad = append(bad, fmt.Sprintf("replay from genesis: queue holds slot %d of %s: %s", q.SlotIndex, short(q.RequestID), why))
		}
	}
	return bad
}

// compareProofs: the store's proof records are exactly the chain's proof
// events of the slots it has an agent for, in the periods it held them.
func compareProofs(d *storeDump, st chainState, me common.Address) []string {
	var bad []string
	want := map[proofKey]replayedProof{}
	for k, p := range st.proofs {
		if p.host == me && d.agents[p.slot] {
			want[k] = p
		}
	}
	got := map[proofKey]bool{}
	for _, p := range d.proofs {
		k := proofKey{p.RequestID, p.Index, p.Period}
		got[k] = true
		w, ok := want[k]
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("replay from genesis: proof record %s of slot %d of %s in period %d (block %d), which the chain does not have", p.Status, p.Index, short(p.RequestID), p.Period, p.Block))
		case w.status != p.Status || w.block != p.Block:
			bad = append(bad, fmt.Sprintf("replay from genesis: proof record of slot %d of %s in period %d is %s at block %d, the chain's %s at block %d", p.Index, short(p.RequestID), p.Period, p.Status, p.Block, w.status, w.block))
		}
	}
	var keys []proofKey
	for k := range want {
		if !got[k] {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b proofKey) int { return int(a.period) - int(b.period) })
	for _, k := range keys {
		bad = append(bad, fmt.Sprintf("replay from genesis: no proof record of slot %d of %s in period %d, where the chain has it %s at block %d", k.index, short(k.req), k.period, want[k].status, want[k].block))
	}
	return bad
}
