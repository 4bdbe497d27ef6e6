package queue

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math/big"

	"github.com/slotd/slotd/persist"
)

// Item is one slot waiting for a worker: what the queue needs to order it
// and what a worker needs to start selling it. The amounts are shared, not
// copied, between the queue, fits and work: treat an Item as read-only.
type Item struct {
	SlotID                persist.ID
	RequestID             persist.ID
	SlotIndex             uint64
	SlotSize              uint64 // bytes
	Duration              uint64 // seconds
	PricePerBytePerSecond *big.Int
	CollateralPerByte     *big.Int
	Expiry                uint64 // unix seconds at which the request, still New, is cancelled
	// Seq is the insertion number the store gave the item when it was
	// pushed (a counter in a queue without a store). It breaks ties between
	// the slots of one request in the order they were shuffled into the
	// queue, the same way after a restart.
	Seq uint64
}

// Payout is what the slot pays over its whole duration:
// pricePerBytePerSecond × slotSize × duration.
func (it Item) Payout() *big.Int {
	p := new(big.Int).SetUint64(it.SlotSize)
	p.Mul(p, new(big.Int).SetUint64(it.Duration))
	if it.PricePerBytePerSecond == nil {
		return p.SetInt64(0)
	}
	return p.Mul(p, it.PricePerBytePerSecond)
}

// Collateral is what a host locks to fill the slot:
// collateralPerByte × slotSize.
func (it Item) Collateral() *big.Int {
	if it.CollateralPerByte == nil {
		return new(big.Int)
	}
	return new(big.Int).Mul(it.CollateralPerByte, new(big.Int).SetUint64(it.SlotSize))
}

// Before reports whether a comes before b in the queue: higher payout
// first, then lower collateral, later expiry, smaller slot, and then, so
// that the order is total and the same after a restart, lower request id,
// lower insertion number (the slots of a request in their shuffled order)
// and lower slot index.
func Before(a, b Item) bool {
	ea, eb := newEntry(a), newEntry(b)
	return better(ea, eb)
}

// entry is an item in the queue with its cached sort keys and positions.
type entry struct {
	it         Item
	payout     *big.Int
	collateral *big.Int
	// The same as 128-bit numbers when both fit (they nearly always do),
	// so that most comparisons need no big.Int.
	pay, col u128
	small    bool
	bi, wi   int // index in the best and the worst heap; -1 when not queued

	pending bool // pushed by an Update that has not committed yet
	seen    bool // handed back with ErrRetry; skipped until Notify
	flight  bool // taken by a worker
	removed bool // deleted from the queue while in flight
}

func newEntry(it Item) *entry {
	e := &entry{it: it, payout: it.Payout(), collateral: it.Collateral(), bi: -1, wi: -1}
	var ok1, ok2 bool
	e.pay, ok1 = u128Of(e.payout)
	e.col, ok2 = u128Of(e.collateral)
	e.small = ok1 && ok2
	return e
}

type u128 struct{ hi, lo uint64 }

func u128Of(x *big.Int) (u128, bool) {
	if x.Sign() < 0 || x.BitLen() > 128 {
		return u128{}, false
	}
	var b [16]byte
	x.FillBytes(b[:])
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}, true
}

func (a u128) cmp(b u128) int {
	switch {
	case a.hi != b.hi:
		return cmp.Compare(a.hi, b.hi)
	default:
		return cmp.Compare(a.lo, b.lo)
	}
}

func (e *entry) queued() bool { return e.bi >= 0 }

// better is the queue order on entries (see Before).
func better(a, b *entry) bool {
	if a.small && b.small {
		if c := a.pay.cmp(b.pay); c != 0 {
			return c > 0
		}
		if c := a.col.cmp(b.col); c != 0 {
			return c < 0
		}
	} else {
		if c := a.payout.Cmp(b.payout); c != 0 {
			return c > 0
		}
		if c := a.collateral.Cmp(b.collateral); c != 0 {
			return c < 0
		}
	}
	x, y := &a.it, &b.it
	if x.Expiry != y.Expiry {
		return x.Expiry > y.Expiry
	}
	if x.SlotSize != y.SlotSize {
		return x.SlotSize < y.SlotSize
	}
	if c := bytes.Compare(x.RequestID[:], y.RequestID[:]); c != 0 {
		return c < 0
	}
	if x.Seq != y.Seq {
		return x.Seq < y.Seq
	}
	if x.SlotIndex != y.SlotIndex {
		return x.SlotIndex < y.SlotIndex
	}
	return bytes.Compare(x.SlotID[:], y.SlotID[:]) < 0
}

func copyBig(x *big.Int) *big.Int {
	if x == nil {
		return new(big.Int)
	}
	return new(big.Int).Set(x)
}

func toPersist(it Item) persist.QueueItem {
	return persist.QueueItem{
		SlotID:                it.SlotID,
		RequestID:             it.RequestID,
		SlotIndex:             it.SlotIndex,
		SlotSize:              it.SlotSize,
		Duration:              it.Duration,
		PricePerBytePerSecond: it.PricePerBytePerSecond,
		CollateralPerByte:     it.CollateralPerByte,
		Expiry:                it.Expiry,
		Seq:                   it.Seq,
	}
}

func fromPersist(q persist.QueueItem) Item {
	return Item{
		SlotID:                q.SlotID,
		RequestID:             q.RequestID,
		SlotIndex:             q.SlotIndex,
		SlotSize:              q.SlotSize,
		Duration:              q.Duration,
		PricePerBytePerSecond: copyBig(q.PricePerBytePerSecond),
		CollateralPerByte:     copyBig(q.CollateralPerByte),
		Expiry:                q.Expiry,
		Seq:                   q.Seq,
	}
}
