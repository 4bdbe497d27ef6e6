package persist

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
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

// reopenAsSchema closes s, makes its file at path a store of schema
// version without the buckets that version added, and opens it again,
// which migrates it; the store is closed when the test ends.
func reopenAsSchema(t testing.TB, s *Store, path string, version uint64, added ...[]byte) *Store {
	t.Helper()
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(btx *bolt.Tx) error {
		for _, b := range added {
			if err := btx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return writeSchema(btx, version)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func amount(n int64) *big.Int { return big.NewInt(n) }
