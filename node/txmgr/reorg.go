package txmgr

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/retry"
)

// Reorged tells the manager that the chain reorganised (the node calls it
// when its ingestor rolls back). The loop then looks for reorganised-out
// transactions at once rather than at its next RebroadcastInterval: a
// provider that does not return them to its pool (anvil) leaves a nonce
// gap that every later transaction of the account waits behind. It never
// blocks.
func (m *Manager) Reorged() {
	select {
	case m.reorged <- struct{}{}:
	default: // a look is due already
	}
}

// regas re-estimates a reorganised-out (or pending) transaction where it will land now
// and, when that needs more gas than it was signed with (the state it was
// estimated on is gone: another host's payout that made ours the cheaper
// one, say), re-signs it at the same nonce with the fresh gas and fees
// raised as a bump raises them, so that it replaces a copy a pool took
// back. The old hash stays in Previous: whichever signing is mined is
// found, and their shared nonce lets only one be. When the estimate fails
// or MaxFeeCap leaves no room, the old signing is kept, so that the nonce
// is still filled; its outcome goes to Send or to resendFailed.
func (m *Manager) regas(ctx context.Context, rec *persist.TxRecord) error {
	old := new(types.Transaction)
	if err := old.UnmarshalBinary(rec.Raw); err != nil {
		return fmt.Errorf("stored transaction does not decode: %w", err)
	}
	gas, err := m.cfg.Client.EstimateGas(ctx, ethereum.CallMsg{From: m.from, To: old.To(), Data: old.Data(), Value: old.Value()})
	if err != nil {
		return fmt.Errorf("estimate gas again: %w", err)
	}
	gas += gas * uint64(m.cfg.GasMarginPercent) / 100
	if gas <= old.Gas() {
		return nil // its gas still covers it: the same signed bytes go out
	}
	tip, feeCap, ok, err := m.raisedFees(ctx, old)
	if err != nil || !ok {
		return err
	}
	next, err := m.resign(rec, old, gas, tip, feeCap)
	if err != nil {
		return err
	}
	m.log.Warn("reorganised-out transaction needs more gas where it lands now; re-signed at its nonce",
		"purpose", rec.Purpose, "nonce", old.Nonce(), "old", common.Hash(rec.Hash), "new", common.Hash(next.Hash),
		"gas", gas, "oldGas", old.Gas())
	*rec = next
	return nil
}

// resign signs old's call at its nonce with gas and fees, keeping every
// earlier hash in Previous; nothing is stored.
func (m *Manager) resign(rec *persist.TxRecord, old *types.Transaction, gas uint64, tip, feeCap *big.Int) (persist.TxRecord, error) {
	signed, err := signAt(m, old, gas, tip, feeCap)
	if err != nil {
		return persist.TxRecord{}, err
	}
	next, err := recordOf(rec.Purpose, m.from, signed)
	if err != nil {
		return persist.TxRecord{}, err
	}
	next.Previous = append(append([]persist.ID(nil), rec.Previous...), rec.Hash)
	next.Reorged = rec.Reorged
	return next, nil
}

func signAt(m *Manager, old *types.Transaction, gas uint64, tip, feeCap *big.Int) (*types.Transaction, error) {
	signed, err := types.SignNewTx(m.cfg.Key, m.signer, &types.DynamicFeeTx{
		ChainID: m.chainID, Nonce: old.Nonce(), GasTipCap: tip, GasFeeCap: feeCap, Gas: gas,
		To: old.To(), Value: old.Value(), Data: old.Data(),
	})
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return signed, nil
}

// mustResend: rec's transaction was mined, taken out by a reorganisation
// and has now failed where it landed again, and its purpose is one its
// owner declared must happen (Config.Resend). Its sender acted on the
// first success and will not send it again.
func (m *Manager) mustResend(rec persist.TxRecord) bool {
	return rec.Status == persist.TxFailed && rec.Reorged > 0 && m.cfg.Resend != nil && m.cfg.Resend(rec.Purpose) &&
		len(rec.Raw) > 0 && !m.foreign(rec)
}

// resendFailed sends rec's call anew (fresh nonce, gas and fees) after
// mustResend; the caller holds its purpose lock. The failed transaction
// had no effect, so this cannot double one; the estimate is the
// contract's own check that the purpose is still to be done. When the
// chain refuses it for good, that is surfaced as an error, for the
// operator: the purpose's owner has moved on. A refusal that time lifts
// (Config.NotYet) or an RPC failure leaves it owed, tried again each poll.
func (m *Manager) resendFailed(ctx context.Context, rec *persist.TxRecord, failure error) error {
	old := new(types.Transaction)
	if err := old.UnmarshalBinary(rec.Raw); err != nil {
		return fmt.Errorf("stored transaction does not decode: %w", err)
	}
	if old.Value().Sign() != 0 {
		return errors.New("a transaction carrying ether is not sent anew")
	}
	reorged := rec.Reorged
	next, err := m.create(ctx, rec.Purpose, old.To(), old.Data())
	if err != nil {
		m.oweOrGiveUp(rec, failure, err)
		return err
	}
	next.Reorged = reorged
	if err := m.put(ctx, next); err != nil {
		m.owe(rec.Purpose, true)
		return err
	}
	m.owe(rec.Purpose, false)
	m.log.Warn("a transaction that must happen was reorganised out and reverted where it landed again; sent anew",
		"purpose", rec.Purpose, "failed", common.Hash(rec.Hash), "new", common.Hash(next.Hash), "nonce", next.Nonce, "revert", failure)
	*rec = next
	m.send1(ctx, rec)
	return nil
}

