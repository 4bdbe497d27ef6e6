package fsm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts/marketplace"
	"github.com/slotd/slotd/persist"
)

var bg = context.Background()

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// reqN is a deterministic request id; slotOf the id of one of its slots,
// as the contract computes it.
func reqN(n uint64) persist.ID {
	var id persist.ID
	binary.BigEndian.PutUint64(id[:], n)
	id[31] = 0xee
	return id
}

func slotOf(req persist.ID, idx uint64) persist.ID {
	return persist.ID(marketplace.GetSlotID(marketplace.RequestID(req), idx))
}

func openStore(t testing.TB, sync bool) *persist.Store {
	t.Helper()
	s, err := persist.Open(filepath.Join(t.TempDir(), "slotd.db"), &persist.Options{NoSync: !sync})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustUpdate(t testing.TB, s *persist.Store, fn func(*persist.Tx) error) {
	t.Helper()
	if err := s.Update(bg, fn); err != nil {
		t.Fatal(err)
	}
}

// addAvail adds an availability of size bytes and returns its id.
func addAvail(t testing.TB, s *persist.Store, size uint64) uint64 {
	t.Helper()
	var id uint64
	mustUpdate(t, s, func(tx *persist.Tx) error {
		a := persist.Availability{TotalSize: size, Duration: 1 << 30}
		if err := tx.AddAvailability(&a); err != nil {
			return err
		}
		id = a.ID
		return nil
	})
	return id
}

func saleOf(req persist.ID, idx, size uint64) Sale {
	return Sale{SlotID: slotOf(req, idx), RequestID: req, SlotIndex: idx, SlotSize: size}
}

// script is a scripted Effects: fn decides what the side effect of state
// does on its n-th call for the agent (n from 1). The default does its
// work at once (Done). Every call is counted.
type script struct {
	mu    sync.Mutex
	calls map[persist.ID][]string
	fn    func(ctx context.Context, state string, a *Agent, n int) (Step, error)
	// called gets every call (never blocks: buffered generously or nil).
	called chan call
}

type call struct {
	slot  persist.ID
	state string
	n     int
}

func newScript(fn func(ctx context.Context, state string, a *Agent, n int) (Step, error)) *script {
	return &script{calls: make(map[persist.ID][]string), fn: fn, called: make(chan call, 1<<16)}
}

func (s *script) run(ctx context.Context, state string, a *Agent) (Step, error) {
	s.mu.Lock()
	s.calls[a.SlotID()] = append(s.calls[a.SlotID()], state)
	n := 0
	for _, st := range s.calls[a.SlotID()] {
		if st == state {
			n++
		}
	}
	s.mu.Unlock()
	select {
	case s.called <- call{a.SlotID(), state, n}:
	default:
	}
	if s.fn == nil {
		return Step{Detail: state + " done"}, nil
	}
	return s.fn(ctx, state, a, n)
}

// callsOf returns the states whose side effects ran for slot, in order.
func (s *script) callsOf(slot persist.ID) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls[slot]...)
}

func (s *script) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += len(c)
	}
	return n
}

// waitCall waits for a call of state (any slot if slot is zero, any
// state if state is empty).
func (s *script) waitCall(t testing.TB, slot persist.ID, state string) call {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case c := <-s.called:
			if (state == "" || c.state == state) && (slot.IsZero() || c.slot == slot) {
				return c
			}
		case <-timeout:
			t.Fatalf("no %s side effect for %s; calls %v", state, slot, s.callsOf(slot))
		}
	}
}

func (s *script) Prepare(ctx context.Context, a *Agent) (Step, error) {
	return s.run(ctx, Preparing, a)
}
func (s *script) Download(ctx context.Context, a *Agent) (Step, error) {
	return s.run(ctx, Downloading, a)
}
func (s *script) InitialProve(ctx context.Context, a *Agent) (Step, error) {
	return s.run(ctx, InitialProving, a)
}
func (s *script) Fill(ctx context.Context, a *Agent) (Step, error) { return s.run(ctx, Filling, a) }
func (s *script) ConfirmFill(ctx context.Context, a *Agent) (Step, error) {
	return s.run(ctx, Filled, a)
}
func (s *script) Prove(ctx context.Context, a *Agent) (Step, error) { return s.run(ctx, Proving, a) }
func (s *script) Payout(ctx context.Context, a *Agent) (Step, error) {
	return s.run(ctx, Payout, a)
}

