package fsm

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotd/slotd/persist"
)

// TestHappyPath: a sale runs through every state once, each transition
// journaled, and the end releases the bytes and drops the agent.
func TestHappyPath(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 1000)
	sale := saleOf(reqN(1), 3, 400)
	mustUpdate(t, s, func(tx *persist.Tx) error {
		return tx.PutQueueItem(&persist.QueueItem{SlotID: sale.SlotID, RequestID: sale.RequestID, SlotIndex: 3, SlotSize: 400})
	})
	fx := newScript(nil)
	var ended, releasedData []persist.Agent
	var mu sync.Mutex
	var r *Agents
	r = startAgents(t, s, fx, func(o *Options) {
		o.OnEnd = func(a persist.Agent) { mu.Lock(); ended = append(ended, a); mu.Unlock() }
		o.Release = func(a persist.Agent) {
			if r.Get(a.SlotID) == nil {
				t.Error("Release ran after the agent left the registry: a new sale could have started")
			}
			mu.Lock()
			releasedData = append(releasedData, a)
			mu.Unlock()
		}
		o.Head = func() uint64 { return 77 }
	})
	var released []string
	sale.Released = func(st string) { released = append(released, st) }
	a, err := r.Sell(bg, sale)
	if err != nil {
		t.Fatal(err)
	}
	waitClosed(t, a.Done(), "done")
	waitClosed(t, a.Released(), "released")
	j := checkJournal(t, s, sale.SlotID)
	want := []string{">preparing:start", "preparing>downloading:prepared", "downloading>initial-proving:downloaded",
		"initial-proving>filling:proof-ready", "filling>filled:fill-mined", "filled>proving:fill-confirmed",
		"proving>payout:request-ended", "payout>finished:paid"}
	if !slices.Equal(path(j), want) {
		t.Fatalf("journal %v", path(j))
	}
	if j[0].Detail != fmt.Sprintf("availability %d, 400 bytes", av) || j[3].Detail != "initial-proving done" || j[2].Block != 77 || !j[1].Time.Equal(t0) {
		t.Fatalf("entries %+v", j)
	}
	if got := fx.callsOf(sale.SlotID); !slices.Equal(got, live) {
		t.Fatalf("side effects %v", got)
	}
	if free := freeBytes(t, s, av); free != 1000 {
		t.Fatalf("free %d after the end", free)
	}
	rec, _ := storedAgent(s, sale.SlotID)
	if rec.Reserved != 0 || rec.AvailabilityID != av || rec.State != Finished {
		t.Fatalf("record %+v", rec)
	}
	if r.Len() != 0 || r.Get(sale.SlotID) != nil {
		t.Fatal("finished agent still in memory")
	}
	if len(ended) != 1 || ended[0].State != Finished || !slices.Equal(released, []string{Filled}) {
		t.Fatalf("OnEnd %v, released %v", ended, released)
	}
	if len(releasedData) != 1 || releasedData[0].State != Finished {
		t.Fatalf("Release %v, want once, at the end", releasedData)
	}
	// The queue entry left with the start.
	if err := s.View(func(tx *persist.Tx) error { _, err := tx.QueueItem(sale.SlotID); return err }); !errors.Is(err, persist.ErrNotFound) {
		t.Fatalf("queue item: %v", err)
	}
}

// failingUpdate wraps the store's UpdateFunc; fail says whether a call
// fails (before or after its function ran inside the transaction).
func failingUpdate(s *persist.Store, fail func() bool) UpdateFunc {
	base := StoreUpdate(s)
	return func(ctx context.Context, fn func(*persist.Tx, QueueTx) error) error {
		f := fail()
		return base(ctx, func(tx *persist.Tx, q QueueTx) error {
			if err := fn(tx, q); err != nil {
				return err
			}
			if f {
				return errBoom // after the writes: the transaction rolls them back
			}
			return nil
		})
	}
}

