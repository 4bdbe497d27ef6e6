package persist

// Cursor is how far chain event ingestion has got: the last block whose
// logs are applied, and the hashes of the blocks before it, so that a
// reorg can be detected by parent hash and rolled back to the common
// ancestor. It commits with the effects of the logs it covers.
type Cursor struct {
	Number uint64     `json:"number"`
	Hash   ID         `json:"hash"`
	Recent []BlockRef `json:"recent"` // newest last
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
