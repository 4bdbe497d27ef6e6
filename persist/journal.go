package persist

import (
	"bytes"
	"fmt"
	"time"
)

// JournalEntry is one transition of a slot's agent. Entries of a slot are
// numbered 1, 2, ... with no gaps; the agent's Seq is the last one.
type JournalEntry struct {
	SlotID ID        `json:"slotId,omitzero"` // from the key
	Seq    uint64    `json:"seq,omitzero"`    // from the key
	From   string    `json:"from"`
	To     string    `json:"to"`
	Event  string    `json:"event"`
	Time   time.Time `json:"time"`
	Block  uint64    `json:"block"`
	Detail string    `json:"detail"`
}

const journalKeyLen = 32 + 8

func journalKey(slot ID, seq uint64) []byte { return idKey(slot, seq) }

func parseJournalKey(k []byte) (ID, uint64, error) {
	var seq uint64
	id, err := parseIDKey("journal", k, &seq)
	return id, seq, err
}

func (tx *Tx) putJournal(e *JournalEntry) error {
	v := *e
	v.SlotID, v.Seq = ID{}, 0
	return tx.put(bucketJournal, journalKey(e.SlotID, e.Seq), v)
}

// lastJournalSeq is the highest seq journaled for slot, 0 if none. The
// journal, not the agent, is the source: an agent may have been deleted
// while its history was kept, and numbering must not restart.
func (tx *Tx) lastJournalSeq(slot ID) (uint64, error) {
	b, err := tx.bucket(bucketJournal)
	if err != nil {
		return 0, err
	}
	c := b.Cursor()
	k, _ := c.Seek(journalKey(slot, ^uint64(0)))
	if k == nil {
		k, _ = c.Last()
	} else if !bytes.Equal(k, journalKey(slot, ^uint64(0))) {
		k, _ = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, slot[:]) {
		return 0, nil
	}
	_, seq, err := parseJournalKey(k)
	return seq, err
}

// Journal streams slot's journal in seq order.
func (tx *Tx) Journal(slot ID, fn func(JournalEntry) error) error {
	return tx.scanJournal(slot[:], fn)
}

// LastJournalEntry returns slot's latest journal entry, or ErrNotFound.
func (tx *Tx) LastJournalEntry(slot ID) (JournalEntry, error) {
	seq, err := tx.lastJournalSeq(slot)
	if err != nil {
		return JournalEntry{}, err
	}
	if seq == 0 {
		return JournalEntry{}, fmt.Errorf("journal of %s: %w", slot, ErrNotFound)
	}
	var e JournalEntry
	if err := tx.get(bucketJournal, journalKey(slot, seq), &e); err != nil {
		return JournalEntry{}, err
	}
	e.SlotID, e.Seq = slot, seq
	return e, nil
}

// ForEachJournalEntry streams the journals of all slots, ordered by slot
// id and then seq.
func (tx *Tx) ForEachJournalEntry(fn func(JournalEntry) error) error {
	return tx.scanJournal(nil, fn)
}

func (tx *Tx) scanJournal(prefix []byte, fn func(JournalEntry) error) error {
	return scan(tx, bucketJournal, prefix, func(k []byte, e *JournalEntry) error {
		slot, seq, err := parseJournalKey(k)
		if err != nil {
			return err
		}
		e.SlotID, e.Seq = slot, seq
		return fn(*e)
	})
}
