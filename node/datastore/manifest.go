package datastore

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slotd/slotd/contracts/proof"
)

// CID is a dataset's id: its content root (the request's content.merkleRoot),
// written as 0x-prefixed hex.
type CID = proof.Hash

// ParseCID parses a dataset id: 0x followed by 64 hex digits.
func ParseCID(s string) (CID, error) { return ParseHash("dataset id", s) }

// ParseHash parses a 32-byte id (a dataset id, a slot id) written as 0x and
// 64 hex digits; what names the id in the error.
func ParseHash(what, s string) (proof.Hash, error) {
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || len(h) != 64 {
		return proof.Hash{}, fmt.Errorf("%s %q: want 0x and 64 hex digits", what, s)
	}
	var c proof.Hash
	if _, err := hex.Decode(c[:], []byte(h)); err != nil {
		return proof.Hash{}, fmt.Errorf("%s %q: %w", what, s, err)
	}
	return c, nil
}

// ManifestVersion is the manifest format this package writes.
const ManifestVersion = 1

// MaxManifestBytes bounds a manifest read from disk or a provider: 256 slot
// roots are about 17 KB of JSON.
const MaxManifestBytes = 1 << 20

// ErrManifest reports a manifest that does not match its dataset id.
var ErrManifest = errors.New("invalid manifest")

// Manifest describes a dataset: how it was coded and the slot roots whose
// content root is its id. Only SlotRoots are checked against the id; the
// other fields are checked against the trailer when the file is rebuilt.
type Manifest struct {
	Version     int          `json:"version"`
	CID         CID          `json:"cid"`
	Name        string       `json:"name,omitempty"`
	FileSize    uint64       `json:"fileSize"`
	FileHash    proof.Hash   `json:"fileHash"` // SHA-256 of the file
	DataSlots   int          `json:"dataSlots"`
	ParitySlots int          `json:"paritySlots"`
	SlotSize    uint64       `json:"slotSize"`
	StripeSize  uint64       `json:"stripeSize"`
	SlotRoots   []proof.Hash `json:"slotRoots"`
	Created     time.Time    `json:"created"`
}

// Layout returns the manifest's geometry, checked.
func (m *Manifest) Layout() (Layout, error) {
	l := Layout{FileSize: m.FileSize, K: m.DataSlots, M: m.ParitySlots, SlotSize: m.SlotSize, Stripe: m.StripeSize}
	if err := l.Check(); err != nil {
		return Layout{}, err
	}
	return l, nil
}

// Trailer is the trailer an honest dataset with this manifest carries.
func (m *Manifest) Trailer() Trailer {
	return Trailer{FileSize: m.FileSize, FileHash: m.FileHash, K: m.DataSlots, M: m.ParitySlots, Stripe: m.StripeSize}
}

// Verify checks that m describes dataset cid: a valid layout, one root per
// slot, and slot roots whose content root is cid.
func (m *Manifest) Verify(cid CID) error {
	if m.Version != ManifestVersion {
		return fmt.Errorf("%w: version %d (this slotd reads %d)", ErrManifest, m.Version, ManifestVersion)
	}
	if m.CID != cid {
		return fmt.Errorf("%w: manifest is for %s, not %s", ErrManifest, m.CID, cid)
	}
	l, err := m.Layout()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrManifest, err)
	}
	if len(m.SlotRoots) != l.Slots() {
		return fmt.Errorf("%w: %d slot roots for %d slots", ErrManifest, len(m.SlotRoots), l.Slots())
	}
	if got := proof.ContentRoot(m.SlotRoots); got != cid {
		return fmt.Errorf("%w: slot roots have content root %s, not %s", ErrManifest, got, cid)
	}
	return nil
}

// CheckTrailer compares the trailer rebuilt from the slots with m.
func (m *Manifest) CheckTrailer(t Trailer) error {
	if t != m.Trailer() {
		return fmt.Errorf("%w: the dataset's own trailer (%d bytes, sha256 %x, %d+%d slots, stripe %d) disagrees with the manifest",
			ErrManifest, t.FileSize, t.FileHash, t.K, t.M, t.Stripe)
	}
	return nil
}

// ReadManifest decodes a manifest and verifies it against cid.
func ReadManifest(r io.Reader, cid CID) (*Manifest, error) {
	dec := json.NewDecoder(io.LimitReader(r, MaxManifestBytes))
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: decode: %w", ErrManifest, err)
	}
	if err := m.Verify(cid); err != nil {
		return nil, err
	}
	return &m, nil
}

func jsonIndentEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc
}