// blockIn returns a script function that blocks the side effect of the
// given states until its ctx ends, and does the others at once.
func blockIn(states ...string) func(ctx context.Context, state string, a *Agent, n int) (Step, error) {
	return func(ctx context.Context, state string, a *Agent, n int) (Step, error) {
		for _, s := range states {
			if s == state {
				<-ctx.Done()
				return Step{}, ctx.Err()
			}
		}
		return Step{Detail: state + " done"}, nil
	}
}

func newAgents(t testing.TB, s *persist.Store, fx Effects, mod ...func(*Options)) *Agents {
	t.Helper()
	o := Options{Store: s, Effects: fx, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Now: func() time.Time { return t0 }}
	for _, m := range mod {
		m(&o)
	}
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func startAgents(t testing.TB, s *persist.Store, fx Effects, mod ...func(*Options)) *Agents {
	t.Helper()
	r := newAgents(t, s, fx, mod...)
	if err := r.Start(bg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	return r
}

// waitState waits until slot's stored agent is in state.
func waitState(t testing.TB, s *persist.Store, slot persist.ID, state string) persist.Agent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a, err := storedAgent(s, slot)
		if err == nil && a.State == state {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot %s: state %q (err %v), want %q", slot, a.State, err, state)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitAgent waits until a is in state in memory (the store has it first).
func waitAgent(t testing.TB, a *Agent, state string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for a.State() != state {
		if time.Now().After(deadline) {
			t.Fatalf("agent %s in %q, want %q", a.SlotID(), a.State(), state)
		}
		time.Sleep(time.Millisecond)
	}
}

func storedAgent(s *persist.Store, slot persist.ID) (persist.Agent, error) {
	var a persist.Agent
	err := s.View(func(tx *persist.Tx) error {
		var err error
		a, err = tx.Agent(slot)
		return err
	})
	return a, err
}

// path renders a journal as "from>to:event" steps.
func path(j []persist.JournalEntry) []string {
	out := make([]string, len(j))
	for i, e := range j {
		out[i] = fmt.Sprintf("%s>%s:%s", e.From, e.To, e.Event)
	}
	return out
}

// checkJournal asserts the journal is a walk through Events ending at the
// stored state, and the store is consistent.
func checkJournal(t testing.TB, s *persist.Store, slot persist.ID) []persist.JournalEntry {
	t.Helper()
	// One snapshot: the agent may be moving on meanwhile.
	var j []persist.JournalEntry
	var a persist.Agent
	if err := s.View(func(tx *persist.Tx) error {
		var err error
		if a, err = tx.Agent(slot); err != nil {
			return err
		}
		return tx.Journal(slot, func(e persist.JournalEntry) error {
			j = append(j, e)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	prev := ""
	for i, e := range j {
		if e.From != prev {
			t.Fatalf("journal %d of %s: from %q, previous to %q: %v", i, slot, e.From, prev, path(j))
		}
		if d, ok := Destination(e.From, e.Event); !ok || d != e.To {
			t.Fatalf("journal %d of %s: %q from %q to %q is not in the table", i, slot, e.Event, e.From, e.To)
		}
		prev = e.To
	}
	if len(j) == 0 || j[len(j)-1].To != a.State || a.Seq != uint64(len(j)) {
		t.Fatalf("agent %s state %q seq %d, journal %v", slot, a.State, a.Seq, path(j))
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	return j
}

func freeBytes(t testing.TB, s *persist.Store, id uint64) uint64 {
	t.Helper()
	var free uint64
	if err := s.View(func(tx *persist.Tx) error {
		a, err := tx.Availability(id)
		free = a.FreeSize
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return free
}

func waitClosed(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s not closed", what)
	}
}

var errBoom = errors.New("boom")
