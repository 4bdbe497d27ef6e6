package txmgr

import (
	"context"
	"fmt"
	"time"

	"github.com/slotd/slotd/persist"
)

// compactable: a settled record whose signed bytes (and earlier signings)
// will never be needed again once its block is deep enough. Failed records
// keep theirs: a later Send of the purpose replays the call to decode the
// revert.
func compactable(r persist.TxRecord) bool {
	return (r.Status == persist.TxMined || r.Status == persist.TxReplaced) && (len(r.Raw) > 0 || len(r.Previous) > 0)
}

// compactSettled drops the signed bytes of the settled records whose block
// is KeepRawDepth below the head (replaced ones at once), so a record that
// stays for Retain to guard its purpose is a few hundred bytes. A mined
// record found through an earlier signing gets that signing's hash. Each
// record is re-read under its purpose's lock inside the transaction.
func (m *Manager) compactSettled(ctx context.Context) error {
	m.mu.Lock()
	if len(m.compact) == 0 {
		m.mu.Unlock()
		return nil
	}
	cands := make(map[string]uint64, len(m.compact))
	for p, b := range m.compact {
		cands[p] = b
	}
	m.mu.Unlock()
	head, err := m.headNumber(ctx)
	if err != nil {
		return err
	}
	var due []string
	for p, b := range cands {
		if b+m.cfg.KeepRawDepth <= head {
			due = append(due, p)
		}
	}
	for len(due) > 0 && ctx.Err() == nil {
		batch := due[:min(len(due), pruneBatch)]
		due = due[len(batch):]
		if err := m.compactBatch(ctx, batch, head); err != nil {
			return err
		}
	}
	return nil
}

func (m *Manager) compactBatch(ctx context.Context, purposes []string, head uint64) error {
	for _, p := range purposes {
		defer m.purposes.lock(p)()
	}
	// The mined signing of a bumped record, found before the transaction.
	minedHash := map[string]persist.ID{}
	for _, p := range purposes {
		rec, err := m.record(p)
		if err != nil || rec.Status != persist.TxMined || len(rec.Previous) == 0 {
			continue
		}
		rc, hash, err := m.receipt(ctx, &rec)
		if err != nil {
			return err
		}
		if rc == nil {
			continue // left the chain: the orphan check will see to it
		}
		minedHash[p] = persist.ID(hash)
	}
	var done []string
	err := m.cfg.Store.Update(ctx, func(tx *persist.Tx) error {
		done = done[:0]
		for _, p := range purposes {
			rec, err := tx.TxRecord(p)
			if err != nil || !compactable(rec) {
				done = append(done, p) // gone, pending again or compacted
				continue
			}
			if rec.Status == persist.TxMined && rec.Block+m.cfg.KeepRawDepth > head {
				continue
			}
			if rec.Status == persist.TxMined && len(rec.Previous) > 0 {
				h, ok := minedHash[p]
				if !ok {
					continue
				}
				rec.Hash = h
			}
			rec.Raw, rec.Previous = nil, nil
			if err := tx.PutTxRecord(rec); err != nil {
				return err
			}
			done = append(done, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("compact tx records: %w", err)
	}
	m.mu.Lock()
	for _, p := range done {
		delete(m.compact, p)
	}
	m.mu.Unlock()
	return nil
}

// headNumber is the head block: the last read's when fresh, else one
// header read.
func (m *Manager) headNumber(ctx context.Context) (uint64, error) {
	m.minedMu.Lock()
	head, fresh := m.head, !m.minedAt.IsZero() && time.Since(m.minedAt) < m.cfg.PollInterval
	m.minedMu.Unlock()
	if fresh {
		return head, nil
	}
	h, err := m.cfg.Client.HeaderByNumber(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("head: %w", err)
	}
	n := h.Number.Uint64()
	m.minedMu.Lock()
	m.head = max(m.head, n)
	m.minedMu.Unlock()
	return n, nil
}
