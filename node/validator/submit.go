package validator

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// Submitter sends a round's marks without waiting for them to be mined
// and settles them from their ProofMarkedMissing logs, inside the
// ingestor's store transaction; *txmgr.Manager is one.
type Submitter interface {
	SubmitAll(ctx context.Context, calls []txmgr.Call) []error
	Estimate(ctx context.Context, c txmgr.Call) (uint64, error)
	SettledByOwnLog(tx *persist.Tx, purpose string, txHash common.Hash, block uint64) (ours bool, err error)
	RevertedOwnLog(tx *persist.Tx, purpose string, txHash common.Hash, block uint64) (ours bool, err error)
}

// markPurpose is a mark's tx record purpose: the one
// EthMarket.MarkProofAsMissing uses, so neither path sends a mark twice.
func markPurpose(slot contracts.SlotID, period uint64) string {
	return fmt.Sprintf("mark:%s:%d", slot.Hex(), period)
}

var marketABI = bindings.NewMarketplace()

// candidate is a slot the status read found markable.
type candidate struct {
	slot contracts.SlotID
	// frees: this mark is the slot's last allowed slash, so it also
	// frees the slot (and may fail the request), costing more gas than a
	// plain mark.
	frees bool
}

// frees reports whether marking st's slot frees it; unknown (no
// MaxNumberOfSlashes) counts as yes, which only costs an estimate.
func (v *Validator) frees(st contracts.SlotStatus) bool {
	most := uint64(v.cfg.Collateral.MaxNumberOfSlashes)
	return most == 0 || st.MissingProofs+1 >= most
}

// submitMarks sends the marks of period for cands together and returns
// the decided slots, as markAll does. Fees and the nonce are read once
// for all of them (SubmitAll), and one gas estimate serves every plain
// mark: the status read has just said the contract accepts each, which is
// all a mark's own estimate would tell, and plain marks run the same
// code. A mark that frees its slot runs more and is estimated alone. A
// sent mark is decided; its success is counted when its log arrives
// (Apply).
func (v *Validator) submitMarks(ctx context.Context, cands []candidate, period uint64) map[contracts.SlotID]bool {
	decided := make(map[contracts.SlotID]bool, len(cands))
	calls := make([]txmgr.Call, 0, len(cands))
	slots := make([]contracts.SlotID, 0, len(cands))
	var plain uint64 // the gas limit of a plain mark, once estimated
	searching := true
	for _, c := range cands {
		call := txmgr.Call{Purpose: markPurpose(c.slot, period), To: &v.cfg.Market,
			Data: marketABI.PackMarkProofAsMissing(c.slot, new(big.Int).SetUint64(period))}
		if !c.frees && searching {
			gas, err := v.cfg.Submitter.Estimate(ctx, call)
			if err != nil {
				if keep, ok := verdict(err); ok {
					decided[c.slot] = keep // the chain moved since the read
					continue
				}
				// Trouble, not the contract's verdict: the rest are
				// estimated one by one, as SubmitAll does by default.
				v.cfg.Log.Warn("mark gas estimate failed; estimating each mark", "slotId", c.slot, "period", period, "err", err)
				searching = false
			} else {
				// Headroom over the estimate's margin for what differs
				// between plain marks (the first reward a validator gets
				// creates its token balance).
				plain, searching = gas+gas/4, false
			}
		}
		if !c.frees {
			call.Gas = plain
		}
		calls = append(calls, call)
		slots = append(slots, c.slot)
	}
	if len(calls) == 0 {
		return decided
	}
	for i, err := range v.cfg.Submitter.SubmitAll(ctx, calls) {
		if err == nil {
			decided[slots[i]] = true
			continue
		}
		if keep, ok := verdict(err); ok {
			decided[slots[i]] = keep
			continue
		}
		v.cfg.Log.Warn("mark proof missing not sent; will retry", "slotId", slots[i], "period", period, "err", err)
	}
	return decided
}

