package api

import (
	"net/http"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
)

// proofDoc is one proof record with its slot's id, so a reader can join
// it with GET /api/v1/sales.
type proofDoc struct {
	SlotID persist.ID `json:"slotId"`
	persist.LedgerProof
}

// listProofs is GET /api/v1/proofs: the ledger's records of our proofs,
// per slot and period, over the last day (the ledger's pruner keeps no
// more). ?slot=SLOTID keeps one slot's.
func (s *Server) listProofs(w http.ResponseWriter, r *http.Request) {
	var only *persist.ID
	if q := r.URL.Query().Get("slot"); q != "" {
		id, err := persist.ParseID(q)
		if err != nil {
			writeError(w, http.StatusBadRequest, "slot must be 32 bytes of 0x-hex")
			return
		}
		only = &id
	}
	list(s, w, func(tx *persist.Tx, fn func(proofDoc) error) error {
		return tx.ForEachLedgerProof(persist.ID{}, func(p persist.LedgerProof) error {
			slot := persist.ID(contracts.GetSlotID(contracts.RequestID(p.RequestID), p.Index))
			if only != nil && slot != *only {
				return nil
			}
			return fn(proofDoc{SlotID: slot, LedgerProof: p})
		})
	})
}
