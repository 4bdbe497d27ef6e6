package txmgr

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/retry"
)

func (m *Manager) loop(ctx context.Context) {
	defer close(m.done)
	t := time.NewTicker(m.cfg.PollInterval)
	defer t.Stop()
	var pruned, revived, compacted time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.tendAll(ctx)
		case <-m.reorged:
			m.reestimatePending(ctx)
			revived = time.Time{}
		}
		if time.Since(compacted) >= 10*m.cfg.PollInterval {
			if err := m.compactSettled(ctx); err != nil && ctx.Err() == nil {
				m.log.Debug("compacting settled tx records failed; will retry", "err", err)
			}
			compacted = time.Now()
		}
		if m.cfg.Retain > 0 && time.Since(pruned) >= min(m.cfg.Retain/2, 10*time.Minute) {
			m.prune(ctx)
			pruned = time.Now()
		}
		if time.Since(revived) >= m.cfg.RebroadcastInterval {
			if err := m.reviveOrphans(ctx); err != nil && ctx.Err() == nil {
				m.log.Debug("looking for reorganised-out transactions failed; will retry", "err", err)
			}
			revived = time.Now()
			m.tendAll(ctx) // rebroadcast what was revived without waiting a poll
		}
	}
}

// tendAll looks after every pending record once.
func (m *Manager) tendAll(ctx context.Context) {
	m.mu.Lock()
	purposes := make([]string, 0, len(m.pending))
	var waited []string // a Send tends these; the stall check looks at them too
	for p := range m.pending {
		if m.waiting[p] == 0 {
			purposes = append(purposes, p)
		} else {
			waited = append(waited, p)
		}
	}
	m.mu.Unlock()
	if len(purposes)+len(waited) > 0 {
		// One head read a poll ages the log-confirmed records.
		_, _ = m.minedNonce(ctx)
	}
	var failed error
	stalled := ""
	for _, p := range purposes {
		if ctx.Err() != nil {
			return
		}
		unlock := m.purposes.lock(p)
		rec, err := m.record(p)
		if err == nil && rec.Status == persist.TxPending && stalled == "" && m.stalled(rec) {
			stalled = p
		}
		switch {
		case err == nil && rec.Status != persist.TxPending:
			m.settledUnlessUnlogged(&rec) // by its log, or by a Send
		case err == nil && m.leftToLog(rec):
			m.rebroadcastIfDue(ctx, &rec)
		case err == nil:
			m.mu.Lock()
			delete(m.unlogged, p)
			m.mu.Unlock()
			var mined uint64
			if mined, err = m.minedNonce(ctx); err == nil {
				_, _, err = m.tend(ctx, &rec, mined)
			}
			if (retry.IsFinal(err) || errors.Is(err, contracts.ErrReverted)) && m.mustResend(rec) {
				if m.resendFailed(ctx, &rec, err) == nil {
					err = nil
				}
			}
		}
		unlock()
		switch {
		case err == nil, errors.Is(err, ErrReplaced):
		case retry.IsFinal(err), errors.Is(err, contracts.ErrReverted):
			// The chain's answer, not trouble: a resent transaction
			// nobody waits for (one a reorganisation took out) may revert.
			m.log.Warn("transaction reverted", "purpose", p, "err", err)
		case failed == nil:
			failed = fmt.Errorf("%s: %w", p, err)
		}
	}
	m.trouble.Note(m.log, failed, "pending", len(purposes))
	m.tendOwed(ctx)
	for _, p := range waited {
		if stalled != "" {
			break
		}
		if rec, err := m.record(p); err == nil && rec.Status == persist.TxPending && m.stalled(rec) {
			stalled = p
		}
	}
	if stalled != "" {
		m.log.Warn("the account's next nonce is not mined blocks after its broadcast; taking the provider's pool for lost (a reorganisation the node did not see?) and sending every pending transaction again",
			"purpose", stalled)
		m.mu.Lock()
		clear(m.sentHead) // each pending record is timed again from its resend
		m.mu.Unlock()
		m.Reorged()
	}
}