// TestFireAtomic drives an agent with random events, valid or not, while
// commits fail at random. After every Fire, memory and store agree: a
// failed commit changed nothing, a successful one exactly one journal
// entry whose To is the state, with the implied reservation change.
func TestFireAtomic(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 1000)
	var failing atomic.Bool
	fx := newScript(blockIn(live...)) // no driver progress: the test fires
	r := newAgents(t, s, fx, func(o *Options) { o.Update = failingUpdate(s, failing.Load) })
	if err := r.Start(bg); err != nil {
		t.Fatal(err)
	}
	defer r.Stop()

	// A failed Sell leaves nothing behind.
	failing.Store(true)
	sale := saleOf(reqN(2), 0, 100)
	if _, err := r.Sell(bg, sale); !errors.Is(err, errBoom) {
		t.Fatalf("sell: %v", err)
	}
	if _, err := storedAgent(s, sale.SlotID); !errors.Is(err, persist.ErrNotFound) || freeBytes(t, s, av) != 1000 || r.Len() != 0 {
		t.Fatalf("failed sell left an agent (%v) or a reservation", err)
	}
	failing.Store(false)

	rng := rand.New(rand.NewPCG(1, 2))
	var events []string
	for _, e := range Events {
		if !slices.Contains(events, e.Name) {
			events = append(events, e.Name)
		}
	}
	fired, sold := 0, 0
	for round := 0; round < 300; round++ {
		a := r.Get(sale.SlotID)
		if a == nil { // ended: sell it again
			var err error
			if a, err = r.Sell(bg, sale); err != nil {
				t.Fatal(err)
			}
			sold++
		}
		before, beforeRec := a.State(), a.Record()
		ev := events[rng.IntN(len(events))]
		fail := rng.IntN(3) == 0
		failing.Store(fail)
		err := a.Fire(bg, ev, fmt.Sprint("round ", round))
		failing.Store(false)
		_, allowed := Destination(before, ev)
		switch {
		case !allowed:
			if !errors.Is(err, ErrInvalidEvent) {
				t.Fatalf("round %d: %s in %s: %v", round, ev, before, err)
			}
		case fail:
			if !errors.Is(err, errBoom) {
				t.Fatalf("round %d: injected failure: %v", round, err)
			}
		case err != nil:
			t.Fatalf("round %d: %v", round, err)
		default:
			fired++
		}
		rec, _ := storedAgent(s, sale.SlotID)
		if err != nil {
			if a.State() != before || a.Record() != beforeRec || rec != beforeRec {
				t.Fatalf("round %d: failed fire changed state: memory %q %+v, store %+v, before %+v", round, a.State(), a.Record(), rec, beforeRec)
			}
		} else if rec.State != a.State() || rec != a.Record() {
			t.Fatalf("round %d: memory %+v, store %+v", round, a.Record(), rec)
		}
		j := checkJournal(t, s, sale.SlotID)
		if len(j) != fired+sold {
			t.Fatalf("round %d: %d journal entries, %d transitions", round, len(j), fired+sold)
		}
		want := uint64(100)
		if IsEnd(rec.State) || rec.State == Errored && slices.Contains(preFill, j[len(j)-1].From) {
			want = 0 // ended, or errored before a fill could be sent
		}
		if free := freeBytes(t, s, av); free != 1000-want || rec.Reserved != want {
			t.Fatalf("round %d: state %s, %d free, reserved %d", round, rec.State, free, rec.Reserved)
		}
		if err == nil && rec.State == Errored && rec.Reason != fmt.Sprint("round ", round) {
			t.Fatalf("errored without its reason: %+v", rec)
		}
	}
	if fired < 50 || sold < 3 {
		t.Fatalf("only %d transitions, %d sales", fired, sold)
	}
}

// storeAgentAt writes an agent that walked the given path of events, as a
// crashed node would have left it, with its reservation.
func storeAgentAt(t testing.TB, s *persist.Store, av uint64, slot, req persist.ID, events ...string) {
	t.Helper()
	mustUpdate(t, s, func(tx *persist.Tx) error {
		if err := tx.Reserve(av, slot, 10); err != nil {
			return err
		}
		a := persist.Agent{SlotID: slot, RequestID: req, AvailabilityID: av, Reserved: 10}
		from := ""
		for _, ev := range events {
			to, ok := Destination(from, ev)
			if !ok {
				return fmt.Errorf("%s from %q", ev, from)
			}
			e := persist.JournalEntry{From: from, To: to, Event: ev, Time: t0, Detail: "seed"}
			if to == Errored {
				a.Reason = "seeded fault"
			}
			if err := tx.Transition(&a, &e); err != nil {
				return err
			}
			if IsEnd(to) {
				if _, err := tx.Release(slot); err != nil {
					return err
				}
			}
			from = to
		}
		return nil
	})
}

