package queue

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotd/slotd/persist"
)

// waitFor polls cond (tests only) until it holds or a generous deadline
// passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestWorkersRunEverySlotOnce: three workers drain a queue that is pushed
// to while they run; every slot is worked on exactly once, never by two
// workers at a time, and no more than three at a time.
func TestWorkersRunEverySlotOnce(t *testing.T) {
	s, _ := tempStore(t)
	q := openQueue(t, s, testOpts(1000, 1))
	var mu sync.Mutex
	runs := map[persist.ID]int{}
	var busy, peak atomic.Int32
	work := func(ctx context.Context, it Item) error {
		n := busy.Add(1)
		defer busy.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		mu.Lock()
		runs[it.SlotID]++
		mu.Unlock()
		time.Sleep(100 * time.Microsecond)
		return nil
	}
	w := startWorkers(t, q, 3, work, nil)
	const total = 120
	for i := range total {
		mustPush(t, q, mk(byte(i%7), uint64(i), 1, 1, int64(i%5), 0, 0))
	}
	waitFor(t, "all slots worked on", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(runs) == total && q.Stats().InFlight == 0
	})
	w.Stop()
	for slot, n := range runs {
		if n != 1 {
			t.Fatalf("slot %v worked on %d times", slot, n)
		}
	}
	if p := peak.Load(); p > 3 {
		t.Fatalf("%d workers busy at once", p)
	}
	if q.Len() != 0 || len(stored(t, s)) != 0 {
		t.Fatalf("queue %d, store %d after all work", q.Len(), len(stored(t, s)))
	}
}

// TestWorkersPause: with nothing that fits, workers wait without calling
// fits again and again, and wake on Notify and on a push.
func TestWorkersPause(t *testing.T) {
	q := New(testOpts(16, 1))
	mustPush(t, q, byPrice(1), byPrice(2))
	var fitsCalls atomic.Int64
	var open atomic.Bool
	fits := func(it Item) bool {
		fitsCalls.Add(1)
		return open.Load() && it.PricePerBytePerSecond.Int64() < 100
	}
	done := make(chan persist.ID, 10)
	w := startWorkers(t, q, 3, func(ctx context.Context, it Item) error { done <- it.SlotID; return nil }, fits)
	defer w.Stop()

	// Each worker scans once (2 items each) and then sleeps.
	waitFor(t, "workers to scan", func() bool { return fitsCalls.Load() >= 6 })
	time.Sleep(50 * time.Millisecond)
	idle := fitsCalls.Load()
	time.Sleep(200 * time.Millisecond)
	if n := fitsCalls.Load(); n != idle {
		t.Fatalf("fits called %d times while idle: workers spin", n-idle)
	}
	if idle > 3*2+6 {
		t.Fatalf("fits called %d times for 2 items and 3 workers", idle)
	}

	// A push of something that does not fit wakes them once more, then
	// they sleep again.
	mustPush(t, q, byPrice(100))
	// Each of the 3 workers looks at the 3 items once.
	waitFor(t, "workers to look at the push", func() bool { return fitsCalls.Load() >= idle+9 })
	time.Sleep(20 * time.Millisecond)
	idle = fitsCalls.Load()
	time.Sleep(100 * time.Millisecond)
	if n := fitsCalls.Load(); n != idle {
		t.Fatalf("fits called %d times while idle after a push", n-idle)
	}

	// Space became available: Notify wakes them and the two that now fit
	// are worked on, best first; the third stays queued.
	open.Store(true)
	q.Notify()
	got := []persist.ID{<-done, <-done}
	if got[0] != byPrice(2).SlotID && got[1] != byPrice(2).SlotID {
		t.Fatal("the fitting slots were not worked on")
	}
	waitFor(t, "releases", func() bool { return q.Stats().InFlight == 0 })
	if items := q.Items(); len(items) != 1 || items[0].SlotID != byPrice(100).SlotID {
		t.Fatalf("queue %v, want the unfit slot only", prices(items))
	}
}

