package queue

import (
	"context"
	"fmt"
	"slices"

	"github.com/slotd/slotd/persist"
)

// The Tx operations, each in its own transaction, and a worker's claim
// and release without its loop: what the tests drive the queue with.

// Push adds items in one transaction (see Tx.Push).
func (q *Queue) Push(ctx context.Context, items ...Item) (n int, err error) {
	err = q.Update(ctx, func(_ *persist.Tx, t *Tx) error { n, err = t.Push(items...); return err })
	return n, err
}

// Remove deletes a slot (see Tx.Remove).
func (q *Queue) Remove(ctx context.Context, slot persist.ID) (ok bool, err error) {
	err = q.Update(ctx, func(_ *persist.Tx, t *Tx) error { ok, err = t.Remove(slot); return err })
	return ok, err
}

// RemoveRequest deletes a request's slots (see Tx.RemoveRequest).
func (q *Queue) RemoveRequest(ctx context.Context, request persist.ID) (n int, err error) {
	err = q.Update(ctx, func(_ *persist.Tx, t *Tx) error { n, err = t.RemoveRequest(request); return err })
	return n, err
}

// PushRequest pushes a request's slots (see Tx.PushRequest).
func (q *Queue) PushRequest(ctx context.Context, slots uint64, free []uint64, item func(uint64) Item) (n int, err error) {
	err = q.Update(ctx, func(_ *persist.Tx, t *Tx) error { n, err = t.PushRequest(slots, free, item); return err })
	return n, err
}

// Take claims the best waiting slot that fits (nil: any) without waiting,
// for a caller that runs its own loop; it must Release the slot. Slots that
// do not fit stay queued.
func (q *Queue) Take(fits func(Item) bool) (Item, bool) {
	e, _ := q.claim(fits)
	if e == nil {
		return Item{}, false
	}
	return e.it, true
}

// Release ends the work on a slot claimed by Take: err nil drops it from
// the queue and the store, an error wrapping ErrRetry hands it back, and
// any other error drops it. It fails with ErrNotInFlight if no one holds
// the slot. If the store cannot be written, the slot is dropped from
// memory anyway (it comes back on the next start) and the error returned.
func (q *Queue) Release(ctx context.Context, slot persist.ID, err error) error {
	q.mu.Lock()
	e := q.slots[slot]
	q.mu.Unlock()
	if e == nil {
		return fmt.Errorf("%w: %s", ErrNotInFlight, slot)
	}
	return q.release(ctx, e, outcomeOf(err, false))
}

// Items returns the waiting slots, best first.
func (q *Queue) Items() []Item {
	q.mu.Lock()
	es := make([]*entry, 0, q.best.len())
	for _, e := range q.best.s {
		if !e.pending {
			es = append(es, e)
		}
	}
	q.mu.Unlock()
	slices.SortFunc(es, cmpEntries)
	out := make([]Item, len(es))
	for i, e := range es {
		out[i] = e.it
	}
	return out
}

func cmpEntries(a, b *entry) int {
	switch {
	case better(a, b):
		return -1
	case better(b, a):
		return 1
	}
	return 0
}
