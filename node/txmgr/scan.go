package txmgr

import (
	"fmt"

	"github.com/slotd/slotd/persist"
)

// scanRecords reads what Start needs of every stored record: the next
// nonce (above chainNext, the chain's pending nonce, if our own records
// say so), the pending purposes of this key and of others, and the
// settled records whose signed bytes are still to be dropped, and the
// failed must-happen ones a resend may be owed for (tried again once: a
// refusal for good takes them off).
//
// A host holding 10,000 slots has thousands of records, mostly proofs
// whose signed bytes are kilobytes: the scan skips decoding those bytes,
// and tells a previous key's record from ours by the sender the record
// names. Only a record written before records named it has its
// signature recovered, from the whole record.
func (m *Manager) scanRecords(chainNext uint64) (next uint64, pending, foreign, owed []string, compact map[string]uint64, err error) {
	next, compact = chainNext, map[string]uint64{}
	err = m.cfg.Store.View(func(tx *persist.Tx) error {
		return tx.ForEachTxRecordUnsigned("", func(r persist.TxRecord, signed bool) error {
			settledAway := r.Status == persist.TxReplaced || r.Status == persist.TxAbandoned
			if !settledAway {
				other, err := m.foreignUnsigned(tx, r, signed)
				if err != nil {
					return err
				}
				if other {
					// Another account's nonce: counting it would leave this
					// account's next transaction behind a gap for good.
					if r.Status == persist.TxPending {
						foreign = append(foreign, r.Purpose)
					}
					return nil
				}
				next = max(next, r.Nonce+1)
			}
			if r.Status == persist.TxPending {
				pending = append(pending, r.Purpose)
			}
			if r.Status == persist.TxFailed && r.Reorged > 0 && signed && m.cfg.Resend != nil && m.cfg.Resend(r.Purpose) {
				owed = append(owed, r.Purpose)
			}
			if (r.Status == persist.TxMined || r.Status == persist.TxReplaced) && (signed || len(r.Previous) > 0) {
				compact[r.Purpose] = r.Block // compactable, had it its bytes
			}
			return nil
		})
	})
	if err != nil {
		return 0, nil, nil, nil, nil, fmt.Errorf("txmgr: read tx records: %w", err)
	}
	return next, pending, foreign, owed, compact, nil
}

// foreignUnsigned is foreign for a record read without its signed bytes
// (signed says whether it has any): a record that does not name its
// sender is read whole and its signature recovered.
func (m *Manager) foreignUnsigned(tx *persist.Tx, r persist.TxRecord, signed bool) (bool, error) {
	if r.From != (persist.Address{}) || !signed {
		return m.foreign(r), nil
	}
	whole, err := tx.TxRecord(r.Purpose)
	if err != nil {
		return false, fmt.Errorf("tx record %s: %w", r.Purpose, err)
	}
	return m.foreign(whole), nil
}
