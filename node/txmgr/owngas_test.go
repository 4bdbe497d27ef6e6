package txmgr_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// estimateCounter counts gas estimates.
type estimateCounter struct {
	*client
	estimates atomic.Int32
}

func (c *estimateCounter) EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error) {
	c.estimates.Add(1)
	return c.client.EstimateGas(ctx, msg)
}

// TestCallWithGasIsSignedWithoutEstimate: a Call that sets its gas is
// signed with exactly that limit and not estimated; one that does not is
// estimated, with the margin Estimate also adds.
func TestCallWithGasIsSignedWithoutEstimate(t *testing.T) {
	e := newEnv(t)
	c := &estimateCounter{client: &client{Client: e.Chain}}
	s, _ := e.store()
	m := e.manager(c, s, nil)
	const set = 250_000
	calls := []txmgr.Call{
		{Purpose: "mint:set", To: &e.Dep.Token, Data: e.mint(1), Gas: set},
		{Purpose: "mint:estimated", To: &e.Dep.Token, Data: e.mint(2)},
	}
	want, err := m.Estimate(e.Ctx, calls[1])
	if err != nil {
		t.Fatal(err)
	}
	c.estimates.Store(0)
	for i, err := range m.SubmitAll(e.Ctx, calls) {
		if err != nil {
			t.Fatalf("%s: %v", calls[i].Purpose, err)
		}
	}
	if n := c.estimates.Load(); n != 1 {
		t.Fatalf("%d estimates for one call without gas and one with", n)
	}
	c.mu.Lock()
	sent := c.sent
	c.mu.Unlock()
	if len(sent) != 2 || sent[0].Gas() != set || sent[1].Gas() != want {
		t.Fatalf("signed %d transactions; gas %d and %d, want %d and %d", len(sent), sent[0].Gas(), sent[1].Gas(), set, want)
	}
}

// TestSettledByOwnLogTellsOursApart: a log of another transaction of the
// same purpose's deed (another account's) settles nothing and is not
// ours; our own log settles the record and is.
func TestSettledByOwnLogTellsOursApart(t *testing.T) {
	e := newEnv(t)
	s, _ := e.store()
	m := e.manager(&client{Client: e.Chain}, s, nil)
	call := txmgr.Call{Purpose: "mint:1", To: &e.Dep.Token, Data: e.mint(1)}
	if err := m.SubmitAll(e.Ctx, []txmgr.Call{call})[0]; err != nil {
		t.Fatal(err)
	}
	rec := record(t, s, call.Purpose)
	for _, c := range []struct {
		hash common.Hash
		ours bool
		want string
	}{{common.HexToHash("0x01"), false, persist.TxPending}, {common.Hash(rec.Hash), true, persist.TxMined}} {
		var ours bool
		if err := s.Update(e.Ctx, func(tx *persist.Tx) (err error) {
			ours, err = m.SettledByOwnLog(tx, call.Purpose, c.hash, 7)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := record(t, s, call.Purpose).Status; ours != c.ours || got != c.want {
			t.Fatalf("log of %s: ours %v, record %s; want %v and %s", c.hash, ours, got, c.ours, c.want)
		}
	}
	var ours bool
	if err := s.Update(e.Ctx, func(tx *persist.Tx) (err error) {
		ours, err = m.RevertedOwnLog(tx, call.Purpose, common.Hash(rec.Hash), 7)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := record(t, s, call.Purpose).Status; !ours || got != persist.TxPending {
		t.Fatalf("our log reverted: ours %v, record %s; want true and pending", ours, got)
	}
}
