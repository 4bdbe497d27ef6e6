package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
)

// Headers reads a block's header by hash: a proof's period is its block's
// timestamp over the period length, and the log does not carry the time.
type Headers interface {
	HeaderByHash(ctx context.Context, hash common.Hash) (*types.Header, error)
}

// Proofs configures the proof records of a host: for every slot Host
// holds (the store has its sales agent and the ledger names Host as the
// slot's host), each ProofSubmitted and ProofMarkedMissing becomes a
// persist.LedgerProof of its period.
type Proofs struct {
	Store   *persist.Store // read in Prepare: which slots have our agent
	Host    common.Address
	Headers Headers
	Period  uint64 // the Marketplace's proof period, seconds
}

// WithProofs makes the ledger record the proofs of p.Host's slots.
func (l *Ledger) WithProofs(p Proofs) *Ledger {
	l.proofs = &p
	return l
}

// proofTimes reads the timestamp of each block holding a proof event of a
// slot we have an agent for (one header per such block).
func (l *Ledger) proofTimes(ctx context.Context, events []contracts.Event, f *facts) error {
	p := l.proofs
	if !slices.ContainsFunc(events, func(ev contracts.Event) bool { _, ok := proofSlot(ev); return ok }) {
		return nil // most batches: no store read
	}
	var blocks []contracts.LogRef
	err := p.Store.View(func(tx *persist.Tx) error {
		for _, ev := range events {
			slot, ok := proofSlot(ev)
			if !ok {
				continue
			}
			if _, err := tx.Agent(persist.ID(slot)); errors.Is(err, persist.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			blocks = append(blocks, ev.Where())
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ledger: agents of proven slots: %w", err)
	}
	for _, b := range blocks {
		if _, ok := f.times[b.BlockHash]; ok {
			continue
		}
		h, err := p.Headers.HeaderByHash(ctx, b.BlockHash)
		if err != nil {
			return fmt.Errorf("ledger: header of block %d with a proof of ours: %w", b.Block, err)
		}
		f.times[b.BlockHash] = h.Time
	}
	return nil
}

func proofSlot(ev contracts.Event) (contracts.SlotID, bool) {
	switch e := ev.(type) {
	case *contracts.ProofSubmitted:
		return e.SlotID, true
	case *contracts.ProofMarkedMissing:
		return e.SlotID, true
	}
	return contracts.SlotID{}, false
}

// applyProof records a proof event of a slot our host holds.
func (l *Ledger) applyProof(tx *persist.Tx, at uint64, ev contracts.Event, f *facts) error {
	if l.proofs == nil {
		return nil
	}
	slot, ok := proofSlot(ev)
	if !ok {
		return nil
	}
	ts, ok := f.times[ev.Where().BlockHash]
	if !ok {
		return nil // no agent of ours in Prepare
	}
	s, ok, err := l.ourSlot(tx, slot)
	if err != nil || !ok {
		return err
	}
	p := persist.LedgerProof{RequestID: s.RequestID, Index: s.Index, Block: at, Time: ts}
	switch e := ev.(type) {
	case *contracts.ProofSubmitted:
		p.Period, p.Status = ts/l.proofs.Period, persist.ProofSubmitted
	case *contracts.ProofMarkedMissing:
		p.Period, p.Status = e.Period, persist.ProofMissed
	}
	return tx.PutLedgerProof(p)
}

// ourSlot is the ledger's slot of our agent for slot id, if the ledger
// names our host as its host. A freed slot keeps its last host, so the
// missed proof that frees a slot is still ours.
func (l *Ledger) ourSlot(tx *persist.Tx, slot contracts.SlotID) (persist.LedgerSlot, bool, error) {
	a, err := tx.Agent(persist.ID(slot))
	if errors.Is(err, persist.ErrNotFound) {
		return persist.LedgerSlot{}, false, nil
	}
	if err != nil {
		return persist.LedgerSlot{}, false, err
	}
	s, err := tx.LedgerSlot(a.RequestID, a.SlotIndex)
	if errors.Is(err, persist.ErrNotFound) {
		return persist.LedgerSlot{}, false, nil
	}
	if err != nil {
		return persist.LedgerSlot{}, false, err
	}
	return s, strings.EqualFold(s.Host, l.proofs.Host.Hex()), nil
}

// revertProof deletes the record a proof event of a reverted block made:
// the slot's record of that block and status (a ProofSubmitted's period
// would need the gone block's time, so the slot's records are searched).
func (l *Ledger) revertProof(tx *persist.Tx, at uint64, ev contracts.Event) error {
	if l.proofs == nil {
		return nil
	}
	slot, ok := proofSlot(ev)
	if !ok {
		return nil
	}
	a, err := tx.Agent(persist.ID(slot))
	if errors.Is(err, persist.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	status := persist.ProofSubmitted
	if _, missed := ev.(*contracts.ProofMarkedMissing); missed {
		status = persist.ProofMissed
	}
	var gone []uint64
	err = tx.ForEachLedgerProofOf(a.RequestID, a.SlotIndex, func(p persist.LedgerProof) error {
		if p.Block == at && p.Status == status {
			gone = append(gone, p.Period)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, period := range gone {
		if _, err := tx.DeleteLedgerProof(a.RequestID, a.SlotIndex, period); err != nil {
			return err
		}
	}
	return nil
}
