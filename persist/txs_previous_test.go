package persist

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestTxRecordPrevious checks that the hashes a fee bump superseded survive
// a round trip, and that a record without any is written as before.
func TestTxRecordPrevious(t *testing.T) {
	s, err := Open(t.TempDir()+"/s.db", &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bumped := TxRecord{Purpose: "fill:0x01", Nonce: 3, Hash: ID{3}, Status: TxPending, Previous: []ID{{1}, {2}}}
	plain := TxRecord{Purpose: "fill:0x02", Nonce: 4, Hash: ID{4}, Status: TxMined}
	if err := s.Update(context.Background(), func(tx *Tx) error {
		if err := tx.PutTxRecord(bumped); err != nil {
			return err
		}
		return tx.PutTxRecord(plain)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(tx *Tx) error {
		for _, want := range []TxRecord{bumped, plain} {
			got, err := tx.TxRecord(want.Purpose)
			if err != nil {
				return err
			}
			if got.Hash != want.Hash || got.Nonce != want.Nonce || !slices.Equal(got.Previous, want.Previous) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b, err := plain.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `"previous"`) {
		t.Errorf("record without bumps writes previous: %s", b)
	}
}

// TestTxRecordsWithPrefix: a prefix walk gives one slot's fills, not a
// slot whose id merely starts the same, nor other purposes.
func TestTxRecordsWithPrefix(t *testing.T) {
	s, err := Open(t.TempDir()+"/s.db", &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	purposes := []string{"approve:fill:0xab:1", "fill:0xab:1", "fill:0xab:2", "fill:0xabc:1", "proof:0xab:1"}
	if err := s.Update(context.Background(), func(tx *Tx) error {
		for i, p := range purposes {
			if err := tx.PutTxRecord(TxRecord{Purpose: p, Nonce: uint64(i), Status: TxMined}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	s.View(func(tx *Tx) error {
		return tx.ForEachTxRecordWithPrefix("fill:0xab:", func(r TxRecord) error { got = append(got, r.Purpose); return nil })
	})
	if !slices.Equal(got, []string{"fill:0xab:1", "fill:0xab:2"}) {
		t.Fatalf("prefix fill:0xab: gave %v", got)
	}
}
