package ledger_test

import (
	"math/big"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/slotd/slotd/node/ledger"
	"github.com/slotd/slotd/persist"
)

// TestPrunerDropsEndedRequests: requests that finished, were cancelled
// (by event or by expiry) or failed more than the retention ago leave the
// ledger with their slots; live ones, and ended ones still within the
// retention, stay with theirs. A second pass finds nothing more.
func TestPrunerDropsEndedRequests(t *testing.T) {
	store, err := persist.Open(filepath.Join(t.TempDir(), "slotd.db"), &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	const now, retain = 1_000_000, 3600
	type req struct {
		name  string
		r     persist.LedgerRequest
		prune bool
	}
	reqs := []req{
		{"finished long ago", persist.LedgerRequest{Fulfilled: true, Expiry: 1000, End: now - retain - 1}, true},
		{"finished recently", persist.LedgerRequest{Fulfilled: true, Expiry: 1000, End: now - 10}, false},
		{"expired unfilled long ago", persist.LedgerRequest{Expiry: now - retain - 5, End: now + 50_000}, true},
		{"cancelled long ago", persist.LedgerRequest{Cancelled: true, Expiry: now - retain, End: now + 50_000}, true},
		{"expired recently", persist.LedgerRequest{Expiry: now - 60, End: now + 50_000}, false},
		{"started", persist.LedgerRequest{Fulfilled: true, Expiry: 1000, End: now + 1000}, false},
		{"new", persist.LedgerRequest{Expiry: now + 100, End: now + 50_000}, false},
		{"failed, end ahead", persist.LedgerRequest{Failed: true, Fulfilled: true, Expiry: 1000, End: now + 5000}, false},
		{"failed, ended long ago", persist.LedgerRequest{Failed: true, Fulfilled: true, Expiry: 1000, End: now - retain - 1}, true},
		{"failed, end never read", persist.LedgerRequest{Failed: true, Expiry: 1000}, false},
	}
	ctx := t.Context()
	if err := store.Update(ctx, func(tx *persist.Tx) error {
		if err := tx.SetCursor(persist.Cursor{Number: 100, Time: now}); err != nil {
			return err
		}
		for i := range reqs {
			r := &reqs[i].r
			r.RequestID = persist.ID{byte(i + 1)}
			r.Slots, r.ProofProbability, r.PricePerBytePerSecond, r.CollateralPerByte = 2, big.NewInt(1), big.NewInt(1), big.NewInt(1)
			if err := tx.PutLedgerRequest(*r); err != nil {
				return err
			}
			for s := range uint64(2) {
				if err := tx.PutLedgerSlot(persist.LedgerSlot{RequestID: r.RequestID, Index: s, Filled: true, Host: "0x01"}); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p := ledger.NewPruner(store, retain*time.Second, 0, nil)
	n, err := p.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range reqs {
		if !r.prune {
			want = append(want, r.name)
		}
	}
	if n != len(reqs)-len(want) {
		t.Errorf("pruned %d requests, want %d", n, len(reqs)-len(want))
	}
	var kept []string
	if err := store.View(func(tx *persist.Tx) error {
		for _, r := range reqs {
			_, err := tx.LedgerRequest(r.r.RequestID)
			slots := 0
			tx.ForEachLedgerSlot(r.r.RequestID, func(persist.LedgerSlot) error { slots++; return nil })
			switch {
			case err == nil && slots == 2:
				kept = append(kept, r.name)
			case err == nil || slots != 0:
				t.Errorf("%s: half pruned (request: %v, %d slots)", r.name, err, slots)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(kept, want) {
		t.Errorf("kept %q, want %q", kept, want)
	}
	if n, err := p.Prune(ctx); n != 0 || err != nil {
		t.Errorf("second pass: pruned %d (%v), want none", n, err)
	}
}
