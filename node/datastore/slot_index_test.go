package datastore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/slotd/slotd/contracts/proof"
)

// hostedDir hosts slots 0..n-1 of a fresh dataset in a new data dir and
// returns the dir, the manifest and the slot ids (slot i is id {i+1}).
func hostedDir(t *testing.T, n int) (string, *Manifest, []proof.Hash) {
	t.Helper()
	src := openStore(t)
	man := importBytes(t, src, randomBytes(5, 40_000), n, 0, 0)
	dir := t.TempDir()
	dst, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]proof.Hash, n)
	for i := range ids {
		ids[i] = proof.Hash{byte(i + 1)}
		hostSlot(t, src, dst, man, i, ids[i])
	}
	return dir, man, ids
}

// served lists which of man's slots s resolves by (cid, index) to the
// hosted slot ids.
func served(t *testing.T, s *Store, man *Manifest, ids []proof.Hash) []bool {
	t.Helper()
	out := make([]bool, len(ids))
	for i, id := range ids {
		sl, err := s.DatasetSlot(man.CID, i)
		if err != nil {
			if !errors.Is(err, ErrNotFound) && !bytes.Contains([]byte(err.Error()), []byte("decode record")) {
				t.Fatalf("slot %d: %v", i, err)
			}
			continue
		}
		want, _ := s.HostedSlotPaths(id)
		out[i] = sl.DataPath == want
	}
	return out
}

