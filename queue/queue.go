// Package queue is the host's persisted, prioritized slot queue and the
// worker loops that drain it.
//
// Chain events go in (OnStorageRequested, OnSlotFilled, OnSlotFreed,
// OnRequestEnded, PushOpenRequests); workers take the best slot that some
// availability can hold and run the sales engine's work function on it.
// The order is Before: higher payout, lower collateral, later expiry,
// smaller slot, then request id, insertion number and slot index. The
// queue holds at most MaxSize slots; a push into a full queue evicts the
// worst slot if the new one is better and is dropped otherwise.
//
// Every change is written through the persist store before it shows in
// memory, and Open rebuilds the queue from the store. A slot a worker has
// taken stays in the store until its work is done, so a crash mid-sale
// puts it back in the queue on the next start, unless the sales engine has
// removed it in the same transaction that created the slot's agent (see
// Update). What the queue holds in memory is always a subset of the store.
package queue

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts/marketplace"
	"github.com/slotd/slotd/persist"
)

const (
	// DefaultMaxSize bounds the queue when Options leave MaxSize zero.
	DefaultMaxSize = 128
	// DefaultWorkers is the number of worker loops Start runs when asked
	// for zero.
	DefaultWorkers = 3
)

// Options tune a queue. The zero value is what a node wants.
type Options struct {
	// MaxSize is how many slots may wait (default 128). Slots being worked
	// on do not count.
	MaxSize int
	// Rand shuffles the slot indices of a request. Default: seeded from the
	// clock. Tests inject a seeded one. It is only used under the queue's
	// write lock.
	Rand *rand.Rand
	// Logger gets the queue's logs (default hclog.Default() named "queue").
	Logger hclog.Logger
}

// Status is where a slot is in the queue.
type Status int

const (
	Absent   Status = iota // neither waiting nor being worked on
	Queued                 // waiting for a worker
	InFlight               // taken by a worker, not released yet
)

func (s Status) String() string {
	switch s {
	case Queued:
		return "queued"
	case InFlight:
		return "in flight"
	}
	return "absent"
}

// Stats counts what the queue holds.
type Stats struct {
	Queued   int // waiting (committed) slots
	InFlight int // slots workers are running
	MaxSize  int
}

// ErrNotInFlight: Release of a slot no worker holds.
var ErrNotInFlight = errors.New("queue: slot is not in flight")

var errTxDone = errors.New("queue: Tx used outside its Update")

// Queue is the slot queue. Its methods are safe for concurrent use.
type Queue struct {
	store *persist.Store // nil: memory only
	max   int
	log   hclog.Logger

	// wmu serializes writers: an Update decides from memory, writes the
	// store, and applies to memory after the commit, with nobody else
	// writing in between. Workers taking items only need mu.
	wmu sync.Mutex
	rnd *rand.Rand // under wmu
	seq uint64     // insertion numbers of a memory-only queue, under wmu
	// Buffers reused by successive Updates, under wmu.
	undoBuf  []undoRec
	addedBuf []*entry

	mu       sync.Mutex
	best     ixheap // best on top: what workers take
	worst    ixheap // worst on top: what a full queue evicts
	slots    map[persist.ID]*entry
	npending int    // queued entries not committed yet
	inflight int    // entries workers hold
	gen      uint64 // bumped on every change of the heaps (invalidates scans)
	wake     chan struct{}
	watched  bool // a worker holds wake and must be woken by closing it
}

// New returns an empty queue that lives in memory only (tests,
// benchmarks, a node without a store).
func New(opts Options) *Queue {
	q := &Queue{
		max:   opts.MaxSize,
		log:   opts.Logger,
		rnd:   opts.Rand,
		slots: map[persist.ID]*entry{},
		wake:  make(chan struct{}),
		worst: ixheap{worst: true},
	}
	if q.max <= 0 {
		q.max = DefaultMaxSize
	}
	if q.log == nil {
		q.log = hclog.Default().Named("queue")
	}
	if q.rnd == nil {
		now := uint64(time.Now().UnixNano())
		q.rnd = rand.New(rand.NewPCG(now, now>>32^0x9e3779b97f4a7c15))
	}
	return q
}

