package persist

// Cursor is how far chain event ingestion has got: the last block whose
// logs are applied, and the hashes of the blocks before it, so that a
// reorg can be detected by parent hash and rolled back to the common
// ancestor. It commits with the effects of the logs it covers.
type Cursor struct {
	Number uint64     `json:"number"`
	Hash   ID         `json:"hash"`
	Recent []BlockRef `json:"recent"` // newest last
	// Time is the timestamp of the cursor's block (0 in a cursor stored
	// before it was kept; the next block sets it).
	Time uint64 `json:"time,omitempty"`
}

// BlockRef names one block.
type BlockRef struct {
	Number uint64 `json:"number"`
	Hash   ID     `json:"hash"`
}

// Cursor returns the stored cursor, or ErrNotFound before the first
// SetCursor.
func (tx *Tx) Cursor() (Cursor, error) {
	var c Cursor
	err := tx.get(bucketCursor, keyCursor, &c)
	return c, err
}

// SetCursor stores c.
func (tx *Tx) SetCursor(c Cursor) error {
	return tx.put(bucketCursor, keyCursor, c)
}

// Head is the block the cursor stands on, with its timestamp: the chain's
// "now" for every role (nothing is decided on the local clock).
type Head struct {
	Number uint64 `json:"number"`
	Hash   ID     `json:"hash"`
	Time   uint64 `json:"time"` // the block's timestamp, seconds
}

// Head is the cursor's block and its time.
func (c Cursor) Head() Head { return Head{Number: c.Number, Hash: c.Hash, Time: c.Time} }
