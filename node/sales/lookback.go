package sales

import (
	"context"
	"errors"
	"fmt"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/queue"
)

// The look-back for a new availability: the ledger's requests still
// open, queued for the space it adds.

// AvailabilityAdded looks back through the requests still waiting for hosts
// and queues the slots the new space can take. Run does the same at start
// for an availability whose look-back never finished.
func (s *Sales) AvailabilityAdded(_ context.Context, _ persist.Availability) {
	s.q.Notify()
	s.retry("looking back for open requests", s.lookBack)
}

func (s *Sales) lookBack(ctx context.Context) error {
	// Ingestion applies what comes after the stored cursor with the
	// availability in place; the look-back covers what came before, from
	// the ledger the ingestor keeps, in one transaction with it: no chain
	// read, and no event slips between what the ledger said and the push.
	return s.q.Update(ctx, func(tx *persist.Tx, qt *queue.Tx) error {
		var pending []uint64
		err := tx.ForEachAvailability(func(a persist.Availability) error {
			if !a.LookedBack {
				pending = append(pending, a.ID)
			}
			return nil
		})
		if err != nil || len(pending) == 0 {
			return err
		}
		open, err := openRequests(tx, s.Head().Time, fitsAsk(tx))
		if err != nil {
			return err
		}
		if len(open) > 0 {
			if _, err := pushOpen(qt, open, fitsAsk(tx)); err != nil {
				return err
			}
		}
		return markLookedBack(tx, pending)
	})
}

// openRequests lists the ledger's requests still waiting for hosts at
// chain time now that fits takes, each with the slots nobody holds.
func openRequests(tx *persist.Tx, now uint64, fits func(contracts.Ask) bool) ([]openRequest, error) {
	var open []openRequest
	err := tx.ForEachLedgerRequest(func(r persist.LedgerRequest) error {
		if r.State(now) != persist.LedgerNew {
			return nil
		}
		ask := askOf(r)
		if !fits(ask) {
			return nil
		}
		filled := map[uint64]bool{}
		if err := tx.ForEachLedgerSlot(r.RequestID, func(sl persist.LedgerSlot) error {
			filled[sl.Index] = sl.Filled
			return nil
		}); err != nil {
			return err
		}
		free := []uint64{} // not nil: to the queue, nil means every slot
		for i := range r.Slots {
			if !filled[i] {
				free = append(free, i)
			}
		}
		open = append(open, openRequest{requestID: contracts.RequestID(r.RequestID), ask: ask, expiry: r.Expiry, free: free})
		return nil
	})
	return open, err
}

// askOf is a ledger request's ask.
func askOf(r persist.LedgerRequest) contracts.Ask {
	return contracts.Ask{Slots: r.Slots, SlotSize: r.SlotSize, Duration: r.Duration, MaxSlotLoss: r.MaxSlotLoss,
		ProofProbability: r.ProofProbability, PricePerBytePerSecond: r.PricePerBytePerSecond, CollateralPerByte: r.CollateralPerByte}
}

// markLookedBack records that the look-back for availabilities ids is done
// (those since deleted are skipped).
func markLookedBack(tx *persist.Tx, ids []uint64) error {
	for _, id := range ids {
		a, err := tx.Availability(id)
		if errors.Is(err, persist.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		a.LookedBack = true
		if err := tx.UpdateAvailability(&a); err != nil {
			return fmt.Errorf("availability %d: %w", id, err)
		}
	}
	return nil
}