func mustOpen(t *testing.T, dir string, opts *Options) *Store {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func indexBytes(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, slotsDir, slotIndexName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOpenReadsTheIndexNotTheRecords: Open finds the hosted slots from the
// index without reading their records, so one unreadable record neither
// costs its read nor stops the store from opening; the slot itself is
// still refused when used. (Before the index, Open read every record and
// failed on this one.)
func TestOpenReadsTheIndexNotTheRecords(t *testing.T) {
	dir, man, ids := hostedDir(t, 3)
	rec := filepath.Join(dir, slotsDir, ids[1].Hex()+".json")
	if err := os.WriteFile(rec, []byte("not a record"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatalf("open with one unreadable record: %v", err)
	}
	if got := served(t, s, man, ids); !got[0] || got[1] || !got[2] {
		t.Fatalf("served %v, want slots 0 and 2 only", got)
	}
}

// TestSlotIndexHealsFromTheRecords: whatever happened to the index (lost,
// torn, damaged, missing appends, dead entries), a reopened store serves
// exactly the slots whose records exist, and rewrites the index to match.
func TestSlotIndexHealsFromTheRecords(t *testing.T) {
	dir, man, ids := hostedDir(t, 4)
	full := indexBytes(t, dir)
	if n := bytes.Count(full, []byte("\n")); n != 4 {
		t.Fatalf("index has %d lines after 4 commits:\n%s", n, full)
	}
	idx := filepath.Join(dir, slotsDir, slotIndexName)
	line := bytes.SplitAfter(full, []byte("\n"))
	damaged := bytes.Clone(line[1])
	damaged[3] ^= 1 // still hex, so only the checksum can tell
	cases := []struct {
		name  string
		index []byte // nil: no index file
	}{
		{"lost", nil},
		{"appends lost", line[0]},
		{"torn append", bytes.Clone(full[:len(full)-40])},
		{"torn append then more", bytes.Join([][]byte{line[0], line[1][:30], line[2], line[3]}, nil)},
		{"damaged line", bytes.Join([][]byte{line[0], damaged, line[2], line[3]}, nil)},
		{"garbage", []byte("\x00\x00\x00\x00 nothing to see\n")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(idx)
			if c.index != nil {
				if err := os.WriteFile(idx, c.index, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s := mustOpen(t, dir, nil)
			if got := served(t, s, man, ids); got[0] != true || got[1] != true || got[2] != true || got[3] != true {
				t.Fatalf("served %v, want all", got)
			}
			got := indexBytes(t, dir)
			if n := bytes.Count(got, []byte("\n")); n != 4 || got[len(got)-1] != '\n' {
				t.Fatalf("index not rewritten whole:\n%q", got)
			}
			// Clean now: a second Open keeps it as it is.
			if !bytes.Equal(indexBytes(t, mustOpenIndex(t, dir)), got) {
				t.Fatal("a clean index was rewritten differently")
			}
		})
	}

	t.Run("record removed", func(t *testing.T) {
		if err := os.WriteFile(idx, full, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(dir, slotsDir, ids[2].Hex()+".json")); err != nil {
			t.Fatal(err)
		}
		s := mustOpen(t, dir, nil)
		if got := served(t, s, man, ids); !got[0] || !got[1] || got[2] || !got[3] {
			t.Fatalf("served %v, want all but slot 2", got)
		}
		if got := indexBytes(t, dir); bytes.Contains(got, line[2]) || bytes.Count(got, []byte("\n")) != 3 {
			t.Fatalf("the removed slot's entry stayed:\n%s", got)
		}
	})
}

// mustOpenIndex opens dir and returns it, for indexBytes after the Open.
func mustOpenIndex(t *testing.T, dir string) string {
	t.Helper()
	mustOpen(t, dir, nil)
	return dir
}

// TestSlotIndexIsCheckedAgainstTheRecord: entries that name another
// (cid, index) than their slot's record (a hand-edited index) serve
// nothing under the index's key: the record is the truth, and one slot's
// data is never served as another's.
func TestSlotIndexIsCheckedAgainstTheRecord(t *testing.T) {
	dir, man, ids := hostedDir(t, 2)
	swapped := append(indexLine(hostedHead{SlotID: ids[0], CID: man.CID, Index: 1}),
		indexLine(hostedHead{SlotID: ids[1], CID: man.CID, Index: 0})...)
	if err := os.WriteFile(filepath.Join(dir, slotsDir, slotIndexName), swapped, 0o644); err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, dir, nil)
	for i := range ids {
		if sl, err := s.DatasetSlot(man.CID, i); !errors.Is(err, ErrNotFound) {
			t.Fatalf("slot %d gave %+v, %v; want not found", i, sl, err)
		}
	}
	if _, err := s.Manifest(man.CID); err != nil {
		t.Fatalf("manifest: %v", err)
	}
}

// TestSharedOpenLeavesTheIndex: a process opening the directory beside
// the node (Shared) reads a stale index but does not rewrite it, so it
// cannot drop an append the node makes meanwhile.
func TestSharedOpenLeavesTheIndex(t *testing.T) {
	dir, man, ids := hostedDir(t, 3)
	idx := filepath.Join(dir, slotsDir, slotIndexName)
	first := bytes.SplitAfter(indexBytes(t, dir), []byte("\n"))[0]
	if err := os.WriteFile(idx, first, 0o644); err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, dir, &Options{Shared: true})
	if got := served(t, s, man, ids); !got[0] || !got[1] || !got[2] {
		t.Fatalf("served %v, want all", got)
	}
	if got := indexBytes(t, dir); !bytes.Equal(got, first) {
		t.Fatalf("a shared Open rewrote the index:\n%s", got)
	}
}

// TestUnwritableIndexIsOnlyACache: an index that can be neither read nor
// written (here a directory in its place; a read-only data dir is the
// same to it) opens the store from the records, and commits still work.
func TestUnwritableIndexIsOnlyACache(t *testing.T) {
	dir, man, ids := hostedDir(t, 2)
	idx := filepath.Join(dir, slotsDir, slotIndexName)
	if err := os.Remove(idx); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(idx, "in-the-way"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatalf("open with an unwritable index: %v", err)
	}
	if got := served(t, s, man, ids); !got[0] || !got[1] {
		t.Fatalf("served %v, want both", got)
	}
	src := openStore(t)
	more := importBytes(t, src, randomBytes(6, 20_000), 1, 0, 0)
	hostSlot(t, src, s, more, 0, proof.Hash{0xee})
	if got := served(t, mustOpen(t, dir, nil), more, []proof.Hash{{0xee}}); !got[0] {
		t.Fatal("a slot committed while the index could not be written is not found after reopening")
	}
}
