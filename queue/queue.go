// Package queue is the host's persisted, prioritized slot queue and the
// worker loops that drain it.
//
// The queue knows slots, not the chain: it holds Items keyed by persist
// ids, and the sales engine turns chain events into its changes (Push,
// PushRequest, Remove, RemoveRequest), made inside an Update. Workers take
// the best slot that some availability can hold and run the sales
// engine's work function on it. It imports persist and nothing of the
// chain's.
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
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/persist"
)

// DefaultMaxSize bounds the queue when Options leave MaxSize zero.
const DefaultMaxSize = 128

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

// ErrWorkersRunning: Start while the workers of an earlier Start run.
var ErrWorkersRunning = errors.New("queue: workers already running (Stop them first)")

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
	watched  bool     // a worker holds wake and must be woken by closing it
	workers  *Workers // the pool Start runs, until its Stop returns
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
