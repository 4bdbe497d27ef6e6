package persist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Tx record statuses.
const (
	TxPending  = "pending"
	TxMined    = "mined"
	TxFailed   = "failed"
	TxReplaced = "replaced"
	// TxAbandoned: signed by a key the node no longer has (started with
	// a new one), and not mined when the node found out; nobody waits on
	// it, and a Send of its purpose signs anew.
	TxAbandoned = "abandoned"
)

// TxRecord is a transaction's intent, persisted before it is broadcast so
// that after a crash the node rebroadcasts or reconciles it instead of
// sending a second one. Purpose (e.g. "fill:0x…") is the key: one live
// transaction per purpose.
type TxRecord struct {
	Purpose string  `json:"purpose,omitzero"` // the key
	Nonce   uint64  `json:"nonce"`
	Hash    ID      `json:"hash"`
	Raw     Bytes   `json:"raw"` // signed transaction
	To      Address `json:"to"`
	// From is the account that signed Raw, as its signer wrote it, so
	// that telling our records from a previous key's needs no signature
	// recovery. Zero in records written before it existed.
	From      Address   `json:"from,omitzero"`
	Value     *big.Int  `json:"value"`
	GasFeeCap *big.Int  `json:"gasFeeCap"`
	GasTipCap *big.Int  `json:"gasTipCap"`
	Status    string    `json:"status"`
	Sent      time.Time `json:"sent"`
	Block     uint64    `json:"block"` // block it was mined in, if mined
	// Settled is when the record left pending (mined, failed or replaced);
	// zero while pending and in records written before it existed.
	Settled time.Time `json:"settled,omitzero"`
	// Previous holds the hashes of earlier signings of this transaction
	// (same nonce, lower fees) that fee bumps superseded, oldest first.
	// Any of them or Hash may be the one mined; the shared nonce makes
	// sure at most one is.
	Previous []ID `json:"previous,omitempty"`
	// Reorged counts how often a reorganisation took the transaction's
	// block out after it was mined. A failure after that is not the answer
	// its sender acted on (it saw success), so the tx manager may send the
	// purpose anew.
	Reorged uint32 `json:"reorged,omitzero"`
}

// MarshalJSON writes the amounts as decimal strings.
func (r TxRecord) MarshalJSON() ([]byte, error) {
	type plain TxRecord
	return json.Marshal(struct {
		plain
		Value     *decimal `json:"value"`
		GasFeeCap *decimal `json:"gasFeeCap"`
		GasTipCap *decimal `json:"gasTipCap"`
	}{plain(r), dec(r.Value), dec(r.GasFeeCap), dec(r.GasTipCap)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *TxRecord) UnmarshalJSON(b []byte) error {
	type plain TxRecord
	var v struct {
		plain
		Value     *decimal `json:"value"`
		GasFeeCap *decimal `json:"gasFeeCap"`
		GasTipCap *decimal `json:"gasTipCap"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = TxRecord(v.plain)
	r.Value, r.GasFeeCap, r.GasTipCap = bigOf(v.Value), bigOf(v.GasFeeCap), bigOf(v.GasTipCap)
	return nil
}

// SettledAt is when the record settled, or its Sent time if it does not
// say (records written before Settled existed).
func (r TxRecord) SettledAt() time.Time {
	if r.Settled.IsZero() {
		return r.Sent
	}
	return r.Settled
}

// PutTxRecord stores r under r.Purpose, replacing what was there.
func (tx *Tx) PutTxRecord(r TxRecord) error {
	if r.Purpose == "" {
		return errors.New("put tx record: empty purpose")
	}
	key := []byte(r.Purpose)
	r.Purpose = ""
	return tx.put(bucketTxs, key, r)
}

// TxRecord returns the record for purpose, or ErrNotFound.
func (tx *Tx) TxRecord(purpose string) (TxRecord, error) {
	var r TxRecord
	if err := tx.get(bucketTxs, []byte(purpose), &r); err != nil {
		return TxRecord{}, err
	}
	r.Purpose = purpose
	return r, nil
}

// DeleteTxRecord removes the record for purpose and reports whether it
// existed.
func (tx *Tx) DeleteTxRecord(purpose string) (bool, error) {
	return tx.del(bucketTxs, []byte(purpose))
}

// ForEachTxRecord streams tx records in purpose order.
func (tx *Tx) ForEachTxRecord(fn func(TxRecord) error) error {
	return tx.ForEachTxRecordWithPrefix("", fn)
}

// PendingTxCount counts the records still pending. It decodes only their
// status, so /metrics can call it on every scrape: a record holds a signed
// transaction, a few kB for a proof.
func (tx *Tx) PendingTxCount() (int, error) {
	b, err := tx.bucket(bucketTxs)
	if err != nil {
		return 0, err
	}
	n := 0
	err = b.ForEach(func(k, data []byte) error {
		st, err := readString(bucketTxs, k, data, statusField)
		if st == TxPending {
			n++
		}
		return err
	})
	return n, err
}

// ForEachTxRecordUnsigned streams the records whose purpose starts with
// prefix ("": all), in purpose order, without their signed transaction:
// Raw is empty, and signed says whether the stored record holds one. A
// proof's record is kilobytes of signed bytes and a few hundred of
// everything else, so a scan (the tx manager's start over every record at
// 10,000 held slots, or its search of a slot's proofs for a log's hash)
// skips decoding most of its input.
func (tx *Tx) ForEachTxRecordUnsigned(prefix string, fn func(r TxRecord, signed bool) error) error {
	b, err := tx.bucket(bucketTxs)
	if err != nil {
		return err
	}
	p := []byte(prefix)
	c := b.Cursor()
	var buf []byte
	for k, data := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, data = c.Next() {
		if data == nil {
			return fmt.Errorf("%w: unexpected nested bucket %s/%x", ErrCorrupt, bucketTxs, k)
		}
		short, signed := data, false
		if cut, ok := withoutRaw(buf[:0], data); ok {
			short, signed, buf = cut, true, cut
		}
		var r TxRecord
		if err := decodeValue(bucketTxs, k, short, &r); err != nil {
			return err
		}
		r.Purpose = string(k)
		if err := fn(r, signed || len(r.Raw) > 0); err != nil {
			return err
		}
	}
	return nil
}

// withoutRaw appends to dst the encoded tx record data with its raw field
// emptied; ok is false when that field is empty already or not found. The
// fields before raw are numbers and hex, so the first `"raw":"0x` is the
// field itself; a value it cannot cut is decoded whole.
func withoutRaw(dst, data []byte) ([]byte, bool) {
	if len(data) < 2 || data[0] != valueVersion {
		return nil, false
	}
	i := bytes.Index(data, rawPrefix)
	if i < 0 || bytes.Count(data[:i], []byte(`"`))%2 != 0 {
		return nil, false
	}
	start := i + len(rawPrefix)
	end := bytes.IndexByte(data[start:], '"')
	if end <= 0 {
		return nil, false // empty, or a torn value that decoding whole reports
	}
	dst = append(dst, data[:start]...)
	return append(dst, data[start+end:]...), true
}

var rawPrefix = []byte(`"raw":"0x`)

// ForEachTxRecordWithPrefix streams the records whose purpose starts with
// prefix, in purpose order.
func (tx *Tx) ForEachTxRecordWithPrefix(prefix string, fn func(TxRecord) error) error {
	var p []byte
	if prefix != "" {
		p = []byte(prefix)
	}
	return scan(tx, bucketTxs, p, func(k []byte, r *TxRecord) error {
		r.Purpose = string(k)
		return fn(*r)
	})
}
