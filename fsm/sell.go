package fsm

import (
	"context"
	"errors"
	"fmt"

	"github.com/slotd/slotd/persist"
)

// Creating an agent for a queue worker (Sell), and moving an Errored one
// back (Retry).

// Sale is what a queue worker knows about the slot it starts selling.
type Sale struct {
	SlotID    persist.ID
	RequestID persist.ID
	SlotIndex uint64
	SlotSize  uint64 // bytes to reserve
	// Fits chooses the availability: the first one (in id order) with
	// SlotSize free bytes that Fits accepts (nil: any). Finding and
	// reserving are one step.
	Fits func(persist.Availability) bool
	// Released, if set, is called once when the worker may go (see
	// Agent.Released), with the agent's state then.
	Released func(state string)
}

// Sell creates the slot's agent in Preparing: in one transaction it
// journals the start, reserves the bytes and takes the slot out of the
// queue (so a crash from here on resumes the agent rather than queueing
// the slot again). It fails with ErrSelling if the slot has an agent
// (live, Errored or being created), with an error matching
// persist.ErrInsufficientSpace if no availability can hold it (hand the
// slot back to the queue), and with ErrNotRunning before Start or after
// Stop. A slot whose earlier agent ended (say Ignored, and the slot was
// freed since) can be sold again; its journal goes on.
func (r *Agents) Sell(ctx context.Context, s Sale) (*Agent, error) {
	r.mu.Lock()
	switch {
	case r.phase != phaseRunning:
		r.mu.Unlock()
		return nil, ErrNotRunning
	case r.agents[s.SlotID] != nil || r.selling[s.SlotID]:
		r.mu.Unlock()
		return nil, fmt.Errorf("sell %s: %w", s.SlotID, ErrSelling)
	}
	r.selling[s.SlotID] = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.selling, s.SlotID)
		r.mu.Unlock()
	}()

	now, block := r.now(), r.head()
	var rec persist.Agent
	err := r.update(ctx, func(tx *persist.Tx, q QueueTx) error {
		from := ""
		if old, err := tx.Agent(s.SlotID); err == nil {
			if !IsEnd(old.State) {
				return fmt.Errorf("%w: stored in state %q", ErrSelling, old.State)
			}
			from = old.State
		} else if !errors.Is(err, persist.ErrNotFound) {
			return err
		}
		av, err := tx.ReserveMatching(s.SlotID, s.SlotSize, s.Fits)
		if err != nil {
			return err
		}
		res, err := tx.Reservation(s.SlotID)
		if err != nil {
			return err
		}
		if q != nil {
			if _, err := q.Remove(s.SlotID); err != nil {
				return err
			}
		}
		a := persist.Agent{SlotID: s.SlotID, RequestID: s.RequestID, SlotIndex: s.SlotIndex, AvailabilityID: av.ID, Reserved: res.Size, SlotSize: s.SlotSize}
		e := persist.JournalEntry{From: from, To: Preparing, Event: EvStart, Time: now, Block: block,
			Detail: fmt.Sprintf("availability %d, %d bytes", av.ID, res.Size)}
		if err := tx.Transition(&a, &e); err != nil {
			return err
		}
		rec = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sell %s: %w", s.SlotID, err)
	}
	if r.hook != nil {
		r.hook(rec)
	}
	a := newAgent(r, rec, "", s.Released)
	r.log.Info("agent transition", "slotId", a.id, "requestId", rec.RequestID, "from", "", "to", Preparing, "event", EvStart)
	r.mu.Lock()
	r.addLocked(a)
	r.startDriverLocked(a)
	running := r.phase == phaseRunning
	r.mu.Unlock()
	if !running { // stopped meanwhile: the agent is durable, the worker may go
		a.release(Preparing)
	}
	return a, nil
}

// Retry moves an Errored agent back to the state it errored from (a
// state whose side effect is safe to run again, as after a crash), with a
// journal entry, and resumes it. It is `slotd sales retry SLOTID`.
func (r *Agents) Retry(ctx context.Context, slot persist.ID) error {
	a := r.Get(slot)
	if a == nil {
		return fmt.Errorf("retry %s: %w", slot, ErrNoAgent)
	}
	a.mu.Lock()
	from := a.from
	a.mu.Unlock()
	if err := a.fire(ctx, Errored, RetryEvent(from), "operator retry", r.head()); err != nil {
		if errors.Is(err, errStale) {
			return fmt.Errorf("retry %s: %w (state %q)", slot, ErrNotErrored, a.State())
		}
		return fmt.Errorf("retry %s: %w", slot, err)
	}
	r.startDriver(a)
	return nil
}
