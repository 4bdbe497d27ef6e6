package queue

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts/marketplace"
	"github.com/slotd/slotd/persist"
)

// TestReload is the pitfall of the reference: the queue must come back
// after a restart, in the same order, with the slots that were being
// worked on when the node stopped.
func TestReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slotd.db")
	s := openStore(t, path)
	q := openQueue(t, s, testOpts(10, 5))
	ev := openReq(3, 4, 100, 2)
	if _, err := q.PushRequest(bg, ev.Ask.Slots, nil, slotsOf(ev)); err != nil {
		t.Fatal(err)
	}
	mustPush(t, q, mk(9, 0, 10, 10, 1, 1, 1))
	taken, ok := q.Take(nil)
	if !ok {
		t.Fatal("take")
	}
	want := q.Items()
	want = append(want, taken)
	slices.SortFunc(want, func(a, b Item) int { return cmpEntries(newEntry(a), newEntry(b)) })
	s.Close() // the node dies with a slot in flight

	s = openStore(t, path)
	defer s.Close()
	q = openQueue(t, s, testOpts(10, 5))
	got := q.Items()
	if len(got) != len(want) {
		t.Fatalf("reloaded %d items, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].SlotID != want[i].SlotID || got[i].Seq != want[i].Seq || got[i].Payout().Cmp(want[i].Payout()) != 0 {
			t.Fatalf("item %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if q.Status(taken.SlotID) != Queued {
		t.Fatal("the slot in flight at the crash is not queued again")
	}
}

func TestOpenEvictsOverBound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slotd.db")
	s := openStore(t, path)
	q := openQueue(t, s, testOpts(10, 1))
	for p := range int64(8) {
		mustPush(t, q, byPrice(p))
	}
	s.Close()
	s = openStore(t, path)
	defer s.Close()
	q = openQueue(t, s, testOpts(3, 1))
	if got := prices(q.Items()); !slices.Equal(got, []int64{7, 6, 5}) {
		t.Fatalf("queue %v", got)
	}
	if n := len(stored(t, s)); n != 3 {
		t.Fatalf("store holds %d items", n)
	}
}

// TestUpdateAtomic: a failed Update leaves neither the store nor the memory
// changed, whatever it did before failing.
func TestUpdateAtomic(t *testing.T) {
	for _, mode := range []string{"store", "memory"} {
		t.Run(mode, func(t *testing.T) {
			var s *persist.Store
			if mode == "store" {
				s, _ = tempStore(t)
			}
			q := openQueue(t, s, testOpts(3, 1))
			mustPush(t, q, byPrice(5), byPrice(4), byPrice(3))
			taken, _ := q.Take(nil) // 5, in flight
			before := q.Items()
			var beforeDisk map[persist.ID]persist.QueueItem
			if s != nil {
				beforeDisk = stored(t, s)
			}
			boom := errors.New("boom")
			for _, fail := range []func() error{
				func() error { return boom },
				func() error { panic("boom") },
			} {
				err := q.Update(bg, func(_ *persist.Tx, qt *Tx) error {
					if n, err := qt.Push(byPrice(9), byPrice(8), byPrice(1)); err != nil || n != 2 {
						return fmt.Errorf("push: %d %v", n, err)
					}
					if ok, err := qt.Remove(taken.SlotID); err != nil || !ok {
						return fmt.Errorf("remove in flight: %v %v", ok, err)
					}
					if n, err := qt.RemoveRequest(byPrice(4).RequestID); err != nil || n != 1 {
						return fmt.Errorf("remove request: %d %v", n, err)
					}
					if got := q.Status(byPrice(9).SlotID); got != Absent {
						return fmt.Errorf("uncommitted push visible: %v", got)
					}
					return fail()
				})
				if err == nil {
					t.Fatalf("Update: %v", err)
				}
				if got := q.Items(); !slices.EqualFunc(got, before, func(a, b Item) bool { return a.SlotID == b.SlotID && a.Seq == b.Seq }) {
					t.Fatalf("memory changed: %v, want %v", prices(got), prices(before))
				}
				if q.Status(taken.SlotID) != InFlight {
					t.Fatal("in-flight slot lost its state")
				}
				if s != nil && len(stored(t, s)) != len(beforeDisk) {
					t.Fatal("store changed")
				}
			}
			// The slot is still held and can be released normally.
			if err := q.Release(bg, taken.SlotID, nil); err != nil {
				t.Fatal(err)
			}
			if q.Len() != 2 {
				t.Fatalf("len %d", q.Len())
			}
		})
	}
}

