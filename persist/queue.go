package persist

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
)

// QueueItem is a slot waiting for a worker. Ordering is the queue
// package's business; the store only keeps the items, keyed by slot id,
// with Seq recording insertion order so that ties break the same way
// after a restart.
type QueueItem struct {
	SlotID                ID       `json:"slotId,omitzero"` // the key
	RequestID             ID       `json:"requestId"`
	SlotIndex             uint64   `json:"slotIndex"`
	SlotSize              uint64   `json:"slotSize"`
	Duration              uint64   `json:"duration"`
	PricePerBytePerSecond *big.Int `json:"pricePerBytePerSecond"`
	CollateralPerByte     *big.Int `json:"collateralPerByte"`
	Expiry                uint64   `json:"expiry"`
	Seq                   uint64   `json:"seq"`
}

// MarshalJSON writes the amounts as decimal strings.
func (q QueueItem) MarshalJSON() ([]byte, error) {
	type plain QueueItem
	return json.Marshal(struct {
		plain
		Price      *decimal `json:"pricePerBytePerSecond"`
		Collateral *decimal `json:"collateralPerByte"`
	}{plain(q), dec(q.PricePerBytePerSecond), dec(q.CollateralPerByte)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (q *QueueItem) UnmarshalJSON(b []byte) error {
	type plain QueueItem
	var v struct {
		plain
		Price      *decimal `json:"pricePerBytePerSecond"`
		Collateral *decimal `json:"collateralPerByte"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*q = QueueItem(v.plain)
	q.PricePerBytePerSecond, q.CollateralPerByte = bigOf(v.Price), bigOf(v.Collateral)
	return nil
}

// PutQueueItem stores item under its slot id. A new item with Seq 0 gets
// the next insertion number; re-putting a queued slot keeps its number.
// On return item.Seq holds the stored number.
func (tx *Tx) PutQueueItem(item *QueueItem) error {
	if item.SlotID.IsZero() {
		return errors.New("put queue item: no slot id")
	}
	switch old, err := tx.QueueItem(item.SlotID); {
	case err == nil:
		item.Seq = old.Seq
	case !errors.Is(err, ErrNotFound):
		return err
	case item.Seq == 0:
		b, err := tx.bucket(bucketQueue)
		if err != nil {
			return err
		}
		if item.Seq, err = b.NextSequence(); err != nil {
			return writeError(bucketQueue, nil, err)
		}
	}
	v := *item
	v.SlotID = ID{}
	return tx.put(bucketQueue, item.SlotID[:], v)
}

// QueueItem returns the queued item for slot, or ErrNotFound.
func (tx *Tx) QueueItem(slot ID) (QueueItem, error) {
	var q QueueItem
	if err := tx.get(bucketQueue, slot[:], &q); err != nil {
		return QueueItem{}, err
	}
	q.SlotID = slot
	return q, nil
}

// DeleteQueueItem removes slot from the queue and reports whether it was
// there.
func (tx *Tx) DeleteQueueItem(slot ID) (bool, error) {
	return tx.del(bucketQueue, slot[:])
}

// DeleteQueuedRequest removes every queued slot of request and returns
// how many it removed.
func (tx *Tx) DeleteQueuedRequest(request ID) (int, error) {
	var slots []ID
	err := tx.ForEachQueueItem(func(q QueueItem) error {
		if q.RequestID == request {
			slots = append(slots, q.SlotID)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, s := range slots {
		if _, err := tx.DeleteQueueItem(s); err != nil {
			return 0, fmt.Errorf("delete queued request %s: %w", request, err)
		}
	}
	return len(slots), nil
}

// QueueLen counts the queued slots without decoding them.
func (tx *Tx) QueueLen() (int, error) {
	b, err := tx.bucket(bucketQueue)
	if err != nil {
		return 0, err
	}
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n, nil
}

// ForEachQueueItem streams the queue in slot id order.
func (tx *Tx) ForEachQueueItem(fn func(QueueItem) error) error {
	return scan(tx, bucketQueue, nil, func(k []byte, q *QueueItem) error {
		id, err := idFromKey(k)
		if err != nil {
			return err
		}
		q.SlotID = id
		return fn(*q)
	})
}