// TestWorkerSurvivesFailures: work that panics or fails costs the slot,
// never the worker; ErrRetry hands the slot back until Notify.
func TestWorkerSurvivesFailures(t *testing.T) {
	s, _ := tempStore(t)
	q := openQueue(t, s, testOpts(16, 1))
	var mu sync.Mutex
	var order []int64
	var retried atomic.Bool
	work := func(ctx context.Context, it Item) error {
		p := it.PricePerBytePerSecond.Int64()
		mu.Lock()
		order = append(order, p)
		mu.Unlock()
		switch p {
		case 9:
			panic("work panics")
		case 8:
			return errors.New("work fails")
		case 7:
			if !retried.Swap(true) {
				return errors.Join(errors.New("no space right now"), ErrRetry)
			}
		}
		return nil
	}
	// One worker: if a failure lost it, nothing after would run.
	w := startWorkers(t, q, 1, work, nil)
	defer w.Stop()
	mustPush(t, q, byPrice(9), byPrice(8), byPrice(7), byPrice(6))
	waitFor(t, "the queue to drain but the retried slot", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(order) == 4 && q.Stats().InFlight == 0
	})
	if q.Status(byPrice(7).SlotID) != Queued {
		t.Fatal("retried slot not back in the queue")
	}
	if _, ok := stored(t, s)[byPrice(7).SlotID]; !ok || len(stored(t, s)) != 1 {
		t.Fatal("store does not hold exactly the retried slot")
	}
	// It is skipped until the availabilities change.
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	n := len(order)
	mu.Unlock()
	if n != 4 {
		t.Fatal("retried slot was taken again before Notify")
	}
	q.Notify()
	waitFor(t, "the retried slot after Notify", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(order) == 5 && q.Len() == 0 && q.Stats().InFlight == 0
	})
	if len(stored(t, s)) != 0 {
		t.Fatal("store not empty")
	}
}

// TestStopRequeues: Stop cancels the work in flight and waits for it; the
// slot goes back to the queue and stays in the store.
func TestStopRequeues(t *testing.T) {
	s, _ := tempStore(t)
	q := openQueue(t, s, testOpts(16, 1))
	started := make(chan struct{})
	w := startWorkers(t, q, 2, func(ctx context.Context, it Item) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}, nil)
	mustPush(t, q, byPrice(3))
	<-started
	w.Stop()
	if st := q.Status(byPrice(3).SlotID); st != Queued {
		t.Fatalf("status after Stop: %v", st)
	}
	if len(stored(t, s)) != 1 {
		t.Fatal("slot not stored after Stop")
	}
	w.Stop() // twice is harmless
}

// TestRemovedWhileInFlight: the slot is removed (its SlotFilled came)
// while a worker holds it; the worker is not interrupted and its release
// drops the slot.
func TestRemovedWhileInFlight(t *testing.T) {
	s, _ := tempStore(t)
	q := openQueue(t, s, testOpts(16, 1))
	it := itemOf(reqID(4), 2, askOf(4, 10, 10, 1, 1), 9)
	mustPush(t, q, it)
	hold := make(chan struct{})
	started := make(chan struct{})
	w := startWorkers(t, q, 1, func(ctx context.Context, _ Item) error {
		close(started)
		<-hold
		return errors.Join(errors.New("lost the race"), ErrRetry)
	}, nil)
	defer w.Stop()
	<-started
	if ok, err := q.Remove(bg, it.SlotID); err != nil || !ok {
		t.Fatalf("slot filled: %v %v", ok, err)
	}
	if len(stored(t, s)) != 0 || q.Status(it.SlotID) != Absent {
		t.Fatal("filled slot still there")
	}
	if n := mustPush(t, q, it); n != 0 {
		t.Fatal("pushed a slot a worker holds")
	}
	close(hold)
	waitFor(t, "release", func() bool { return q.Stats().InFlight == 0 })
	if q.Len() != 0 || len(stored(t, s)) != 0 {
		t.Fatal("removed slot came back on release")
	}
}

