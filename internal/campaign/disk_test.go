package campaign

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The read-only fault must make the data dir refuse new files with EROFS
// (chmod would not stop root), keep the open store writable, and lift.
func TestReadOnlyDiskRefusesNewFilesAndLifts(t *testing.T) {
	dir := t.TempDir()
	d := &disk{dir: dir}
	store, err := os.OpenFile(filepath.Join(dir, "slotd.db"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	writable, err := d.readOnly()
	if err != nil {
		t.Skipf("no mount rights here: %v", err)
	}
	defer d.writable()
	if err := os.WriteFile(filepath.Join(dir, "slot"), []byte("x"), 0o600); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("new file in the read-only dir: %v, want EROFS", err)
	}
	if _, err := store.WriteAt([]byte("x"), 0); err != nil {
		t.Fatalf("the open store stopped taking writes: %v", err)
	}
	if _, err := d.readOnly(); err == nil {
		t.Fatal("a second readOnly stacked a mount")
	}
	writable()
	if err := os.WriteFile(filepath.Join(dir, "slot"), []byte("x"), 0o600); err != nil {
		t.Fatalf("after the fault lifted: %v", err)
	}
}
