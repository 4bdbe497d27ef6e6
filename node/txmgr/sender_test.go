package txmgr_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// TestStartTellsAPreviousKeysRecordsApart: records name the account that
// signed them, and a manager started with another key settles a previous
// key's pending records (abandoned: never mined) whether they name their
// sender or were written before records did (its signature is recovered
// then), and signs its own next transaction at its own account's nonce.
func TestStartTellsAPreviousKeysRecordsApart(t *testing.T) {
	e := newEnv(t)
	s, path := e.store()
	lost := &client{Client: e.Chain, swallow: func(int, *types.Transaction) bool { return true }}
	m1 := e.manager(lost, s, func(c *txmgr.Config) { c.Key = e.other })
	for _, p := range []string{"fill:0x01", "fill:0x02"} {
		ctx, cancel := context.WithTimeout(e.Ctx, 100*time.Millisecond)
		_, err := m1.Send(ctx, p, &e.Dep.Token, e.mint(1))
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s: got %v, want a timeout", p, err)
		}
	}
	m1.Stop()
	named := record(t, s, "fill:0x01")
	if named.From != persist.Address(m1.From()) || named.Status != persist.TxPending {
		t.Fatalf("record names %s as its sender (status %s), want %s", named.From, named.Status, m1.From())
	}
	// The second as a record from before records named their sender.
	unnamed := record(t, s, "fill:0x02")
	unnamed.From = persist.Address{}
	if err := s.Update(e.Ctx, func(tx *persist.Tx) error { return tx.PutTxRecord(unnamed) }); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2 := e.open(path)
	before := e.nonce()
	m2 := e.manager(e.Chain, s2, nil)
	for _, p := range []string{"fill:0x01", "fill:0x02"} {
		if r := record(t, s2, p); r.Status != persist.TxAbandoned {
			t.Fatalf("%s of the previous key is %s after Start, want abandoned", p, r.Status)
		}
	}
	if _, err := m2.Send(e.Ctx, "fill:0x03", &e.Dep.Token, e.mint(1)); err != nil {
		t.Fatal(err)
	}
	r := record(t, s2, "fill:0x03")
	if r.Nonce != before || r.From != persist.Address(e.addr) {
		t.Fatalf("new key's transaction at nonce %d naming %s, want nonce %d naming %s", r.Nonce, r.From, before, e.addr)
	}
}
