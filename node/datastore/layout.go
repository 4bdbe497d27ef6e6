package datastore

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/slotd/slotd/contracts/proof"
)

// Limits of the coding. MaxSlots is what GF(2^8) Reed-Solomon allows; stripe
// sizes are whole 16 KiB chunks so that a stripe boundary is always a chunk
// boundary and every stripe of a slot can be hashed on its own.
const (
	MaxSlots    = 256
	TrailerSize = proof.CellSize
	StripeUnit  = proof.ChunkSize
	MinStripe   = StripeUnit
	MaxStripe   = 4 << 20
	// maxStripeSet bounds N × stripe, the bytes one stripe of shards holds,
	// so that a hostile manifest cannot make a downloader allocate gigabytes.
	maxStripeSet = 64 << 20
	// maxSlotCells is the proof package's limit: 2^40 cells per slot.
	maxSlotCells = 1 << 40
)

// ErrLayout reports coding parameters that do not describe a dataset.
var ErrLayout = errors.New("invalid dataset layout")

// Layout is the geometry of an erasure-coded dataset.
//
// The encoded stream is the file, then zeros, then a TrailerSize trailer, K ×
// SlotSize bytes in all. It is cut into stripes: stripe j takes the next K ×
// ShardSize(j) bytes of the stream, splits them into K consecutive data
// shards, and computes M parity shards; shard i of every stripe, in order, is
// slot i. ShardSize(j) is Stripe except for the last stripe, which takes what
// is left of SlotSize. The trailer is therefore the last cell of data slot
// K-1, and, because Reed-Solomon works byte position by byte position, the
// last cell of any K slots rebuilds it whatever the stripe size.
type Layout struct {
	FileSize uint64
	K, M     int
	SlotSize uint64
	Stripe   uint64
}

// SlotSizeFor is the slot size of a file of fileSize bytes split into k data
// slots: the file plus the trailer, divided into k, rounded up to whole cells.
func SlotSizeFor(fileSize uint64, k int) (uint64, error) {
	if k < 1 || k > MaxSlots {
		return 0, fmt.Errorf("%w: %d data slots", ErrLayout, k)
	}
	total, carry := bits.Add64(fileSize, TrailerSize, 0)
	if carry != 0 {
		return 0, fmt.Errorf("%w: file of %d bytes is too large", ErrLayout, fileSize)
	}
	per := (total + uint64(k) - 1) / uint64(k)
	cells := (per + proof.CellSize - 1) / proof.CellSize
	if cells > maxSlotCells {
		return 0, fmt.Errorf("%w: slots of %d cells exceed 2^40", ErrLayout, cells)
	}
	return cells * proof.CellSize, nil
}

// AutoStripe picks the stripe for n slots: as large as 1 MiB, but small enough
// that a few stripes of all n shards fit in about 24 MiB.
func AutoStripe(n int) uint64 {
	// The budget is part of the format in effect: the stripe is recorded in
	// the manifest and trailer, and changing it would change the content root
	// of a new upload of the same file.
	const budget = 24 << 20 / 4
	s := uint64(budget / max(n, 1))
	s = s / StripeUnit * StripeUnit
	return min(max(s, MinStripe), 1<<20)
}

// NewLayout checks the parameters and returns the layout of a file of
// fileSize bytes coded into k data and m parity slots.
func NewLayout(fileSize uint64, k, m int, stripe uint64) (Layout, error) {
	l := Layout{FileSize: fileSize, K: k, M: m, Stripe: stripe}
	if err := l.checkCounts(); err != nil {
		return Layout{}, err
	}
	size, err := SlotSizeFor(fileSize, k)
	if err != nil {
		return Layout{}, err
	}
	l.SlotSize = size
	return l, l.Check()
}

func (l Layout) checkCounts() error {
	if l.M < 0 || l.K < 1 || l.K+l.M > MaxSlots {
		return fmt.Errorf("%w: %d data + %d parity slots (want at least 1 data slot and at most %d in all)", ErrLayout, l.K, l.M, MaxSlots)
	}
	return nil
}

// Check reports whether l is a layout NewLayout could have returned.
func (l Layout) Check() error {
	if err := l.checkCounts(); err != nil {
		return err
	}
	if l.Stripe < MinStripe || l.Stripe > MaxStripe || l.Stripe%StripeUnit != 0 {
		return fmt.Errorf("%w: stripe of %d bytes (want a multiple of %d up to %d)", ErrLayout, l.Stripe, StripeUnit, MaxStripe)
	}
	if uint64(l.K+l.M)*l.Stripe > maxStripeSet {
		return fmt.Errorf("%w: %d slots × stripe %d exceeds %d bytes", ErrLayout, l.K+l.M, l.Stripe, maxStripeSet)
	}
	want, err := SlotSizeFor(l.FileSize, l.K)
	if err != nil {
		return err
	}
	if l.SlotSize != want {
		return fmt.Errorf("%w: slot size %d, a %d-byte file in %d data slots needs %d", ErrLayout, l.SlotSize, l.FileSize, l.K, want)
	}
	return nil
}

// Slots is N = K + M.
func (l Layout) Slots() int { return l.K + l.M }

// Cells is the number of cells in each slot.
func (l Layout) Cells() uint64 { return l.SlotSize / proof.CellSize }

// Stripes is the number of stripes.
func (l Layout) Stripes() int { return int((l.SlotSize + l.Stripe - 1) / l.Stripe) }

// ShardSize is the bytes each slot receives from stripe j.
func (l Layout) ShardSize(j int) uint64 {
	return min(l.Stripe, l.SlotSize-uint64(j)*l.Stripe)
}

// ShardOffset is where stripe j's shard starts within a slot.
func (l Layout) ShardOffset(j int) uint64 { return uint64(j) * l.Stripe }

// StreamOffset is where stripe j starts in the encoded stream (and so in the file).
func (l Layout) StreamOffset(j int) uint64 { return uint64(j) * uint64(l.K) * l.Stripe }

// StreamSize is the length of the encoded stream, K × SlotSize.
func (l Layout) StreamSize() uint64 { return uint64(l.K) * l.SlotSize }
