package txmgr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/persist"
)

// Send implements contracts.Sender; see the package comment. It returns when
// the transaction is mined or ctx ends; in the latter case the transaction
// stays pending (the background loop keeps after it), and a later Send of
// the same purpose picks it up.
func (m *Manager) Send(ctx context.Context, purpose string, to *common.Address, data []byte) (*types.Receipt, error) {
	if purpose == "" {
		return nil, errors.New("txmgr: empty purpose")
	}
	for attempt := 0; ; attempt++ {
		rc, err := m.send(ctx, purpose, to, data)
		if !errors.Is(err, ErrReplaced) || attempt == 2 {
			return rc, err
		}
		m.log.Warn("transaction's nonce was used by another transaction; sending anew", "purpose", purpose, "err", err)
	}
}

func (m *Manager) send(ctx context.Context, purpose string, to *common.Address, data []byte) (*types.Receipt, error) {
	m.mu.Lock()
	started := m.started
	m.mu.Unlock()
	if !started {
		return nil, ErrNotStarted
	}
	unlock := m.purposes.lock(purpose)
	rec, err := m.record(purpose)
	switch {
	case errors.Is(err, persist.ErrNotFound) || err == nil && (rec.Status == persist.TxReplaced || rec.Status == persist.TxAbandoned):
		if rec, err = m.create(ctx, purpose, to, data); err != nil {
			unlock()
			return nil, fmt.Errorf("%s: %w", purpose, err)
		}
		m.send1(ctx, &rec)
	case err != nil:
		unlock()
		return nil, fmt.Errorf("%s: %w", purpose, err)
	case m.mustResend(rec):
		// Its owner sends it again (a payout still waiting): a failed
		// receipt would only be handed back to it for ever.
		if err := m.resendIfStillFailed(ctx, &rec); err != nil {
			unlock()
			return nil, fmt.Errorf("%s: %w", purpose, err)
		}
	case rec.Status == persist.TxMined || rec.Status == persist.TxFailed:
		rc, err := m.recheck(ctx, &rec)
		if rc != nil || err != nil {
			unlock()
			if err != nil {
				return rc, fmt.Errorf("%s: %w", purpose, err)
			}
			return rc, nil
		}
	}
	unlock()
	return m.wait(ctx, purpose)
}

// recheck looks again at a settled (mined or failed) record: with its
// receipt still on the chain it returns that and the outcome; otherwise a
// reorganisation took the block out and the record goes back to pending
// (rc nil).
func (m *Manager) recheck(ctx context.Context, rec *persist.TxRecord) (*types.Receipt, error) {
	rc, hash, err := m.receipt(ctx, rec)
	if err != nil {
		return nil, err
	}
	if rc == nil {
		return nil, m.repend(ctx, rec)
	}
	return rc, m.outcome(ctx, rec, hash, rc)
}

// wait tends purpose's pending record until it is settled or ctx ends.
func (m *Manager) wait(ctx context.Context, purpose string) (*types.Receipt, error) {
	m.mu.Lock()
	m.waiting[purpose]++
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		if m.waiting[purpose]--; m.waiting[purpose] == 0 {
			delete(m.waiting, purpose)
		}
		m.mu.Unlock()
	}()
	t := time.NewTicker(m.cfg.PollInterval)
	defer t.Stop()
	for {
		unlock := m.purposes.lock(purpose)
		rec, err := m.record(purpose)
		var rc *types.Receipt
		done := false
		switch {
		case err != nil:
		case rec.Status == persist.TxPending:
			var mined uint64
			if mined, err = m.minedNonce(ctx); err == nil {
				rc, done, err = m.tend(ctx, &rec, mined)
			}
		case rec.Status == persist.TxReplaced || rec.Status == persist.TxAbandoned:
			done, err = true, ErrReplaced
		default:
			// Settled by the background loop meanwhile.
			rc, err = m.recheck(ctx, &rec)
			done = rc != nil
		}
		unlock()
		if done {
			if err != nil && !errors.Is(err, ErrReplaced) {
				err = fmt.Errorf("%s: %w", purpose, err)
			}
			return rc, err
		}
		if err != nil && ctx.Err() == nil {
			m.log.Debug("pending transaction: check failed, will retry", "purpose", purpose, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: transaction %s (nonce %d) still pending; it is kept and will be picked up by the next Send: %w",
				purpose, common.Hash(rec.Hash), rec.Nonce, ctx.Err())
		case <-t.C:
		}
	}
}

