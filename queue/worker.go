package queue

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/persist"
)

// ErrRetry, returned by a work function (wrapped or not), hands the slot
// back to the queue instead of dropping it: it waits again, but workers
// skip it until Notify says the availabilities changed (or the slot is
// pushed again), so a slot that cannot be sold right now does not keep a
// worker busy.
var ErrRetry = errors.New("queue: retry the slot later")

// WorkFunc sells one slot. It returns once the slot is filled by this node
// or the sale has ended (lost the slot, request ended, failed), not when
// the slot's contract ends: the worker is busy until then. It returns nil
// when the slot is done with (it leaves the queue), an error wrapping
// ErrRetry to hand it back, or another error to drop it (logged). ctx is
// cancelled by Workers.Stop; a slot whose work returns an error after that
// goes back to the queue (and stays in the store for the next start).
type WorkFunc func(ctx context.Context, it Item) error

// outcome is what a release does with the slot.
type outcome int

const (
	done    outcome = iota // leaves the queue and the store
	failed                 // likewise, logged
	retry                  // back in the queue, skipped until Notify
	stopped                // back in the queue, eligible
)

func outcomeOf(err error, stopping bool) outcome {
	switch {
	case err == nil:
		return done
	case stopping:
		return stopped
	case errors.Is(err, ErrRetry):
		return retry
	}
	return failed
}

// scanBatch is how many eligible slots a worker takes from the queue (in
// order, under the lock) before checking them against fits (outside it).
const scanBatch = 32

// claim takes the best waiting slot that fits (nil: any) and marks it in
// flight. If none does, it returns a channel that is closed when the queue
// changes in a way that could give a different answer (a push committed, a
// slot released, Notify), so a worker can wait without polling. fits is
// called without the queue's lock held, so it may read the store or call
// the queue's read methods.
func (q *Queue) claim(fits func(Item) bool) (*entry, <-chan struct{}) {
	q.mu.Lock()
	if fits == nil {
		e := q.firstEligibleLocked()
		var wake chan struct{}
		if e != nil {
			q.takeLocked(e)
		} else {
			q.watched, wake = true, q.wake
		}
		q.mu.Unlock()
		return e, wake
	}
	// Take the channel now: a change while fits runs must wake us.
	q.watched = true
	wake := q.wake
	batch := make([]*entry, 0, scanBatch)
	var sc scan
	for {
		sc.reset(&q.best)
		for {
			gen := q.gen
			batch = batch[:0]
			for len(batch) < scanBatch {
				e := sc.next()
				if e == nil {
					break
				}
				if eligible(e) {
					batch = append(batch, e)
				}
			}
			q.mu.Unlock()
			if len(batch) == 0 {
				return nil, wake
			}
			for _, e := range batch {
				if !q.callFits(fits, e.it) {
					continue
				}
				q.mu.Lock()
				if e.queued() && eligible(e) {
					q.takeLocked(e)
					q.mu.Unlock()
					return e, nil
				}
				q.mu.Unlock()
			}
			q.mu.Lock()
			if q.gen != gen {
				break // the heap changed under the scan: start over
			}
		}
	}
}

func eligible(e *entry) bool { return !e.pending && !e.seen }

func (q *Queue) firstEligibleLocked() *entry {
	if e := q.best.top(); e == nil || eligible(e) {
		return e
	}
	var sc scan
	sc.reset(&q.best)
	for e := sc.next(); e != nil; e = sc.next() {
		if eligible(e) {
			return e
		}
	}
	return nil
}

func (q *Queue) takeLocked(e *entry) {
	q.unqueueLocked(e)
	e.flight, e.seen = true, false
	q.inflight++
}

func (q *Queue) callFits(fits func(Item) bool, it Item) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			q.log.Error("fits panicked; treating the slot as unfit", "slotId", it.SlotID, "requestId", it.RequestID, "panic", p, "stack", string(debug.Stack()))
			ok = false
		}
	}()
	return fits(it)
}

func (q *Queue) release(ctx context.Context, e *entry, o outcome) error {
	err := q.Update(ctx, func(_ *persist.Tx, t *Tx) error { return t.release(e, o) })
	switch {
	case errors.Is(err, ErrNotInFlight):
		return err
	case err != nil:
		// Keep memory a subset of the store: forget the slot here; if its
		// record is still stored it is queued again on the next start.
		q.mu.Lock()
		if e.flight {
			e.flight, e.removed = false, false
			q.inflight--
			q.forgetLocked(e)
			q.wakeLocked()
		}
		q.mu.Unlock()
		q.log.Error("could not release slot; dropped from memory", "slotId", e.it.SlotID, "requestId", e.it.RequestID, "error", err)
	}
	return err
}

