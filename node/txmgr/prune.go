package txmgr

import (
	"context"
	"errors"
	"time"

	"github.com/slotd/slotd/persist"
)

const (
	// pruneScan bounds the purposes one pass collects, so a store that
	// grew before pruning existed is worked off over several passes
	// without holding them all in memory.
	pruneScan = 10_000
	// pruneBatch is how many records one transaction deletes.
	pruneBatch = 500
)

var errScanFull = errors.New("prune scan full")

// prune deletes the settled records older than Retain. Each batch is
// deleted under its purposes' locks, and each record is checked again
// inside the transaction, so a record a Send is reading or re-pending is
// never taken from under it.
func (m *Manager) prune(ctx context.Context) {
	cutoff := time.Now().Add(-m.cfg.Retain)
	old, err := m.prunable(cutoff)
	if err != nil {
		m.log.Warn("pruning tx records: scan failed, will retry", "err", err)
		return
	}
	deleted := 0
	for len(old) > 0 && ctx.Err() == nil {
		batch := old[:min(len(old), pruneBatch)]
		old = old[len(batch):]
		n, err := m.pruneBatch(ctx, batch, cutoff)
		if err != nil {
			m.log.Warn("pruning tx records: delete failed, will retry", "err", err)
			break
		}
		deleted += n
	}
	if deleted > 0 {
		m.log.Info("pruned settled tx records", "count", deleted, "settledBefore", cutoff.UTC().Format(time.RFC3339))
	}
}

// prunable lists up to pruneScan purposes whose records settled before
// cutoff.
func (m *Manager) prunable(cutoff time.Time) ([]string, error) {
	var old []string
	err := m.cfg.Store.View(func(tx *persist.Tx) error {
		// Unsigned: the loop's first pass runs right after a restart,
		// beside the node's first rounds, over thousands of records.
		return tx.ForEachTxRecordUnsigned("", func(r persist.TxRecord, _ bool) error {
			if !settledBefore(r, cutoff) {
				return nil
			}
			old = append(old, r.Purpose)
			if len(old) == pruneScan {
				return errScanFull
			}
			return nil
		})
	})
	if errors.Is(err, errScanFull) {
		err = nil
	}
	return old, err
}

func (m *Manager) pruneBatch(ctx context.Context, purposes []string, cutoff time.Time) (int, error) {
	for _, p := range purposes {
		defer m.purposes.lock(p)()
	}
	deleted := 0
	err := m.cfg.Store.Update(ctx, func(tx *persist.Tx) error {
		deleted = 0
		for _, p := range purposes {
			r, err := tx.TxRecord(p)
			if errors.Is(err, persist.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if !settledBefore(r, cutoff) {
				continue
			}
			if _, err := tx.DeleteTxRecord(p); err != nil {
				return err
			}
			deleted++
		}
		return nil
	})
	return deleted, err
}

func settledBefore(r persist.TxRecord, cutoff time.Time) bool {
	return r.Status != persist.TxPending && r.SettledAt().Before(cutoff)
}
