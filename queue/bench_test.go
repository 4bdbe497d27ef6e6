package queue

import (
	"container/heap"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/slotd/slotd/persist"
)

// The benchmarks push 10,000 items and pop them all again, and report
// push+pop operations per second (2 × 10,000 per round). The baseline is a
// plain container/heap of the same items with the same comparator (and
// the same cached payout and collateral), which has no duplicate check, no
// bound, no in-flight tracking, no lock and no store.
//
//	go test -run XXX -bench PushPop -benchtime 20x ./queue

const benchItems = 10_000

func benchSet() []Item {
	r := rand.New(rand.NewPCG(7, 7))
	items := make([]Item, benchItems)
	for i := range items {
		items[i] = mk(byte(r.IntN(256)), uint64(i), uint64(1+r.IntN(1<<20)), uint64(1+r.IntN(1<<16)),
			int64(r.IntN(1000)), int64(r.IntN(1000)), uint64(r.IntN(1<<30)))
	}
	return items
}

func reportOps(b *testing.B, perRound int) {
	b.ReportMetric(float64(perRound)*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// entryHeap is the container/heap baseline.
type entryHeap []*entry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return better(h[i], h[j]) }
func (h entryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *entryHeap) Push(x any)        { *h = append(*h, x.(*entry)) }
func (h *entryHeap) Pop() any {
	old := *h
	n := len(old) - 1
	e := old[n]
	old[n] = nil
	*h = old[:n]
	return e
}

func BenchmarkHeapPushPop(b *testing.B) {
	items := benchSet()
	for i := range items {
		items[i].Seq = uint64(i + 1)
	}
	b.ReportAllocs()
	for range b.N {
		// Entries are built (payout and collateral computed) inside the
		// timed loop, as the queue does on every push.
		h := make(entryHeap, 0, len(items))
		for _, it := range items {
			heap.Push(&h, newEntry(it))
		}
		for h.Len() > 0 {
			heap.Pop(&h)
		}
	}
	reportOps(b, 2*benchItems)
}

// BenchmarkQueuePushPop: memory-only queue. "each" pushes with one Push
// call per item and pops with Take + Release, as a worker does; "batch"
// pushes all items in one Update; "bound128" is the default bound, so
// most pushes evict or are dropped.
func BenchmarkQueuePushPop(b *testing.B) {
	items := benchSet()
	run := func(b *testing.B, max int, batch bool) {
		b.ReportAllocs()
		pops := 0
		for range b.N {
			q := New(Options{MaxSize: max, Logger: testOpts(1, 1).Logger})
			if batch {
				if _, err := q.Push(bg, items...); err != nil {
					b.Fatal(err)
				}
			} else {
				for _, it := range items {
					if _, err := q.Push(bg, it); err != nil {
						b.Fatal(err)
					}
				}
			}
			for {
				it, ok := q.Take(nil)
				if !ok {
					break
				}
				if err := q.Release(bg, it.SlotID, nil); err != nil {
					b.Fatal(err)
				}
				pops++
			}
		}
		// Pushes plus the pops there were (with a bound, fewer).
		b.ReportMetric(float64(benchItems*b.N+pops)/b.Elapsed().Seconds(), "ops/s")
	}
	b.Run("each", func(b *testing.B) { run(b, benchItems, false) })
	b.Run("batch", func(b *testing.B) { run(b, benchItems, true) })
	b.Run("bound128", func(b *testing.B) { run(b, DefaultMaxSize, false) })
}

// BenchmarkQueuePushPopStore includes persistence: the store is opened
// with NoSync (no fsync: this measures the queue and bbolt, not the disk).
// All items are pushed in one Update; each pop is a Take and a Release,
// and the Release is a store transaction of its own.
func BenchmarkQueuePushPopStore(b *testing.B) {
	if testing.Short() {
		b.Skip("slow")
	}
	items := benchSet()
	b.ReportAllocs()
	for i := range b.N {
		b.StopTimer()
		s, err := persist.Open(filepath.Join(b.TempDir(), "slotd.db"), &persist.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		q, err := Open(bg, s, Options{MaxSize: benchItems, Logger: testOpts(1, 1).Logger})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := q.Push(bg, items...); err != nil {
			b.Fatal(err)
		}
		for {
			it, ok := q.Take(nil)
			if !ok {
				break
			}
			if err := q.Release(bg, it.SlotID, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if i == 0 && len(stored(b, s)) != 0 {
			b.Fatal("store not empty")
		}
		s.Close()
		b.StartTimer()
	}
	reportOps(b, 2*benchItems)
}
