package queue

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/slotd/slotd/persist"
)

// Update runs fn in one store transaction (Store.Update, shared with the
// node's other writes by group commit) and gives it t, through which fn
// changes the queue in that same transaction. The sales engine uses it to
// commit "agent transition + queue change" atomically:
//
//	q.Update(ctx, func(tx *persist.Tx, qt *queue.Tx) error {
//		if err := tx.Transition(&agent, &entry); err != nil {
//			return err
//		}
//		_, err := qt.Remove(slotID)
//		return err
//	})
//
// The queue's changes reach the store inside the transaction and its
// memory only once the transaction has committed: entries pushed by fn
// are invisible to workers until then, and if the transaction fails (or
// group commit runs fn again) every memory change of the failed run is
// undone. Updates are serialized with each other; fn must not call
// Update or UpdateVia again: that would deadlock. Use t instead. With a
// memory-only queue tx is nil.
func (q *Queue) Update(ctx context.Context, fn func(tx *persist.Tx, t *Tx) error) error {
	return q.UpdateVia(ctx, nil, fn)
}

// UpdateVia is Update with the store transaction run by update rather than
// by the queue's own Store.Update: the queue's changes join a transaction
// another party runs and adds to (the chain ingestor's, which moves the
// cursor in it). update must run its function in one Store.Update of the
// queue's store (it may run it more than once, as group commit does) and
// return that Update's error. A nil update is the store's own Update; a
// memory-only queue runs fn in memory.
func (q *Queue) UpdateVia(ctx context.Context, update func(context.Context, func(*persist.Tx) error) error, fn func(tx *persist.Tx, t *Tx) error) error {
	q.wmu.Lock()
	defer q.wmu.Unlock()
	t := &Tx{q: q, undo: q.undoBuf[:0], added: q.addedBuf[:0]}
	defer t.recycle()
	if update == nil && q.store != nil {
		update = q.store.Update
	}
	var err error
	if q.store == nil {
		err = t.runMemory(fn)
	} else {
		err = update(ctx, func(ptx *persist.Tx) error { return t.run(ptx, fn) })
	}
	if err != nil {
		t.rollback()
		return err
	}
	t.commit()
	return nil
}

// run is one run of fn: group commit may run it again in a new
// transaction after rolling back the batch it was in, so the memory
// changes of a previous run are undone first.
func (t *Tx) run(ptx *persist.Tx, fn func(*persist.Tx, *Tx) error) error {
	t.rollback()
	t.ptx, t.live = ptx, true
	defer func() { t.ptx, t.live = nil, false }()
	return fn(ptx, t)
}

// runMemory runs fn for a queue without a store, turning a panic into an
// error as Store.Update does.
func (t *Tx) runMemory(fn func(*persist.Tx, *Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("queue: update function panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return t.run(nil, fn)
}

// Tx changes the queue inside an Update. It is valid only during the call
// of the function given to Update.
type Tx struct {
	q       *Queue
	ptx     *persist.Tx
	live    bool
	undo    []undoRec // memory changes to revert, newest last
	added   []*entry  // pushed entries, visible to workers after commit
	evicted []Item
	wake    bool
}

// undoRec is one memory change of a Tx, to revert if its transaction does
// not commit. (Records rather than closures: an Update costs no extra
// allocations for them.)
type undoRec struct {
	op      uint8
	removed bool // unRelease: the entry's removed flag before
	e       *entry
}

const (
	unInsert  uint8 = iota // an insert (push, requeue): take it out again
	reInsert               // a removal from the heaps: put it back
	unRemove               // an in-flight entry marked removed
	unRelease              // a release: in flight again
)

func (u undoRec) apply(q *Queue) {
	e := u.e
	switch u.op {
	case unInsert:
		if e.queued() {
			q.unqueueLocked(e)
		}
		q.forgetLocked(e)
		e.pending, e.seen = false, false
	case reInsert:
		q.insertLocked(e)
	case unRemove:
		e.removed = false
	case unRelease:
		e.flight, e.removed = true, u.removed
		q.inflight++
		q.slots[e.it.SlotID] = e
	}
}

func (t *Tx) rollback() {
	if len(t.undo) > 0 {
		q := t.q
		q.mu.Lock()
		for i := len(t.undo) - 1; i >= 0; i-- {
			t.undo[i].apply(q)
		}
		q.gen++
		q.mu.Unlock()
	}
	t.undo, t.added, t.evicted, t.wake = t.undo[:0], t.added[:0], t.evicted[:0], false
}

func (t *Tx) commit() {
	q := t.q
	q.mu.Lock()
	for _, e := range t.added {
		if e.queued() && e.pending {
			e.pending = false
			q.npending--
			t.wake = true
		}
	}
	q.gen++
	if t.wake {
		q.wakeLocked()
	}
	q.mu.Unlock()
	for _, it := range t.evicted {
		q.log.Debug("evicted the worst slot from the full queue", "slotId", it.SlotID, "requestId", it.RequestID, "slotIndex", it.SlotIndex)
	}
}

// recycle hands the Tx's buffers back to the queue for the next Update.
func (t *Tx) recycle() {
	const keep = 1024
	q := t.q
	if cap(t.undo) <= keep {
		clear(t.undo[:cap(t.undo)])
		q.undoBuf = t.undo[:0]
	}
	if cap(t.added) <= keep {
		clear(t.added[:cap(t.added)])
		q.addedBuf = t.added[:0]
	}
	t.undo, t.added = nil, nil
}

func (t *Tx) check() error {
	if !t.live {
		return errTxDone
	}
	return nil
}
