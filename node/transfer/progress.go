package transfer

import (
	"context"
	"errors"
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
// PersistProgress); MemProgress serves tests.
type ProgressStore interface {
	LoadProgress(ctx context.Context, slotID proof.Hash) (Progress, error)
	SaveProgress(ctx context.Context, p Progress) error
	DeleteProgress(ctx context.Context, slotID proof.Hash) error
}

// MemProgress is a ProgressStore in memory, for tests.
type MemProgress struct {
	mu sync.Mutex
	m  map[proof.Hash]Progress
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
	return nil
}

// DeleteProgress implements ProgressStore.
func (s *MemProgress) DeleteProgress(_ context.Context, id proof.Hash) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	return nil
}
