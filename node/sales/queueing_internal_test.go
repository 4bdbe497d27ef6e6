package sales

import (
	"context"
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/queue"
)

// TestEventsChangeTheQueue: what each chain event does to the queue. A
// request that fits is pushed whole, under the ids the chain derives; a
// filled slot leaves; a freed one comes back if it fits; an ended request
// takes its slots along; a look-back pushes the free slots of the open
// requests that fit. (How PushRequest shuffles and bounds them is queue's
// TestPushRequest.)
func TestEventsChangeTheQueue(t *testing.T) {
	ctx := context.Background()
	s, err := persist.Open(filepath.Join(t.TempDir(), "slotd.db"), &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	q, err := queue.Open(ctx, s, queue.Options{MaxSize: 16, Rand: rand.New(rand.NewPCG(42, 43)), Logger: hclog.NewNullLogger()})
	if err != nil {
		t.Fatal(err)
	}
	in := func(fn func(qt *queue.Tx) error) {
		t.Helper()
		if err := q.Update(ctx, func(_ *persist.Tx, qt *queue.Tx) error { return fn(qt) }); err != nil {
			t.Fatal(err)
		}
	}
	stored := func() int {
		t.Helper()
		n := 0
		if err := s.View(func(tx *persist.Tx) error {
			return tx.ForEachQueueItem(func(persist.QueueItem) error { n++; return nil })
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	slot := func(r contracts.RequestID, i uint64) persist.ID { return persist.ID(contracts.GetSlotID(r, i)) }
	always := func(contracts.Ask) bool { return true }
	never := func(contracts.Ask) bool { return false }

	ask := testAsk(6, 100, 3)
	ev := &contracts.StorageRequested{RequestID: testRequest(7), Ask: ask, Expiry: 500}
	in(func(qt *queue.Tx) error {
		n, err := pushRequested(qt, ev, never)
		if n != 0 {
			t.Errorf("unfit request pushed %d slots", n)
		}
		return err
	})
	if q.Len() != 0 {
		t.Fatal("unfit request queued")
	}
	var asked contracts.Ask
	in(func(qt *queue.Tx) error {
		n, err := pushRequested(qt, ev, func(a contracts.Ask) bool { asked = a; return true })
		if n != 6 {
			t.Errorf("pushed %d slots of 6", n)
		}
		return err
	})
	if asked.Slots != 6 {
		t.Fatal("fits did not get the event's ask")
	}
	for i := range uint64(6) {
		if q.Status(slot(ev.RequestID, i)) != queue.Queued {
			t.Fatalf("slot %d not queued under the chain's slot id", i)
		}
	}
	if q.Len() != 6 || stored() != 6 {
		t.Fatalf("queue %d, store %d; want 6", q.Len(), stored())
	}
	in(func(qt *queue.Tx) error { _, err := pushRequested(qt, nil, always); return err })

	in(func(qt *queue.Tx) error {
		if ok, err := removeFilled(qt, ev.RequestID, 2); err != nil || !ok {
			t.Errorf("slot filled: %v %v", ok, err)
		}
		if ok, _ := removeFilled(qt, ev.RequestID, 2); ok {
			t.Error("second SlotFilled removed something")
		}
		return nil
	})
	if q.Len() != 5 || q.Status(slot(ev.RequestID, 2)) != queue.Absent {
		t.Fatal("filled slot still queued")
	}
	in(func(qt *queue.Tx) error {
		if ok, err := pushFreed(qt, ev.RequestID, 2, ask, 500, never); err != nil || ok {
			t.Errorf("unfit freed slot pushed: %v %v", ok, err)
		}
		return nil
	})
	if q.Status(slot(ev.RequestID, 2)) != queue.Absent {
		t.Fatal("unfit freed slot queued")
	}
	in(func(qt *queue.Tx) error {
		if ok, err := pushFreed(qt, ev.RequestID, 2, ask, 500, always); err != nil || !ok {
			t.Errorf("slot freed: %v %v", ok, err)
		}
		if ok, _ := pushFreed(qt, ev.RequestID, 2, ask, 500, always); ok {
			t.Error("a queued slot freed again was pushed twice")
		}
		return nil
	})
	if q.Status(slot(ev.RequestID, 2)) != queue.Queued {
		t.Fatal("freed slot not queued")
	}

	other := &contracts.StorageRequested{RequestID: testRequest(8), Ask: testAsk(2, 100, 1), Expiry: 500}
	in(func(qt *queue.Tx) error { _, err := pushRequested(qt, other, always); return err })
	in(func(qt *queue.Tx) error {
		if n, err := removeRequest(qt, ev.RequestID); err != nil || n != 6 {
			t.Errorf("request ended: removed %d, %v", n, err)
		}
		return nil
	})
	if q.Len() != 2 || stored() != 2 {
		t.Fatalf("left %d queued, %d stored; want the other request's 2", q.Len(), stored())
	}

	// An availability was added: past open requests come in, only their
	// free slots, only those that fit.
	open := []openRequest{
		{requestID: ev.RequestID, ask: ev.Ask, expiry: ev.Expiry},
		{requestID: testRequest(9), ask: testAsk(5, 100, 2), expiry: 9, free: []uint64{1, 3, 5, 99}},
		{requestID: testRequest(10), ask: testAsk(5, 1<<40, 2), expiry: 9},
	}
	small := func(a contracts.Ask) bool { return a.SlotSize < 1000 }
	in(func(qt *queue.Tx) error {
		if n, err := pushOpen(qt, open, small); err != nil || n != 8 {
			t.Errorf("open requests: pushed %d, %v; want 6 + 2", n, err)
		}
		return nil
	})
	if q.Status(slot(testRequest(9), 3)) != queue.Queued {
		t.Fatal("free slot 3 of request 9 not queued")
	}
	if q.Status(slot(testRequest(9), 0)) != queue.Absent {
		t.Fatal("filled slot 0 of request 9 queued")
	}
	if q.Status(slot(testRequest(10), 0)) != queue.Absent {
		t.Fatal("a request no availability takes was queued")
	}

	// A request with an absurd number of slots pushes a bounded number.
	huge := &contracts.StorageRequested{RequestID: testRequest(11), Ask: testAsk(1<<62, 1, 1_000_000), Expiry: 1}
	in(func(qt *queue.Tx) error {
		if n, err := pushRequested(qt, huge, always); err != nil || n != 16 {
			t.Errorf("huge request: pushed %d, %v; want the bound", n, err)
		}
		return nil
	})
}

// TestItemOfCopiesTheAsk: an item is the slot under the chain's ids, with
// the ask's terms, and shares no amount with the ask it was built from.
func TestItemOfCopiesTheAsk(t *testing.T) {
	ask := testAsk(4, 100, 3)
	it := itemOf(testRequest(1), 3, ask, 77)
	want := queue.Item{SlotID: persist.ID(contracts.GetSlotID(testRequest(1), 3)), RequestID: persist.ID(testRequest(1)),
		SlotIndex: 3, SlotSize: 100, Duration: ask.Duration, Expiry: 77}
	if it.SlotID != want.SlotID || it.RequestID != want.RequestID || it.SlotIndex != 3 || it.SlotSize != 100 ||
		it.Duration != want.Duration || it.Expiry != 77 {
		t.Fatalf("item %+v, want %+v", it, want)
	}
	if it.PricePerBytePerSecond.Cmp(big.NewInt(3)) != 0 || it.CollateralPerByte.Cmp(big.NewInt(1)) != 0 {
		t.Fatalf("amounts %v %v", it.PricePerBytePerSecond, it.CollateralPerByte)
	}
	ask.PricePerBytePerSecond.SetInt64(9)
	ask.CollateralPerByte.SetInt64(9)
	if it.PricePerBytePerSecond.Int64() != 3 || it.CollateralPerByte.Int64() != 1 {
		t.Fatal("the item shares its amounts with the ask")
	}
	if z := itemOf(testRequest(1), 0, contracts.Ask{Slots: 1, SlotSize: 1}, 0); z.PricePerBytePerSecond == nil || z.CollateralPerByte == nil {
		t.Fatal("an ask without amounts gave an item with nil ones")
	}
}

// testRequest is a deterministic request id.
func testRequest(n byte) contracts.RequestID {
	var r contracts.RequestID
	r[0], r[31] = n, 0xee
	return r
}

// testAsk is an ask of slots slots of size bytes at price per byte per
// second, collateral 1 per byte.
func testAsk(slots, size uint64, price int64) contracts.Ask {
	return contracts.Ask{Slots: slots, SlotSize: size, Duration: 10, PricePerBytePerSecond: big.NewInt(price),
		CollateralPerByte: big.NewInt(1), ProofProbability: big.NewInt(1)}
}
