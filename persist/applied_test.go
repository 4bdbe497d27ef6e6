package persist

import (
	"errors"
	"testing"
)

// TestMigrateV4 opens a schema-4 store (no applied bucket) whose cursor
// remembers blocks: the migration adds the bucket empty, so the blocks
// applied before it have no stored logs (ErrNotFound, which the ingestor
// answers by asking the provider), and new ones can be stored and pruned.
func TestMigrateV4(t *testing.T) {
	s, path := openTemp(t, nil)
	cur := Cursor{Number: 12, Hash: ID{12}, Recent: []BlockRef{{Number: 10, Hash: ID{10}}, {Number: 11, Hash: ID{11}}}}
	update(t, s, func(tx *Tx) error { return tx.SetCursor(cur) })
	s = reopenAsSchema(t, s, path, 4, bucketApplied)
	if errs := s.Check(); errs != nil {
		t.Fatalf("check: %v", errs)
	}
	s.View(func(tx *Tx) error {
		if v, err := tx.Schema(); v != SchemaVersion || err != nil {
			t.Errorf("schema %d %v", v, err)
		}
		if c, err := tx.Cursor(); err != nil || c.Number != 12 || len(c.Recent) != 2 {
			t.Errorf("cursor after the migration %+v %v", c, err)
		}
		if _, err := tx.AppliedBlock(BlockRef{Number: 12, Hash: ID{12}}); !errors.Is(err, ErrNotFound) {
			t.Errorf("applied block of a migrated store: %v, want ErrNotFound", err)
		}
		return nil
	})
	log := AppliedLog{Topics: []ID{{1}, {2}}, Data: []byte{0, 1, 2}, TxHash: ID{3}, TxIndex: 4, Index: 5}
	update(t, s, func(tx *Tx) error {
		for n := uint64(13); n <= 16; n++ {
			if err := tx.PutAppliedBlock(AppliedBlock{Number: n, Hash: ID{byte(n)}, Logs: []AppliedLog{log}}); err != nil {
				return err
			}
		}
		return tx.PruneAppliedBlocks(15)
	})
	s.View(func(tx *Tx) error {
		for n := uint64(13); n <= 16; n++ {
			b, err := tx.AppliedBlock(BlockRef{Number: n, Hash: ID{byte(n)}})
			if n < 15 {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("block %d after pruning below 15: %v", n, err)
				}
				continue
			}
			if err != nil || b.Number != n || len(b.Logs) != 1 || b.Logs[0].Index != 5 || string(b.Logs[0].Data) != "\x00\x01\x02" || b.Logs[0].Topics[1] != (ID{2}) {
				t.Errorf("block %d: %+v %v", n, b, err)
			}
		}
		return nil
	})
}
