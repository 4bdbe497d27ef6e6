package queue

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/slotd/slotd/contracts/marketplace"
	"github.com/slotd/slotd/persist"
)

func TestBefore(t *testing.T) {
	base := mk(1, 0, 100, 10, 5, 2, 1000) // payout 5000, collateral 200
	huge := new(big.Int).Lsh(big.NewInt(1), 100)
	withSeq := func(it Item, seq uint64) Item { it.Seq = seq; return it }
	tests := []struct {
		name string
		a, b Item
	}{
		{"higher payout (price)", mk(1, 1, 100, 10, 6, 2, 1000), base},
		{"higher payout beats smaller slot", mk(1, 1, 200, 10, 5, 2, 1000), base},
		{"higher payout beats lower collateral", mk(1, 1, 100, 10, 6, 9, 1000), base},
		{"higher payout beats later expiry", mk(1, 1, 100, 11, 5, 2, 10), base},
		{"payout beyond 64 bits", func() Item { it := base; it.PricePerBytePerSecond = huge; return it }(), base},
		{"payout beyond 128 bits", func() Item { it := base; it.PricePerBytePerSecond = new(big.Int).Lsh(huge, 100); return it }(),
			func() Item { it := base; it.PricePerBytePerSecond = huge; return it }()},
		{"collateral beyond 128 bits", base, func() Item { it := base; it.CollateralPerByte = new(big.Int).Lsh(huge, 100); return it }()},
		{"lower collateral", mk(1, 1, 100, 10, 5, 1, 1000), base},
		{"later expiry", mk(1, 1, 100, 10, 5, 2, 2000), base},
		{"smaller slot, same payout and collateral", mk(1, 1, 50, 20, 5, 4, 1000), base},
		{"lower request id", mk(0, 3, 100, 10, 5, 2, 1000), base},
		{"lower seq within a request", withSeq(mk(1, 3, 100, 10, 5, 2, 1000), 1), withSeq(base, 2)},
		{"lower slot index at equal seq", withSeq(base, 7), withSeq(mk(1, 1, 100, 10, 5, 2, 1000), 7)},
		{"nil amounts are zero", base, func() Item { it := base; it.PricePerBytePerSecond = nil; return it }()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !Before(tc.a, tc.b) {
				t.Errorf("Before(a, b) = false, want true")
			}
			if Before(tc.b, tc.a) {
				t.Errorf("Before(b, a) = true, want false")
			}
		})
	}
	if Before(base, base) {
		t.Error("Before(x, x) = true")
	}

	// The 128-bit fast path agrees with big.Int comparisons.
	r := rand.New(rand.NewPCG(5, 6))
	amount := func() *big.Int {
		x := new(big.Int).Lsh(big.NewInt(int64(r.IntN(4))), uint(r.IntN(130)))
		return x.Add(x, big.NewInt(int64(r.IntN(3))))
	}
	for range 2000 {
		a := mk(1, 0, uint64(1+r.IntN(3)), 1, 0, 0, 0)
		b := mk(1, 1, uint64(1+r.IntN(3)), 1, 0, 0, 0)
		a.PricePerBytePerSecond, a.CollateralPerByte = amount(), amount()
		b.PricePerBytePerSecond, b.CollateralPerByte = amount(), amount()
		ea, eb := newEntry(a), newEntry(b)
		fast := better(ea, eb)
		ea.small = false
		if slow := better(ea, eb); fast != slow {
			t.Fatalf("fast path %v, big.Int %v for %v/%v vs %v/%v", fast, slow, a.Payout(), a.Collateral(), b.Payout(), b.Collateral())
		}
	}
}

// TestTakeOrder pushes random items in random order and checks that Items
// is sorted and that Take hands them out in exactly that order.
func TestTakeOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var items []Item
	for i := range 300 {
		// Few distinct values, so every tie-break is exercised.
		items = append(items, mk(byte(r.IntN(4)), uint64(i), uint64(1+r.IntN(3)), uint64(1+r.IntN(3)), int64(r.IntN(3)), int64(r.IntN(3)), uint64(r.IntN(3))))
	}
	q := New(testOpts(1000, 1))
	for len(items) > 0 {
		k := min(len(items), 1+r.IntN(20))
		if n := mustPush(t, q, items[:k]...); n != k {
			t.Fatalf("pushed %d of %d", n, k)
		}
		items = items[k:]
	}
	want := q.Items()
	if len(want) != 300 {
		t.Fatalf("Items: %d, want 300", len(want))
	}
	for i := 1; i < len(want); i++ {
		if !Before(want[i-1], want[i]) {
			t.Fatalf("Items not in order at %d", i)
		}
	}
	for i, w := range want {
		got, ok := q.Take(nil)
		if !ok || got.SlotID != w.SlotID {
			t.Fatalf("take %d: got %v %v, want %v", i, got.SlotID, ok, w.SlotID)
		}
	}
	if _, ok := q.Take(nil); ok {
		t.Fatal("Take on an empty queue succeeded")
	}
	if s := q.Stats(); s.Queued != 0 || s.InFlight != 300 {
		t.Fatalf("stats %+v", s)
	}
}

