package persist

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Tx is a transaction on the store, handed to the functions given to
// Store.View and Store.Update. It must not be used after they return.
type Tx struct {
	btx *bolt.Tx
}

// Schema returns the schema version recorded in the file.
func (tx *Tx) Schema() (uint64, error) {
	v, _, err := readSchema(tx.btx)
	return v, err
}

func (tx *Tx) bucket(name []byte) (*bolt.Bucket, error) {
	b := tx.btx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("%w: bucket %q is missing", ErrCorrupt, name)
	}
	return b, nil
}

// get decodes the value at name/key into v, or returns ErrNotFound.
func (tx *Tx) get(name, key []byte, v any) error {
	b, err := tx.bucket(name)
	if err != nil {
		return err
	}
	data := b.Get(key)
	if data == nil {
		return fmt.Errorf("%s/%s: %w", name, keyString(key), ErrNotFound)
	}
	return decodeValue(name, key, data, v)
}

func (tx *Tx) put(name, key []byte, v any) error {
	b, err := tx.bucket(name)
	if err != nil {
		return err
	}
	data, err := encodeValue(v)
	if err != nil {
		return err
	}
	if err := b.Put(key, data); err != nil {
		return writeError(name, key, err)
	}
	return nil
}

// del removes name/key and reports whether it existed.
func (tx *Tx) del(name, key []byte) (bool, error) {
	b, err := tx.bucket(name)
	if err != nil {
		return false, err
	}
	if b.Get(key) == nil {
		return false, nil
	}
	if err := b.Delete(key); err != nil {
		return false, writeError(name, key, err)
	}
	return true, nil
}

func writeError(name, key []byte, err error) error {
	if errors.Is(err, berrors.ErrTxNotWritable) {
		err = ErrReadOnly
	}
	return fmt.Errorf("write %s/%x: %w", name, key, err)
}

// scan decodes every value under prefix (all of them for a nil prefix) in
// key order and hands each to fn, one at a time: nothing is accumulated,
// so it streams any number of records. fn's error stops the scan and is
// returned unchanged.
func scan[T any](tx *Tx, name, prefix []byte, fn func(key []byte, v *T) error) error {
	b, err := tx.bucket(name)
	if err != nil {
		return err
	}
	c := b.Cursor()
	var k, data []byte
	if prefix == nil {
		k, data = c.First()
	} else {
		k, data = c.Seek(prefix)
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, data = c.Next() {
		if data == nil {
			return fmt.Errorf("%w: unexpected nested bucket %s/%x", ErrCorrupt, name, k)
		}
		var v T
		if err := decodeValue(name, k, data, &v); err != nil {
			return err
		}
		if err := fn(k, &v); err != nil {
			return err
		}
	}
	return nil
}

// keyString shows a key the way an operator would type it: ids as 0x hex,
// 8-byte keys as numbers, text keys as text.
func keyString(k []byte) string {
	switch {
	case len(k) == 32:
		return ID(k).String()
	case len(k) == journalKeyLen:
		id, seq, _ := parseJournalKey(k)
		return fmt.Sprintf("%s/%d", id, seq)
	case len(k) == 8:
		return fmt.Sprint(binary.BigEndian.Uint64(k))
	}
	for _, c := range k {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%x", k)
		}
	}
	return string(k)
}
