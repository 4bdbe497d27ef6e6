package persist

import (
	"bytes"
	"fmt"
)

// Deletes the node never makes (agents and journals are kept for the
// operator) but the tests use to check the store's guards.

// DeleteAgent removes the agent for slot (its journal stays; see
// DeleteJournal) and reports whether there was one.
func (tx *Tx) DeleteAgent(slot ID) (bool, error) {
	return tx.del(bucketAgents, slot[:])
}

// DeleteJournal removes slot's whole journal (for pruning finished slots)
// and returns how many entries it removed. The agent must be deleted
// first (ErrConflict otherwise), so its Seq never points past the journal.
func (tx *Tx) DeleteJournal(slot ID) (int, error) {
	b, err := tx.bucket(bucketJournal)
	if err != nil {
		return 0, err
	}
	if a, err := tx.Agent(slot); err == nil {
		return 0, fmt.Errorf("delete journal of %s: %w: its agent (state %q) still exists", slot, ErrConflict, a.State)
	}
	n := 0
	c := b.Cursor()
	for k, _ := c.Seek(slot[:]); k != nil && bytes.HasPrefix(k, slot[:]); k, _ = c.Seek(slot[:]) {
		if err := c.Delete(); err != nil {
			return n, writeError(bucketJournal, k, err)
		}
		n++
	}
	return n, nil
}