// byPrice is an item of its own request whose payout is price: the price
// names it in the eviction table.
func byPrice(p int64) Item { return mk(byte(p), 0, 1, 1, p, 0, 0) }

func prices(items []Item) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.PricePerBytePerSecond.Int64())
	}
	return out
}

func TestEviction(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		initial []int64
		push    []int64
		added   int
		want    []int64
	}{
		// The heap array after pushing 10, 1, 5 is [10 1 5]: its last
		// element is 5 but the worst is 1. The reference evicted the last.
		{"better evicts the worst, not the last heap element", 3, []int64{10, 1, 5}, []int64{7}, 1, []int64{10, 7, 5}},
		{"worse than the worst is dropped", 3, []int64{10, 1, 5}, []int64{0}, 0, []int64{10, 5, 1}},
		{"equal to the worst loses the tie (later request id)", 3, []int64{10, 2, 5}, []int64{2}, 0, []int64{10, 5, 2}},
		{"best of all evicts the worst", 3, []int64{3, 2, 4}, []int64{9}, 1, []int64{9, 4, 3}},
		{"several pushes into a full queue keep the best", 3, []int64{1, 2, 3}, []int64{8, 0, 6, 7}, 3, []int64{8, 7, 6}},
		{"room for more: nothing evicted", 5, []int64{1, 2}, []int64{0}, 1, []int64{2, 1, 0}},
		{"bound of one", 1, []int64{4}, []int64{5, 3}, 1, []int64{5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := tempStore(t)
			q := openQueue(t, s, testOpts(tc.max, 1))
			for _, p := range tc.initial {
				mustPush(t, q, byPrice(p))
			}
			var push []Item
			for _, p := range tc.push {
				push = append(push, byPrice(p))
			}
			// All pushes in one call (one transaction) here, one call
			// each below: both must end the same.
			if n := mustPush(t, q, push...); n != tc.added {
				t.Errorf("added %d, want %d", n, tc.added)
			}
			if got := prices(q.Items()); !slices.Equal(got, tc.want) {
				t.Errorf("queue %v, want %v", got, tc.want)
			}
			disk := stored(t, s)
			if len(disk) != len(tc.want) {
				t.Errorf("store holds %d items, want %d", len(disk), len(tc.want))
			}
			for _, it := range q.Items() {
				if _, ok := disk[it.SlotID]; !ok {
					t.Errorf("queued item %d not stored", it.PricePerBytePerSecond)
				}
			}

			q2 := New(testOpts(tc.max, 1))
			for _, p := range tc.initial {
				mustPush(t, q2, byPrice(p))
			}
			for _, it := range push {
				mustPush(t, q2, it)
			}
			if got := prices(q2.Items()); !slices.Equal(got, tc.want) {
				t.Errorf("one push at a time: queue %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDuplicates(t *testing.T) {
	s, _ := tempStore(t)
	q := openQueue(t, s, testOpts(8, 1))
	a := mk(1, 0, 10, 10, 1, 1, 10)
	if n := mustPush(t, q, a, a); n != 1 {
		t.Fatalf("push a twice in one call: added %d", n)
	}
	if n := mustPush(t, q, a); n != 0 {
		t.Fatalf("push queued a: added %d", n)
	}
	if got, ok := q.Take(nil); !ok || got.SlotID != a.SlotID {
		t.Fatal("take a")
	}
	if st := q.Status(a.SlotID); st != InFlight {
		t.Fatalf("status %v", st)
	}
	// A slot being worked on is not pushed again (its SlotFreed came).
	if n, err := q.Push(bg, a); err != nil || n != 0 {
		t.Fatalf("re-add in flight: %v %v", n, err)
	}
	if err := q.Release(bg, a.SlotID, nil); err != nil {
		t.Fatal(err)
	}
	if err := q.Release(bg, a.SlotID, nil); !errors.Is(err, ErrNotInFlight) {
		t.Fatalf("second release: %v", err)
	}
	if _, ok := stored(t, s)[a.SlotID]; ok {
		t.Fatal("released slot still stored")
	}
	// Seen before, released, freed again: it goes back.
	if n, err := q.Push(bg, a); err != nil || n != 1 {
		t.Fatalf("re-add after release: %v %v", n, err)
	}
	if q.Status(a.SlotID) != Queued || len(stored(t, s)) != 1 {
		t.Fatal("freed slot not queued")
	}
}

// TestPushRequest: a request's slots go in shuffled by the queue's Rand,
// the same way for the same seed, only those listed free, and no more than
// the queue's bound. (What the chain's events push is node/sales'
// TestEventsChangeTheQueue.)
func TestPushRequest(t *testing.T) {
	s, _ := tempStore(t)
	q := openQueue(t, s, testOpts(16, 42))
	ev := &marketplace.StorageRequested{RequestID: reqID(7), Ask: askOf(6, 100, 10, 3, 1), Expiry: 500}
	if n, err := q.PushRequest(bg, 6, nil, slotsOf(ev)); err != nil || n != 6 {
		t.Fatalf("push request: %d %v", n, err)
	}
	var idx []uint64
	for _, it := range q.Items() {
		if it.RequestID != persist.ID(ev.RequestID) || it.Expiry != 500 || it.SlotSize != 100 {
			t.Fatalf("item %+v", it)
		}
		idx = append(idx, it.SlotIndex)
	}
	// All slots, in the shuffled order (equal terms: insertion order).
	if sorted := slices.Sorted(slices.Values(idx)); !slices.Equal(sorted, []uint64{0, 1, 2, 3, 4, 5}) {
		t.Fatalf("indices %v", idx)
	}
	if slices.IsSorted(idx) {
		t.Fatalf("indices %v not shuffled (seed 42)", idx)
	}
	// The same seed shuffles the same way.
	q2 := New(testOpts(16, 42))
	if _, err := q2.PushRequest(bg, 6, nil, slotsOf(ev)); err != nil {
		t.Fatal(err)
	}
	var idx2 []uint64
	for _, it := range q2.Items() {
		idx2 = append(idx2, it.SlotIndex)
	}
	if !slices.Equal(idx, idx2) {
		t.Fatalf("seeded shuffles differ: %v %v", idx, idx2)
	}
	if n, err := q.RemoveRequest(bg, persist.ID(ev.RequestID)); err != nil || n != 6 {
		t.Fatalf("remove request: %d %v", n, err)
	}

	// Only the free slots; an index past the request's slots is ignored.
	free := &marketplace.StorageRequested{RequestID: reqID(9), Ask: askOf(5, 100, 10, 2, 1), Expiry: 9}
	if n, err := q.PushRequest(bg, 5, []uint64{1, 3, 5, 99}, slotsOf(free)); err != nil || n != 2 {
		t.Fatalf("free slots: %d %v", n, err)
	}
	if st := q.Status(persist.ID(marketplace.GetSlotID(reqID(9), 3))); st != Queued {
		t.Fatal("free slot 3 of request 9 not queued")
	}
	if st := q.Status(persist.ID(marketplace.GetSlotID(reqID(9), 0))); st != Absent {
		t.Fatal("filled slot 0 of request 9 queued")
	}
	if n, err := q.PushRequest(bg, 5, []uint64{}, slotsOf(free)); err != nil || n != 0 {
		t.Fatalf("no free slot: pushed %d %v", n, err)
	}

	// A request with an absurd number of slots pushes a bounded number.
	huge := &marketplace.StorageRequested{RequestID: reqID(11), Ask: askOf(1<<62, 1, 1, 1_000_000, 0), Expiry: 1}
	if n, err := q.PushRequest(bg, huge.Ask.Slots, nil, slotsOf(huge)); err != nil || n != 16 {
		t.Fatalf("huge request: %d %v", n, err)
	}
	if q.Len() != 16 || len(stored(t, s)) != 16 {
		t.Fatalf("queue %d, store %d; want the bound", q.Len(), len(stored(t, s)))
	}
}

func TestSample(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		n uint64
		k int
	}{{0, 5}, {1, 5}, {5, 5}, {10, 3}, {1 << 63, 100}} {
		got := sample(r, tc.n, tc.k)
		if want := min(uint64(tc.k), tc.n); uint64(len(got)) != want {
			t.Fatalf("sample(%d, %d): %d numbers", tc.n, tc.k, len(got))
		}
		seen := map[uint64]bool{}
		for _, x := range got {
			if x >= tc.n || seen[x] {
				t.Fatalf("sample(%d, %d) = %v", tc.n, tc.k, got)
			}
			seen[x] = true
		}
	}
}
