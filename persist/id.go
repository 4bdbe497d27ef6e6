package persist

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// ID is a 32-byte identifier: a slot id, request id, block or tx hash.
// Its text form is 0x-prefixed lower-case hex, as on the chain.
type ID [32]byte

// Address is a 20-byte account address, 0x-prefixed hex as text.
type Address [20]byte

// Bytes is a byte string shown as 0x-prefixed hex in JSON and tables.
type Bytes []byte

// ParseID parses a 0x-prefixed (or bare) 64-digit hex string.
func ParseID(s string) (ID, error) {
	var id ID
	err := parseHex(s, id[:])
	return id, err
}

// ParseAddress parses a 0x-prefixed (or bare) 40-digit hex string.
func ParseAddress(s string) (Address, error) {
	var a Address
	err := parseHex(s, a[:])
	return a, err
}

func parseHex(s string, dst []byte) error {
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(h) != 2*len(dst) {
		return fmt.Errorf("parse %q: want %d hex digits, got %d", s, 2*len(dst), len(h))
	}
	if _, err := hex.Decode(dst, []byte(h)); err != nil {
		return fmt.Errorf("parse %q: %w", s, err)
	}
	return nil
}

func (id ID) String() string { return "0x" + hex.EncodeToString(id[:]) }

// IsZero reports whether id is all zero bytes (unset).
func (id ID) IsZero() bool { return id == ID{} }

// MarshalText implements encoding.TextMarshaler.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *ID) UnmarshalText(b []byte) error { return parseHex(string(b), id[:]) }

func (a Address) String() string { return "0x" + hex.EncodeToString(a[:]) }

// MarshalText implements encoding.TextMarshaler.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Address) UnmarshalText(b []byte) error { return parseHex(string(b), a[:]) }

func (b Bytes) String() string { return "0x" + hex.EncodeToString(b) }

// MarshalText implements encoding.TextMarshaler.
func (b Bytes) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (b *Bytes) UnmarshalText(t []byte) error {
	h := strings.TrimPrefix(strings.TrimPrefix(string(t), "0x"), "0X")
	out, err := hex.DecodeString(h)
	if err != nil {
		return fmt.Errorf("parse bytes: %w", err)
	}
	*b = out
	return nil
}

// idFromKey copies a 32-byte key into an ID.
func idFromKey(k []byte) (ID, error) {
	var id ID
	if len(k) < len(id) {
		return id, fmt.Errorf("%w: key %x is %d bytes, want at least %d", ErrCorrupt, k, len(k), len(id))
	}
	copy(id[:], k)
	return id, nil
}

// Bytes returns the id as a byte slice (a copy).
func (id ID) Bytes() []byte { return append([]byte(nil), id[:]...) }
