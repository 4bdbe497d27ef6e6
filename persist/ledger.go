package persist

import (
	"encoding/json"
	"errors"
	"math/big"
)

// Request states as the ledger derives them (LedgerRequest.State).
const (
	LedgerNew       = "new"       // waiting for hosts, expiry not passed
	LedgerStarted   = "started"   // every slot filled, end not passed
	LedgerCancelled = "cancelled" // RequestCancelled, or expiry passed before it started
	LedgerFailed    = "failed"    // RequestFailed
	LedgerFinished  = "finished"  // started, and its end has passed
)

// LedgerRequest is a storage request as the chain's events said, kept by
// the node's chain ingestor in the transaction that moves the cursor: the
// roles decide from it (and from the head's time) rather than asking the
// chain. Block is the block of its last change.
type LedgerRequest struct {
	RequestID             ID       `json:"requestId,omitzero"` // the key
	Slots                 uint64   `json:"slots"`
	SlotSize              uint64   `json:"slotSize"`
	Duration              uint64   `json:"duration"`
	MaxSlotLoss           uint64   `json:"maxSlotLoss"`
	ProofProbability      *big.Int `json:"proofProbability"`
	PricePerBytePerSecond *big.Int `json:"pricePerBytePerSecond"`
	CollateralPerByte     *big.Int `json:"collateralPerByte"`
	// Expiry and End are chain times (seconds): it is cancelled unless
	// every slot is filled by Expiry, and finishes at End (0: not read).
	Expiry    uint64 `json:"expiry"`
	End       uint64 `json:"end"`
	Fulfilled bool   `json:"fulfilled,omitempty"` // RequestFulfilled
	Cancelled bool   `json:"cancelled,omitempty"` // RequestCancelled
	Failed    bool   `json:"failed,omitempty"`    // RequestFailed
	Block     uint64 `json:"block"`
}

// State is the request's state at chain time now, as the contract's
// requestState computes it.
func (r LedgerRequest) State(now uint64) string {
	switch {
	case r.Failed:
		return LedgerFailed
	case r.Cancelled:
		return LedgerCancelled
	case r.Fulfilled && r.End != 0 && now > r.End:
		return LedgerFinished
	case r.Fulfilled:
		return LedgerStarted
	case now > r.Expiry:
		return LedgerCancelled
	}
	return LedgerNew
}

// MarshalJSON writes the amounts as decimal strings.
func (r LedgerRequest) MarshalJSON() ([]byte, error) {
	type plain LedgerRequest
	return json.Marshal(struct {
		plain
		Probability *decimal `json:"proofProbability"`
		Price       *decimal `json:"pricePerBytePerSecond"`
		Collateral  *decimal `json:"collateralPerByte"`
	}{plain(r), dec(r.ProofProbability), dec(r.PricePerBytePerSecond), dec(r.CollateralPerByte)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *LedgerRequest) UnmarshalJSON(b []byte) error {
	type plain LedgerRequest
	var v struct {
		plain
		Probability *decimal `json:"proofProbability"`
		Price       *decimal `json:"pricePerBytePerSecond"`
		Collateral  *decimal `json:"collateralPerByte"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = LedgerRequest(v.plain)
	r.ProofProbability, r.PricePerBytePerSecond, r.CollateralPerByte = bigOf(v.Probability), bigOf(v.Price), bigOf(v.Collateral)
	return nil
}

// LedgerSlot is one slot of a ledger request: who holds it, as the
// chain's SlotFilled and SlotFreed said, at Block. A freed slot keeps its
// last host (a reorganisation that undoes the SlotFreed gives it back).
type LedgerSlot struct {
	RequestID ID     `json:"requestId,omitzero"` // the key, with Index
	Index     uint64 `json:"index"`
	Host      string `json:"host,omitempty"` // 0x address; the last host if freed
	Filled    bool   `json:"filled"`
	Block     uint64 `json:"block"`
}

func ledgerSlotKey(request ID, index uint64) []byte { return idKey(request, index) }

// PutLedgerRequest stores r under its request id.
func (tx *Tx) PutLedgerRequest(r LedgerRequest) error {
	if r.RequestID.IsZero() {
		return errors.New("put ledger request: no request id")
	}
	key := r.RequestID
	r.RequestID = ID{}
	return tx.put(bucketLedger, key[:], r)
}

// LedgerRequest returns the ledger's record of request, or ErrNotFound.
func (tx *Tx) LedgerRequest(request ID) (LedgerRequest, error) {
	var r LedgerRequest
	if err := tx.get(bucketLedger, request[:], &r); err != nil {
		return LedgerRequest{}, err
	}
	r.RequestID = request
	return r, nil
}

// DeleteLedgerRequest removes a request, its slots and their proof
// records from the ledger and reports whether it was there.
func (tx *Tx) DeleteLedgerRequest(request ID) (bool, error) {
	if err := tx.deleteLedgerProofs(request); err != nil {
		return false, err
	}
	var keys [][]byte
	if err := scan(tx, bucketLedgerSlots, request[:], func(k []byte, _ *LedgerSlot) error {
		keys = append(keys, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return false, err
	}
	for _, k := range keys {
		if _, err := tx.del(bucketLedgerSlots, k); err != nil {
			return false, err
		}
	}
	return tx.del(bucketLedger, request[:])
}

// ForEachLedgerRequest streams the ledger's requests in request id order.
func (tx *Tx) ForEachLedgerRequest(fn func(LedgerRequest) error) error {
	return scan(tx, bucketLedger, nil, func(k []byte, r *LedgerRequest) error {
		id, err := idFromKey(k)
		if err != nil {
			return err
		}
		r.RequestID = id
		return fn(*r)
	})
}

// PutLedgerSlot stores s under its request id and index.
func (tx *Tx) PutLedgerSlot(s LedgerSlot) error {
	if s.RequestID.IsZero() {
		return errors.New("put ledger slot: no request id")
	}
	key := ledgerSlotKey(s.RequestID, s.Index)
	s.RequestID = ID{}
	return tx.put(bucketLedgerSlots, key, s)
}

// LedgerSlot returns slot index of request, or ErrNotFound (a slot no
// event has named yet: free, never filled).
func (tx *Tx) LedgerSlot(request ID, index uint64) (LedgerSlot, error) {
	var s LedgerSlot
	if err := tx.get(bucketLedgerSlots, ledgerSlotKey(request, index), &s); err != nil {
		return LedgerSlot{}, err
	}
	s.RequestID, s.Index = request, index
	return s, nil
}

// ForEachLedgerSlot streams the slots of request that events have named,
// in index order (all requests' for a zero request).
func (tx *Tx) ForEachLedgerSlot(request ID, fn func(LedgerSlot) error) error {
	var prefix []byte
	if !request.IsZero() {
		prefix = request[:]
	}
	return scan(tx, bucketLedgerSlots, prefix, func(k []byte, s *LedgerSlot) error {
		var err error
		if s.RequestID, err = parseIDKey("ledger slot", k, &s.Index); err != nil {
			return err
		}
		return fn(*s)
	})
}
