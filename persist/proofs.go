package persist

import (
	"fmt"
)

// Proof outcomes of a period (LedgerProof.Status).
const (
	ProofSubmitted = "submitted" // ProofSubmitted: our proof landed in the period
	ProofMissed    = "missed"    // ProofMarkedMissing: a validator marked it, we were slashed
)

// LedgerProof is what the chain said about our proof of one slot in one
// period: submitted, or marked missing. Only slots this node's account
// holds are recorded. A period with no record needed no proof or is not
// decided yet. Block is the block of the event; Time its timestamp.
type LedgerProof struct {
	RequestID ID     `json:"requestId,omitzero"` // the key, with Index and Period
	Index     uint64 `json:"index"`
	Period    uint64 `json:"period"`
	Status    string `json:"status"`
	Block     uint64 `json:"block"`
	Time      uint64 `json:"time"`
}

func ledgerProofKey(request ID, index, period uint64) []byte { return idKey(request, index, period) }

// PutLedgerProof stores p under its request, slot index and period.
func (tx *Tx) PutLedgerProof(p LedgerProof) error {
	if p.RequestID.IsZero() {
		return fmt.Errorf("put ledger proof: no request id")
	}
	key := ledgerProofKey(p.RequestID, p.Index, p.Period)
	p.RequestID, p.Index, p.Period = ID{}, 0, 0
	return tx.put(bucketLedgerProofs, key, p)
}

// DeleteLedgerProof removes the record of one period and reports whether
// it was there.
func (tx *Tx) DeleteLedgerProof(request ID, index, period uint64) (bool, error) {
	return tx.del(bucketLedgerProofs, ledgerProofKey(request, index, period))
}

// ForEachLedgerProof streams the proof records of request (all requests'
// for a zero request) in request, index, period order.
func (tx *Tx) ForEachLedgerProof(request ID, fn func(LedgerProof) error) error {
	var prefix []byte
	if !request.IsZero() {
		prefix = request[:]
	}
	return scan(tx, bucketLedgerProofs, prefix, func(k []byte, p *LedgerProof) error {
		var err error
		if p.RequestID, err = parseIDKey("ledger proof", k, &p.Index, &p.Period); err != nil {
			return err
		}
		return fn(*p)
	})
}

// deleteLedgerProofs removes every proof record of request.
func (tx *Tx) deleteLedgerProofs(request ID) error {
	var keys [][]byte
	if err := scan(tx, bucketLedgerProofs, request[:], func(k []byte, _ *LedgerProof) error {
		keys = append(keys, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := tx.del(bucketLedgerProofs, k); err != nil {
			return err
		}
	}
	return nil
}

// ForEachLedgerProofOf streams the proof records of one slot in period
// order.
func (tx *Tx) ForEachLedgerProofOf(request ID, index uint64, fn func(LedgerProof) error) error {
	prefix := ledgerProofKey(request, index, 0)[:40]
	return scan(tx, bucketLedgerProofs, prefix, func(k []byte, p *LedgerProof) error {
		var ix uint64
		if _, err := parseIDKey("ledger proof", k, &ix, &p.Period); err != nil {
			return err
		}
		p.RequestID, p.Index = request, index
		return fn(*p)
	})
}
