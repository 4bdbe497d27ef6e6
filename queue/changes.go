package queue

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/slotd/slotd/persist"
)

func (t *Tx) deleteRecord(slot persist.ID) error {
	if t.ptx == nil {
		return nil
	}
	if _, err := t.ptx.DeleteQueueItem(slot); err != nil {
		return fmt.Errorf("queue: delete %s: %w", slot, err)
	}
	return nil
}

// Push adds items and returns how many were added. An item is skipped when
// its slot is already queued or being worked on, and when the queue is full
// and the item is not better than its worst slot; otherwise, in a full
// queue, the worst slot is evicted. Pushing a queued slot again makes it
// eligible again if it had been handed back with ErrRetry. Item.Seq is
// assigned by the queue.
func (t *Tx) Push(items ...Item) (int, error) {
	n := 0
	for _, it := range items {
		ok, err := t.push(it)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

func (t *Tx) push(it Item) (bool, error) {
	if err := t.check(); err != nil {
		return false, err
	}
	if it.SlotID.IsZero() {
		return false, errors.New("queue: push: item has no slot id")
	}
	q := t.q
	q.mu.Lock()
	e, dup := q.slots[it.SlotID]
	if dup && e.queued() && e.seen {
		// Not undone on rollback: clearing seen only lets a worker look
		// at the slot once more.
		e.seen = false
		t.wake = true
	}
	q.mu.Unlock()
	if dup {
		return false, nil
	}
	it.Seq = 0
	if t.ptx != nil {
		pi := toPersist(it)
		if err := t.ptx.PutQueueItem(&pi); err != nil {
			return false, fmt.Errorf("queue: push %s: %w", it.SlotID, err)
		}
		it.Seq = pi.Seq
	} else {
		q.seq++
		it.Seq = q.seq
	}
	e = newEntry(it)
	e.pending = true
	return t.insert(e)
}

// insert queues e, whose record is already in the store, and evicts the
// worst slot if that overfills the queue; it reports whether e stayed.
// The victim's record is deleted after the queue's lock is released.
func (t *Tx) insert(e *entry) (bool, error) {
	q := t.q
	q.mu.Lock()
	q.insertLocked(e)
	t.added = append(t.added, e)
	t.undo = append(t.undo, undoRec{op: unInsert, e: e})
	victim := t.evictLocked()
	q.mu.Unlock()
	if victim == nil {
		return true, nil
	}
	if err := t.deleteRecord(victim.it.SlotID); err != nil {
		return false, err
	}
	return victim != e, nil
}

// evictLocked drops the worst waiting slot if the queue is over its bound.
func (t *Tx) evictLocked() *entry {
	q := t.q
	if q.best.len() <= q.max {
		return nil
	}
	w := q.worst.top()
	q.unqueueLocked(w)
	q.forgetLocked(w)
	t.undo = append(t.undo, undoRec{op: reInsert, e: w})
	if !w.pending {
		t.evicted = append(t.evicted, w.it)
	}
	return w
}

// Remove deletes slot from the queue and reports whether it was there
// (waiting, or held by a worker). A worker holding it is not interrupted;
// when it releases the slot, the slot is simply dropped.
func (t *Tx) Remove(slot persist.ID) (bool, error) {
	if err := t.check(); err != nil {
		return false, err
	}
	found := false
	if t.ptx != nil {
		ok, err := t.ptx.DeleteQueueItem(slot)
		if err != nil {
			return false, fmt.Errorf("queue: remove %s: %w", slot, err)
		}
		found = ok
	}
	q := t.q
	q.mu.Lock()
	defer q.mu.Unlock()
	if e := q.slots[slot]; e != nil && t.dropLocked(e) {
		found = true
	}
	return found, nil
}

// RemoveRequest deletes every slot of request from the queue and returns
// how many there were.
func (t *Tx) RemoveRequest(request persist.ID) (int, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	stored := 0
	if t.ptx != nil {
		n, err := t.ptx.DeleteQueuedRequest(request)
		if err != nil {
			return 0, fmt.Errorf("queue: remove request %s: %w", request, err)
		}
		stored = n
	}
	q := t.q
	q.mu.Lock()
	defer q.mu.Unlock()
	mem := 0
	for _, e := range q.slots {
		if e.it.RequestID == request && t.dropLocked(e) {
			mem++
		}
	}
	return max(stored, mem), nil
}

func (t *Tx) dropLocked(e *entry) bool {
	q := t.q
	switch {
	case e.queued():
		q.unqueueLocked(e)
		q.forgetLocked(e)
		t.undo = append(t.undo, undoRec{op: reInsert, e: e})
		return true
	case e.flight && !e.removed:
		e.removed = true
		t.undo = append(t.undo, undoRec{op: unRemove, e: e})
		return true
	}
	return false
}

// PushRequest pushes the slots of one request, each built by item from
// its index, in an order shuffled by the queue's Rand, and returns how
// many were added. The request has slots slots, of which free lists those
// to push (nil: all of them; indices not below slots are ignored). At most
// MaxSize are pushed, chosen at random: the rest could not stay in the
// queue anyway, and a request with an absurd number of slots costs no more
// than one with MaxSize.
func (t *Tx) PushRequest(slots uint64, free []uint64, item func(index uint64) Item) (int, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	var idx []uint64
	if free == nil {
		idx = sample(t.q.rnd, slots, t.q.max)
	} else {
		idx = slices.DeleteFunc(slices.Clone(free), func(x uint64) bool { return x >= slots })
		t.q.rnd.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		idx = idx[:min(len(idx), t.q.max)]
	}
	items := make([]Item, len(idx))
	for i, x := range idx {
		items[i] = item(x)
	}
	return t.Push(items...)
}

// sample returns k (at most n) distinct numbers below n in random order: a
// Fisher-Yates shuffle of 0..n-1 stopped after k steps, with the swapped
// positions in a map so that a huge n costs nothing.
func sample(r *rand.Rand, n uint64, k int) []uint64 {
	if uint64(k) > n {
		k = int(n)
	}
	out := make([]uint64, k)
	moved := make(map[uint64]uint64, k)
	at := func(i uint64) uint64 {
		if v, ok := moved[i]; ok {
			return v
		}
		return i
	}
	for i := range uint64(k) {
		j := i + r.Uint64N(n-i)
		out[i], moved[j] = at(j), at(i)
	}
	return out
}
