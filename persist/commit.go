package persist

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Group commit.
//
// bbolt makes a write durable with two fdatasyncs per transaction, which
// caps a node at a few hundred transitions per second if each runs in its
// own transaction. Update therefore hands fn to a single committer
// goroutine, which takes every request waiting at that moment (up to
// MaxBatch), runs them one after another in one read-write transaction and
// commits once. Callers that arrive while a commit is in flight form the
// next batch, so a lone writer pays no extra delay (unlike bbolt's Batch,
// which waits MaxBatchDelay) and many writers share each fsync.
//
// Durability is unchanged: no caller hears back before the commit that
// holds its change has been synced.
//
// Isolation: when fn i fails, the transaction is rolled back and the
// batch is run again without it, and fn i gets its own error. Since fn i
// saw exactly the effects of fns 0..i-1, which are committed before
// anything else, the outcome is the same as if the calls had run one at a
// time in arrival order. The cost is that a fn may run more than once: fn
// must not have effects outside the transaction other than overwriting
// its own results.

type request struct {
	fn   func(*Tx) error
	done chan error
}

// Update runs fn in a read-write transaction shared with concurrent
// callers and returns once the transaction is durably committed (nil) or
// rolled back (fn's error or the commit's). fn may be called more than
// once (see above) and must be idempotent. It runs on the committer
// goroutine while other writers wait, so it must be quick and do no I/O of
// its own; it must not call Update (that would deadlock). A panic in fn
// becomes its error.
//
// ctx bounds only the wait to enter a batch: once fn has been handed to
// the committer, Update waits for the outcome, because returning early
// would leave the caller unsure whether the write happened.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("%s: %w", s.path, ErrReadOnly)
	}
	req := &request{fn: fn, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	select {
	case s.reqs <- req:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	return <-req.done
}

func (s *Store) commitLoop() {
	defer close(s.loopDone)
	debug.SetPanicOnFault(true) // a damaged page fails the batch, not the node
	batch := make([]*request, 0, s.maxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	last := 1 // size of the previous batch
	for first := range s.reqs {
		batch = append(batch[:0], first)
		// Take everything already waiting.
	drain:
		for len(batch) < s.maxBatch {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		// The writers of the previous batch were all woken at once and
		// are still coming back; without this short wait the batches
		// alternate between a few early ones and everyone else. A lone
		// writer (last == 1) never waits.
		if want := min(last, s.maxBatch); len(batch) < want {
			timer.Reset(batchWait)
		wait:
			for len(batch) < want {
				select {
				case r, ok := <-s.reqs:
					if !ok {
						break wait
					}
					batch = append(batch, r)
				case <-timer.C:
					break wait
				}
			}
			timer.Stop()
		}
		last = len(batch)
		s.runBatch(batch)
		clear(batch)
	}
}

// batchWait bounds how long a batch waits for the writers of the previous
// one: well under the cost of the fsync it saves them.
const batchWait = 200 * time.Microsecond

// runBatch commits batch, retrying without any fn that fails.
func (s *Store) runBatch(batch []*request) {
	for len(batch) > 0 {
		failed, failErr := -1, error(nil)
		err := s.commit(func(btx *bolt.Tx) error {
			tx := &Tx{btx: btx}
			for i, r := range batch {
				if err := callFn(r.fn, tx); err != nil {
					failed, failErr = i, err
					return err
				}
			}
			return nil
		})
		if failed >= 0 {
			batch[failed].done <- failErr
			batch = append(batch[:failed], batch[failed+1:]...)
			continue
		}
		for _, r := range batch {
			r.done <- err
		}
		return
	}
}

// commit runs one bbolt Update, turning a panic inside bbolt into an error.
func (s *Store) commit(fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: commit panicked (damaged store?): %v", s.path, p)
		}
	}()
	return s.db.Update(fn)
}

func callFn(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("update function panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(tx)
}
