package persist

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Both journal benchmarks do the same work per op: one journaled
// transition (agent read, journal append, agent write) on one of 64
// slots, durable (fsync) before the op counts as done. They differ only
// in how transactions are formed:
//
//	go test ./persist -run '^$' -bench 'Journal' -benchtime 2000x

const benchWriters = 64

// updateSolo runs fn in its own bbolt transaction, bypassing group commit:
// what the group-commit benchmark is measured against.
func (s *Store) updateSolo(fn func(*Tx) error) error {
	if s.readOnly {
		return ErrReadOnly
	}
	return s.db.Update(func(btx *bolt.Tx) error { return fn(&Tx{btx: btx}) })
}

func benchTransition(tx *Tx, slot ID, n uint64) error {
	a := Agent{SlotID: slot, RequestID: slotN(1), Reserved: 1 << 20}
	e := JournalEntry{From: parityState(n - 1), To: parityState(n), Event: "bench", Time: t0, Block: n}
	return tx.Transition(&a, &e)
}

// BenchmarkJournalSingleUpdate: one bbolt Update (two fsyncs) per transition.
func BenchmarkJournalSingleUpdate(b *testing.B) {
	s, _ := openTemp(b, nil)
	var seq [benchWriters]uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := i % benchWriters
		seq[w]++
		if err := s.updateSolo(func(tx *Tx) error { return benchTransition(tx, slotN(uint64(w)), seq[w]) }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJournalGroupCommit: 64 concurrent writers through Store.Update.
func BenchmarkJournalGroupCommit(b *testing.B) {
	s, _ := openTemp(b, nil)
	var next atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := range benchWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n uint64
			for next.Add(1) <= int64(b.N) {
				n++
				if err := s.Update(context.Background(), func(tx *Tx) error { return benchTransition(tx, slotN(uint64(w)), n) }); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
