package fsm

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/slotd/slotd/contracts/marketplace"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/retry"
)

func ref(block uint64) marketplace.LogRef { return marketplace.LogRef{Block: block} }

func slotFilled(s Sale, block uint64) *marketplace.SlotFilled {
	return &marketplace.SlotFilled{LogRef: ref(block), RequestID: marketplace.RequestID(s.RequestID), SlotIndex: s.SlotIndex}
}

// TestDispatch: chain events move the agent that owns the slot as
// Reactions says, interrupting its side effect.
func TestDispatch(t *testing.T) {
	type tc struct {
		name   string
		at     string // state the agent waits in (its side effect blocks)
		ev     func(Sale) marketplace.Event
		took   bool
		want   string   // end state
		path   []string // journal tail after `at`
		payout Outcome  // what the Payout side effect reports
		rerun  *Step    // a recheck: what the side effect of `at` reports when run again
	}
	cancelled := func(s Sale) marketplace.Event {
		return &marketplace.RequestCancelled{LogRef: ref(50), RequestID: marketplace.RequestID(s.RequestID)}
	}
	failed := func(s Sale) marketplace.Event {
		return &marketplace.RequestFailed{LogRef: ref(50), RequestID: marketplace.RequestID(s.RequestID)}
	}
	for _, c := range []tc{
		{name: "filled by another while downloading", at: Downloading, ev: func(s Sale) marketplace.Event { return slotFilled(s, 50) },
			took: true, want: Ignored, path: []string{"downloading>ignored:slot-taken"}},
		{name: "fulfilled without us while initial proving", at: InitialProving, took: true, want: Ignored,
			ev: func(s Sale) marketplace.Event {
				return &marketplace.RequestFulfilled{LogRef: ref(50), RequestID: marketplace.RequestID(s.RequestID)}
			}, path: []string{"initial-proving>ignored:slot-taken"}},
		{name: "cancelled while preparing", at: Preparing, ev: cancelled, took: true, want: Cancelled,
			path: []string{"preparing>cancelled:request-cancelled"}},
		{name: "cancelled while proving collects", at: Proving, ev: cancelled, took: true, want: Cancelled, payout: RequestCancelled,
			path: []string{"proving>payout:request-cancelled", "payout>cancelled:paid-cancelled"}},
		{name: "failed while filled collects", at: Filled, ev: failed, took: true, want: Failed, payout: RequestFailed,
			path: []string{"filled>payout:request-failed", "payout>failed:paid-failed"}},
		{name: "freed from us while proving", at: Proving, took: true, want: Failed,
			ev: func(s Sale) marketplace.Event {
				return &marketplace.SlotFreed{LogRef: ref(50), RequestID: marketplace.RequestID(s.RequestID), SlotIndex: s.SlotIndex}
			}, rerun: &Step{Outcome: Lost, Detail: "host is 0x0"}, path: []string{"proving>failed:slot-freed"}},
		{name: "our own fill seen while proving", at: Proving, ev: func(s Sale) marketplace.Event { return slotFilled(s, 50) }},
		{name: "removed log", at: Downloading, ev: func(s Sale) marketplace.Event {
			e := slotFilled(s, 50)
			e.Removed = true
			return e
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openStore(t, false)
			av := addAvail(t, s, 100)
			var interrupted atomic.Int32
			fx := newScript(func(ctx context.Context, state string, a *Agent, n int) (Step, error) {
				switch {
				case state == c.at && n > 1 && c.rerun != nil:
					return *c.rerun, nil
				case state == c.at:
					<-ctx.Done()
					interrupted.Add(1)
					return Step{}, ctx.Err()
				case state == Payout:
					return Step{Outcome: c.payout, Detail: "collected"}, nil
				}
				return Step{}, nil
			})
			r := startAgents(t, s, fx)
			sale := saleOf(reqN(10), 2, 10)
			a, err := r.Sell(bg, sale)
			if err != nil {
				t.Fatal(err)
			}
			fx.waitCall(t, sale.SlotID, c.at)
			if took := r.HandleEvent(c.ev(sale)); (took == 1) != c.took {
				t.Fatalf("took %d", took)
			}
			if !c.took {
				if a.State() != c.at || interrupted.Load() != 0 {
					t.Fatalf("state %s, interrupted %d", a.State(), interrupted.Load())
				}
				return
			}
			waitClosed(t, a.Done(), "done")
			j := checkJournal(t, s, sale.SlotID)
			p := path(j)
			i := slices.IndexFunc(j, func(e persist.JournalEntry) bool { return e.From == c.at })
			if i < 0 || !slices.Equal(p[i:], c.path) || (c.rerun == nil && j[i].Block != 50) {
				t.Fatalf("journal %v (%+v)", p, j[i])
			}
			if a.State() != c.want || interrupted.Load() != 1 {
				t.Fatalf("state %s, interrupted %d", a.State(), interrupted.Load())
			}
			paid := slices.Contains(fx.callsOf(sale.SlotID), Payout)
			if paid != (c.payout != Done) {
				t.Fatalf("payout ran: %v", paid)
			}
			if freeBytes(t, s, av) != 100 {
				t.Fatal("bytes kept")
			}
			if c.want == Failed {
				if rec, _ := storedAgent(s, sale.SlotID); rec.Reason == "" {
					t.Fatal("failed without reason")
				}
			}
		})
	}
}

