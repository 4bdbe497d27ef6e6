package transfer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/slotd/slotd/contracts/proof"
)

// Progress is how far a slot download (or repair) has got. Verified bytes
// from the start of the slot have been checked against the slot's tree,
// written and fsynced before the record that counts them was saved, so a
// restarted download trusts them without fetching them again.
type Progress struct {
	SlotID   proof.Hash
	Root     proof.Hash // slot root the data must match
	Size     uint64
	Verified uint64
	Path     string // where the data is written
	Updated  time.Time
}

// ErrNoProgress is what LoadProgress returns for a slot with no record.
var ErrNoProgress = errors.New("no download progress recorded")

// ProgressStore keeps download progress durable. SaveProgress must return
// only once the record is on disk. In a node it is the persist store (see
// PersistProgress); MemProgress and FileProgress serve tests and tools.
type ProgressStore interface {
	LoadProgress(ctx context.Context, slotID proof.Hash) (Progress, error)
	SaveProgress(ctx context.Context, p Progress) error
	DeleteProgress(ctx context.Context, slotID proof.Hash) error
}

// MemProgress is a ProgressStore in memory, for tests.
type MemProgress struct {
	mu sync.Mutex
	m  map[proof.Hash]Progress
	// Saves counts SaveProgress calls.
	Saves int
}

// LoadProgress implements ProgressStore.
func (s *MemProgress) LoadProgress(_ context.Context, id proof.Hash) (Progress, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.m[id]
	if !ok {
		return Progress{}, ErrNoProgress
	}
	return p, nil
}

// SaveProgress implements ProgressStore.
func (s *MemProgress) SaveProgress(_ context.Context, p Progress) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[proof.Hash]Progress{}
	}
	s.m[p.SlotID] = p
	s.Saves++
	return nil
}

// DeleteProgress implements ProgressStore.
func (s *MemProgress) DeleteProgress(_ context.Context, id proof.Hash) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	return nil
}

// FileProgress keeps each slot's progress in a small JSON file in Dir,
// replaced atomically: for tools that run without the node's store.
type FileProgress struct{ Dir string }

func (s FileProgress) path(id proof.Hash) string {
	return filepath.Join(s.Dir, id.Hex()+".progress")
}

// LoadProgress implements ProgressStore.
func (s FileProgress) LoadProgress(_ context.Context, id proof.Hash) (Progress, error) {
	b, err := os.ReadFile(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return Progress{}, ErrNoProgress
	} else if err != nil {
		return Progress{}, fmt.Errorf("load progress: %w", err)
	}
	var p Progress
	if err := json.Unmarshal(b, &p); err != nil || p.SlotID != id {
		return Progress{}, fmt.Errorf("load progress %s: corrupt record: %v", id, err)
	}
	return p, nil
}

// SaveProgress implements ProgressStore.
func (s FileProgress) SaveProgress(_ context.Context, p Progress) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	tmp, err := os.CreateTemp(s.Dir, ".tmp-progress-*")
	if err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	_, werr := tmp.Write(b)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save progress: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path(p.SlotID)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save progress: %w", err)
	}
	return syncDir(s.Dir)
}

// DeleteProgress implements ProgressStore.
func (s FileProgress) DeleteProgress(_ context.Context, id proof.Hash) error {
	if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete progress: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
