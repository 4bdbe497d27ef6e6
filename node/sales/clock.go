package sales

import (
	"errors"
	"fmt"
	"strings"

	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/persist"
)

// Committed takes the head the ingestor has just committed, and ends the
// sales that the chain's time or the ledger has ended.
func (s *Sales) Committed(head persist.Head) {
	s.head.Store(&head)
	s.endStaleSales(head)
	s.sched.notify(head)
}

// verdict is what the ledger says of a sale before its fill: kind names
// the chain fact as fsm's Reactions do ("" for nothing).
type verdict struct {
	slot   persist.ID
	kind   string
	detail string
}

// endStaleSales tells every agent before its fill (Preparing, Downloading,
// InitialProving, Filling) what the ledger says at head: its request
// expired, was cancelled, failed or started without it, or another host
// filled its slot. No event need have said so: a request that expires
// unfilled emits RequestCancelled only at its first settlement, which may
// never come. The agent's running side effect (a download from a provider
// that never answers, say) is interrupted, the sale ends, and its worker
// and bytes are free. A request the ledger does not know (posted before
// the store had one) is left to the side effects' own chain reads.
func (s *Sales) endStaleSales(head persist.Head) {
	var sales []fsm.Info
	for _, a := range s.agents.List() {
		if fsm.BeforeFill(a.State) {
			sales = append(sales, a)
		}
	}
	if len(sales) == 0 {
		return
	}
	me := s.cfg.Market.Account().Hex()
	var verdicts []verdict
	err := s.cfg.Store.View(func(tx *persist.Tx) error {
		for _, a := range sales {
			v, err := judge(tx, a.Agent, head, me)
			if err != nil {
				return err
			}
			if v.kind != "" {
				verdicts = append(verdicts, v)
			}
		}
		return nil
	})
	if err != nil {
		s.log.Warn("could not read the ledger for the sales in progress; the next block tries again", "err", err)
		return
	}
	for _, v := range verdicts {
		s.agents.Tell(v.slot, v.kind, head.Number, v.detail)
	}
}

// judge reads what the ledger says of one sale at head.
func judge(tx *persist.Tx, a persist.Agent, head persist.Head, me string) (verdict, error) {
	r, err := tx.LedgerRequest(a.RequestID)
	if errors.Is(err, persist.ErrNotFound) {
		return verdict{}, nil
	}
	if err != nil {
		return verdict{}, err
	}
	v := verdict{slot: a.SlotID}
	switch r.State(head.Time) {
	case persist.LedgerCancelled:
		v.kind = fsm.ChainRequestCancelled
		v.detail = fmt.Sprintf("request cancelled (expiry %d, chain time %d at block %d)", r.Expiry, head.Time, head.Number)
		if r.Cancelled {
			v.detail = fmt.Sprintf("request cancelled (ledger, block %d)", r.Block)
		}
		return v, nil
	case persist.LedgerFailed:
		v.kind, v.detail = fsm.ChainRequestFailed, fmt.Sprintf("request failed (ledger, block %d)", r.Block)
		return v, nil
	}
	sl, err := tx.LedgerSlot(a.RequestID, a.SlotIndex)
	if errors.Is(err, persist.ErrNotFound) {
		return verdict{}, nil
	}
	if err != nil {
		return verdict{}, err
	}
	if sl.Filled && sl.Host != "" && !strings.EqualFold(sl.Host, me) {
		v.kind, v.detail = fsm.ChainSlotFilled, fmt.Sprintf("filled by %s (ledger, block %d)", sl.Host, sl.Block)
		return v, nil
	}
	return verdict{}, nil
}