// pathTo is the events of a clean sale up to state.
func pathTo(state string) []string {
	evs := []string{EvStart}
	for _, st := range live {
		if st == state {
			return evs
		}
		ev, _ := EventFor(st, Done)
		evs = append(evs, ev)
	}
	if state == Finished {
		return evs
	}
	panic(state)
}

// TestRestore: restoring recreates every non-end agent at its saved state
// without running anything; Start then runs exactly the saved state's side
// effect once per agent (none for Errored, none for ended sales).
func TestRestore(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 1<<20)
	want := map[persist.ID]string{}
	i := uint64(0)
	for _, st := range live {
		for range 3 {
			slot := slotOf(reqN(7), i)
			storeAgentAt(t, s, av, slot, reqN(7), pathTo(st)...)
			want[slot] = st
			i++
		}
	}
	errSlot := slotOf(reqN(8), 0)
	storeAgentAt(t, s, av, errSlot, reqN(8), append(pathTo(Filling), EvError)...)
	endSlot := slotOf(reqN(8), 1)
	storeAgentAt(t, s, av, endSlot, reqN(8), pathTo(Finished)...)

	fx := newScript(blockIn(live...))
	r := newAgents(t, s, fx)
	n, err := r.Restore()
	if err != nil || n != len(want)+1 {
		t.Fatalf("restored %d (%v), want %d", n, err, len(want)+1)
	}
	time.Sleep(20 * time.Millisecond)
	if fx.total() != 0 {
		t.Fatalf("Restore ran side effects: %v", fx.calls)
	}
	for slot, st := range want {
		a := r.Get(slot)
		if a == nil || a.State() != st || a.sm.Current() != st {
			t.Fatalf("slot %s not restored at %s", slot, st)
		}
		select {
		case <-a.Released():
			if !isReleased(st) {
				t.Fatalf("restored %s agent released", st)
			}
		default:
			if isReleased(st) {
				t.Fatalf("restored %s agent not released", st)
			}
		}
	}
	if a := r.Get(errSlot); a == nil || a.State() != Errored || a.Info().ErroredFrom != Filling || a.Record().Reason != "seeded fault" {
		t.Fatalf("errored agent: %+v", a)
	}
	if r.Get(endSlot) != nil {
		t.Fatal("finished agent restored")
	}

	if err := r.Start(bg); err != nil {
		t.Fatal(err)
	}
	for range want {
		fx.waitCall(t, persist.ID{}, "")
	}
	r.Stop()
	for slot, st := range want {
		if got := fx.callsOf(slot); !slices.Equal(got, []string{st}) {
			t.Errorf("slot at %s ran %v", st, got)
		}
		if j := checkJournal(t, s, slot); len(j) != len(pathTo(st)) {
			t.Errorf("restore journaled: %v", path(j))
		}
	}
	if got := fx.callsOf(errSlot); len(got) != 0 {
		t.Errorf("errored agent ran %v", got)
	}
}

// TestRestoredPayoutCollects (pitfall): an agent restored in Payout still
// collects its payout and finishes.
func TestRestoredPayoutCollects(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 100)
	slot := slotOf(reqN(9), 0)
	storeAgentAt(t, s, av, slot, reqN(9), pathTo(Payout)...)
	fx := newScript(nil)
	startAgents(t, s, fx)
	waitState(t, s, slot, Finished)
	if got := fx.callsOf(slot); !slices.Equal(got, []string{Payout}) {
		t.Fatalf("side effects %v", got)
	}
	if freeBytes(t, s, av) != 100 {
		t.Fatal("bytes not released")
	}
}

