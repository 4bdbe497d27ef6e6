package persist

import (
	"errors"
	"math/big"
	"time"
)

// Purchase is a storage request this node made as a client.
type Purchase struct {
	RequestID ID     `json:"requestId,omitzero"` // the key
	State     string `json:"state"`
	CID       string `json:"cid"` // dataset the request stores
	Expiry    uint64 `json:"expiry"`
	Reason    string `json:"reason"`    // why it failed, if it did
	Withdrawn bool   `json:"withdrawn"` // the client collected what came back
	// Refund is what the withdrawal brought back, in token base units (nil:
	// withdrawn by an earlier run, or before the field).
	Refund *big.Int `json:"refund,omitempty"`
	// Request is the ABI encoding of the whole request, persisted before it
	// is sent so a restart re-sends the same request (same id), never a second.
	Request Bytes     `json:"request,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Block   uint64    `json:"block"`
}

// PutPurchase stores p under its request id.
func (tx *Tx) PutPurchase(p Purchase) error {
	if p.RequestID.IsZero() {
		return errors.New("put purchase: no request id")
	}
	key := p.RequestID
	p.RequestID = ID{}
	return tx.put(bucketPurchases, key[:], p)
}

// Purchase returns the purchase of request, or ErrNotFound.
func (tx *Tx) Purchase(request ID) (Purchase, error) {
	var p Purchase
	if err := tx.get(bucketPurchases, request[:], &p); err != nil {
		return Purchase{}, err
	}
	p.RequestID = request
	return p, nil
}

// DeletePurchase removes a purchase and reports whether it existed.
func (tx *Tx) DeletePurchase(request ID) (bool, error) {
	return tx.del(bucketPurchases, request[:])
}

// ForEachPurchase streams purchases in request id order.
func (tx *Tx) ForEachPurchase(fn func(Purchase) error) error {
	return scan(tx, bucketPurchases, nil, func(k []byte, p *Purchase) error {
		id, err := idFromKey(k)
		if err != nil {
			return err
		}
		p.RequestID = id
		return fn(*p)
	})
}
