package purchasing

import (
	"context"
	"errors"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
)

// The client role is a subscriber of the node's chain ingestor: an event
// about one of its requests wakes Run at once, rather than at its next
// poll. What a purchase becomes is still read from the chain's view of
// the request (see advance), so a missed or reverted event changes
// nothing.

// batch notes whether an ingested batch touched one of our requests.
type batch struct {
	p       *Purchasing
	touched bool
}

// Prepare has nothing to read.
func (p *Purchasing) Prepare(context.Context, []contracts.Event, bool) (any, error) {
	return &batch{p: p}, nil
}

// Apply notes events about our purchases.
func (p *Purchasing) Apply(tx *persist.Tx, _ persist.BlockRef, events []contracts.Event, prepared any) error {
	return p.note(tx, events, prepared)
}

// Revert notes reverted events about our purchases: their state is read
// again.
func (p *Purchasing) Revert(tx *persist.Tx, _ persist.BlockRef, events []contracts.Event, prepared any) error {
	return p.note(tx, events, prepared)
}

func (p *Purchasing) note(tx *persist.Tx, events []contracts.Event, prepared any) error {
	b, ok := prepared.(*batch)
	if !ok {
		return errors.New("purchasing: batch applied without its prepared value")
	}
	for _, ev := range events {
		id, ok := requestOf(ev)
		if !ok {
			continue
		}
		if _, err := tx.Purchase(persist.ID(id)); err == nil {
			b.touched = true
		} else if !errors.Is(err, persist.ErrNotFound) {
			return err
		}
	}
	return nil
}

// Join runs the batch's transaction and, once it committed, wakes Run if
// the batch touched one of our requests.
func (b *batch) Join(ctx context.Context, update func(context.Context, func(*persist.Tx) error) error, fn func(*persist.Tx) error) error {
	b.touched = false
	if err := update(ctx, fn); err != nil {
		return err
	}
	if b.touched {
		b.p.Wake()
	}
	return nil
}

// Committed has nothing to do: Run's poll covers what time alone changes.
func (p *Purchasing) Committed(persist.Head) {}

// Wake makes Run step now.
func (p *Purchasing) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// requestOf is the request an event is about.
func requestOf(ev contracts.Event) (contracts.RequestID, bool) {
	switch e := ev.(type) {
	case *contracts.StorageRequested:
		return e.RequestID, true
	case *contracts.SlotFilled:
		return e.RequestID, true
	case *contracts.SlotFreed:
		return e.RequestID, true
	case *contracts.RequestFulfilled:
		return e.RequestID, true
	case *contracts.RequestCancelled:
		return e.RequestID, true
	case *contracts.RequestFailed:
		return e.RequestID, true
	}
	return contracts.RequestID{}, false
}