// TestNoLeak: after Stop nothing of the workers is left running.
func TestNoLeak(t *testing.T) {
	s, _ := tempStore(t)
	q := openQueue(t, s, testOpts(16, 1))
	base := runtime.NumGoroutine()
	for round := range 3 {
		w := startWorkers(t, q, 5, func(ctx context.Context, it Item) error {
			if it.PricePerBytePerSecond.Int64()%2 == 0 {
				<-ctx.Done() // still running at Stop
				return ctx.Err()
			}
			return nil
		}, func(it Item) bool { return it.SlotSize > 0 })
		for p := range int64(10) {
			mustPush(t, q, byPrice(p+int64(round)*10))
		}
		waitFor(t, "odd slots done", func() bool { return q.Stats().InFlight == 5 || q.Len() <= 5 })
		w.Stop()
		if s := q.Stats(); s.InFlight != 0 {
			t.Fatalf("round %d: %d in flight after Stop", round, s.InFlight)
		}
	}
	// Workers idle (nothing fits) at Stop, and nothing happens after it
	// that could wake them: only the cancellation ends them.
	var looked atomic.Int64
	w := startWorkers(t, q, 4, func(context.Context, Item) error { return nil }, func(Item) bool { looked.Add(1); return false })
	waitFor(t, "idle workers", func() bool { return looked.Load() >= int64(4*q.Len()) })
	w.Stop()
	if n := settledGoroutines(base); n > base {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Stop, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

// settledGoroutines waits (up to a second) for the goroutine count to drop
// to want and returns it.
func settledGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > want; i++ {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// TestPushRaces: many goroutines push the same slots at once, while
// workers take and release them and SlotFreed-like pushes come in: no slot
// is ever queued twice or worked on by two workers at a time. Run with
// -race.
func TestPushRaces(t *testing.T) {
	s, _ := tempStore(t)
	q := openQueue(t, s, testOpts(64, 1))
	items := make([]Item, 16)
	for i := range items {
		items[i] = mk(byte(i%3), uint64(i), 1, 1, int64(i), 0, 0)
	}

	// Same slots from 8 goroutines: each added exactly once.
	var added atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			n, err := q.Push(bg, items...)
			if err != nil {
				t.Error(err)
			}
			added.Add(int64(n))
		})
	}
	wg.Wait()
	if added.Load() != int64(len(items)) || q.Len() != len(items) || len(stored(t, s)) != len(items) {
		t.Fatalf("added %d, queued %d, stored %d; want %d", added.Load(), q.Len(), len(stored(t, s)), len(items))
	}

	// Now with workers taking them, and pushes of the same slots racing.
	var holders sync.Map
	var worked atomic.Int64
	w := startWorkers(t, q, 3, func(ctx context.Context, it Item) error {
		if _, dup := holders.LoadOrStore(it.SlotID, true); dup {
			t.Errorf("slot %v worked on twice at once", it.SlotID)
		}
		worked.Add(1)
		time.Sleep(50 * time.Microsecond)
		holders.Delete(it.SlotID)
		return nil
	}, nil)
	rounds := 40
	if testing.Short() {
		rounds = 15
	}
	for g := range 4 {
		wg.Go(func() {
			for i := range rounds {
				it := items[(i+g)%len(items)]
				if _, err := q.Push(bg, it); err != nil {
					t.Error(err)
				}
				if seen := q.Items(); hasDup(seen) {
					t.Error("a slot is queued twice")
				}
			}
		})
	}
	wg.Wait()
	waitFor(t, "the queue to drain", func() bool { return q.Len() == 0 && q.Stats().InFlight == 0 })
	w.Stop()
	if len(stored(t, s)) != 0 {
		t.Fatal("store not empty after draining")
	}
	t.Logf("%d slots worked on", worked.Load())
}

func hasDup(items []Item) bool {
	seen := map[persist.ID]bool{}
	for _, it := range items {
		if seen[it.SlotID] {
			return true
		}
		seen[it.SlotID] = true
	}
	return false
}

// TestStartOnePoolAtATime: a second Start while a pool runs fails instead
// of doubling the workers, zero workers is an error rather than a silent
// default, and after Stop the queue can Start again.
func TestStartOnePoolAtATime(t *testing.T) {
	q := New(testOpts(16, 1))
	var busy, peak atomic.Int32
	release := make(chan struct{})
	work := func(ctx context.Context, it Item) error {
		n := busy.Add(1)
		defer busy.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	}
	for _, n := range []int{0, -1} {
		if w, err := q.Start(bg, n, work, nil); err == nil || w != nil {
			t.Fatalf("Start(%d) = %v, %v; want an error", n, w, err)
		}
	}
	w := startWorkers(t, q, 2, work, nil)
	if w2, err := q.Start(bg, 2, work, nil); !errors.Is(err, ErrWorkersRunning) || w2 != nil {
		t.Fatalf("second Start = %v, %v; want ErrWorkersRunning", w2, err)
	}
	for i := range 4 {
		mustPush(t, q, mk(1, uint64(i), 1, 1, 1, 0, 0))
	}
	waitFor(t, "two slots in flight", func() bool { return q.Stats().InFlight == 2 })
	if p := peak.Load(); p != 2 {
		t.Fatalf("%d workers busy at once, want the first pool's 2", p)
	}
	w.Stop()
	w.Stop() // harmless
	close(release)
	w = startWorkers(t, q, 1, work, nil)
	waitFor(t, "the queue worked off", func() bool { return q.Len() == 0 && q.Stats().InFlight == 0 })
	w.Stop()
}
