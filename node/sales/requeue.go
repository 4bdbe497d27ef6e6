package sales

import (
	"context"
	"strings"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/queue"
)

// A slot one of our agents gave up goes back in the queue when nobody
// holds it on chain.

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
		_, err := pushFreed(qt, request, index, ask, fa.expiry, fitsAsk(tx))
		return err
	})
}
