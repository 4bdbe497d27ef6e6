package persist

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// migrateHook, when set by a test, runs at the end of a migration, just
// before the new schema version is written; an error aborts it.
var migrateHook func() error

// migrate brings a store from schema `from` up to SchemaVersion inside the
// caller's transaction: it either completes or leaves the file untouched.
func migrate(btx *bolt.Tx, from uint64) error {
	for v := from; v < SchemaVersion; v++ {
		step, ok := migrations[v]
		if !ok {
			return fmt.Errorf("%w: no migration from schema %d", ErrCorrupt, v)
		}
		if err := step(btx); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
		}
	}
	if migrateHook != nil {
		if err := migrateHook(); err != nil {
			return err
		}
	}
	return writeSchema(btx, SchemaVersion)
}

// migrations[v] turns schema v into v+1.
var migrations = map[uint64]func(*bolt.Tx) error{
	1: migrate1to2,
	2: migrate2to3,
	3: migrate3to4,
	4: migrate4to5,
}

// migrate4to5 adds the bucket of the logs applied per remembered block,
// empty.
func migrate4to5(btx *bolt.Tx) error {
	if _, err := btx.CreateBucketIfNotExists(bucketApplied); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketApplied, err)
	}
	return nil
}

// migrate3to4 adds the ledger's proof records' bucket, empty.
func migrate3to4(btx *bolt.Tx) error {
	if _, err := btx.CreateBucketIfNotExists(bucketLedgerProofs); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketLedgerProofs, err)
	}
	return nil
}

// migrate2to3 adds the request ledger's and the validator's buckets, empty.
func migrate2to3(btx *bolt.Tx) error {
	for _, name := range [][]byte{bucketLedger, bucketLedgerSlots, bucketValidator} {
		if _, err := btx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// migrate1to2 prefixes every value with the version byte (v1 stored bare
// JSON, with amounts as JSON numbers), flattens the nested journal into
// slotId‖seq keys, copies each agent's reservation into the agent, and
// adds the downloads, purchases and datasets buckets.
func migrate1to2(btx *bolt.Tx) error {
	tx := &Tx{btx: btx}
	if err := createBuckets(btx); err != nil {
		return err
	}
	if err := reencode[QueueItem](btx, bucketQueue); err != nil {
		return err
	}
	if err := reencode[Availability](btx, bucketAvailabilities); err != nil {
		return err
	}
	if err := reencode[Reservation](btx, bucketReservations); err != nil {
		return err
	}
	if err := reencode[Cursor](btx, bucketCursor); err != nil {
		return err
	}
	if err := reencode[TxRecord](btx, bucketTxs); err != nil {
		return err
	}
	if err := flattenJournal(tx); err != nil {
		return err
	}
	agents, err := tx.bucket(bucketAgents)
	if err != nil {
		return err
	}
	var slots [][]byte
	if err := agents.ForEach(func(k, _ []byte) error {
		slots = append(slots, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return err
	}
	for _, k := range slots {
		var a Agent
		if err := json.Unmarshal(agents.Get(k), &a); err != nil {
			return fmt.Errorf("%w: v1 agent %x: %v", ErrCorrupt, k, err)
		}
		if a.SlotID, err = idFromKey(k); err != nil {
			return err
		}
		switch r, err := tx.Reservation(a.SlotID); {
		case err == nil:
			a.AvailabilityID, a.Reserved = r.AvailabilityID, r.Size
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if err := tx.putAgent(&a); err != nil {
			return err
		}
	}
	return nil
}

// reencode rewrites every bare-JSON value of a v1 bucket as a versioned
// value of type T, normalising it on the way (e.g. amounts to strings).
func reencode[T any](btx *bolt.Tx, name []byte) error {
	b := btx.Bucket(name)
	if b == nil {
		return nil
	}
	type kv struct{ k, v []byte }
	var all []kv
	err := b.ForEach(func(k, v []byte) error {
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("%w: v1 %s/%x: %v", ErrCorrupt, name, k, err)
		}
		data, err := encodeValue(rec)
		if err != nil {
			return err
		}
		all = append(all, kv{append([]byte(nil), k...), data})
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range all {
		if err := b.Put(e.k, e.v); err != nil {
			return writeError(name, e.k, err)
		}
	}
	return nil
}

// flattenJournal moves journal/<slotId>/<seq> entries to journal/<slotId‖seq>
// in the same bucket (the 40-byte keys cannot collide with the 32-byte
// bucket names) and drops the nested buckets.
func flattenJournal(tx *Tx) error {
	j, err := tx.bucket(bucketJournal)
	if err != nil {
		return err
	}
	var nested [][]byte
	if err := j.ForEachBucket(func(k []byte) error {
		nested = append(nested, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return err
	}
	for _, name := range nested {
		slot, err := idFromKey(name)
		if err != nil || len(name) != 32 {
			return fmt.Errorf("%w: v1 journal bucket %x is not a slot id", ErrCorrupt, name)
		}
		// Read the slot's entries first: writing to j while a cursor
		// walks its child bucket is not something bbolt promises to allow.
		var entries []JournalEntry
		err = j.Bucket(name).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("%w: v1 journal key %x/%x is not a seq", ErrCorrupt, name, k)
			}
			var e JournalEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("%w: v1 journal %x/%x: %v", ErrCorrupt, name, k, err)
			}
			e.SlotID, e.Seq = slot, binary.BigEndian.Uint64(k)
			entries = append(entries, e)
			return nil
		})
		if err != nil {
			return err
		}
		for i := range entries {
			if err := tx.putJournal(&entries[i]); err != nil {
				return err
			}
		}
		if err := j.DeleteBucket(name); err != nil {
			return writeError(bucketJournal, name, err)
		}
	}
	return nil
}
