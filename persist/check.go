package persist

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// CheckError lists what Check found wrong. It matches ErrCorrupt.
type CheckError struct {
	Path     string
	Problems []error
}

func (e *CheckError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v: %d problem(s)", e.Path, ErrCorrupt, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CheckError) Is(target error) bool { return target == ErrCorrupt }

// Check verifies the store: first the page structure (bounds-checked, so a
// damaged file is reported, never a panic), then bbolt's own consistency
// check, then slotd's invariants: every value decodes, each agent's Seq is
// its last journal entry and its State that entry's To, journals are
// numbered 1..n without gaps, and for each availability the reserved bytes
// plus FreeSize equal TotalSize. On a store open for writing it blocks
// writers while it runs. It returns nil or a *CheckError.
func (s *Store) Check() (err error) {
	var problems []error
	defer func() {
		if p := recover(); p != nil {
			problems = append(problems, fmt.Errorf("check panicked: %v", p))
			err = &CheckError{Path: s.path, Problems: problems}
		}
	}()
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)

	run := func(btx *bolt.Tx) error {
		f, err := os.Open(s.path)
		if err != nil {
			return fmt.Errorf("check %s: %w", s.path, err)
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return fmt.Errorf("check %s: %w", s.path, err)
		}
		if problems = walkFile(f, fi.Size()); len(problems) > 0 {
			return nil // bbolt's check would trip over the same damage
		}
		for e := range btx.Check() {
			if len(problems) < maxCheckErrors {
				problems = append(problems, e)
			}
		}
		if len(problems) == 0 {
			problems = checkInvariants(&Tx{btx: btx})
		}
		return nil
	}
	if s.readOnly {
		err = s.db.View(run)
	} else {
		// A writable transaction that is rolled back: no commit can move
		// pages while we read the file behind bbolt's back.
		var btx *bolt.Tx
		if btx, err = s.db.Begin(true); err == nil {
			defer btx.Rollback() // also on panic: never leave the writer lock held
			err = run(btx)
		}
	}
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &CheckError{Path: s.path, Problems: problems}
	}
	return nil
}

// checkInvariants checks slotd's own rules over a structurally sound file.
func checkInvariants(tx *Tx) []error {
	var problems []error
	add := func(err error) bool {
		problems = append(problems, err)
		return len(problems) < maxCheckErrors
	}
	v, _, err := readSchema(tx.btx)
	if err != nil {
		return []error{err}
	} else if v != SchemaVersion {
		return []error{fmt.Errorf("schema %d, want %d", v, SchemaVersion)}
	}
	for _, name := range allBuckets {
		if tx.btx.Bucket(name) == nil {
			add(fmt.Errorf("bucket %s is missing", name))
		}
	}
	if len(problems) > 0 {
		return problems
	}

	type last struct {
		seq uint64
		to  string
	}
	journals := make(map[ID]last)
	err = tx.ForEachJournalEntry(func(e JournalEntry) error {
		l := journals[e.SlotID]
		if e.Seq != l.seq+1 {
			if !add(fmt.Errorf("journal of %s: entry %d follows %d", e.SlotID, e.Seq, l.seq)) {
				return errStopCheck
			}
		}
		journals[e.SlotID] = last{e.Seq, e.To}
		return nil
	})
	if err != nil && err != errStopCheck {
		add(err)
	}
	err = tx.ForEachAgent(func(a Agent) error {
		l, ok := journals[a.SlotID]
		switch {
		case !ok:
			if !add(fmt.Errorf("agent %s (%s) has no journal", a.SlotID, a.State)) {
				return errStopCheck
			}
		case a.Seq != l.seq || a.State != l.to:
			if !add(fmt.Errorf("agent %s is %q at seq %d, its journal ends with %q at seq %d", a.SlotID, a.State, a.Seq, l.to, l.seq)) {
				return errStopCheck
			}
		}
		return nil
	})
	if err != nil && err != errStopCheck {
		add(err)
	}

	reserved := make(map[uint64]uint64)
	err = tx.ForEachReservation(func(r Reservation) error {
		reserved[r.AvailabilityID] += r.Size
		return nil
	})
	if err != nil {
		add(err)
	}
	err = tx.ForEachAvailability(func(a Availability) error {
		if r := reserved[a.ID]; r+a.FreeSize != a.TotalSize {
			add(fmt.Errorf("availability %d: %d reserved + %d free != %d total", a.ID, r, a.FreeSize, a.TotalSize))
		}
		delete(reserved, a.ID)
		return nil
	})
	if err != nil {
		add(err)
	}
	for id, n := range reserved {
		add(fmt.Errorf("%d bytes reserved from availability %d, which does not exist", n, id))
	}

	// The remaining buckets: every value must decode.
	decodeAll := []func() error{
		func() error { return tx.ForEachQueueItem(func(QueueItem) error { return nil }) },
		func() error { _, err := tx.Cursor(); return ignoreNotFound(err) },
		func() error { return tx.ForEachTxRecord(func(TxRecord) error { return nil }) },
		func() error { return tx.ForEachDownload(func(Download) error { return nil }) },
		func() error { return tx.ForEachPurchase(func(Purchase) error { return nil }) },
		func() error { return tx.ForEachDataset(func(Dataset) error { return nil }) },
	}
	for _, f := range decodeAll {
		if err := f(); err != nil {
			add(err)
		}
	}
	if len(problems) > maxCheckErrors {
		problems = problems[:maxCheckErrors]
	}
	return problems
}

var errStopCheck = fmt.Errorf("too many problems")