// Open rebuilds the queue from store (every slot that was queued or being
// worked on when the node stopped) and returns it. If the store holds more
// than MaxSize slots (the bound was lowered), the worst are evicted.
func Open(ctx context.Context, store *persist.Store, opts Options) (*Queue, error) {
	q := New(opts)
	if store == nil {
		return q, nil
	}
	q.store = store
	err := store.View(func(tx *persist.Tx) error {
		return tx.ForEachQueueItem(func(pi persist.QueueItem) error {
			q.insertLocked(newEntry(fromPersist(pi)))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load queue: %w", err)
	}
	var evicted []*entry
	for q.best.len() > q.max {
		w := q.worst.top()
		q.unqueueLocked(w)
		q.forgetLocked(w)
		evicted = append(evicted, w)
	}
	if len(evicted) > 0 {
		err := store.Update(ctx, func(tx *persist.Tx) error {
			for _, w := range evicted {
				if _, err := tx.DeleteQueueItem(w.it.SlotID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			// Memory is still a subset of the store; the next start
			// tries again.
			q.log.Warn("could not delete evicted slots", "count", len(evicted), "error", err)
		}
		q.log.Info("queue larger than its bound, evicted the worst slots", "evicted", len(evicted), "max", q.max)
	}
	q.log.Debug("queue loaded", "queued", q.best.len())
	return q, nil
}

// Stats counts the waiting and in-flight slots.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return Stats{Queued: q.best.len() - q.npending, InFlight: q.inflight, MaxSize: q.max}
}

// Len is the number of waiting slots.
func (q *Queue) Len() int { return q.Stats().Queued }

// Status says whether slot is waiting, being worked on, or neither. A slot
// removed from the queue while a worker holds it is Absent.
func (q *Queue) Status(slot persist.ID) Status {
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.slots[slot]
	switch {
	case e == nil || e.pending:
		return Absent
	case e.queued():
		return Queued
	case e.flight && !e.removed:
		return InFlight
	}
	return Absent
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

// Notify tells the workers that the availabilities changed (one was added,
// grown, or bytes were released): slots handed back with ErrRetry become
// eligible again and idle workers look at the queue once more.
func (q *Queue) Notify() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, e := range q.best.s {
		e.seen = false
	}
	q.gen++
	q.wakeLocked()
}

// Memory operations, all under mu.

func (q *Queue) insertLocked(e *entry) {
	q.best.push(e)
	q.worst.push(e)
	q.slots[e.it.SlotID] = e
	if e.pending {
		q.npending++
	}
	q.gen++
}

// unqueueLocked takes e out of the heaps; it stays known by its slot id.
func (q *Queue) unqueueLocked(e *entry) {
	q.best.remove(e)
	q.worst.remove(e)
	if e.pending {
		q.npending--
	}
	q.gen++
}

func (q *Queue) forgetLocked(e *entry) {
	if q.slots[e.it.SlotID] == e {
		delete(q.slots, e.it.SlotID)
	}
}

func (q *Queue) wakeLocked() {
	if q.watched {
		close(q.wake)
		q.wake = make(chan struct{})
		q.watched = false
	}
}

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
// undone. Updates are serialized with each other; fn must not call the
// Queue's own writing methods (Push, Remove, On..., Release): that would
// deadlock. Use t instead. With a memory-only queue tx is nil.
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

// OnStorageRequested handles a StorageRequested event: if fits (nil: always)
// says an availability could take the ask, every slot of the request is
// pushed, in an order shuffled by the queue's Rand, from the event alone.
// It returns how many slots were added. A request with more slots than the
// queue's bound pushes a random MaxSize of them: the rest could not stay
// in the queue anyway.
func (t *Tx) OnStorageRequested(ev *marketplace.StorageRequested, fits func(marketplace.Ask) bool) (int, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	if ev == nil || (fits != nil && !fits(ev.Ask)) {
		return 0, nil
	}
	return t.pushRequest(ev.RequestID, ev.Ask, ev.Expiry, nil)
}

// OnSlotFilled handles SlotFilled: the slot leaves the queue.
func (t *Tx) OnSlotFilled(request marketplace.RequestID, index uint64) (bool, error) {
	return t.Remove(persist.ID(marketplace.GetSlotID(request, index)))
}

// OnSlotFreed handles SlotFreed: the slot is pushed again if fits (nil:
// always) accepts the ask, even if this node has seen it before, unless a
// worker holds it. The event carries only the ids, so the caller supplies
// the request's ask and expiry. (The queue does not know about slots whose
// sale has moved on from the worker, e.g. one this node is proving: the
// caller decides whether to push those.)
func (t *Tx) OnSlotFreed(request marketplace.RequestID, index uint64, ask marketplace.Ask, expiry uint64, fits func(marketplace.Ask) bool) (bool, error) {
	if err := t.check(); err != nil {
		return false, err
	}
	if fits != nil && !fits(ask) {
		return false, nil
	}
	return t.push(NewItem(request, index, ask, expiry))
}

// OnRequestEnded handles RequestFulfilled, RequestCancelled, RequestFailed
// and the end of a request (Finished): its slots leave the queue.
func (t *Tx) OnRequestEnded(request marketplace.RequestID) (int, error) {
	return t.RemoveRequest(persist.ID(request))
}

// OpenRequest is a request still open on chain, for PushOpenRequests.
type OpenRequest struct {
	RequestID marketplace.RequestID
	Ask       marketplace.Ask
	Expiry    uint64
	// Free lists the slot indices still free; nil means all of them.
	// Indices not below Ask.Slots are ignored.
	Free []uint64
}

// OpenRequestOf is the open request announced by ev, all slots free.
func OpenRequestOf(ev *marketplace.StorageRequested) OpenRequest {
	return OpenRequest{RequestID: ev.RequestID, Ask: ev.Ask, Expiry: ev.Expiry}
}

// PushOpenRequests pushes the free slots of past requests that are still
// open, for an availability that was just added: the caller looks back
// through the StorageRequested events and supplies those still open. Each
// request's slots go in shuffled, like OnStorageRequested's. It returns how
// many slots were added.
func (t *Tx) PushOpenRequests(reqs []OpenRequest, fits func(marketplace.Ask) bool) (int, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range reqs {
		if fits != nil && !fits(r.Ask) {
			continue
		}
		k, err := t.pushRequest(r.RequestID, r.Ask, r.Expiry, r.Free)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (t *Tx) pushRequest(request marketplace.RequestID, ask marketplace.Ask, expiry uint64, free []uint64) (int, error) {
	var idx []uint64
	if free == nil {
		idx = sample(t.q.rnd, ask.Slots, t.q.max)
	} else {
		idx = slices.DeleteFunc(slices.Clone(free), func(x uint64) bool { return x >= ask.Slots })
		t.q.rnd.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		idx = idx[:min(len(idx), t.q.max)]
	}
	items := make([]Item, len(idx))
	for i, x := range idx {
		items[i] = NewItem(request, x, ask, expiry)
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

// The same operations, each in its own transaction.

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

// OnStorageRequested handles StorageRequested (see Tx.OnStorageRequested).
func (q *Queue) OnStorageRequested(ctx context.Context, ev *marketplace.StorageRequested, fits func(marketplace.Ask) bool) (n int, err error) {
	err = q.Update(ctx, func(_ *persist.Tx, t *Tx) error { n, err = t.OnStorageRequested(ev, fits); return err })
	return n, err
}

// OnSlotFilled handles SlotFilled (see Tx.OnSlotFilled).
func (q *Queue) OnSlotFilled(ctx context.Context, request marketplace.RequestID, index uint64) (ok bool, err error) {
	err = q.Update(ctx, func(_ *persist.Tx, t *Tx) error { ok, err = t.OnSlotFilled(request, index); return err })
	return ok, err
}

// OnSlotFreed handles SlotFreed (see Tx.OnSlotFreed).
func (q *Queue) OnSlotFreed(ctx context.Context, request marketplace.RequestID, index uint64, ask marketplace.Ask, expiry uint64, fits func(marketplace.Ask) bool) (ok bool, err error) {
	err = q.Update(ctx, func(_ *persist.Tx, t *Tx) error {
		ok, err = t.OnSlotFreed(request, index, ask, expiry, fits)
		return err
	})
	return ok, err
}

// OnRequestEnded handles the end of a request (see Tx.OnRequestEnded).
func (q *Queue) OnRequestEnded(ctx context.Context, request marketplace.RequestID) (n int, err error) {
	err = q.Update(ctx, func(_ *persist.Tx, t *Tx) error { n, err = t.OnRequestEnded(request); return err })
	return n, err
}

// PushOpenRequests pushes past open requests (see Tx.PushOpenRequests).
func (q *Queue) PushOpenRequests(ctx context.Context, reqs []OpenRequest, fits func(marketplace.Ask) bool) (n int, err error) {
	err = q.Update(ctx, func(_ *persist.Tx, t *Tx) error { n, err = t.PushOpenRequests(reqs, fits); return err })
	return n, err
}
