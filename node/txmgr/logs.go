package txmgr

import (
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/persist"
)

// Log-confirmed records. A proof's success is in the chain's logs, which
// the node's ingestor reads anyway: SettledByLog, called from its Apply in
// the same store transaction, marks the pending record mined, and the
// poll then skips it without reading its receipt. A record of a purpose
// Config.LogConfirmed names is left to its log (no receipt read, no nonce
// verdict) while it is younger than Config.LogGrace blocks and BumpAfter;
// older, it is tended by receipt like any record (the safety net for a
// log the ingestor never delivered, and for records signed before a
// restart, whose age is not known).

// SettledByLog marks mined at block the pending record under prefix (a
// purpose, or the start of one: "proof:0x…:") one of whose signings is
// txHash. It runs inside the caller's store transaction and reads no
// chain; nothing matching is no error.
func (m *Manager) SettledByLog(tx *persist.Tx, prefix string, txHash common.Hash, block uint64) error {
	rec, ok, err := byHash(tx, prefix, txHash, persist.TxPending)
	if err != nil || !ok {
		return err
	}
	rec.Status, rec.Block, rec.Settled = persist.TxMined, block, time.Now().UTC()
	// The in-memory pending set learns it at the next poll, which finds
	// the record settled: touching it here would be wrong if tx aborts.
	return tx.PutTxRecord(rec)
}

// RevertedLog undoes SettledByLog (or a settlement by receipt) for a log
// whose block left the chain: the record mined at block under prefix with
// txHash among its signings goes back to pending, counted as reorganised,
// and the manager tends it again (re-estimated like every pending record
// after a reorg).
func (m *Manager) RevertedLog(tx *persist.Tx, prefix string, txHash common.Hash, block uint64) error {
	rec, ok, err := byHash(tx, prefix, txHash, persist.TxMined)
	if err != nil || !ok || rec.Block != block || m.foreign(rec) {
		return err
	}
	rec.Status, rec.Block, rec.Settled, rec.Sent = persist.TxPending, 0, time.Time{}, time.Now().UTC()
	rec.Reorged++
	if err := tx.PutTxRecord(rec); err != nil {
		return err
	}
	// Before the commit a poll may still read the record mined: unlogged
	// keeps it in the pending set until a poll has seen it pending.
	m.mu.Lock()
	m.pending[rec.Purpose] = struct{}{}
	m.unlogged[rec.Purpose] = struct{}{}
	delete(m.broadcast, rec.Purpose)
	m.mu.Unlock()
	m.Reorged()
	return nil
}

// byHash finds the record under prefix with status one of whose signings
// is txHash. It looks among the records without their signed bytes (a
// slot's proofs of every period in Retain, kilobytes each while fresh, for
// every log of a block) and reads only the one found whole.
func byHash(tx *persist.Tx, prefix string, txHash common.Hash, status string) (persist.TxRecord, bool, error) {
	var purpose string
	err := tx.ForEachTxRecordUnsigned(prefix, func(r persist.TxRecord, _ bool) error {
		if purpose != "" || r.Status != status {
			return nil
		}
		if common.Hash(r.Hash) == txHash {
			purpose = r.Purpose
			return nil
		}
		for _, h := range r.Previous {
			if common.Hash(h) == txHash {
				purpose = r.Purpose
			}
		}
		return nil
	})
	if err != nil {
		return persist.TxRecord{}, false, fmt.Errorf("txmgr: records under %q: %w", prefix, err)
	}
	if purpose == "" {
		return persist.TxRecord{}, false, nil
	}
	rec, err := tx.TxRecord(purpose)
	if err != nil {
		return persist.TxRecord{}, false, fmt.Errorf("txmgr: record %s: %w", purpose, err)
	}
	return rec, true, nil
}

// leftToLog reports whether rec's receipt is not read this poll: its
// purpose is log-confirmed and it was signed less than LogGrace blocks
// (by the head the manager last read) and BumpAfter ago.
func (m *Manager) leftToLog(rec persist.TxRecord) bool {
	if m.cfg.LogConfirmed == nil || !m.cfg.LogConfirmed(rec.Purpose) || time.Since(rec.Sent) >= m.cfg.BumpAfter {
		return false
	}
	if rec.Reorged > 0 {
		// A reorganisation's survivor may revert where it lands again, and
		// a revert has no log: left to one, its failure would be found only
		// LogGrace blocks on, when its period (a proof's) is long over.
		return false
	}
	m.mu.Lock()
	at, ok := m.signedAt[rec.Purpose]
	m.mu.Unlock()
	m.minedMu.Lock()
	head := m.head
	m.minedMu.Unlock()
	return ok && head < at+m.cfg.LogGrace
}

// settledUnlessUnlogged is settled, except for a record RevertedLog put
// back whose store transaction a poll may not see yet.
func (m *Manager) settledUnlessUnlogged(rec *persist.TxRecord) {
	m.mu.Lock()
	_, back := m.unlogged[rec.Purpose]
	m.mu.Unlock()
	if !back {
		m.settled(rec)
	}
}

// SettledByOwnLog is SettledByLog for purpose's record alone, and reports
// whether the log is ours: txHash is one of that record's signings,
// whatever its status. A caller counting what its own transactions did
// (the validator's marks and rewards) needs that: another account's log
// of the same deed (a second validator's mark of the slot and period)
// settles nothing of ours.
func (m *Manager) SettledByOwnLog(tx *persist.Tx, purpose string, txHash common.Hash, block uint64) (ours bool, err error) {
	if ours, err = signedAs(tx, purpose, txHash); err != nil || !ours {
		return false, err
	}
	return true, m.SettledByLog(tx, purpose, txHash, block)
}

// RevertedOwnLog is RevertedLog for purpose's record alone, reporting as
// SettledByOwnLog does.
func (m *Manager) RevertedOwnLog(tx *persist.Tx, purpose string, txHash common.Hash, block uint64) (ours bool, err error) {
	if ours, err = signedAs(tx, purpose, txHash); err != nil || !ours {
		return false, err
	}
	return true, m.RevertedLog(tx, purpose, txHash, block)
}

// signedAs reports whether purpose's record has a signing hashed txHash.
func signedAs(tx *persist.Tx, purpose string, txHash common.Hash) (bool, error) {
	rec, err := tx.TxRecord(purpose)
	if errors.Is(err, persist.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("txmgr: record %s: %w", purpose, err)
	}
	if common.Hash(rec.Hash) == txHash {
		return true, nil
	}
	for _, h := range rec.Previous {
		if common.Hash(h) == txHash {
			return true, nil
		}
	}
	return false, nil
}
