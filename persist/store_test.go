package persist

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenCreatesCurrentSchema(t *testing.T) {
	s, path := openTemp(t, nil)
	err := s.View(func(tx *Tx) error {
		v, err := tx.Schema()
		if v != SchemaVersion {
			t.Errorf("schema %d, want %d", v, SchemaVersion)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

func TestLockedFailsFast(t *testing.T) {
	_, path := openTemp(t, nil)
	start := time.Now()
	_, err := Open(path, &Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	// bbolt's own default waits for the lock forever; the bound only
	// catches that, not speed, so a loaded machine does not fail it.
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v: the lock wait is not bounded", d)
	}
	for _, want := range []string{path, "is a slotd node running", "--copy"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := OpenReadOnly(path, 50*time.Millisecond); !errors.Is(err, ErrLocked) {
		t.Fatalf("OpenReadOnly: %v, want ErrLocked", err)
	}
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	s, path := openTemp(t, nil)
	s.Close()
	ro, err := OpenReadOnly(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.Update(context.Background(), func(*Tx) error { return nil }); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Update on read-only: %v", err)
	}
	if err := ro.Check(); err != nil {
		t.Fatal(err)
	}
	// Two readers share the lock.
	ro2, err := OpenReadOnly(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	ro2.Close()
}

func TestNewerSchemaRefused(t *testing.T) {
	s, path := openTemp(t, nil)
	update(t, s, func(tx *Tx) error { return writeSchema(tx.btx, SchemaVersion+1) })
	s.Close()
	_, err := Open(path, nil)
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade slotd") {
		t.Fatalf("Open: %v", err)
	}
	_, err = OpenReadOnly(path, 0)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("OpenReadOnly: %v", err)
	}
}

func TestCorruptFiles(t *testing.T) {
	s, path := openTemp(t, nil)
	fillSample(t, s)
	s.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := map[string][]byte{
		"empty":         nil,
		"tiny":          good[:100],
		"truncated":     good[:len(good)/2],
		"garbage":       garbage(len(good), 1),
		"text":          []byte(strings.Repeat("not a database\n", 4000)),
		"garbled-pages": garble(good, 2),
		"garbled-tree":  garbleTree(t, good, 3),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".db")
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if s, err := Open(p, nil); err == nil {
				err = s.Check()
				s.Close()
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Open succeeded and Check said %v", err)
				}
			} else if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open: %v, want ErrCorrupt", err)
			} else if !strings.Contains(err.Error(), p) {
				t.Errorf("error %q does not name the file", err)
			}
			if s, err := OpenReadOnly(p, 0); err == nil {
				err = s.Check()
				s.Close()
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("OpenReadOnly succeeded and Check said %v", err)
				}
			} else if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("OpenReadOnly: %v, want ErrCorrupt", err)
			}
		})
	}
}

// garbage returns n pseudo-random bytes.
func garbage(n int, seed uint64) []byte {
	b := make([]byte, n)
	x := seed*0x9E3779B97F4A7C15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// garble keeps the meta pages and overwrites every data page with noise.
func garble(good []byte, seed uint64) []byte {
	out := append([]byte(nil), good...)
	copy(out[2*4096:], garbage(len(out)-2*4096, seed))
	return out
}

// garbleTree overwrites every page except the meta pages and the freelist,
// so bbolt gets past Open and meets the damage in the B-tree.
func garbleTree(t testing.TB, good []byte, seed uint64) []byte {
	m, err := readFileMeta(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), good...)
	ps := int(m.pageSize)
	noise := garbage(len(out), seed)
	for id := 2; id*ps < len(out); id++ {
		if uint64(id) != m.freelist {
			copy(out[id*ps:(id+1)*ps], noise[id*ps:])
		}
	}
	return out
}

// fillSample writes a little of everything.
func fillSample(t testing.TB, s *Store) {
	t.Helper()
	update(t, s, func(tx *Tx) error {
		a := Availability{TotalSize: 1 << 20, Duration: 3600, MinPricePerBytePerSecond: amount(1), MaxCollateralPerByte: amount(10), Created: t0}
		if err := tx.AddAvailability(&a); err != nil {
			return err
		}
		for i := uint64(0); i < 50; i++ {
			ag := Agent{SlotID: slotN(i), RequestID: slotN(1000), SlotIndex: i}
			if err := tx.Transition(&ag, &JournalEntry{To: "preparing", Event: "start", Time: t0}); err != nil {
				return err
			}
			if err := tx.Reserve(a.ID, ag.SlotID, 100); err != nil {
				return err
			}
			if err := tx.PutQueueItem(&QueueItem{SlotID: slotN(100 + i), RequestID: slotN(1001), SlotSize: 100, PricePerBytePerSecond: amount(2), CollateralPerByte: amount(3)}); err != nil {
				return err
			}
		}
		return tx.SetCursor(Cursor{Number: 10, Hash: slotN(9999)})
	})
}

