package persist

import (
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// copyV1 copies the schema-1 fixture (testdata/persist/gen_v1.go) to a
// temporary file, so tests never modify the committed one.
func copyV1(t *testing.T) string {
	t.Helper()
	src, err := os.Open("../testdata/persist/v1.db")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), "slotd.db")
	dst, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func v1ID(n byte) ID { return ID(sha256.Sum256([]byte{n})) }

func TestMigrateV1(t *testing.T) {
	path := copyV1(t)
	if _, err := OpenReadOnly(path, 0); !errors.Is(err, ErrOldSchema) {
		t.Fatalf("OpenReadOnly on v1: %v", err)
	}
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	err = s.View(func(tx *Tx) error {
		if v, _ := tx.Schema(); v != SchemaVersion {
			t.Errorf("schema %d", v)
		}
		a, err := tx.Agent(v1ID(1))
		if err != nil {
			return err
		}
		if a.State != "filled" || a.Seq != 3 || a.AvailabilityID != 1 || a.Reserved != 1000 || a.RequestID != v1ID(100) {
			t.Errorf("agent A %+v", a)
		}
		c, err := tx.Agent(v1ID(3))
		if err != nil || c.Reserved != 0 || c.State != "finished" {
			t.Errorf("agent C %+v %v", c, err)
		}
		var n int
		err = tx.Journal(v1ID(3), func(e JournalEntry) error {
			n++
			if e.Seq != uint64(n) {
				t.Errorf("entry %+v", e)
			}
			return nil
		})
		if err != nil || n != 4 {
			t.Errorf("journal C: %d entries, %v", n, err)
		}
		q, err := tx.QueueItem(v1ID(4))
		if err != nil || q.PricePerBytePerSecond.String() != "123456789012345678901234567890" || q.Seq != 1 {
			t.Errorf("queue item %+v %v", q, err)
		}
		av, err := tx.Availability(1)
		if err != nil || av.FreeSize != 7000 {
			t.Errorf("availability %+v %v", av, err)
		}
		r, err := tx.TxRecord("fill:" + v1ID(1).String())
		if err != nil || r.Nonce != 7 || r.GasFeeCap.Int64() != 30000000000 || len(r.Raw) != 2 {
			t.Errorf("tx %+v %v", r, err)
		}
		cur, err := tx.Cursor()
		if err != nil || cur.Number != 42 || len(cur.Recent) != 1 {
			t.Errorf("cursor %+v %v", cur, err)
		}
		for _, b := range [][]byte{bucketDownloads, bucketPurchases, bucketDatasets} {
			if tx.btx.Bucket(b) == nil {
				t.Errorf("bucket %s missing", b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// New writes continue the migrated numbering.
	update(t, s, func(tx *Tx) error {
		a := Agent{SlotID: v1ID(1)}
		e := JournalEntry{From: "filled", To: "proving"}
		if err := tx.Transition(&a, &e); err != nil {
			return err
		}
		if e.Seq != 4 {
			t.Errorf("seq %d", e.Seq)
		}
		q := QueueItem{SlotID: slotN(1)}
		if err := tx.PutQueueItem(&q); err != nil || q.Seq != 3 {
			t.Errorf("queue seq %d %v", q.Seq, err)
		}
		av := Availability{TotalSize: 1}
		if err := tx.AddAvailability(&av); err != nil || av.ID != 2 {
			t.Errorf("availability id %d %v", av.ID, err)
		}
		return nil
	})
}

// TestMigrateIsAtomic fails a migration at its last step and shows the
// file is still a complete schema-1 store.
func TestMigrateIsAtomic(t *testing.T) {
	path := copyV1(t)
	migrateHook = func() error { return errors.New("injected failure") }
	defer func() { migrateHook = nil }()
	if _, err := Open(path, nil); err == nil {
		t.Fatal("Open succeeded despite the failing migration")
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(btx *bolt.Tx) error {
		if v, _, err := readSchema(btx); v != 1 || err != nil {
			t.Errorf("schema %d %v", v, err)
		}
		if btx.Bucket(bucketJournal).Bucket(v1ID(1).Bytes()) == nil {
			t.Error("nested v1 journal is gone")
		}
		if btx.Bucket(bucketDatasets) != nil {
			t.Error("datasets bucket was created")
		}
		if v := btx.Bucket(bucketAgents).Get(v1ID(1).Bytes()); len(v) == 0 || v[0] != '{' {
			t.Errorf("agent value rewritten: %q", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
