package persist

import (
	"errors"
	"testing"
)

// TestLedgerRoundTrip stores a request and its slots, reads them back
// (amounts included), and deletes the request with its slots, leaving
// another request's alone.
func TestLedgerRoundTrip(t *testing.T) {
	s, _ := openTemp(t, nil)
	r := LedgerRequest{RequestID: slotN(1), Slots: 3, SlotSize: 256, Duration: 100, ProofProbability: amount(4),
		PricePerBytePerSecond: amount(5), CollateralPerByte: amount(6), Expiry: 50, End: 120, Block: 7}
	update(t, s, func(tx *Tx) error {
		if err := tx.PutLedgerRequest(r); err != nil {
			return err
		}
		if err := tx.PutLedgerRequest(LedgerRequest{RequestID: slotN(2), Expiry: 9}); err != nil {
			return err
		}
		for _, sl := range []LedgerSlot{{RequestID: slotN(1), Index: 2, Host: "0xab", Filled: true, Block: 8},
			{RequestID: slotN(1), Index: 0, Host: "0xcd", Block: 9}, {RequestID: slotN(2), Index: 0, Filled: true}} {
			if err := tx.PutLedgerSlot(sl); err != nil {
				return err
			}
		}
		return nil
	})
	err := s.View(func(tx *Tx) error {
		got, err := tx.LedgerRequest(slotN(1))
		if err != nil || got.RequestID != r.RequestID || got.CollateralPerByte.Int64() != 6 || got.End != 120 {
			t.Errorf("request %+v %v", got, err)
		}
		var idx []uint64
		if err := tx.ForEachLedgerSlot(slotN(1), func(sl LedgerSlot) error { idx = append(idx, sl.Index); return nil }); err != nil {
			return err
		}
		if len(idx) != 2 || idx[0] != 0 || idx[1] != 2 {
			t.Errorf("slots %v, want [0 2]", idx)
		}
		if sl, err := tx.LedgerSlot(slotN(1), 2); err != nil || sl.Host != "0xab" || !sl.Filled {
			t.Errorf("slot %+v %v", sl, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	update(t, s, func(tx *Tx) error {
		ok, err := tx.DeleteLedgerRequest(slotN(1))
		if !ok || err != nil {
			t.Errorf("delete: %v %v", ok, err)
		}
		return err
	})
	s.View(func(tx *Tx) error {
		if _, err := tx.LedgerSlot(slotN(1), 2); !errors.Is(err, ErrNotFound) {
			t.Errorf("slot of the deleted request: %v", err)
		}
		if _, err := tx.LedgerSlot(slotN(2), 0); err != nil {
			t.Errorf("the other request's slot: %v", err)
		}
		return nil
	})
}

// TestLedgerState follows the contract's requestState over chain time.
func TestLedgerState(t *testing.T) {
	r := LedgerRequest{Expiry: 10, End: 100}
	for _, c := range []struct {
		r    LedgerRequest
		now  uint64
		want string
	}{
		{r, 10, LedgerNew}, {r, 11, LedgerCancelled},
		{LedgerRequest{Expiry: 10, End: 100, Fulfilled: true}, 100, LedgerStarted},
		{LedgerRequest{Expiry: 10, End: 100, Fulfilled: true}, 101, LedgerFinished},
		{LedgerRequest{Expiry: 10, End: 100, Fulfilled: true, Failed: true}, 50, LedgerFailed},
		{LedgerRequest{Expiry: 10, Cancelled: true}, 5, LedgerCancelled},
	} {
		if got := c.r.State(c.now); got != c.want {
			t.Errorf("%+v at %d: %s, want %s", c.r, c.now, got, c.want)
		}
	}
}

// TestMigrateV2 opens a schema-2 store (no ledger buckets): the migration
// adds them and keeps what was there.
func TestMigrateV2(t *testing.T) {
	s, path := openTemp(t, nil)
	update(t, s, func(tx *Tx) error { return tx.SetCursor(Cursor{Number: 42}) })
	s = reopenAsSchema(t, s, path, 2, bucketLedger, bucketLedgerSlots, bucketValidator)
	err := s.View(func(tx *Tx) error {
		if v, err := tx.Schema(); v != SchemaVersion || err != nil {
			t.Errorf("schema %d %v", v, err)
		}
		if c, err := tx.Cursor(); err != nil || c.Number != 42 {
			t.Errorf("cursor %+v %v", c, err)
		}
		if err := tx.ForEachWatchedSlot(func(WatchedSlot) error { return nil }); err != nil {
			return err
		}
		return tx.ForEachLedgerRequest(func(LedgerRequest) error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
}
