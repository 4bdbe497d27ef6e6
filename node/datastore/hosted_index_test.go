package datastore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slotd/slotd/contracts/proof"
)

// hostSlot commits slot i of an imported dataset as a hosted slot of dst.
func hostSlot(t *testing.T, src, dst *Store, man *Manifest, i int, id proof.Hash) {
	t.Helper()
	sl, err := src.DatasetSlot(man.CID, i)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(sl.DataPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tree, err := proof.BuildSlotTree(f, sl.Size)
	if err != nil {
		t.Fatal(err)
	}
	h := &HostedSlot{SlotID: id, CID: man.CID, Index: i, Root: man.SlotRoots[i], Size: sl.Size, Manifest: man}
	if err := dst.CommitHostedSlot(h, tree); err != nil {
		t.Fatal(err)
	}
}

// TestReopenIndexesHostedSlots: a reopened store finds a hosted slot by
// its dataset and index from the record's leading fields, and a manifest
// tampered with after the fact is still refused when the slot is used.
func TestReopenIndexesHostedSlots(t *testing.T) {
	src := openStore(t)
	man := importBytes(t, src, randomBytes(3, 40_000), 4, 1, 0)
	dir := t.TempDir()
	dst, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := proof.Hash{0x0a}, proof.Hash{0x0b}
	hostSlot(t, src, dst, man, 1, a)
	hostSlot(t, src, dst, man, 2, b)

	again, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range map[int]proof.Hash{1: a, 2: b} {
		sl, err := again.DatasetSlot(man.CID, i)
		if err != nil {
			t.Fatalf("slot %d after reopen: %v", i, err)
		}
		if want, _ := again.HostedSlotPaths(id); sl.DataPath != want {
			t.Fatalf("slot %d resolves to %s, want %s", i, sl.DataPath, want)
		}
	}

	rec := filepath.Join(dir, slotsDir, b.Hex()+".json")
	raw, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(raw), `"fileSize": `, `"fileSize": 1`, 1)
	if bad == string(raw) {
		t.Fatal("record has no fileSize to tamper with")
	}
	if err := os.WriteFile(rec, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	third, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := third.DatasetSlot(man.CID, 2); err == nil {
		t.Fatal("a hosted slot with a tampered manifest was served")
	}
}
