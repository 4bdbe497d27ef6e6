package sales

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/queue"
)

// batch is one ingestion batch as sales sees it: what Prepare read, and,
// while the batch's transaction runs, its queue transaction and the events
// to hand the agents once it has committed.
type batch struct {
	s     *Sales
	freed map[contracts.RequestID]*freedAsk // see Prepare
	qt    *queue.Tx
	seen  []contracts.Event
}

// Join runs the ingestor's transaction through the queue, so queue changes
// commit with the cursor, and hands the batch's events to the agents once
// it has committed (never inside it: an agent's transition is a
// transaction of its own).
func (b *batch) Join(ctx context.Context, update func(context.Context, func(*persist.Tx) error) error, fn func(*persist.Tx) error) error {
	err := b.s.q.UpdateVia(ctx, update, func(tx *persist.Tx, qt *queue.Tx) error {
		b.qt, b.seen = qt, b.seen[:0]
		defer func() { b.qt = nil }()
		return fn(tx)
	})
	if err != nil {
		return err
	}
	for _, ev := range b.seen {
		b.s.agents.HandleEvent(ev)
		b.s.sched.observe(ev)
	}
	return nil
}

// errNotJoined: Apply or Revert outside the queue transaction Join opens.
var errNotJoined = errors.New("sales: batch applied outside its queue transaction")

// batchOf is what Prepare handed the ingestor, inside Join.
func batchOf(prepared any) (*batch, error) {
	b, ok := prepared.(*batch)
	if !ok || b.qt == nil {
		return nil, errNotJoined
	}
	return b, nil
}

// Apply turns a block's events into queue changes.
func (s *Sales) Apply(tx *persist.Tx, _ persist.BlockRef, events []contracts.Event, prepared any) error {
	b, err := batchOf(prepared)
	if err != nil {
		return err
	}
	for _, ev := range events {
		if err := b.apply(tx, ev); err != nil {
			return err
		}
		b.seen = append(b.seen, ev)
	}
	return nil
}

func (b *batch) apply(tx *persist.Tx, ev contracts.Event) error {
	qt := b.qt
	var err error
	switch e := ev.(type) {
	case *contracts.StorageRequested:
		_, err = pushRequested(qt, e, fitsAsk(tx))
	case *contracts.SlotFilled:
		_, err = removeFilled(qt, e.RequestID, e.SlotIndex)
	case *contracts.SlotFreed:
		err = b.queueFreed(tx, e.RequestID, e.SlotIndex)
	case *contracts.SlotReservationsFull:
		err = b.reservationsFull(e.RequestID, e.SlotIndex)
	case *contracts.RequestFulfilled:
		_, err = removeRequest(qt, e.RequestID)
	case *contracts.RequestCancelled:
		_, err = removeRequest(qt, e.RequestID)
	case *contracts.RequestFailed:
		_, err = removeRequest(qt, e.RequestID)
	case *contracts.ProofSubmitted:
		if pl := b.s.cfg.ProofLogs; pl != nil {
			err = pl.SettledByLog(tx, proofPrefix(e.SlotID), e.TxHash, e.Block)
		}
	}
	return err
}

// Revert undoes Apply for a block that left the canonical chain: a request
// that was never made leaves the queue; a slot whose fill was undone is free
// again, queued as a freed slot is, and its agent (if ours) told so.
func (s *Sales) Revert(tx *persist.Tx, _ persist.BlockRef, events []contracts.Event, prepared any) error {
	b, err := batchOf(prepared)
	if err != nil {
		return err
	}
	for _, ev := range events {
		switch e := ev.(type) {
		case *contracts.ProofSubmitted:
			if pl := s.cfg.ProofLogs; pl != nil {
				if err := pl.RevertedLog(tx, proofPrefix(e.SlotID), e.TxHash, e.Block); err != nil {
					return err
				}
			}
		case *contracts.StorageRequested:
			if _, err := removeRequest(b.qt, e.RequestID); err != nil {
				return err
			}
		case *contracts.SlotFilled:
			if err := b.queueFreed(tx, e.RequestID, e.SlotIndex); err != nil {
				return err
			}
			b.seen = append(b.seen, &contracts.SlotFreed{LogRef: e.LogRef, RequestID: e.RequestID, SlotIndex: e.SlotIndex})
		case *contracts.SlotReservationsFull:
			// Room for a reservation again: queued as a freed slot is. If
			// the new branch fills the slot or fills its reservations, its
			// events, applied after this, take it out again.
			if err := b.queueFreed(tx, e.RequestID, e.SlotIndex); err != nil {
				return err
			}
		}
	}
	return nil
}

// reservationsFull takes a slot out of the queue once every reservation
// of it is taken: only a reserver may fill it, so downloading it would be
// wasted. A slot one of our agents holds is its own (it reserved, or its
// reservation attempt will say the slot is full).
func (b *batch) reservationsFull(request contracts.RequestID, index uint64) error {
	if b.s.ours(request, index) {
		return nil
	}
	_, err := b.qt.Remove(persist.ID(contracts.GetSlotID(request, index)))
	return err
}

// freedAsk is what the queue needs of a freed slot's request; nil stands
// for a request this chain does not have (its StorageRequested reorganised
// out with the fill).
type freedAsk struct {
	ask    contracts.Ask
	expiry uint64
}