// verdict turns a mark's contract error into a decision: ok reports one
// (keep false: the slot is no longer filled, stop watching it).
func verdict(err error) (keep, ok bool) {
	switch {
	case errors.Is(err, contracts.ErrSlotNotFilled):
		return false, true // ended, or freed
	case settled(err):
		return true, true
	}
	return false, false
}

// markLogs is what Prepare hands the ingestor for a batch with
// ProofMarkedMissing logs: Apply and Revert note the marks of ours among
// them, and Join (the ingestor's chain.Joiner) counts those once the
// batch has committed, so an aborted or retried transaction counts
// nothing twice.
type markLogs struct {
	v    *Validator
	seen []markLog
}

type markLog struct {
	slot   contracts.SlotID
	period uint64
	reward *big.Int // nil: unknown
	undone bool     // its block left the chain
}

// Join runs the ingestor's transaction and then counts the marks it
// confirmed or took back.
func (b *markLogs) Join(ctx context.Context, update func(context.Context, func(*persist.Tx) error) error, fn func(*persist.Tx) error) error {
	if err := update(ctx, func(tx *persist.Tx) error {
		b.seen = b.seen[:0]
		return fn(tx)
	}); err != nil {
		return err
	}
	v := b.v
	for _, m := range b.seen {
		v.mu.Lock()
		if m.undone {
			v.marks--
			if m.reward != nil {
				v.rewards.Sub(&v.rewards, m.reward)
			}
		} else {
			v.marks++
			if m.reward != nil {
				v.rewards.Add(&v.rewards, m.reward)
			}
		}
		v.mu.Unlock()
		if m.undone {
			v.cfg.Log.Warn("a mark of ours left the chain with its block", "slotId", m.slot, "period", m.period)
			continue
		}
		v.cfg.Log.Info("marked proof missing", "slotId", m.slot, "period", m.period, "reward", m.reward)
		if v.cfg.OnMark != nil {
			v.cfg.OnMark(m.slot, m.period)
		}
	}
	return nil
}

// ownMark settles the tx record of a mark of ours that e confirms (or,
// undone, takes back) and notes it for Join; another account's mark is
// none of ours.
func (v *Validator) ownMark(tx *persist.Tx, e *contracts.ProofMarkedMissing, prepared any, undone bool) error {
	b, _ := prepared.(*markLogs)
	if b == nil {
		return nil
	}
	purpose := markPurpose(e.SlotID, e.Period)
	settle := v.cfg.Submitter.SettledByOwnLog
	if undone {
		settle = v.cfg.Submitter.RevertedOwnLog
	}
	ours, err := settle(tx, purpose, e.TxHash, e.Block)
	if err != nil || !ours {
		return err
	}
	reward, err := v.rewardOf(tx, e.SlotID)
	if err != nil {
		return err
	}
	b.seen = append(b.seen, markLog{slot: e.SlotID, period: e.Period, reward: reward, undone: undone})
	return nil
}

// rewardOf is what a mark of slot pays the validator, as the contract
// computes it from the request's ask (in the ledger, which the ingestor
// applies first and reverts last) and the collateral config; nil when the
// ledger does not hold the request (the cursor started after it).
func (v *Validator) rewardOf(tx *persist.Tx, slot contracts.SlotID) (*big.Int, error) {
	w, err := tx.WatchedSlot(persist.ID(slot))
	if errors.Is(err, persist.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("watched slot %s: %w", slot, err)
	}
	r, err := tx.LedgerRequest(w.RequestID)
	if errors.Is(err, persist.ErrNotFound) || err == nil && r.CollateralPerByte == nil {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("ledger request %s: %w", contracts.RequestID(w.RequestID), err)
	}
	c := v.cfg.Collateral
	amount := new(big.Int).Mul(r.CollateralPerByte, new(big.Int).SetUint64(r.SlotSize))
	amount.Mul(amount, big.NewInt(int64(c.SlashPercentage))).Div(amount, big.NewInt(100))
	return amount.Mul(amount, big.NewInt(int64(c.ValidatorRewardPercentage))).Div(amount, big.NewInt(100)), nil
}
