package txmgr_test

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// TestSettledRecordsArePruned: records that settled more than Retain ago
// leave the store, including ones written before records said when they
// settled; pending ones stay however old; and within Retain a second Send
// of a purpose still returns the first receipt.
func TestSettledRecordsArePruned(t *testing.T) {
	e := newEnv(t)
	s, _ := e.store()
	const retain = time.Second
	m := e.manager(e.Chain, s, func(c *txmgr.Config) { c.Retain = retain })

	rc1, err := m.Send(e.Ctx, "mint:mined", &e.Dep.Token, e.mint(2))
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	rc2, err := m.Send(e.Ctx, "mint:mined", &e.Dep.Token, e.mint(2))
	if err != nil {
		t.Fatal(err)
	}
	// A machine that stalled past Retain between the two may have pruned
	// the record in between; only a prompt second Send must reuse it.
	if rc1.TxHash != rc2.TxHash && time.Since(sent) < retain/2 {
		t.Fatalf("second Send within Retain sent %s after %s", rc2.TxHash, rc1.TxHash)
	}
	if r := record(t, s, "mint:mined"); r.Settled.IsZero() {
		t.Fatalf("mined record without its settle time: %+v", r)
	}

	e.miner.paused.Store(true) // from here on nothing is mined
	ctx, cancel := context.WithTimeout(e.Ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := m.Send(ctx, "mint:pending", &e.Dep.Token, e.mint(1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a timeout", err)
	}
	waitFor(t, func() bool { return gone(t, s, "mint:mined") })

	// A record from before Settled existed, settled long ago, put in once
	// the pending record is older than Retain: when it is gone, a pass
	// has looked at the old pending record and kept it.
	time.Sleep(retain)
	legacy := persist.TxRecord{Purpose: "mint:legacy", Status: persist.TxFailed, Block: 1,
		Sent: time.Now().Add(-48 * time.Hour).UTC(), Value: new(big.Int), GasFeeCap: new(big.Int), GasTipCap: new(big.Int)}
	if err := s.Update(e.Ctx, func(tx *persist.Tx) error { return tx.PutTxRecord(legacy) }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return gone(t, s, "mint:legacy") })
	if r := record(t, s, "mint:pending"); r.Status != persist.TxPending {
		t.Fatalf("pending record became %+v", r)
	}
}

func gone(t *testing.T, s *persist.Store, purpose string) bool {
	t.Helper()
	_, err := recordErr(s, purpose)
	if err != nil && !errors.Is(err, persist.ErrNotFound) {
		t.Fatal(err)
	}
	return errors.Is(err, persist.ErrNotFound)
}
