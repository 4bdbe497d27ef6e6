package persist

import (
	"testing"
)

// TestMigrateV3 opens a schema-3 store (no ledgerproofs bucket): the
// migration adds it, the ledger stays, and proof records can be written.
func TestMigrateV3(t *testing.T) {
	s, path := openTemp(t, nil)
	req := ID{9}
	update(t, s, func(tx *Tx) error { return tx.PutLedgerRequest(LedgerRequest{RequestID: req, Slots: 1}) })
	s = reopenAsSchema(t, s, path, 3, bucketLedgerProofs)
	update(t, s, func(tx *Tx) error {
		return tx.PutLedgerProof(LedgerProof{RequestID: req, Index: 0, Period: 3, Status: ProofSubmitted, Block: 7, Time: 60})
	})
	n := 0
	err := s.View(func(tx *Tx) error {
		if v, err := tx.Schema(); v != SchemaVersion || err != nil {
			t.Errorf("schema %d %v", v, err)
		}
		if _, err := tx.LedgerRequest(req); err != nil {
			t.Errorf("ledger request after the migration: %v", err)
		}
		return tx.ForEachLedgerProofOf(req, 0, func(p LedgerProof) error {
			if p.Period != 3 || p.Status != ProofSubmitted || p.Block != 7 {
				t.Errorf("record %+v", p)
			}
			n++
			return nil
		})
	})
	if err != nil || n != 1 {
		t.Fatalf("%d records (%v), want 1", n, err)
	}
	if errs := s.Check(); errs != nil {
		t.Fatalf("check: %v", errs)
	}
	// Deleting the request takes its records along.
	update(t, s, func(tx *Tx) error { _, err := tx.DeleteLedgerRequest(req); return err })
	s.View(func(tx *Tx) error {
		return tx.ForEachLedgerProof(ID{}, func(p LedgerProof) error { t.Errorf("record %+v left after its request", p); return nil })
	})
}
