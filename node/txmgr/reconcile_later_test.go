package txmgr_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// TestReconcileLaterSettlesInTheBackground: with ReconcileLater a record
// mined while the node was down is settled by the loop after Start
// returns, and a Send of its purpose right after Start sends nothing new.
func TestReconcileLaterSettlesInTheBackground(t *testing.T) {
	e := newEnv(t)
	s, path := e.store()
	m1 := e.manager(e.Chain, s, nil)
	e.miner.paused.Store(true)
	ctx, cancel := context.WithTimeout(e.Ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := m1.Send(ctx, "proof:0x04:3", &e.Dep.Token, e.mint(7)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a timeout", err)
	}
	m1.Stop()
	s.Close()
	e.Mine(1)

	s2 := e.open(path)
	c := &client{Client: e.Chain}
	m2 := e.manager(c, s2, func(cfg *txmgr.Config) { cfg.ReconcileLater = true })
	if _, err := m2.Send(e.Ctx, "proof:0x04:3", &e.Dep.Token, e.mint(7)); err != nil {
		t.Fatal(err)
	}
	if n := len(c.sends()); n != 0 {
		t.Fatalf("restart sent %d transactions for a mined purpose", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := record(t, s2, "proof:0x04:3")
		if r.Status == persist.TxMined && r.Block != 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("record still %s at block %d, want mined", r.Status, r.Block)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
