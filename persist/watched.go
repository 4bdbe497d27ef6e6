package persist

import "errors"

// WatchedSlot is a filled slot the validator watches for missed proofs,
// kept with the chain cursor (SlotFilled adds it, SlotFreed and their
// reverts move it), with the periods the validator has decided: Next is
// the first period it has not decided yet.
type WatchedSlot struct {
	SlotID    ID     `json:"slotId,omitzero"` // the key
	RequestID ID     `json:"requestId"`
	Index     uint64 `json:"index"`
	Next      uint64 `json:"next"`
	Block     uint64 `json:"block"` // of the SlotFilled
}

// PutWatchedSlot stores w under its slot id.
func (tx *Tx) PutWatchedSlot(w WatchedSlot) error {
	if w.SlotID.IsZero() {
		return errors.New("put watched slot: no slot id")
	}
	key := w.SlotID
	w.SlotID = ID{}
	return tx.put(bucketValidator, key[:], w)
}

// WatchedSlot returns the watched slot, or ErrNotFound.
func (tx *Tx) WatchedSlot(slot ID) (WatchedSlot, error) {
	var w WatchedSlot
	if err := tx.get(bucketValidator, slot[:], &w); err != nil {
		return WatchedSlot{}, err
	}
	w.SlotID = slot
	return w, nil
}

// DeleteWatchedSlot stops watching slot and reports whether it was watched.
func (tx *Tx) DeleteWatchedSlot(slot ID) (bool, error) { return tx.del(bucketValidator, slot[:]) }

// ForEachWatchedSlot streams the watched slots in slot id order.
func (tx *Tx) ForEachWatchedSlot(fn func(WatchedSlot) error) error {
	return scan(tx, bucketValidator, nil, func(k []byte, w *WatchedSlot) error {
		id, err := idFromKey(k)
		if err != nil {
			return err
		}
		w.SlotID = id
		return fn(*w)
	})
}
