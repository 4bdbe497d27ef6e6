package persist

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The crash test runs the test binary itself as a child that writes
// through group commit from several goroutines and prints "ack W N" after
// each Update returns. The parent SIGKILLs it at a random moment, reopens
// the store and checks that it is consistent and that every acked write
// is there; then the next child carries on from the same file.

const (
	crashWorkers = 6
	crashEnv     = "SLOTD_PERSIST_CRASH_DB"
	crashAvail   = 1
)

func crashSlot(w int) ID { return slotN(uint64(50_000 + w)) }

func parityState(n uint64) string {
	switch {
	case n == 0:
		return ""
	case n%2 == 1:
		return "odd"
	default:
		return "even"
	}
}

// crashStep is update N of worker w: a journaled transition plus the
// reservation, queue and tx-record changes it implies, in one Update.
func crashStep(tx *Tx, w int, n uint64) error {
	slot := crashSlot(w)
	a := Agent{SlotID: slot, RequestID: slotN(1), SlotIndex: uint64(w)}
	e := JournalEntry{From: parityState(n - 1), To: parityState(n), Event: "step", Time: t0, Detail: fmt.Sprint(n)}
	if err := tx.Transition(&a, &e); err != nil {
		return err
	}
	if n%2 == 1 {
		if err := tx.Reserve(crashAvail, slot, 100); err != nil {
			return err
		}
		if err := tx.PutQueueItem(&QueueItem{SlotID: slot, SlotSize: n}); err != nil {
			return err
		}
	} else {
		if _, err := tx.Release(slot); err != nil {
			return err
		}
		if _, err := tx.DeleteQueueItem(slot); err != nil {
			return err
		}
	}
	return tx.PutTxRecord(TxRecord{Purpose: fmt.Sprintf("w%d", w), Nonce: n, Status: TxPending})
}

func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("run by TestCrashKill9")
	}
	s, err := Open(path, nil)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	var out sync.Mutex
	deadline := time.Now().Add(20 * time.Second) // never outlive a dead parent for long
	var wg sync.WaitGroup
	for w := range crashWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n uint64
			if err := s.View(func(tx *Tx) error {
				var err error
				n, err = tx.lastJournalSeq(crashSlot(w))
				return err
			}); err != nil {
				fmt.Println("view:", err)
				os.Exit(3)
			}
			for time.Now().Before(deadline) {
				n++
				if err := s.Update(context.Background(), func(tx *Tx) error { return crashStep(tx, w, n) }); err != nil {
					fmt.Println("update:", err)
					os.Exit(3)
				}
				out.Lock()
				fmt.Fprintf(os.Stdout, "ack %d %d\n", w, n) // one write(2): reaches the pipe whole
				out.Unlock()
			}
		}()
	}
	wg.Wait()
	s.Close()
}

func TestCrashKill9(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in child")
	}
	rounds := 20
	if testing.Short() {
		rounds = 4
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewSource(seed))
	path := filepath.Join(t.TempDir(), "slotd.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	update(t, s, func(tx *Tx) error { return tx.AddAvailability(&Availability{TotalSize: 100 * crashWorkers}) })
	s.Close()

	acked := make([]uint64, crashWorkers)
	total := 0
	for round := range rounds {
		n, err := crashRound(t, path, r, acked)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		total += n
		if err := verifyCrashStore(path, acked); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	t.Logf("%d rounds, %d acked updates, all present after kill -9", rounds, total)
}

// crashRound runs one child, kills it and raises acked to what it acked.
func crashRound(t *testing.T, path string, r *rand.Rand, acked []uint64) (int, error) {
	count := 0
	err := killChild("TestCrashChild", crashEnv+"="+path, r, 150*time.Millisecond, func(line string) error {
		var w int
		var n uint64
		if _, err := fmt.Sscanf(line, "ack %d %d", &w, &n); err != nil {
			return err
		}
		count++
		if n > acked[w] {
			acked[w] = n
		}
		return nil
	})
	return count, err
}

// verifyCrashStore reopens the store as a restarting node would.
func verifyCrashStore(path string, acked []uint64) error {
	s, err := Open(path, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		return err
	}
	return s.View(func(tx *Tx) error {
		for w := range crashWorkers {
			slot := crashSlot(w)
			n, err := tx.lastJournalSeq(slot)
			if err != nil {
				return err
			}
			// Every acked update is there; at most the one in flight
			// beyond it may have committed too.
			if n < acked[w] || n > acked[w]+1 {
				return fmt.Errorf("worker %d: journal at %d, acked %d", w, n, acked[w])
			}
			acked[w] = n
			if n == 0 {
				continue
			}
			a, err := tx.Agent(slot)
			if err != nil {
				return err
			}
			if a.Seq != n || a.State != parityState(n) {
				return fmt.Errorf("worker %d: agent %+v, journal at %d", w, a, n)
			}
			_, resErr := tx.Reservation(slot)
			_, qErr := tx.QueueItem(slot)
			if (n%2 == 1) != (resErr == nil) || (n%2 == 1) != (qErr == nil) {
				return fmt.Errorf("worker %d at %d: reservation %v, queue item %v: not committed with the transition", w, n, resErr, qErr)
			}
			rec, err := tx.TxRecord(fmt.Sprintf("w%d", w))
			if err != nil || rec.Nonce != n {
				return fmt.Errorf("worker %d at %d: tx record %+v %v", w, n, rec, err)
			}
		}
		return nil
	})
}
