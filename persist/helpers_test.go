package persist

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"path/filepath"
	"testing"
	"time"
)

// slotN is a deterministic slot id for tests.
func slotN(n uint64) ID {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return ID(sha256.Sum256(b[:]))
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func openTemp(t testing.TB, opts *Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slotd.db")
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func update(t testing.TB, s *Store, fn func(*Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func amount(n int64) *big.Int { return big.NewInt(n) }
