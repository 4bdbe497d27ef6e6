package persist

import (
	"context"
	"fmt"
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

// BackupFile writes a snapshot to path atomically: to a temporary file in
// the same directory, synced, then renamed over path.
func (s *Store) BackupFile(path string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = s.Backup(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
