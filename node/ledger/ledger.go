// Package ledger keeps the store's request and slot ledger: for every
// storage request posted since the cursor started, its ask, expiry, end
// and state, and each slot's host and whether it is filled, as the chain
// last said. It is the first subscriber of the node's chain ingestor, so
// its records change in the transaction that moves the cursor, before the
// roles' Apply runs in that same transaction: a role deciding from the
// ledger sees the chain exactly as far as the cursor.
//
// The events carry almost every fact. Two they lack are read in Prepare,
// once each: a new request's end (RequestEnd) and a filled slot's host
// (GetHost). Whether a request expired or finished is not an event at all:
// LedgerRequest.State computes it from the head's timestamp.
package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
)

// Chain is what the ledger reads of the Marketplace.
type Chain interface {
	RequestEnd(ctx context.Context, id contracts.RequestID) (uint64, error)
	GetHost(ctx context.Context, slot contracts.SlotID) (common.Address, error)
}

// Ledger is the ledger's subscriber. It keeps nothing in memory.
type Ledger struct {
	chain  Chain
	proofs *Proofs // nil: no proof records
}

// New returns the ledger's subscriber over chain.
func New(chain Chain) *Ledger { return &Ledger{chain: chain} }

// facts are what Prepare read for a batch.
type facts struct {
	ends  map[contracts.RequestID]uint64
	hosts map[contracts.SlotID]common.Address
	times map[common.Hash]uint64 // block hash → timestamp, of blocks with proofs of ours
}

// Prepare reads the end of each request the batch posts and the host of
// each slot it fills (nothing for a revert). A request the chain does not
// know (its StorageRequested was reorganised out meanwhile) gets end 0;
// the ingestor rolls it back on its next pass.
func (l *Ledger) Prepare(ctx context.Context, events []contracts.Event, revert bool) (any, error) {
	f := &facts{ends: map[contracts.RequestID]uint64{}, hosts: map[contracts.SlotID]common.Address{}, times: map[common.Hash]uint64{}}
	if revert {
		return f, nil
	}
	if l.proofs != nil {
		if err := l.proofTimes(ctx, events, f); err != nil {
			return nil, err
		}
	}
	for _, ev := range events {
		switch e := ev.(type) {
		case *contracts.StorageRequested:
			end, err := l.chain.RequestEnd(ctx, e.RequestID)
			if err != nil && !errors.Is(err, contracts.ErrUnknownRequest) {
				return nil, fmt.Errorf("ledger: end of request %s: %w", e.RequestID, err)
			}
			f.ends[e.RequestID] = end
		case *contracts.SlotFilled:
			slot := contracts.GetSlotID(e.RequestID, e.SlotIndex)
			host, err := l.chain.GetHost(ctx, slot)
			if err != nil {
				return nil, fmt.Errorf("ledger: host of slot %d of request %s: %w", e.SlotIndex, e.RequestID, err)
			}
			f.hosts[slot] = host
		}
	}
	return f, nil
}

// Apply records a block's events.
func (l *Ledger) Apply(tx *persist.Tx, block persist.BlockRef, events []contracts.Event, prepared any) error {
	f, _ := prepared.(*facts)
	if f == nil {
		return errors.New("ledger: batch applied without its prepared facts")
	}
	for _, ev := range events {
		if err := apply(tx, block.Number, ev, f); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		if err := l.applyProof(tx, block.Number, ev, f); err != nil {
			return fmt.Errorf("ledger: proof record: %w", err)
		}
	}
	return nil
}