// TestStop: Stop interrupts side effects and leaves every agent at its
// durable state, workers released; a new registry resumes them.
func TestStop(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 1000)
	fx := newScript(blockIn(Downloading))
	r := newAgents(t, s, fx)
	if err := r.Start(bg); err != nil {
		t.Fatal(err)
	}
	var agents []*Agent
	for i := range uint64(5) {
		a, err := r.Sell(bg, saleOf(reqN(3), i, 10))
		if err != nil {
			t.Fatal(err)
		}
		agents = append(agents, a)
	}
	for range agents {
		fx.waitCall(t, persist.ID{}, Downloading)
	}
	r.Stop()
	for _, a := range agents {
		waitClosed(t, a.Released(), "released after Stop")
		if rec, _ := storedAgent(s, a.SlotID()); rec.State != Downloading {
			t.Fatalf("state after stop %q", rec.State)
		}
	}
	if _, err := r.Sell(bg, saleOf(reqN(3), 9, 10)); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("sell after stop: %v", err)
	}
	if freeBytes(t, s, av) != 950 {
		t.Fatal("reservations lost")
	}
	fx2 := newScript(nil)
	startAgents(t, s, fx2)
	for _, a := range agents {
		waitState(t, s, a.SlotID(), Finished)
		if got := fx2.callsOf(a.SlotID()); got[0] != Downloading || len(got) != 6 {
			t.Fatalf("resumed with %v", got)
		}
	}
}

