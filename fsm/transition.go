package fsm

import (
	"context"
	"fmt"
	"slices"

	"github.com/slotd/slotd/persist"
)

// The one store transaction of a transition, and what each kind of
// transition implies for the slot's reservation and queue entry.

// commit is the one store transaction of a transition: the journal entry,
// the agent's new record and what the new state implies.
func (r *Agents) commit(ctx context.Context, base persist.Agent, from, to, event, detail string, block uint64) (persist.Agent, error) {
	now := r.now()
	var out persist.Agent
	err := r.update(ctx, func(tx *persist.Tx, q QueueTx) error {
		rec := base // fn may run more than once: start from the same values
		e := persist.JournalEntry{From: from, To: to, Event: event, Time: now, Block: block, Detail: detail}
		switch {
		case IsEnd(to):
			// The sale is over: its bytes go back to the availability and
			// the slot cannot be queued by us any more.
			if _, err := tx.Release(rec.SlotID); err != nil {
				return err
			}
			if q != nil {
				if _, err := q.Remove(rec.SlotID); err != nil {
					return err
				}
			}
			rec.Reserved = 0
			rec.Reason = ""
			if to == Failed || to == Ignored {
				rec.Reason = detail // an ignored sale's reason says whether to sell the slot again
			}
		case to == Errored && slices.Contains(preFill, from):
			// No fill was sent: the slot cannot be ours, so its bytes go
			// back at once; a retry takes them again.
			if _, err := tx.Release(rec.SlotID); err != nil {
				return err
			}
			rec.Reserved = 0
			rec.Reason = detail
		case to == Errored:
			rec.Reason = detail // the reservation stays: the slot may be ours
		default:
			rec.Reason = ""
			if from == Errored {
				if err := reReserve(tx, &rec); err != nil {
					return err
				}
			}
		}
		if err := tx.Transition(&rec, &e); err != nil {
			return err
		}
		out = rec
		return nil
	})
	if err == nil && r.hook != nil {
		r.hook(out)
	}
	return out, err
}

// reReserve takes again the bytes an agent gave back when it errored
// before its fill, from the availability it had them from. A retry with no
// room fails with persist.ErrInsufficientSpace and leaves the agent
// Errored.
func reReserve(tx *persist.Tx, rec *persist.Agent) error {
	if rec.Reserved != 0 || rec.SlotSize == 0 {
		return nil
	}
	if err := tx.Reserve(rec.AvailabilityID, rec.SlotID, rec.SlotSize); err != nil {
		return fmt.Errorf("retry needs its %d bytes again: %w", rec.SlotSize, err)
	}
	rec.Reserved = rec.SlotSize
	return nil
}