// tend looks after one pending record (the caller holds its purpose lock):
// it settles it by receipt or by nonce (mined, from minedNonce read before
// this call), or bumps or rebroadcasts it when due. done reports that the
// record is settled; rc and err are then what Send returns (err is
// ErrReplaced if the nonce went to another transaction).
func (m *Manager) tend(ctx context.Context, rec *persist.TxRecord, mined uint64) (rc *types.Receipt, done bool, err error) {
	rc, hash, err := m.receipt(ctx, rec)
	if err != nil {
		return nil, false, err
	}
	if rc != nil {
		rec.Status, rec.Block, rec.Settled = persist.TxMined, rc.BlockNumber.Uint64(), time.Now().UTC()
		if rc.Status != types.ReceiptStatusSuccessful {
			rec.Status = persist.TxFailed
		}
		if err := m.put(ctx, *rec); err != nil {
			return nil, false, err
		}
		m.settled(rec)
		m.log.Info("transaction mined", "purpose", rec.Purpose, "hash", hash, "block", rec.Block, "status", rec.Status)
		return rc, true, m.outcome(ctx, rec, hash, rc)
	}
	if mined > rec.Nonce {
		rec.Status, rec.Settled = persist.TxReplaced, time.Now().UTC()
		if err := m.put(ctx, *rec); err != nil {
			return nil, false, err
		}
		m.settled(rec)
		m.log.Warn("transaction's nonce was used by another transaction; it can never be mined",
			"purpose", rec.Purpose, "nonce", rec.Nonce, "hash", common.Hash(rec.Hash))
		return nil, true, fmt.Errorf("%s: nonce %d: %w", rec.Purpose, rec.Nonce, ErrReplaced)
	}
	if time.Since(rec.Sent) >= m.cfg.BumpAfter {
		bumped, err := m.bump(ctx, rec)
		if err != nil {
			return nil, false, err
		}
		if bumped {
			m.send1(ctx, rec)
			return nil, false, nil
		}
	}
	m.rebroadcastIfDue(ctx, rec)
	return nil, false, nil
}

// rebroadcastIfDue sends rec again when its broadcast is due.
func (m *Manager) rebroadcastIfDue(ctx context.Context, rec *persist.TxRecord) {
	m.mu.Lock()
	due := m.broadcast[rec.Purpose]
	m.mu.Unlock()
	if !time.Now().Before(due) {
		m.send1(ctx, rec)
	}
}

func (m *Manager) settled(rec *persist.TxRecord) {
	m.mu.Lock()
	delete(m.pending, rec.Purpose)
	delete(m.broadcast, rec.Purpose)
	delete(m.signedAt, rec.Purpose)
	delete(m.sentHead, rec.Purpose)
	if compactable(*rec) {
		m.compact[rec.Purpose] = rec.Block
	}
	m.mu.Unlock()
}

// bump re-signs rec at the same nonce with both fees raised by BumpPercent
// (and at least to what a new transaction would pay now), and stores it
// with the old hash kept in Previous. It reports false when MaxFeeCap
// leaves no room for a valid replacement.
func (m *Manager) bump(ctx context.Context, rec *persist.TxRecord) (bool, error) {
	old := new(types.Transaction)
	if err := old.UnmarshalBinary(rec.Raw); err != nil {
		return false, fmt.Errorf("stored transaction does not decode: %w", err)
	}
	tip, feeCap, ok, err := m.raisedFees(ctx, old)
	if err != nil {
		return false, err
	}
	if !ok {
		m.log.Warn("transaction is stuck but MaxFeeCap leaves no room to bump it; waiting another BumpAfter",
			"purpose", rec.Purpose, "feeCap", old.GasFeeCap(), "maxFeeCap", m.cfg.MaxFeeCap)
		rec.Sent = time.Now().UTC()
		return false, m.put(ctx, *rec)
	}
	next, err := m.resign(rec, old, old.Gas(), tip, feeCap)
	if err != nil {
		return false, err
	}
	if err := m.put(ctx, next); err != nil {
		return false, err
	}
	m.log.Warn("transaction not mined in time; replaced with higher fees at the same nonce",
		"purpose", rec.Purpose, "nonce", old.Nonce(), "old", common.Hash(rec.Hash), "new", common.Hash(next.Hash),
		"tip", tip, "feeCap", feeCap, "after", m.cfg.BumpAfter)
	*rec = next
	return true, nil
}

// raisedFees are the fees a replacement of old at its nonce signs with:
// both raised by BumpPercent, and at least what a new transaction would
// pay now. ok is false when MaxFeeCap leaves no room for a valid
// replacement.
func (m *Manager) raisedFees(ctx context.Context, old *types.Transaction) (tip, feeCap *big.Int, ok bool, err error) {
	tipNow, capNow, err := m.fees(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	raise := func(x *big.Int) *big.Int {
		y := new(big.Int).Mul(x, big.NewInt(int64(100+m.cfg.BumpPercent)))
		y.Div(y, big.NewInt(100))
		return y.Add(y, big.NewInt(1)) // integer division must not land below +10%
	}
	tip = bigMax(raise(old.GasTipCap()), tipNow)
	feeCap = bigMax(raise(old.GasFeeCap()), capNow, tip)
	if c := m.cfg.MaxFeeCap; c != nil && feeCap.Cmp(c) > 0 {
		if raise(old.GasFeeCap()).Cmp(c) > 0 {
			return nil, nil, false, nil
		}
		feeCap = new(big.Int).Set(c)
		if tip.Cmp(feeCap) > 0 {
			tip = new(big.Int).Set(feeCap)
		}
	}
	return tip, feeCap, true, nil
}

func bigMax(xs ...*big.Int) *big.Int {
	r := xs[0]
	for _, x := range xs[1:] {
		if x.Cmp(r) > 0 {
			r = x
		}
	}
	return new(big.Int).Set(r)
}