// repend puts a mined record whose receipt is gone (a reorg took its block
// out) back to pending: the same signed transaction is waited for and
// rebroadcast, the pool having usually taken it back already; unless
// regas finds it needs more gas now, and re-signs it at its nonce.
func (m *Manager) repend(ctx context.Context, rec *persist.TxRecord) error {
	if m.foreign(*rec) {
		// Another key's nonce: never waited on or bumped with this key.
		m.log.Warn("mined transaction of the previous key left the chain; abandoned", "purpose", rec.Purpose, "hash", common.Hash(rec.Hash))
		rec.Status, rec.Block, rec.Settled = persist.TxAbandoned, 0, time.Now().UTC()
		return m.put(ctx, *rec)
	}
	if len(rec.Raw) == 0 {
		m.log.Error("mined transaction left the chain after its record was compacted (a reorg deeper than KeepRawDepth); not sending it again",
			"purpose", rec.Purpose, "hash", common.Hash(rec.Hash), "block", rec.Block, "keepRawDepth", m.cfg.KeepRawDepth)
		return fmt.Errorf("transaction %s left the chain from block %d, deeper than KeepRawDepth %d: %w", common.Hash(rec.Hash), rec.Block, m.cfg.KeepRawDepth, errTooDeep)
	}
	m.log.Warn("mined transaction left the chain; waiting for it again", "purpose", rec.Purpose, "hash", common.Hash(rec.Hash))
	if err := m.regas(ctx, rec); err != nil {
		m.log.Warn("reorganised-out transaction not re-estimated; its signed bytes go out again as they are", "purpose", rec.Purpose, "err", err)
	}
	rec.Status, rec.Block, rec.Sent, rec.Settled = persist.TxPending, 0, time.Now().UTC(), time.Time{} // the bump timer restarts
	rec.Reorged++
	if err := m.put(ctx, *rec); err != nil {
		return err
	}
	m.mu.Lock()
	m.pending[rec.Purpose] = struct{}{}
	m.mu.Unlock()
	return nil
}

// send1 broadcasts rec's latest signing and schedules the next broadcast:
// after RebroadcastInterval, or sooner if this one failed.
func (m *Manager) send1(ctx context.Context, rec *persist.TxRecord) {
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(rec.Raw); err != nil {
		m.log.Error("stored transaction does not decode", "purpose", rec.Purpose, "err", err)
		return
	}
	err := m.cfg.Client.SendTransaction(ctx, tx)
	again := m.cfg.RebroadcastInterval
	if err != nil && !matches(err, "already known", "alreadyknown", "known transaction") {
		again = min(again, 5*m.cfg.PollInterval)
	}
	m.mu.Lock()
	m.broadcast[rec.Purpose] = time.Now().Add(again)
	delete(m.sentHead, rec.Purpose) // the next poll's head counts for it
	m.mu.Unlock()
	switch {
	case err == nil:
		m.log.Debug("transaction broadcast", "purpose", rec.Purpose, "hash", tx.Hash(), "nonce", tx.Nonce())
	case matches(err, "already known", "alreadyknown", "known transaction"):
	case matches(err, "nonce too low", "noncetoolow", "oldnonce", "nonce is too low"):
		// Settled by the receipt and nonce checks of the next tend.
		m.log.Debug("broadcast: nonce already used", "purpose", rec.Purpose, "hash", tx.Hash())
	case matches(err, "insufficient funds"):
		m.log.Error("broadcast refused: the account cannot pay for the transaction; fund it",
			"purpose", rec.Purpose, "account", m.from, "hash", tx.Hash(), "err", err)
	default:
		m.log.Warn("broadcast failed; will retry", "purpose", rec.Purpose, "hash", tx.Hash(), "err", err)
	}
}

func matches(err error, subs ...string) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range subs {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