func apply(tx *persist.Tx, at uint64, ev contracts.Event, f *facts) error {
	switch e := ev.(type) {
	case *contracts.StorageRequested:
		a := e.Ask
		return tx.PutLedgerRequest(persist.LedgerRequest{RequestID: persist.ID(e.RequestID), Slots: a.Slots, SlotSize: a.SlotSize,
			Duration: a.Duration, MaxSlotLoss: a.MaxSlotLoss, ProofProbability: a.ProofProbability,
			PricePerBytePerSecond: a.PricePerBytePerSecond, CollateralPerByte: a.CollateralPerByte,
			Expiry: e.Expiry, End: f.ends[e.RequestID], Block: at})
	case *contracts.SlotFilled:
		host := f.hosts[contracts.GetSlotID(e.RequestID, e.SlotIndex)]
		return setSlot(tx, e.RequestID, e.SlotIndex, at, func(s *persist.LedgerSlot) { s.Filled, s.Host = true, hostString(host) })
	case *contracts.SlotFreed:
		return setSlot(tx, e.RequestID, e.SlotIndex, at, func(s *persist.LedgerSlot) { s.Filled = false })
	case *contracts.RequestFulfilled:
		return setRequest(tx, e.RequestID, at, func(r *persist.LedgerRequest) { r.Fulfilled = true })
	case *contracts.RequestCancelled:
		return setRequest(tx, e.RequestID, at, func(r *persist.LedgerRequest) { r.Cancelled = true })
	case *contracts.RequestFailed:
		return setRequest(tx, e.RequestID, at, func(r *persist.LedgerRequest) { r.Failed = true })
	}
	return nil
}

// Revert undoes Apply for a block that left the canonical chain. What is
// recorded becomes as of the block's parent.
func (l *Ledger) Revert(tx *persist.Tx, block persist.BlockRef, events []contracts.Event, _ any) error {
	at := block.Number - 1
	for _, ev := range events {
		var err error
		switch e := ev.(type) {
		case *contracts.StorageRequested:
			_, err = tx.DeleteLedgerRequest(persist.ID(e.RequestID))
		case *contracts.SlotFilled:
			err = setSlot(tx, e.RequestID, e.SlotIndex, at, func(s *persist.LedgerSlot) { s.Filled, s.Host = false, "" })
		case *contracts.SlotFreed:
			err = setSlot(tx, e.RequestID, e.SlotIndex, at, func(s *persist.LedgerSlot) { s.Filled = s.Host != "" })
		case *contracts.RequestFulfilled:
			err = setRequest(tx, e.RequestID, at, func(r *persist.LedgerRequest) { r.Fulfilled = false })
		case *contracts.RequestCancelled:
			err = setRequest(tx, e.RequestID, at, func(r *persist.LedgerRequest) { r.Cancelled = false })
		case *contracts.RequestFailed:
			err = setRequest(tx, e.RequestID, at, func(r *persist.LedgerRequest) { r.Failed = false })
		case *contracts.ProofSubmitted, *contracts.ProofMarkedMissing:
			err = l.revertProof(tx, block.Number, ev)
		}
		if err != nil {
			return fmt.Errorf("ledger: revert: %w", err)
		}
	}
	return nil
}

// Committed has nothing to do: the ledger's time is the cursor's.
func (l *Ledger) Committed(persist.Head) {}

// setRequest changes a request the ledger knows; one it does not (posted
// before the store had a ledger) is left out.
func setRequest(tx *persist.Tx, id contracts.RequestID, at uint64, change func(*persist.LedgerRequest)) error {
	r, err := tx.LedgerRequest(persist.ID(id))
	if errors.Is(err, persist.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	change(&r)
	r.Block = at
	return tx.PutLedgerRequest(r)
}

// setSlot changes a slot of a request the ledger knows.
func setSlot(tx *persist.Tx, id contracts.RequestID, index uint64, at uint64, change func(*persist.LedgerSlot)) error {
	if _, err := tx.LedgerRequest(persist.ID(id)); errors.Is(err, persist.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	s, err := tx.LedgerSlot(persist.ID(id), index)
	if errors.Is(err, persist.ErrNotFound) {
		s, err = persist.LedgerSlot{RequestID: persist.ID(id), Index: index}, nil
	}
	if err != nil {
		return err
	}
	change(&s)
	s.Block = at
	return tx.PutLedgerSlot(s)
}

func hostString(a common.Address) string {
	if a == (common.Address{}) {
		return ""
	}
	return a.Hex()
}
