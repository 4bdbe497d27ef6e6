package persist

import (
	"encoding/binary"
	"fmt"
)

// AppliedBlock is what the chain ingestor applied from one block the
// cursor remembers: the block's Marketplace logs as the provider served
// them. A rollback reverts exactly these, without asking the provider for
// a block that has left its chain (providers stop serving orphaned
// blocks). The ingestor keeps one per remembered block, empty blocks
// included, and writes and deletes them in the transaction that moves the
// cursor, so the bucket never outgrows the cursor's Recent depth.
type AppliedBlock struct {
	Number uint64       `json:"-"`
	Hash   ID           `json:"-"`
	Logs   []AppliedLog `json:"logs,omitempty"`
}

// AppliedLog is one log of an AppliedBlock, with what decoding it again
// needs (the block number and hash are the AppliedBlock's).
type AppliedLog struct {
	Topics  []ID   `json:"topics"`
	Data    []byte `json:"data,omitempty"`
	TxHash  ID     `json:"tx"`
	TxIndex uint   `json:"txIndex"`
	Index   uint   `json:"index"`
}

func appliedKey(b BlockRef) []byte { return append(u64key(b.Number), b.Hash[:]...) }

// PutAppliedBlock stores b, replacing what was stored for its block.
func (tx *Tx) PutAppliedBlock(b AppliedBlock) error {
	return tx.put(bucketApplied, appliedKey(BlockRef{Number: b.Number, Hash: b.Hash}), b)
}

// AppliedBlock returns what was applied from block ref, or ErrNotFound
// (a block applied before the store kept them, or never applied).
func (tx *Tx) AppliedBlock(ref BlockRef) (AppliedBlock, error) {
	var b AppliedBlock
	if err := tx.get(bucketApplied, appliedKey(ref), &b); err != nil {
		return AppliedBlock{}, err
	}
	b.Number, b.Hash = ref.Number, ref.Hash
	return b, nil
}

// DeleteAppliedBlock forgets block ref and reports whether it was stored.
func (tx *Tx) DeleteAppliedBlock(ref BlockRef) (bool, error) {
	return tx.del(bucketApplied, appliedKey(ref))
}

// PruneAppliedBlocks forgets every block numbered below n.
func (tx *Tx) PruneAppliedBlocks(n uint64) error {
	b, err := tx.bucket(bucketApplied)
	if err != nil {
		return err
	}
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.First() {
		if len(k) != 40 {
			return fmt.Errorf("%w: %s key %x is not number‖hash", ErrCorrupt, bucketApplied, k)
		}
		if binary.BigEndian.Uint64(k[:8]) >= n {
			return nil
		}
		// Seek from the first key again after each delete: a bbolt
		// cursor's Next skips keys after a delete.
		if err := c.Delete(); err != nil {
			return writeError(bucketApplied, k, err)
		}
	}
	return nil
}
