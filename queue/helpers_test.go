package queue

import (
	"context"
	"math/big"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts/marketplace"
	"github.com/slotd/slotd/persist"
)

var bg = context.Background()

// reqID is a deterministic request id.
func reqID(n byte) marketplace.RequestID {
	var h marketplace.RequestID
	h[0], h[31] = n, 0xee
	return h
}

// askOf builds an ask; price and collateral are per byte.
func askOf(slots, size, dur uint64, price, coll int64) marketplace.Ask {
	return marketplace.Ask{
		Slots:                 slots,
		SlotSize:              size,
		Duration:              dur,
		PricePerBytePerSecond: big.NewInt(price),
		CollateralPerByte:     big.NewInt(coll),
		ProofProbability:      big.NewInt(1),
	}
}

// itemOf is slot index of a request with the given ask and expiry, as the
// node builds it from the chain's events.
func itemOf(request marketplace.RequestID, index uint64, ask marketplace.Ask, expiry uint64) Item {
	return Item{
		SlotID:                persist.ID(marketplace.GetSlotID(request, index)),
		RequestID:             persist.ID(request),
		SlotIndex:             index,
		SlotSize:              ask.SlotSize,
		Duration:              ask.Duration,
		PricePerBytePerSecond: copyBig(ask.PricePerBytePerSecond),
		CollateralPerByte:     copyBig(ask.CollateralPerByte),
		Expiry:                expiry,
	}
}

// slotsOf builds the slots of the request ev announces, for PushRequest.
func slotsOf(ev *marketplace.StorageRequested) func(uint64) Item {
	return func(index uint64) Item { return itemOf(ev.RequestID, index, ev.Ask, ev.Expiry) }
}

// mk is slot idx of request r with the given terms.
func mk(r byte, idx uint64, size, dur uint64, price, coll int64, expiry uint64) Item {
	return itemOf(reqID(r), idx, askOf(4, size, dur, price, coll), expiry)
}

func testOpts(max int, seed uint64) Options {
	return Options{MaxSize: max, Rand: rand.New(rand.NewPCG(seed, seed+1)), Logger: hclog.NewNullLogger()}
}

func openStore(t testing.TB, path string) *persist.Store {
	t.Helper()
	s, err := persist.Open(path, &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// tempStore opens a store in t's temp dir, closed at cleanup.
func tempStore(t testing.TB) (*persist.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slotd.db")
	s := openStore(t, path)
	t.Cleanup(func() { s.Close() })
	return s, path
}

func openQueue(t testing.TB, s *persist.Store, opts Options) *Queue {
	t.Helper()
	q, err := Open(bg, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// stored reads the queue bucket: slot id → item.
func stored(t testing.TB, s *persist.Store) map[persist.ID]persist.QueueItem {
	t.Helper()
	m := map[persist.ID]persist.QueueItem{}
	err := s.View(func(tx *persist.Tx) error {
		return tx.ForEachQueueItem(func(qi persist.QueueItem) error {
			m[qi.SlotID] = qi
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustPush(t testing.TB, q *Queue, items ...Item) int {
	t.Helper()
	n, err := q.Push(bg, items...)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// startWorkers is q.Start on the background context, failing the test on
// an error.
func startWorkers(t testing.TB, q *Queue, n int, work WorkFunc, fits func(Item) bool) *Workers {
	t.Helper()
	w, err := q.Start(bg, n, work, fits)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