// TestSell: one agent per slot however many workers race for it; no room
// is no agent; an ended slot can be sold again and its journal goes on.
func TestSell(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 100)
	fx := newScript(blockIn(Downloading))
	r := startAgents(t, s, fx)
	sale := saleOf(reqN(4), 1, 60)
	var wg sync.WaitGroup
	var ok, dup atomic.Int32
	for range 8 {
		wg.Go(func() {
			_, err := r.Sell(bg, sale)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrSelling):
				dup.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 || dup.Load() != 7 {
		t.Fatalf("%d sales, %d refused", ok.Load(), dup.Load())
	}
	// 40 bytes left: a 60-byte slot does not fit, and nothing is written.
	other := saleOf(reqN(4), 2, 60)
	if _, err := r.Sell(bg, other); !errors.Is(err, persist.ErrInsufficientSpace) {
		t.Fatalf("sell without room: %v", err)
	}
	if _, err := storedAgent(s, other.SlotID); !errors.Is(err, persist.ErrNotFound) {
		t.Fatal("agent stored without room")
	}
	// Fits chooses the availability.
	av2 := addAvail(t, s, 100)
	other.Fits = func(a persist.Availability) bool { return a.ID == av2 }
	if a, err := r.Sell(bg, other); err != nil || a.Record().AvailabilityID != av2 {
		t.Fatalf("sell with Fits: %v", err)
	}
	// Someone else fills it while we download: Ignored; sold again later.
	r.Dispatch(sale.SlotID, slotFilled(sale, 10))
	waitState(t, s, sale.SlotID, Ignored)
	if freeBytes(t, s, av) != 100 {
		t.Fatal("ignored sale kept its bytes")
	}
	for r.Get(sale.SlotID) != nil {
		time.Sleep(time.Millisecond)
	}
	if _, err := r.Sell(bg, sale); err != nil {
		t.Fatal(err)
	}
	j := checkJournal(t, s, sale.SlotID)
	if p := path(j); p[len(p)-1] != "ignored>preparing:start" {
		t.Fatalf("journal %v", p)
	}
}

// TestReleased (pitfalls): the worker is released once the slot is
// filled, not at the end, and every agent has its own release.
func TestReleased(t *testing.T) {
	s := openStore(t, false)
	addAvail(t, s, 1000)
	fx := newScript(blockIn(Proving))
	r := startAgents(t, s, fx)
	var got [3]atomic.Int32
	var agents []*Agent
	for i := range 3 {
		sale := saleOf(reqN(5), uint64(i), 10)
		sale.Released = func(st string) {
			if st != Filled {
				t.Errorf("released at %s", st)
			}
			got[i].Add(1)
		}
		a, err := r.Sell(bg, sale)
		if err != nil {
			t.Fatal(err)
		}
		agents = append(agents, a)
	}
	for i, a := range agents {
		waitClosed(t, a.Released(), "released")
		if err := a.WaitReleased(bg); err != nil {
			t.Fatal(err)
		}
		if got[i].Load() != 1 {
			t.Fatalf("agent %d released %d times", i, got[i].Load())
		}
		select {
		case <-a.Done():
			t.Fatal("done while proving")
		default:
		}
	}
	// Not before the fill.
	fx2 := newScript(blockIn(Downloading))
	s2 := openStore(t, false)
	addAvail(t, s2, 100)
	r2 := startAgents(t, s2, fx2)
	a, err := r2.Sell(bg, saleOf(reqN(5), 0, 10))
	if err != nil {
		t.Fatal(err)
	}
	fx2.waitCall(t, a.SlotID(), Downloading)
	ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
	defer cancel()
	if err := a.WaitReleased(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("released while downloading: %v", err)
	}
}

// TestResync: when the store holds another state than memory (written
// behind the registry's back), a Fire fails with the conflict and the
// agent takes the stored state; an ended agent takes no more events.
func TestResync(t *testing.T) {
	s := openStore(t, false)
	addAvail(t, s, 100)
	fx := newScript(blockIn(Downloading, Proving))
	r := startAgents(t, s, fx)
	sale := saleOf(reqN(20), 0, 10)
	a, err := r.Sell(bg, sale)
	if err != nil {
		t.Fatal(err)
	}
	fx.waitCall(t, sale.SlotID, Downloading)
	mustUpdate(t, s, func(tx *persist.Tx) error {
		rec, err := tx.Agent(sale.SlotID)
		if err != nil {
			return err
		}
		for _, ev := range []string{EvDownloaded, EvProofReady, EvFillMined, EvFillConfirmed} {
			to, _ := Destination(rec.State, ev)
			if err := tx.Transition(&rec, &persist.JournalEntry{From: rec.State, To: to, Event: ev, Time: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	if err := a.Fire(bg, EvDownloaded, ""); !errors.Is(err, persist.ErrConflict) {
		t.Fatalf("fire against a changed store: %v", err)
	}
	if a.State() != Proving {
		t.Fatalf("memory %s after the conflict", a.State())
	}
	waitClosed(t, a.Released(), "released")
	fx.waitCall(t, sale.SlotID, Proving) // the driver follows the stored state
	if err := a.Fire(bg, EvRequestCancelled, "test"); err != nil {
		t.Fatal(err)
	}
	fx.waitCall(t, sale.SlotID, Payout)
	waitClosed(t, a.Done(), "done")
	if err := a.Fire(bg, EvStart, ""); !errors.Is(err, ErrNoAgent) {
		t.Fatalf("fire on an ended agent: %v", err)
	}
	checkJournal(t, s, sale.SlotID)
}

// TestCommittedHookSeesEveryTransition: the failpoint hook hears each state
// right after it commits, in order, before that state's side effect runs.
func TestCommittedHookSeesEveryTransition(t *testing.T) {
	s := openStore(t, false)
	addAvail(t, s, 1000)
	sale := saleOf(reqN(1), 0, 100)
	fx := newScript(nil)
	var mu sync.Mutex
	var seen []string
	r := startAgents(t, s, fx, func(o *Options) {
		o.Committed = func(a persist.Agent) {
			mu.Lock()
			defer mu.Unlock()
			// The side effect of a.State has not been called yet.
			if n := len(fx.callsOf(a.SlotID)); n != len(seen) && !IsEnd(a.State) {
				t.Errorf("hook for %s ran after %d side effects", a.State, n)
			}
			seen = append(seen, a.State)
		}
	})
	a, err := r.Sell(bg, sale)
	if err != nil {
		t.Fatal(err)
	}
	waitClosed(t, a.Done(), "done")
	mu.Lock()
	defer mu.Unlock()
	want := []string{Preparing, Downloading, InitialProving, Filling, Filled, Proving, Payout, Finished}
	if !slices.Equal(seen, want) {
		t.Fatalf("hook saw %v, want %v", seen, want)
	}
}

// Fire moves the agent with event, as a chain event or the driver would,
// and starts a driver if the agent is left in a live state without one.
func (a *Agent) Fire(ctx context.Context, event, detail string) error {
	if err := a.fire(ctx, "", event, detail, a.r.head()); err != nil {
		return err
	}
	a.r.startDriver(a)
	return nil
}
