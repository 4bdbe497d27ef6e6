package persist

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The power-failure test runs the test binary as a child that commits
// one step at a time (every worker's transition, reservation, queue item
// and tx record, plus a ledger request, slot and proof record and the
// cursor, all in one Update) and, after each Update returns (so after
// bbolt's last fsync of it), copies the file aside as the synced image
// and prints "ack N". The parent SIGKILLs it at a random moment, then
// plays a power cut: what the disk holds is the synced image plus some of
// the writes made since (the kill -9 file has them all), in an order
// bbolt's two fsyncs per commit allow: data pages in any subset, one of
// them torn at a sector, before the meta page; the meta page (whole, torn
// or not at all) only after every data page. The store must reopen, pass
// Check, and read (through the readers `slotd dump` uses) exactly as the
// synced image or the kill -9 file does: one whole step, never a mix.

var (
	powerRounds = flag.Int("persist.power-rounds", 0, "rounds of TestPowerFailure (0: 8, or 4 with -short)")
	powerSeed   = flag.Int64("persist.power-seed", 0, "seed of TestPowerFailure (0: time-based)")
)

const (
	powerEnv    = "SLOTD_PERSIST_POWER_DB"
	powerSector = 512
)

func powerSyncedPath(path string) string { return path + ".synced" }

// powerStep is step n: every record it writes carries n, so a store
// holding two steps' records at once is a mix.
func powerStep(tx *Tx, n uint64) error {
	for w := range crashWorkers {
		if err := crashStep(tx, w, n); err != nil {
			return err
		}
	}
	req := slotN(1)
	num := new(big.Int).SetUint64(n)
	if err := tx.PutLedgerRequest(LedgerRequest{RequestID: req, Slots: 8, SlotSize: n, Duration: n,
		ProofProbability: num, PricePerBytePerSecond: num, CollateralPerByte: num, Expiry: n, Block: n}); err != nil {
		return err
	}
	if err := tx.PutLedgerSlot(LedgerSlot{RequestID: req, Index: n % 8, Host: fmt.Sprint(n), Filled: n%2 == 1, Block: n}); err != nil {
		return err
	}
	// A padded proof record per step makes each commit touch several pages.
	if err := tx.PutLedgerProof(LedgerProof{RequestID: req, Index: n % 8, Period: n, Status: ProofSubmitted + strings.Repeat(" ", int(n%3)*700), Block: n}); err != nil {
		return err
	}
	// The validator's decided periods and the ingestor's applied blocks
	// move in the same transaction as the cursor.
	if err := tx.PutWatchedSlot(WatchedSlot{SlotID: slotN(2), RequestID: req, Index: n % 8, Next: n, Block: n}); err != nil {
		return err
	}
	if err := tx.PutAppliedBlock(AppliedBlock{Number: n, Hash: slotN(n), Logs: []AppliedLog{{Topics: []ID{slotN(n)}, Data: num.Bytes(), Index: uint(n)}}}); err != nil {
		return err
	}
	if n > powerApplied {
		if err := tx.PruneAppliedBlocks(n - powerApplied + 1); err != nil {
			return err
		}
	}
	return tx.SetCursor(Cursor{Number: n, Hash: slotN(n)})
}

// powerApplied is how many applied blocks a step keeps, as the ingestor
// keeps its Recent+1.
const powerApplied = 4

func TestPowerChild(t *testing.T) {
	path := os.Getenv(powerEnv)
	if path == "" {
		t.Skip("run by TestPowerFailure")
	}
	s, err := Open(path, nil)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	n, err := powerStepOf(s)
	if err != nil {
		fmt.Println("view:", err)
		os.Exit(3)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		n++
		if err := s.Update(context.Background(), func(tx *Tx) error { return powerStep(tx, n) }); err != nil {
			fmt.Println("update:", err)
			os.Exit(3)
		}
		// One writer and the commit returned: nothing is in flight, and
		// everything in the file has been fsynced.
		if err := copyFileAtomic(path, powerSyncedPath(path)); err != nil {
			fmt.Println("snapshot:", err)
			os.Exit(3)
		}
		fmt.Printf("ack %d\n", n)
	}
	s.Close()
}

func copyFileAtomic(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.WriteFile(to+".tmp", b, 0o600); err != nil {
		return err
	}
	return os.Rename(to+".tmp", to)
}

// powerStepOf is the step the store is at: the cursor's number, 0 before
// the first.
func powerStepOf(s *Store) (uint64, error) {
	var n uint64
	err := s.View(func(tx *Tx) error {
		c, err := tx.Cursor()
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		n = c.Number
		return err
	})
	return n, err
}