// Prepare finds, before the ingestion transaction, the ask and expiry of
// each request with a slot the batch frees (SlotFreed applied, SlotFilled
// reverted), so that Apply and Revert queue the slot in the transaction
// that moves the cursor past it: a crash never passes a freed slot
// unqueued. They come from the ledger, or from the batch's own
// StorageRequested; only a request the ledger lacks (posted before a
// schema 2 store was upgraded) is read from the chain, and while that read
// fails the batch waits, and ingestion retries it.
func (s *Sales) Prepare(ctx context.Context, events []contracts.Event, revert bool) (any, error) {
	b := &batch{s: s, freed: map[contracts.RequestID]*freedAsk{}}
	posted := map[contracts.RequestID]*freedAsk{}
	for _, ev := range events {
		if e, ok := ev.(*contracts.StorageRequested); ok {
			posted[e.RequestID] = &freedAsk{ask: e.Ask, expiry: e.Expiry}
		}
	}
	for _, ev := range events {
		request, index, ok := frees(ev, revert)
		if !ok || s.ours(request, index) {
			continue
		}
		if _, read := b.freed[request]; read {
			continue
		}
		if fa, ok := posted[request]; ok {
			if revert {
				fa = nil // the request leaves the chain with its slot
			}
			b.freed[request] = fa
			continue
		}
		fa, err := s.readFreedAsk(ctx, request)
		if err != nil {
			return nil, fmt.Errorf("read the ask of request %s, whose slot %d is freed: %w", request, index, err)
		}
		b.freed[request] = fa
	}
	return b, nil
}

// frees reports which slot ev frees when applied (or, if revert, reverted):
// a reverted SlotReservationsFull frees a reservation of the slot.
func frees(ev contracts.Event, revert bool) (contracts.RequestID, uint64, bool) {
	switch e := ev.(type) {
	case *contracts.SlotFreed:
		return e.RequestID, e.SlotIndex, !revert
	case *contracts.SlotFilled:
		return e.RequestID, e.SlotIndex, revert
	case *contracts.SlotReservationsFull:
		return e.RequestID, e.SlotIndex, revert
	}
	return contracts.RequestID{}, 0, false
}

// readFreedAsk is the request's ask and expiry as the ledger has them, or
// as the chain says for a request the ledger lacks.
func (s *Sales) readFreedAsk(ctx context.Context, request contracts.RequestID) (*freedAsk, error) {
	var lr persist.LedgerRequest
	err := s.cfg.Store.View(func(tx *persist.Tx) (err error) { lr, err = tx.LedgerRequest(persist.ID(request)); return err })
	if err == nil {
		return &freedAsk{ask: askOf(lr), expiry: lr.Expiry}, nil
	}
	if !errors.Is(err, persist.ErrNotFound) {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	r, err := s.cfg.Market.GetRequest(ctx, request)
	if errors.Is(err, contracts.ErrUnknownRequest) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	expiry, err := s.cfg.Market.RequestExpiry(ctx, request)
	if err != nil {
		return nil, fmt.Errorf("expiry: %w", err)
	}
	return &freedAsk{ask: r.Ask, expiry: expiry}, nil
}

// ours reports whether one of our agents holds the slot: a freed slot of
// ours is our agent's to handle (a reorganised fill re-checks the chain
// itself), not the queue's.
func (s *Sales) ours(request contracts.RequestID, index uint64) bool {
	return s.agents.Get(persist.ID(contracts.GetSlotID(request, index))) != nil
}

// queueFreed pushes a freed slot back in the queue, with the ask Prepare
// read.
func (b *batch) queueFreed(tx *persist.Tx, request contracts.RequestID, index uint64) error {
	if b.s.ours(request, index) {
		return nil
	}
	fa, read := b.freed[request]
	if !read {
		// An agent of ours held the slot at Prepare and has ended since:
		// fail the batch, and the retry reads the ask.
		return fmt.Errorf("slot %d of request %s freed, and its ask not read: retrying", index, request)
	}
	if fa == nil {
		return nil
	}
	ask := fa.ask
	if repairing(tx, request) {
		ask = repairAsk(ask, b.s.repairPct)
	}
	_, err := pushFreed(b.qt, request, index, ask, fa.expiry, fitsAsk(tx))
	return err
}

// repairing says whether a slot freed from request goes to Repair: the
// ledger saw the request start and not fail. (A slot freed before the
// start is Free, and sold at the full collateral.)
func repairing(tx *persist.Tx, request contracts.RequestID) bool {
	r, err := tx.LedgerRequest(persist.ID(request))
	return err == nil && r.Fulfilled && !r.Failed
}

// repairAsk is ask as a repairing host sees it: the collateral it posts is
// reduced by pct percent. The per-byte figure is rounded up, so that the
// queue's order and an availability's max-collateral check never see less
// than the contract takes (slotSize × the rounded figure ≥ what it takes).
func repairAsk(ask contracts.Ask, pct uint64) contracts.Ask {
	if ask.CollateralPerByte == nil || pct == 0 {
		return ask
	}
	c := new(big.Int).Mul(ask.CollateralPerByte, new(big.Int).SetUint64(100-min(pct, 100)))
	c.Add(c, big.NewInt(99))
	ask.CollateralPerByte = c.Div(c, big.NewInt(100))
	return ask
}
