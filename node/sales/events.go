package sales

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"time"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/outage"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/queue"
	"github.com/slotd/slotd/retry"
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
		_, err = qt.OnStorageRequested(e, fitsAsk(tx))
	case *contracts.SlotFilled:
		_, err = qt.OnSlotFilled(e.RequestID, e.SlotIndex)
	case *contracts.SlotFreed:
		err = b.queueFreed(tx, e.RequestID, e.SlotIndex)
	case *contracts.SlotReservationsFull:
		err = b.reservationsFull(e.RequestID, e.SlotIndex)
	case *contracts.RequestFulfilled:
		_, err = qt.OnRequestEnded(e.RequestID)
	case *contracts.RequestCancelled:
		_, err = qt.OnRequestEnded(e.RequestID)
	case *contracts.RequestFailed:
		_, err = qt.OnRequestEnded(e.RequestID)
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
			if _, err := b.qt.OnRequestEnded(e.RequestID); err != nil {
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

// dropSlotData deletes what a sale kept on disk for slot (its data and
// tree, or a partial download and its progress): an ended sale's bytes are
// back in their availability, so they must be back on the disk too. A
// failure is logged; the next start's sweep tries again.
func (s *Sales) dropSlotData(ctx context.Context, slot persist.ID) {
	err := s.cfg.Data.RemoveHostedSlot(proof.Hash(slot))
	if errors.Is(err, datastore.ErrNotFound) {
		err = nil
	}
	if err == nil {
		err = s.cfg.Store.Update(ctx, func(tx *persist.Tx) error {
			_, err := tx.DeleteDownload(slot)
			return err
		})
	}
	if err != nil {
		s.log.Warn("could not delete an ended sale's slot data; the next start tries again", "slotId", contracts.SlotID(slot), "err", err)
	}
}

// sweepSlotData deletes the data of every slot whose sale has ended: what
// an ended sale left when the node stopped before deleting it. It runs
// before the workers start, so no new sale of those slots is under way.
// Data of a slot the store has no sale for is left alone and reported: a
// store restored from an older backup does not know its newest sales.
func (s *Sales) sweepSlotData(ctx context.Context) {
	ids, err := s.cfg.Data.HostedSlotIDs()
	if err != nil {
		s.log.Warn("could not list slot data to sweep", "err", err)
		return
	}
	var swept, unknown int
	for _, id := range ids {
		var a persist.Agent
		err := s.cfg.Store.View(func(tx *persist.Tx) (err error) { a, err = tx.Agent(persist.ID(id)); return err })
		switch {
		case errors.Is(err, persist.ErrNotFound):
			unknown++
		case err == nil && fsm.IsEnd(a.State):
			s.dropSlotData(ctx, persist.ID(id))
			swept++
		}
	}
	if swept > 0 {
		s.log.Info("deleted the data of ended sales", "slots", swept)
	}
	if unknown > 0 {
		s.log.Warn("slot data no sale in the store knows of; left alone (a store restored from an older backup?)",
			"slots", unknown, "dir", filepath.Join(s.cfg.Data.Dir(), "slots"))
	}
}

// agentEnded runs after an agent's end committed: its bytes are free, so
// the workers look again; and a slot it gave up that nobody holds on chain
// is for sale again, to us as to anyone: our fill reorganised out, then
// reverted where it landed again (Free), or the slot freed from us for
// missed proofs (Repair). Ingestion does not queue a freed slot an agent of
// ours still holds, so this is the one place such a slot is queued.
func (s *Sales) agentEnded(a persist.Agent) {
	s.q.Notify()
	// A sale that ended because the chain did not know its request
	// (requestGone) is sold again once the chain has the request back; if
	// it is not back yet, its new StorageRequested queues the slot.
	gone := a.State == fsm.Ignored && strings.HasPrefix(a.Reason, requestGoneReason)
	if a.State != fsm.Failed && !gone {
		return
	}
	s.retry("re-queueing a slot we gave up", func(ctx context.Context) error {
		return s.requeueUnheld(ctx, contracts.RequestID(a.RequestID), a.SlotIndex)
	}, "slotId", contracts.SlotID(a.SlotID), "requestId", contracts.RequestID(a.RequestID))
}

// requeueUnheld queues a slot no host holds: one never filled while its
// request waits for hosts (Free, New), or one freed from its host while
// the request runs (Repair, Started: at the repair collateral). A slot
// another host holds is left alone.
func (s *Sales) requeueUnheld(ctx context.Context, request contracts.RequestID, index uint64) error {
	ss, err := s.cfg.Market.SlotState(ctx, contracts.GetSlotID(request, index))
	if err != nil {
		return err
	}
	want := contracts.RequestStateNew
	switch ss {
	case contracts.SlotStateFree:
	case contracts.SlotStateRepair:
		want = contracts.RequestStateStarted
	default:
		return nil
	}
	rs, err := s.cfg.Market.RequestState(ctx, request)
	if err != nil || rs != want {
		return err
	}
	fa, err := s.readFreedAsk(ctx, request)
	if err != nil || fa == nil {
		return err
	}
	ask := fa.ask
	if ss == contracts.SlotStateRepair {
		ask = repairAsk(ask, s.repairPct)
	}
	return s.q.Update(ctx, func(tx *persist.Tx, qt *queue.Tx) error {
		_, err := qt.OnSlotFreed(request, index, ask, fa.expiry, fitsAsk(tx))
		return err
	})
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
	_, err := b.qt.OnSlotFreed(request, index, ask, fa.expiry, fitsAsk(tx))
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

func (s *Sales) background(fn func(ctx context.Context)) {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	ctx := s.bgCtx
	if ctx == nil || ctx.Err() != nil {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn(ctx)
	}()
}

// retryWaitMax caps the wait between attempts of a background retry.
const retryWaitMax = 30 * time.Second

// retry runs fn in the background until it works, the chain refuses for
// good (a contract error), or the node stops; in between it waits from one
// poll up to retryWaitMax. What reads the chain can fail while the RPC is
// down, and giving up would cost a sale.
func (s *Sales) retry(what string, fn func(ctx context.Context) error, args ...any) {
	s.background(func(ctx context.Context) {
		err := outage.Retry(ctx, s.log, what, s.cfg.Poll, retryWaitMax, retry.IsFinal, fn, args...)
		if err != nil && ctx.Err() == nil {
			s.log.Warn(what+": the chain refused; not trying again", append(args, "err", err)...)
		}
	})
}

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
			if _, err := qt.PushOpenRequests(open, fitsAsk(tx)); err != nil {
				return err
			}
		}
		return markLookedBack(tx, pending)
	})
}

// openRequests lists the ledger's requests still waiting for hosts at
// chain time now that fits takes, each with the slots nobody holds.
func openRequests(tx *persist.Tx, now uint64, fits func(contracts.Ask) bool) ([]queue.OpenRequest, error) {
	var open []queue.OpenRequest
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
		open = append(open, queue.OpenRequest{RequestID: contracts.RequestID(r.RequestID), Ask: ask, Expiry: r.Expiry, Free: free})
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
