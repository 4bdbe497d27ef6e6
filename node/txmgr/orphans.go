package txmgr

import (
	"context"
	"fmt"

	"github.com/slotd/slotd/persist"
)

// reviveOrphans puts back to pending the records that say mined although
// the account's nonce on the chain has not reached them: a reorganisation
// took their block out. A node's pool usually re-injects
// such transactions, but a provider that lost them would leave the nonce
// gap for good, and every later transaction of the account would wait
// behind it. Pending again, the same signed transaction is rebroadcast and
// waited for, so the purpose still goes out once. Each record is checked
// by receipt under its purpose's lock before it is touched. Reverted
// (failed) records are left alone: their caller has acted on the failure,
// and mined again in another state the transaction might succeed.
func (m *Manager) reviveOrphans(ctx context.Context) error {
	nonce, err := m.cfg.Client.NonceAt(ctx, m.from, nil)
	if err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	m.mu.Lock()
	signed := m.next // every record's nonce is below it
	m.mu.Unlock()
	if nonce >= signed {
		return nil // the chain has every nonce we signed: nothing to scan for
	}
	var orphans []string
	err = m.cfg.Store.View(func(tx *persist.Tx) error {
		return tx.ForEachTxRecord(func(r persist.TxRecord) error {
			if orphaned(r, nonce) {
				orphans = append(orphans, r.Purpose)
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("read tx records: %w", err)
	}
	for _, p := range orphans {
		if err := m.revive(ctx, p, nonce); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

func (m *Manager) revive(ctx context.Context, purpose string, nonce uint64) error {
	unlock := m.purposes.lock(purpose)
	defer unlock()
	rec, err := m.record(purpose)
	if err != nil || !orphaned(rec, nonce) || m.foreign(rec) {
		return err // another key's nonce says nothing of this account's
	}
	rc, _, err := m.receipt(ctx, &rec)
	if err != nil || rc != nil {
		return err // a receipt: the nonce read lagged behind it
	}
	return m.repend(ctx, &rec)
}

// orphaned: the record says its transaction succeeded in the chain, but
// the account's nonce there has not reached it. A compacted record (no
// signed bytes) cannot be rebroadcast: its block was deeper than
// KeepRawDepth, and it is left for an operator (repend says so).
func orphaned(r persist.TxRecord, nonce uint64) bool {
	return r.Status == persist.TxMined && r.Nonce >= nonce && len(r.Raw) > 0
}
