package fsm

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/retry"
)

// TestErroredBeforeFillReturnsItsBytes: an agent that errors while it
// downloads (no fill sent: the slot cannot be ours) gives its bytes back at
// once, so another sale can use them; a retry with no room left fails and
// leaves it Errored; once there is room, the retry takes the bytes again
// and the sale completes.
func TestErroredBeforeFillReturnsItsBytes(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 100)
	var broken atomic.Bool
	broken.Store(true)
	fx := newScript(func(ctx context.Context, state string, a *Agent, n int) (Step, error) {
		if state == Downloading && broken.Load() {
			return Step{}, retry.MarkFinal(errors.New("slot data fails verification"))
		}
		if state == Proving || state == Preparing && a.SlotIndex() == 1 {
			<-ctx.Done() // hold the bytes until the test ends
			return Step{}, ctx.Err()
		}
		return Step{}, nil
	})
	r := startAgents(t, s, fx)
	sale := saleOf(reqN(21), 0, 60)
	a, err := r.Sell(bg, sale)
	if err != nil {
		t.Fatal(err)
	}
	rec := waitState(t, s, sale.SlotID, Errored)
	if rec.Reserved != 0 || freeBytes(t, s, av) != 100 {
		t.Fatalf("errored while downloading: reserved %d, %d of 100 free; want its 60 bytes back", rec.Reserved, freeBytes(t, s, av))
	}
	if _, err := storeReservation(s, sale.SlotID); !errors.Is(err, persist.ErrNotFound) {
		t.Fatalf("reservation after the error: %v", err)
	}
	// Another sale takes 60 of the 100 bytes: no room for the retry.
	other := saleOf(reqN(22), 1, 60)
	if _, err := r.Sell(bg, other); err != nil {
		t.Fatal(err)
	}
	broken.Store(false)
	if err := r.Retry(bg, sale.SlotID); !errors.Is(err, persist.ErrInsufficientSpace) {
		t.Fatalf("retry with 40 bytes free for 60: %v", err)
	}
	if st := a.State(); st != Errored {
		t.Fatalf("after a refused retry the agent is %s", st)
	}
	// The other sale ends: room again.
	if err := r.Get(other.SlotID).Fire(bg, EvRequestCancelled, "test"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); freeBytes(t, s, av) != 100; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the other sale's bytes never came back")
		}
	}
	if err := r.Retry(bg, sale.SlotID); err != nil {
		t.Fatal(err)
	}
	rec = waitState(t, s, sale.SlotID, Proving)
	if rec.Reserved != 60 || freeBytes(t, s, av) != 40 {
		t.Fatalf("retried sale: reserved %d, %d free; want 60 and 40", rec.Reserved, freeBytes(t, s, av))
	}
}

// TestRestoreReleasesStaleReservations: at start, bytes reserved for a
// slot whose agent ended or that has no agent go back to the
// availability; a live agent's and an Errored-after-fill agent's stay.
func TestRestoreReleasesStaleReservations(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 100)
	live := slotOf(reqN(23), 0)
	storeAgentAt(t, s, av, live, reqN(23), pathTo(Downloading)...)
	errored := slotOf(reqN(23), 1)
	storeAgentAt(t, s, av, errored, reqN(23), append(pathTo(Filling), EvError)...)
	ended := slotOf(reqN(23), 2)
	storeAgentAt(t, s, av, ended, reqN(23), pathTo(Finished)...)
	orphan := slotOf(reqN(23), 3)
	mustUpdate(t, s, func(tx *persist.Tx) error {
		if err := tx.Reserve(av, orphan, 10); err != nil {
			return err
		}
		return tx.Reserve(av, ended, 10) // a crash of an older binary left it behind
	})
	if free := freeBytes(t, s, av); free != 60 {
		t.Fatalf("%d free before the start, want 60", free)
	}
	if _, err := newAgents(t, s, newScript(nil)).Restore(); err != nil {
		t.Fatal(err)
	}
	if free := freeBytes(t, s, av); free != 80 {
		t.Fatalf("%d free after the start, want 80 (the live and the errored agent's 10 each held)", free)
	}
	for _, slot := range []persist.ID{orphan, ended} {
		if _, err := storeReservation(s, slot); !errors.Is(err, persist.ErrNotFound) {
			t.Fatalf("stale reservation of %s kept: %v", slot, err)
		}
	}
}

func storeReservation(s *persist.Store, slot persist.ID) (r persist.Reservation, err error) {
	err = s.View(func(tx *persist.Tx) error { r, err = tx.Reservation(slot); return err })
	return r, err
}