// TestDispatchRecheck: a SlotFilled while Filling may be our own fill;
// the fill side effect runs again and its reading of the chain decides.
func TestDispatchRecheck(t *testing.T) {
	for _, ours := range []bool{true, false} {
		s := openStore(t, false)
		addAvail(t, s, 100)
		fx := newScript(func(ctx context.Context, state string, a *Agent, n int) (Step, error) {
			switch {
			case state == Filling && n == 1:
				<-ctx.Done()
				return Step{}, ctx.Err()
			case state == Filling && !ours:
				return Step{Outcome: Lost, Detail: "slot filled by 0xother"}, nil
			case state == Proving:
				<-ctx.Done()
				return Step{}, ctx.Err()
			}
			return Step{}, nil
		})
		r := startAgents(t, s, fx)
		sale := saleOf(reqN(11), 0, 10)
		a, err := r.Sell(bg, sale)
		if err != nil {
			t.Fatal(err)
		}
		fx.waitCall(t, sale.SlotID, Filling)
		if !r.Dispatch(sale.SlotID, slotFilled(sale, 60)) {
			t.Fatal("not taken")
		}
		want := Proving
		if !ours {
			want = Ignored
		}
		waitState(t, s, sale.SlotID, want)
		if got := fx.callsOf(sale.SlotID); !slices.Equal(got[3:5], []string{Filling, Filling}) {
			t.Fatalf("calls %v", got)
		}
		_ = a
		r.Stop()
	}
}

// TestDispatchIdle: an event for an agent without a driver (restored, not
// started) waits and is applied when it starts; unknown slots and events
// are refused.
func TestDispatchIdle(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 100)
	slot := slotOf(reqN(12), 0)
	storeAgentAt(t, s, av, slot, reqN(12), pathTo(Downloading)...)
	fx := newScript(nil)
	r := newAgents(t, s, fx)
	if _, err := r.Restore(); err != nil {
		t.Fatal(err)
	}
	if r.Dispatch(slotOf(reqN(12), 1), &marketplace.SlotFilled{}) || r.HandleEvent(&marketplace.ProofSubmitted{}) != 0 {
		t.Fatal("took an event for no agent")
	}
	if n := r.DispatchRequest(reqN(12), &marketplace.RequestCancelled{LogRef: ref(9)}); n != 1 {
		t.Fatalf("took by %d", n)
	}
	if err := r.Start(bg); err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	waitState(t, s, slot, Cancelled)
	if got := fx.callsOf(slot); len(got) != 0 {
		t.Fatalf("ran %v", got)
	}
}

// TestErroredRetry: a permanent fault stops the agent in Errored with the
// reason kept and the worker released; transient faults only retry.
// Retry goes back to the state it errored from and the sale completes.
func TestErroredRetry(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 100)
	var broken atomic.Bool
	broken.Store(true)
	fx := newScript(func(ctx context.Context, state string, a *Agent, n int) (Step, error) {
		switch {
		case state == Downloading && n <= 3:
			return Step{}, retry.MarkTransient(errors.New("provider unreachable"))
		case state == Filling && broken.Load():
			return Step{}, retry.MarkFinal(errors.New("collateral token not approved: allowance 0"))
		}
		return Step{}, nil
	})
	r := startAgents(t, s, fx)
	sale := saleOf(reqN(13), 0, 10)
	a, err := r.Sell(bg, sale)
	if err != nil {
		t.Fatal(err)
	}
	rec := waitState(t, s, sale.SlotID, Errored)
	if rec.Reason != "collateral token not approved: allowance 0" || rec.Reserved != 10 || freeBytes(t, s, av) != 90 {
		t.Fatalf("errored record %+v", rec)
	}
	waitAgent(t, a, Errored)
	waitClosed(t, a.Released(), "released when errored")
	if got := fx.callsOf(sale.SlotID); !slices.Equal(got, []string{Preparing, Downloading, Downloading, Downloading, Downloading, InitialProving, Filling}) {
		t.Fatalf("calls %v", got)
	}
	if inf := a.Info(); inf.ErroredFrom != Filling || inf.LastError != rec.Reason {
		t.Fatalf("info %+v", inf)
	}
	if err := r.Retry(bg, slotOf(reqN(13), 5)); !errors.Is(err, ErrNoAgent) {
		t.Fatal(err)
	}
	// Still broken: back to Errored.
	if err := r.Retry(bg, sale.SlotID); err != nil {
		t.Fatal(err)
	}
	fx.waitCall(t, sale.SlotID, Filling)
	fx.waitCall(t, sale.SlotID, Filling)
	waitState(t, s, sale.SlotID, Errored)
	waitAgent(t, a, Errored)
	broken.Store(false)
	if err := r.Retry(bg, sale.SlotID); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, a.Done(), "done")
	p := path(checkJournal(t, s, sale.SlotID))
	want := []string{"filling>errored:error", "errored>filling:retry-filling", "filling>errored:error", "errored>filling:retry-filling", "filling>filled:fill-mined"}
	if !slices.Equal(p[4:9], want) || p[len(p)-1] != "payout>finished:paid" {
		t.Fatalf("journal %v", p)
	}
	if err := r.Retry(bg, sale.SlotID); !errors.Is(err, ErrNoAgent) {
		t.Fatal(err)
	}
}

// TestRetryNotErrored: Retry of an agent that is not Errored fails with
// ErrNotErrored and leaves the agent as it was.
func TestRetryNotErrored(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 100)
	slot := slotOf(reqN(14), 0)
	storeAgentAt(t, s, av, slot, reqN(14), pathTo(Proving)...)
	other := slotOf(reqN(14), 1)
	storeAgentAt(t, s, av, other, reqN(14), pathTo(Filling)...)
	fx := newScript(blockIn(Proving, Filling))
	r := startAgents(t, s, fx)
	fx.waitCall(t, slot, Proving)
	if err := r.Retry(bg, other); !errors.Is(err, ErrNotErrored) {
		t.Fatal(err)
	}
}
