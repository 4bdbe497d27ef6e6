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

// BenchmarkBlockCommit: what the applied bucket adds to the ingestor's
// commit of a block (cursor moved, fsynced), with a block of three
// Marketplace logs kept and the oldest of 65 pruned:
//
//	go test ./persist -run '^$' -bench BlockCommit -benchtime 2000x
func BenchmarkBlockCommit(b *testing.B) {
	for _, applied := range []bool{false, true} {
		name := "cursor"
		if applied {
			name = "cursor+applied"
		}
		b.Run(name, func(b *testing.B) {
			s, _ := openTemp(b, nil)
			logs := make([]AppliedLog, 3)
			for i := range logs {
				logs[i] = AppliedLog{Topics: []ID{slotN(1), slotN(2), slotN(3)}, Data: make([]byte, 96), Index: uint(i)}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				n := uint64(i + 1)
				err := s.updateSolo(func(tx *Tx) error {
					if applied {
						if err := tx.PutAppliedBlock(AppliedBlock{Number: n, Hash: slotN(n), Logs: logs}); err != nil {
							return err
						}
						if n > 65 {
							if err := tx.PruneAppliedBlocks(n - 64); err != nil {
								return err
							}
						}
					}
					return tx.SetCursor(Cursor{Number: n, Hash: slotN(n)})
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
