package persist

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// TestBackupWhileWriting takes hot backups while writers keep committing:
// each snapshot is a consistent store on its own.
func TestBackupWhileWriting(t *testing.T) {
	s, _ := openTemp(t, nil)
	fillSample(t, s)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := uint64(1); !stop.Load(); n++ {
				err := s.Update(context.Background(), func(tx *Tx) error { return crashStep(tx, w, n) })
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	// crashStep reserves from availability 1, which fillSample created.
	dir := t.TempDir()
	for i := range 5 {
		path := filepath.Join(dir, "backup.db")
		if err := s.BackupFile(path); err != nil {
			t.Fatal(err)
		}
		b, err := OpenReadOnly(path, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Check(); err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		b.Close()
	}
	stop.Store(true)
	wg.Wait()

	f, err := os.Create(filepath.Join(dir, "stream.db"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Backup(f)
	f.Close()
	if fi, _ := os.Stat(f.Name()); err != nil || n != fi.Size() {
		t.Fatalf("Backup wrote %d bytes (%v), file has %d", n, err, fi.Size())
	}
}