// resendIfStillFailed is resendFailed for a Send of rec's purpose, once
// its failed receipt is read again; with the receipt gone (taken out once
// more) it goes back to pending like any settled record.
func (m *Manager) resendIfStillFailed(ctx context.Context, rec *persist.TxRecord) error {
	rc, hash, err := m.receipt(ctx, rec)
	switch {
	case err != nil:
		return err
	case rc == nil:
		return m.repend(ctx, rec)
	case rc.Status == types.ReceiptStatusSuccessful:
		return nil // the record lagged; wait settles it
	}
	return m.resendFailed(ctx, rec, m.outcome(ctx, rec, hash, rc))
}

// reestimatePending runs after a reorganisation over the records still
// pending: the state their gas was estimated on may have left with it (a
// payout signed just before another host's left the chain), and a pool
// that drops what it held (anvil) lost them. Each is re-estimated (regas),
// counted as having lived through a reorg (so that a must-happen purpose
// that fails is sent anew), and rebroadcast at the next tend.
func (m *Manager) reestimatePending(ctx context.Context) {
	m.mu.Lock()
	purposes := make([]string, 0, len(m.pending))
	for p := range m.pending {
		purposes = append(purposes, p)
		delete(m.broadcast, p)
	}
	m.mu.Unlock()
	for _, p := range purposes {
		if ctx.Err() != nil {
			return
		}
		unlock := m.purposes.lock(p)
		rec, err := m.record(p)
		if err == nil && rec.Status == persist.TxPending && len(rec.Raw) > 0 && !m.foreign(rec) {
			if err := m.regas(ctx, &rec); err != nil {
				m.log.Debug("pending transaction not re-estimated after a reorg", "purpose", p, "err", err)
			}
			rec.Reorged++
			err = m.put(ctx, rec)
		}
		unlock()
		if err != nil && ctx.Err() == nil {
			m.log.Warn("pending transaction not updated after a reorg", "purpose", p, "err", err)
		}
	}
}

// owe adds purpose to the must-happen records whose resend is still to
// be made (or, with yes false, takes it off), and reports whether it was
// owed before.
func (m *Manager) owe(purpose string, yes bool) (before bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, before = m.owed[purpose]
	if yes {
		m.owed[purpose] = struct{}{}
	} else {
		delete(m.owed, purpose)
	}
	return before
}

// oweOrGiveUp judges the chain's refusal (err) to send rec anew: a
// refusal time lifts (a payout landed before its request's end on the
// branch it landed on) or an RPC failure keeps it owed; any other is the
// chain's final word.
func (m *Manager) oweOrGiveUp(rec *persist.TxRecord, failure, err error) {
	later := !retry.IsFinal(err) && !errors.Is(err, contracts.ErrReverted) || m.cfg.NotYet != nil && m.cfg.NotYet(err)
	if m.owe(rec.Purpose, later) && later {
		return // said when it was first owed; each poll's retry would repeat it
	}
	if later {
		m.log.Warn("a transaction that must happen was reorganised out and reverted where it landed again; the chain does not take it yet, so it is tried again each poll",
			"purpose", rec.Purpose, "hash", common.Hash(rec.Hash), "revert", failure, "err", err)
		return
	}
	m.log.Error("a transaction that must happen was reorganised out and reverted where it landed again; the chain refuses it now, so it is not sent anew",
		"purpose", rec.Purpose, "hash", common.Hash(rec.Hash), "revert", failure, "err", err)
}

// tendOwed tries each owed resend again: with its receipt read anew (a
// further reorganisation may have settled it), then sent anew if the
// chain takes it now.
func (m *Manager) tendOwed(ctx context.Context) {
	m.mu.Lock()
	owed := make([]string, 0, len(m.owed))
	for p := range m.owed {
		owed = append(owed, p)
	}
	m.mu.Unlock()
	for _, p := range owed {
		if ctx.Err() != nil {
			return
		}
		unlock := m.purposes.lock(p)
		rec, err := m.record(p)
		switch {
		case err == nil && m.mustResend(rec):
			if m.resendIfStillFailed(ctx, &rec) == nil {
				m.owe(p, false) // sent anew, pending again or settled after all
			}
		case err == nil || errors.Is(err, persist.ErrNotFound):
			m.owe(p, false) // sent anew by a Send, or pruned
		}
		unlock()
	}
}