func TestTxOutsideUpdate(t *testing.T) {
	q := New(testOpts(3, 1))
	var saved *Tx
	if err := q.Update(bg, func(_ *persist.Tx, qt *Tx) error { saved = qt; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := saved.Push(byPrice(1)); !errors.Is(err, errTxDone) {
		t.Fatalf("push after Update: %v", err)
	}
}

// TestAgentTransaction is how the sales engine uses Update: the slot's
// agent is created and the slot leaves the queue in one transaction; the
// worker's release afterwards has nothing left to do.
func TestAgentTransaction(t *testing.T) {
	s, _ := tempStore(t)
	q := openQueue(t, s, testOpts(4, 1))
	it := byPrice(3)
	mustPush(t, q, it)
	got, _ := q.Take(nil)
	err := q.Update(bg, func(tx *persist.Tx, qt *Tx) error {
		a := persist.Agent{SlotID: got.SlotID, RequestID: got.RequestID, SlotIndex: got.SlotIndex}
		e := persist.JournalEntry{From: "", To: "Preparing", Event: "start", Time: time.Unix(1, 0)}
		if err := tx.Transition(&a, &e); err != nil {
			return err
		}
		_, err := qt.Remove(got.SlotID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(stored(t, s)) != 0 {
		t.Fatal("slot still stored after the agent transaction")
	}
	if q.Status(it.SlotID) != Absent {
		t.Fatal("removed slot still in flight")
	}
	// Still held by the worker: a push of the same slot is refused.
	if n := mustPush(t, q, it); n != 0 {
		t.Fatal("pushed a slot a worker holds")
	}
	if err := q.Release(bg, it.SlotID, nil); err != nil {
		t.Fatal(err)
	}
	if s := q.Stats(); s.InFlight != 0 || s.Queued != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestConcurrentUpdates runs queue updates together with other writers of
// the store, some of which fail: group commit then runs the queue's
// functions more than once in rolled-back batches. Memory and store must
// agree at the end.
func TestConcurrentUpdates(t *testing.T) {
	s, _ := tempStore(t)
	q := openQueue(t, s, testOpts(20, 1))
	var calls, updates atomic.Int64
	var wg sync.WaitGroup
	rounds := 60
	if testing.Short() {
		rounds = 20
	}
	for g := range 4 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for range rounds {
				err := q.Update(bg, func(_ *persist.Tx, qt *Tx) error {
					calls.Add(1)
					for range 3 {
						it := mk(byte(r.IntN(8)), uint64(r.IntN(8)), 1, 1, int64(r.IntN(50)), 0, 0)
						if r.IntN(3) == 0 {
							if _, err := qt.Remove(it.SlotID); err != nil {
								return err
							}
						} else if _, err := qt.Push(it); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				updates.Add(1)
			}
		})
	}
	for g := range 4 {
		wg.Go(func() {
			for i := range rounds {
				_ = s.Update(bg, func(tx *persist.Tx) error {
					if (i+g)%2 == 0 {
						return errors.New("fails, so its batch is run again")
					}
					return tx.SetCursor(persist.Cursor{Number: uint64(i)})
				})
			}
		})
	}
	wg.Wait()
	t.Logf("%d queue updates ran their function %d times", updates.Load(), calls.Load())
	disk := stored(t, s)
	items := q.Items()
	if len(items) != len(disk) || len(items) > 20 {
		t.Fatalf("memory %d items, store %d (bound 20)", len(items), len(disk))
	}
	for _, it := range items {
		d, ok := disk[it.SlotID]
		if !ok || d.Seq != it.Seq {
			t.Fatalf("queued %v not stored as such", it.SlotID)
		}
	}
}

func openReq(r byte, slots uint64, size uint64, price int64) *marketplace.StorageRequested {
	return &marketplace.StorageRequested{RequestID: reqID(r), Ask: askOf(slots, size, 10, price, 1), Expiry: 100}
}
