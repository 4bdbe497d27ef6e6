package persist

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
)

// valueVersion is the first byte of every value this binary writes. A
// decoder that meets a higher one refuses rather than misreads; a future
// binary that changes a record's shape bumps it and migrates.
const valueVersion byte = 1

func encodeValue(v any) ([]byte, error) {
	if a, ok := v.(appender); ok {
		buf := make([]byte, 1, 256)
		buf[0] = valueVersion
		if out, ok := a.appendJSON(buf); ok {
			return out, nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	out := make([]byte, 1+len(b))
	out[0] = valueVersion
	copy(out[1:], b)
	return out, nil
}

// decodeValue decodes a value read from bucket/key. Errors name both, so
// an operator can find the bad record.
func decodeValue(bucket []byte, key, data []byte, v any) error {
	if len(data) == 0 {
		return fmt.Errorf("%w: %s/%x: empty value", ErrCorrupt, bucket, key)
	}
	switch ver := data[0]; {
	case ver == valueVersion:
	case ver > valueVersion && ver < '{':
		return fmt.Errorf("%w: %s/%x: value version %d (this slotd knows %d): upgrade slotd",
			ErrNewerSchema, bucket, key, ver, valueVersion)
	default:
		return fmt.Errorf("%w: %s/%x: unknown value version byte 0x%02x", ErrCorrupt, bucket, key, ver)
	}
	if err := json.Unmarshal(data[1:], v); err != nil {
		return fmt.Errorf("%w: %s/%x: %v", ErrCorrupt, bucket, key, err)
	}
	return nil
}

// idKey is id followed by each of ns, big-endian: the key of a record
// that belongs to an id (a slot's journal entries, a request's slots and
// their proofs), so that a scan of the id's prefix reads them in order.
func idKey(id ID, ns ...uint64) []byte {
	k := make([]byte, 32+8*len(ns))
	copy(k, id[:])
	for i, n := range ns {
		binary.BigEndian.PutUint64(k[32+8*i:], n)
	}
	return k
}

// parseIDKey reads back an idKey of len(ns) numbers into ns; a key of
// another length is a corrupt record of what.
func parseIDKey(what string, k []byte, ns ...*uint64) (ID, error) {
	if want := 32 + 8*len(ns); len(k) != want {
		return ID{}, fmt.Errorf("%w: %s key %x is %d bytes, want %d", ErrCorrupt, what, k, len(k), want)
	}
	id, _ := idFromKey(k[:32])
	for i, n := range ns {
		*n = binary.BigEndian.Uint64(k[32+8*i:])
	}
	return id, nil
}

func u64key(n uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], n)
	return k[:]
}

// decimal is a *big.Int whose JSON form is a decimal string: token amounts
// overflow the 53-bit integers that jq and JavaScript read exactly. It
// also accepts a bare JSON number on input.
type decimal big.Int

func (d *decimal) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, (*big.Int)(d).String()), nil
}

func (d *decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	if _, ok := (*big.Int)(d).SetString(s, 10); !ok {
		return fmt.Errorf("amount %s: not a decimal integer", b)
	}
	return nil
}

func dec(x *big.Int) *decimal { return (*decimal)(x) }

func bigOf(d *decimal) *big.Int { return (*big.Int)(d) }
