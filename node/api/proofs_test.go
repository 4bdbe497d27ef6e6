package api

import (
	"encoding/json"
	"testing"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
)

// TestProofsListsTheLedgersRecords: GET /api/v1/proofs gives each proof
// record with its slot id, ?slot= keeps one slot's, and a bad id is a 400.
func TestProofsListsTheLedgersRecords(t *testing.T) {
	srv, store := newServer(t)
	req := persist.ID{7}
	if err := store.Update(t.Context(), func(tx *persist.Tx) error {
		for i, st := range []string{persist.ProofSubmitted, persist.ProofMissed} {
			if err := tx.PutLedgerProof(persist.LedgerProof{RequestID: req, Index: uint64(i), Period: 40, Status: st, Block: 9, Time: 2400}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slot1 := persist.ID(contracts.GetSlotID(contracts.RequestID(req), 1))
	var got []proofDoc
	resp, out := do(t, srv, "GET", "/api/v1/proofs?slot="+slot1.String(), "", nil)
	if err := json.Unmarshal([]byte(out), &got); resp.StatusCode != 200 || err != nil {
		t.Fatalf("GET: %d %s %v", resp.StatusCode, out, err)
	}
	if len(got) != 1 || got[0].SlotID != slot1 || got[0].Status != persist.ProofMissed || got[0].Period != 40 || got[0].RequestID != req {
		t.Fatalf("slot 1's records: %s", out)
	}
	if _, out := do(t, srv, "GET", "/api/v1/proofs", "", nil); json.Unmarshal([]byte(out), &got) != nil || len(got) != 2 {
		t.Fatalf("all records: %s", out)
	}
	if resp, _ := do(t, srv, "GET", "/api/v1/proofs?slot=0x12", "", nil); resp.StatusCode != 400 {
		t.Fatalf("bad slot: %d, want 400", resp.StatusCode)
	}
}