func (t *Tx) release(e *entry, o outcome) error {
	if err := t.check(); err != nil {
		return err
	}
	q := t.q
	q.mu.Lock()
	if !e.flight || q.slots[e.it.SlotID] != e {
		q.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrNotInFlight, e.it.SlotID)
	}
	removed := e.removed
	e.flight, e.removed = false, false
	q.inflight--
	q.forgetLocked(e)
	t.undo = append(t.undo, undoRec{op: unRelease, e: e, removed: removed})
	t.wake = true // the work may have changed what fits
	q.mu.Unlock()
	if removed {
		return nil // its record went with the event that removed it
	}
	if o == done || o == failed {
		return t.deleteRecord(e.it.SlotID)
	}
	if t.ptx != nil {
		pi := toPersist(e.it) // keeps its Seq, so its place is the same
		if err := t.ptx.PutQueueItem(&pi); err != nil {
			return fmt.Errorf("queue: requeue %s: %w", e.it.SlotID, err)
		}
	}
	e.pending, e.seen = true, o == retry // e is forgotten above: nobody else sees it
	_, err := t.insert(e)
	return err
}

// Workers are the worker loops started by Start.
type Workers struct {
	q      *Queue
	work   WorkFunc
	fits   func(Item) bool
	log    hclog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start runs n ≥ 1 worker loops. Each takes the best waiting slot that
// fits (nil: any; slots that do not fit stay queued), runs work on it,
// releases it and comes back. When nothing fits, a worker waits, without
// polling, until a push commits, a slot is released or Notify is called. A
// work function that fails or panics is logged and the worker goes on.
// Stop, or cancelling ctx, ends the loops; Stop returns when they have.
// A queue has one pool at a time: Start before the last pool's Stop
// returned fails with ErrWorkersRunning.
func (q *Queue) Start(ctx context.Context, n int, work WorkFunc, fits func(Item) bool) (*Workers, error) {
	if n < 1 {
		return nil, fmt.Errorf("queue: Start with %d workers: want at least one", n)
	}
	ctx, cancel := context.WithCancel(ctx)
	w := &Workers{q: q, work: work, fits: fits, log: q.log, cancel: cancel}
	q.mu.Lock()
	if q.workers != nil {
		q.mu.Unlock()
		cancel()
		return nil, ErrWorkersRunning
	}
	q.workers = w
	q.mu.Unlock()
	w.wg.Add(n)
	for i := range n {
		go w.loop(ctx, w.log.With("worker", i))
	}
	return w, nil
}

// Stop cancels the workers' context and waits until every worker has
// returned, its slot released (back to the queue if its work was cut
// short). Then the queue may Start again. Stop twice is harmless.
func (w *Workers) Stop() {
	w.cancel()
	w.wg.Wait()
	w.q.mu.Lock()
	if w.q.workers == w {
		w.q.workers = nil
	}
	w.q.mu.Unlock()
}

func (w *Workers) loop(ctx context.Context, log hclog.Logger) {
	defer w.wg.Done()
	for ctx.Err() == nil {
		e, wake := w.q.claim(w.fits)
		if e == nil {
			select {
			case <-wake:
			case <-ctx.Done():
			}
			continue
		}
		it := e.it
		log.Debug("working on slot", "slotId", it.SlotID, "requestId", it.RequestID, "slotIndex", it.SlotIndex)
		err := w.run(ctx, it)
		o := outcomeOf(err, ctx.Err() != nil)
		switch o {
		case failed:
			log.Warn("work on slot failed; dropped from the queue", "slotId", it.SlotID, "requestId", it.RequestID, "error", err)
		case retry:
			log.Info("slot handed back to the queue", "slotId", it.SlotID, "requestId", it.RequestID, "error", err)
		case stopped:
			log.Debug("work on slot stopped; back in the queue", "slotId", it.SlotID, "requestId", it.RequestID, "error", err)
		}
		// Released even when stopping: the store must be told.
		_ = w.q.release(context.WithoutCancel(ctx), e, o)
	}
}

// run calls work, turning a panic into an error so the worker survives.
func (w *Workers) run(ctx context.Context, it Item) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("work panicked: %v", p)
			w.log.Error("work panicked", "slotId", it.SlotID, "requestId", it.RequestID, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	return w.work(ctx, it)
}