func TestTransitionJournals(t *testing.T) {
	s, _ := openTemp(t, nil)
	slot := slotN(1)
	states := []string{"preparing", "downloading", "filling", "filled"}
	from := ""
	for i, to := range states {
		update(t, s, func(tx *Tx) error {
			a := Agent{SlotID: slot, RequestID: slotN(2), SlotIndex: 7}
			e := JournalEntry{From: from, To: to, Event: "ev" + to, Time: t0.Add(time.Duration(i) * time.Second), Block: uint64(100 + i)}
			if err := tx.Transition(&a, &e); err != nil {
				return err
			}
			if a.Seq != uint64(i+1) || e.Seq != a.Seq || a.State != to || a.Block != uint64(100+i) {
				t.Errorf("after transition %d: agent %+v entry %+v", i, a, e)
			}
			return nil
		})
		from = to
	}
	// A stale From is a conflict and changes nothing.
	err := s.Update(context.Background(), func(tx *Tx) error {
		a := Agent{SlotID: slot}
		return tx.Transition(&a, &JournalEntry{From: "preparing", To: "errored"})
	})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("stale transition: %v", err)
	}
	err = s.View(func(tx *Tx) error {
		a, err := tx.Agent(slot)
		if err != nil {
			return err
		}
		if a.State != "filled" || a.Seq != 4 || a.SlotIndex != 7 || !a.Updated.Equal(t0.Add(3*time.Second)) {
			t.Errorf("agent %+v", a)
		}
		var got []string
		if err := tx.Journal(slot, func(e JournalEntry) error {
			got = append(got, e.From+">"+e.To)
			if e.SlotID != slot || e.Seq != uint64(len(got)) {
				t.Errorf("entry %+v", e)
			}
			return nil
		}); err != nil {
			return err
		}
		if strings.Join(got, ",") != ">preparing,preparing>downloading,downloading>filling,filling>filled" {
			t.Errorf("journal %v", got)
		}
		last, err := tx.LastJournalEntry(slot)
		if err != nil || last.Seq != 4 || last.To != "filled" {
			t.Errorf("last entry %+v, %v", last, err)
		}
		if _, err := tx.LastJournalEntry(slotN(99)); !errors.Is(err, ErrNotFound) {
			t.Errorf("last entry of unknown slot: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Deleting the agent keeps the numbering going.
	update(t, s, func(tx *Tx) error {
		if _, err := tx.DeleteJournal(slot); !errors.Is(err, ErrConflict) {
			t.Errorf("DeleteJournal with live agent: %v", err)
		}
		if _, err := tx.DeleteAgent(slot); err != nil {
			return err
		}
		a := Agent{SlotID: slot}
		e := JournalEntry{To: "preparing"}
		if err := tx.Transition(&a, &e); err != nil {
			return err
		}
		if e.Seq != 5 {
			t.Errorf("seq after re-create %d, want 5", e.Seq)
		}
		return nil
	})
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestReserveNeverOverbooks(t *testing.T) {
	s, _ := openTemp(t, nil)
	var id uint64
	update(t, s, func(tx *Tx) error {
		a := Availability{TotalSize: 1000}
		err := tx.AddAvailability(&a)
		id = a.ID
		return err
	})
	// 40 concurrent agents each want 100 bytes of 1000: exactly 10 win.
	errs := make(chan error, 40)
	for i := range 40 {
		go func() {
			errs <- s.Update(context.Background(), func(tx *Tx) error {
				_, err := tx.ReserveMatching(slotN(uint64(i)), 100, nil)
				return err
			})
		}()
	}
	won := 0
	for range 40 {
		switch err := <-errs; {
		case err == nil:
			won++
		case errors.Is(err, ErrInsufficientSpace):
		default:
			t.Fatal(err)
		}
	}
	if won != 10 {
		t.Fatalf("%d reservations succeeded, want 10", won)
	}
	update(t, s, func(tx *Tx) error {
		a, err := tx.Availability(id)
		if err != nil || a.FreeSize != 0 {
			t.Fatalf("availability %+v %v", a, err)
		}
		if _, err := tx.DeleteAvailability(id); !errors.Is(err, ErrConflict) {
			t.Errorf("delete reserved availability: %v", err)
		}
		if err := tx.UpdateAvailability(&Availability{ID: id, TotalSize: 500}); !errors.Is(err, ErrInsufficientSpace) {
			t.Errorf("shrink below reserved: %v", err)
		}
		n := 0
		err = tx.ForEachReservation(func(r Reservation) error {
			got, err := tx.Release(r.SlotID)
			if got != 100 {
				t.Errorf("released %d", got)
			}
			n++
			return err
		})
		if n != 10 {
			t.Errorf("%d reservations", n)
		}
		if got, err := tx.Release(slotN(1234)); got != 0 || err != nil {
			t.Errorf("release of nothing: %d %v", got, err)
		}
		return err
	})
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestReserveIdempotentAndConflicts(t *testing.T) {
	s, _ := openTemp(t, nil)
	update(t, s, func(tx *Tx) error {
		a := Availability{TotalSize: 1000}
		b := Availability{TotalSize: 1000}
		if err := tx.AddAvailability(&a); err != nil {
			return err
		}
		if err := tx.AddAvailability(&b); err != nil {
			return err
		}
		if err := tx.Reserve(a.ID, slotN(1), 300); err != nil {
			return err
		}
		if err := tx.Reserve(a.ID, slotN(1), 300); err != nil {
			t.Errorf("same reservation again: %v", err)
		}
		if err := tx.Reserve(b.ID, slotN(1), 300); !errors.Is(err, ErrConflict) {
			t.Errorf("second availability for one slot: %v", err)
		}
		if err := tx.Reserve(99, slotN(2), 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown availability: %v", err)
		}
		got, err := tx.ReserveMatching(slotN(3), 800, func(a Availability) bool { return true })
		if err != nil || got.ID != b.ID || got.FreeSize != 200 {
			t.Errorf("ReserveMatching: %+v %v", got, err)
		}
		aa, _ := tx.Availability(a.ID)
		if aa.FreeSize != 700 {
			t.Errorf("free %d", aa.FreeSize)
		}
		return nil
	})
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

func TestQueueKeepsInsertionOrder(t *testing.T) {
	s, path := openTemp(t, nil)
	update(t, s, func(tx *Tx) error {
		for i := uint64(0); i < 5; i++ {
			q := QueueItem{SlotID: slotN(i), RequestID: slotN(100 + i%2), PricePerBytePerSecond: amount(int64(i)), CollateralPerByte: amount(1)}
			if err := tx.PutQueueItem(&q); err != nil {
				return err
			}
			if q.Seq != i+1 {
				t.Errorf("seq %d, want %d", q.Seq, i+1)
			}
		}
		q := QueueItem{SlotID: slotN(0), SlotSize: 42}
		if err := tx.PutQueueItem(&q); err != nil || q.Seq != 1 {
			t.Errorf("re-put kept seq %d, %v", q.Seq, err)
		}
		n, err := tx.DeleteQueuedRequest(slotN(101))
		if n != 2 {
			t.Errorf("deleted %d", n)
		}
		return err
	})
	s.Close()
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.View(func(tx *Tx) error {
		var seqs []uint64
		tx.ForEachQueueItem(func(q QueueItem) error { seqs = append(seqs, q.Seq); return nil })
		if len(seqs) != 3 {
			t.Errorf("queue %v", seqs)
		}
		q, err := tx.QueueItem(slotN(4))
		if err != nil || q.PricePerBytePerSecond.Int64() != 4 {
			t.Errorf("item %+v %v", q, err)
		}
		return nil
	})
}

func TestUpdateFailureIsIsolated(t *testing.T) {
	s, _ := openTemp(t, nil)
	boom := errors.New("boom")
	errs := make(chan error, 64)
	for i := range 64 {
		go func() {
			errs <- s.Update(context.Background(), func(tx *Tx) error {
				if err := tx.SetCursor(Cursor{Number: uint64(i)}); err != nil {
					return err
				}
				if err := tx.PutQueueItem(&QueueItem{SlotID: slotN(uint64(i))}); err != nil {
					return err
				}
				switch i % 3 {
				case 1:
					return boom
				case 2:
					panic("bad fn")
				}
				return nil
			})
		}()
	}
	for range 64 {
		<-errs
	}
	s.View(func(tx *Tx) error {
		for i := range 64 {
			_, err := tx.QueueItem(slotN(uint64(i)))
			if (i%3 == 0) != (err == nil) {
				t.Errorf("item %d: %v", i, err)
			}
		}
		c, _ := tx.Cursor()
		if c.Number%3 != 0 {
			t.Errorf("cursor from a failed update: %d", c.Number)
		}
		return nil
	})
}

func TestUpdateAfterClose(t *testing.T) {
	s, _ := openTemp(t, nil)
	s.Close()
	if err := s.Update(context.Background(), func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
	if err := s.View(func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatal(err)
	}
}

func TestValueVersionGuard(t *testing.T) {
	s, _ := openTemp(t, nil)
	update(t, s, func(tx *Tx) error {
		b, _ := tx.bucket(bucketAgents)
		if err := b.Put(slotN(1).Bytes(), []byte("\x07{}")); err != nil {
			return err
		}
		return b.Put(slotN(2).Bytes(), []byte("{}"))
	})
	s.View(func(tx *Tx) error {
		if _, err := tx.Agent(slotN(1)); !errors.Is(err, ErrNewerSchema) {
			t.Errorf("version 7: %v", err)
		}
		if _, err := tx.Agent(slotN(2)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("bare json: %v", err)
		}
		return nil
	})
	if err := s.Check(); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Check: %v", err)
	}
}

// TestGarbleEachPage damages one page at a time: whatever the page held,
// opening and checking must end in ErrCorrupt or (for a free page) a
// clean store, never a crash.
func TestGarbleEachPage(t *testing.T) {
	s, path := openTemp(t, nil)
	fillSample(t, s)
	s.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps := 4096
	dir := t.TempDir()
	for id := 2; id*ps < len(good); id++ {
		data := append([]byte(nil), good...)
		copy(data[id*ps:(id+1)*ps], garbage(ps, uint64(id)))
		p := filepath.Join(dir, "p.db")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, ro := range []bool{false, true} {
			var st *Store
			if ro {
				st, err = OpenReadOnly(p, 0)
			} else {
				st, err = Open(p, nil)
			}
			if err == nil {
				err = st.Check()
				if err == nil {
					err = st.View(func(tx *Tx) error {
						return tx.ForEachAgent(func(Agent) error { return nil })
					})
				}
				st.Close()
			}
			if err != nil && !errors.Is(err, ErrCorrupt) {
				t.Errorf("page %d (read-only %v): %v", id, ro, err)
			}
		}
	}
}

// TestTornCommitFallsBack simulates power loss in the middle of a commit's
// meta page write: the newest meta page is garbage. bbolt then uses the
// other one, so the reopened store is the previous commit, whole and
// consistent (a write that had not returned is simply absent).
func TestTornCommitFallsBack(t *testing.T) {
	s, path := openTemp(t, nil)
	fillSample(t, s)
	update(t, s, func(tx *Tx) error { return tx.SetCursor(Cursor{Number: 11}) })
	update(t, s, func(tx *Tx) error { return tx.SetCursor(Cursor{Number: 12}) })
	s.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m0, err0 := parseMeta(data[:4096])
	m1, err1 := parseMeta(data[4096:8192])
	if err0 != nil || err1 != nil {
		t.Fatal(err0, err1)
	}
	newest := 0
	if m1.txid > m0.txid {
		newest = 1
	}
	copy(data[newest*4096+pageHeaderSize:], garbage(metaSize, 9))
	torn := filepath.Join(t.TempDir(), "torn.db")
	if err := os.WriteFile(torn, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(torn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.Check(); err != nil {
		t.Fatal(err)
	}
	s2.View(func(tx *Tx) error {
		c, err := tx.Cursor()
		if err != nil || c.Number != 11 {
			t.Errorf("cursor %+v %v, want the previous commit's 11", c, err)
		}
		return nil
	})
	// And the store carries on from there.
	update(t, s2, func(tx *Tx) error { return tx.SetCursor(Cursor{Number: 13}) })
	if err := s2.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestLockedWhileWriting probes a store that a "node" is busy writing:
// every probe must say locked, never corrupt (the file is only read once
// the lock is held).
func TestLockedWhileWriting(t *testing.T) {
	s, path := openTemp(t, nil)
	fillSample(t, s)
	// The writer runs until the probes are done, so the number of probes
	// does not depend on how fast this machine commits.
	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		var n uint64
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			n++
			if err := s.Update(context.Background(), func(tx *Tx) error { return crashStep(tx, 0, n) }); err != nil {
				done <- fmt.Errorf("update %d: %w", n, err)
				return
			}
		}
	}()
	for i := 0; i < 20; i++ {
		if _, err := OpenReadOnly(path, time.Millisecond); !errors.Is(err, ErrLocked) {
			t.Errorf("probe %d: OpenReadOnly: %v", i, err)
		}
		if _, err := Open(path, &Options{LockTimeout: time.Millisecond}); !errors.Is(err, ErrLocked) {
			t.Errorf("probe %d: Open: %v", i, err)
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