func TestPowerFailure(t *testing.T) {
	if os.Getenv(powerEnv) != "" {
		t.Skip("in child")
	}
	rounds := *powerRounds
	if rounds <= 0 {
		rounds = 8
		if testing.Short() {
			rounds = 4
		}
	}
	seed := *powerSeed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	t.Logf("seed %d (rerun: go test ./persist -run TestPowerFailure -persist.power-seed=%d)", seed, seed)
	r := rand.New(rand.NewSource(seed))
	dir := t.TempDir()
	path := filepath.Join(dir, "slotd.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	update(t, s, func(tx *Tx) error { return tx.AddAvailability(&Availability{TotalSize: 100 * crashWorkers}) })
	s.Close()

	var acked uint64
	var torn, lostSteps int
	for round := range rounds {
		// The file as the last round left it is synced (its Close fsyncs).
		if err := copyFileAtomic(path, powerSyncedPath(path)); err != nil {
			t.Fatal(err)
		}
		n, err := powerRound(path, r)
		if err != nil {
			t.Fatalf("round %d (seed %d): %v", round, seed, err)
		}
		acked = max(acked, n)
		synced, err := os.ReadFile(powerSyncedPath(path))
		if err != nil {
			t.Fatal(err)
		}
		killed, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cut, what := powerCut(synced, killed, r)
		if what != "" {
			torn++
		}
		if err := os.WriteFile(path, cut, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := verifyPowerStore(dir, path, synced, killed, acked)
		if err != nil {
			t.Fatalf("round %d (seed %d), power cut %q: %v", round, seed, what, err)
		}
		if got < acked {
			t.Fatalf("round %d (seed %d): store at step %d, %d acked", round, seed, got, acked)
		}
		if n, _ := stepOfImage(dir, killed); got < n {
			lostSteps++
		}
		acked = got
		t.Logf("round %d: step %d; power cut: %s", round, got, orNone(what))
	}
	t.Logf("%d rounds, %d with unsynced writes cut, %d lost the step in flight; every store reopened whole at a synced step", rounds, torn, lostSteps)
}

func orNone(s string) string {
	if s == "" {
		return "nothing unsynced"
	}
	return s
}

// powerRound runs one child, kills it and returns the last step it acked.
func powerRound(path string, r *rand.Rand) (uint64, error) {
	var last uint64
	err := killChild("TestPowerChild", powerEnv+"="+path, r, 120*time.Millisecond, func(line string) error {
		_, err := fmt.Sscanf(line, "ack %d", &last)
		return err
	})
	return last, err
}

// powerCut is what a disk may hold after a power cut, given the image at
// the last completed fsync and the kill -9 file (every write made). It
// says which cut it made ("" when nothing was unsynced).
func powerCut(synced, killed []byte, r *rand.Rand) ([]byte, string) {
	page := os.Getpagesize()
	// bbolt grows the file with truncate and fsync before writing into
	// the new room, so the size survives.
	out := make([]byte, len(killed))
	copy(out, synced)
	var data, meta []int
	for off := 0; off < len(killed); off += page {
		end := min(off+page, len(killed))
		var old []byte
		if off < len(synced) {
			old = synced[off:min(end, len(synced))]
		}
		if bytes.Equal(old, killed[off:end]) && len(old) == end-off {
			continue
		}
		if off < 2*page {
			meta = append(meta, off)
		} else {
			data = append(data, off)
		}
	}
	if len(data) == 0 && len(meta) == 0 {
		return out, ""
	}
	apply := func(off, sectors int) {
		end := min(off+page, len(killed))
		if sectors > 0 {
			end = min(off+sectors*powerSector, end)
		}
		copy(out[off:end], killed[off:end])
	}
	// Before the data fsync: any subset of the data pages, one torn.
	if len(data) > 0 && r.Intn(2) == 0 {
		kept := 0
		tornAt := data[r.Intn(len(data))]
		for _, off := range data {
			switch {
			case off == tornAt:
				apply(off, 1+r.Intn(page/powerSector-1))
			case r.Intn(2) == 0:
				apply(off, 0)
				kept++
			}
		}
		return out, fmt.Sprintf("before the data fsync: %d of %d data pages written, one torn, meta old", kept, len(data))
	}
	// After it: every data page, and the meta page whole, torn or not.
	for _, off := range data {
		apply(off, 0)
	}
	how := "meta old"
	switch r.Intn(3) {
	case 0:
		for _, off := range meta {
			apply(off, 1+r.Intn(page/powerSector-1))
		}
		how = "meta torn"
	case 1:
		for _, off := range meta {
			apply(off, 0)
		}
		how = "meta written"
	}
	return out, fmt.Sprintf("after the data fsync: %d data pages written, %s", len(data), how)
}

// verifyPowerStore reopens the cut store as a restarting node would and
// returns its step: it must pass Check, every record must be of that one
// step, and it must read as the synced image or the kill -9 file reads.
func verifyPowerStore(dir, path string, synced, killed []byte, acked uint64) (uint64, error) {
	s, err := Open(path, nil)
	if err != nil {
		return 0, fmt.Errorf("reopen after the power cut: %w", err)
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		return 0, err
	}
	n, err := powerStepOf(s)
	if err != nil {
		return 0, err
	}
	if err := checkPowerStep(s, n); err != nil {
		return 0, err
	}
	got, err := powerRecords(s)
	if err != nil {
		return 0, err
	}
	for _, img := range [][]byte{synced, killed} {
		want, err := readImage(dir, img)
		if err != nil {
			return 0, fmt.Errorf("read the reference image: %w", err)
		}
		if got == want {
			return n, nil
		}
	}
	return 0, fmt.Errorf("store at step %d reads as neither the synced image nor the kill -9 file:\n%s", n, got)
}

// checkPowerStep checks that every record powerStep writes is of step n.
func checkPowerStep(s *Store, n uint64) error {
	return s.View(func(tx *Tx) error {
		for w := range crashWorkers {
			seq, err := tx.lastJournalSeq(crashSlot(w))
			if err != nil {
				return err
			}
			if seq != n {
				return fmt.Errorf("worker %d's journal at step %d, cursor at %d: a mix of steps", w, seq, n)
			}
			if n == 0 {
				continue
			}
			rec, err := tx.TxRecord(fmt.Sprintf("w%d", w))
			if err != nil || rec.Nonce != n {
				return fmt.Errorf("worker %d at step %d: tx record %+v %v", w, n, rec, err)
			}
		}
		if n == 0 {
			return nil
		}
		if w, err := tx.WatchedSlot(slotN(2)); err != nil || w.Next != n {
			return fmt.Errorf("step %d: watched slot %+v %v: a mix of steps", n, w, err)
		}
		for k := range uint64(powerApplied + 1) {
			if k >= n {
				break
			}
			_, err := tx.AppliedBlock(BlockRef{Number: n - k, Hash: slotN(n - k)})
			switch {
			case k < powerApplied && err != nil:
				return fmt.Errorf("step %d: applied block %d: %v", n, n-k, err)
			case k == powerApplied && !errors.Is(err, ErrNotFound):
				return fmt.Errorf("step %d: applied block %d not pruned (%v)", n, n-k, err)
			}
		}
		found := false
		err := tx.ForEachLedgerRequest(func(r LedgerRequest) error {
			found = true
			if r.Block != n {
				return fmt.Errorf("ledger request at block %d, cursor at %d: a mix of steps", r.Block, n)
			}
			return nil
		})
		if err == nil && !found {
			err = fmt.Errorf("step %d: no ledger request", n)
		}
		return err
	})
}

// stepOfImage is the step a file image reads at.
func stepOfImage(dir string, img []byte) (uint64, error) {
	p := filepath.Join(dir, "image.db")
	if err := os.WriteFile(p, img, 0o600); err != nil {
		return 0, err
	}
	defer os.Remove(p)
	s, err := OpenReadOnly(p, 0)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	return powerStepOf(s)
}

func readImage(dir string, img []byte) (string, error) {
	p := filepath.Join(dir, "image.db")
	if err := os.WriteFile(p, img, 0o600); err != nil {
		return "", err
	}
	defer os.Remove(p)
	s, err := OpenReadOnly(p, 0)
	if err != nil {
		return "", err
	}
	defer s.Close()
	return powerRecords(s)
}

// powerRecords prints every record through the readers `slotd dump` uses.
func powerRecords(s *Store) (string, error) {
	var b strings.Builder
	line := func(kind string, v any) error { fmt.Fprintf(&b, "%s %+v\n", kind, v); return nil }
	err := s.View(func(tx *Tx) error {
		c, err := tx.Cursor()
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		line("cursor", c)
		for _, each := range []error{
			tx.ForEachAgent(func(v Agent) error { return line("agent", v) }),
			tx.ForEachJournalEntry(func(v JournalEntry) error { return line("journal", v) }),
			tx.ForEachQueueItem(func(v QueueItem) error { return line("queue", v) }),
			tx.ForEachTxRecord(func(v TxRecord) error { return line("tx", v) }),
			tx.ForEachAvailability(func(v Availability) error { return line("availability", v) }),
			tx.ForEachReservation(func(v Reservation) error { return line("reservation", v) }),
			tx.ForEachLedgerRequest(func(v LedgerRequest) error { return line("request", v) }),
			tx.ForEachLedgerSlot(ID{}, func(v LedgerSlot) error { return line("slot", v) }),
			tx.ForEachLedgerProof(ID{}, func(v LedgerProof) error { return line("proof", v) }),
			tx.ForEachWatchedSlot(func(v WatchedSlot) error { return line("watched", v) }),
		} {
			if each != nil {
				return each
			}
		}
		return nil
	})
	return b.String(), err
}
