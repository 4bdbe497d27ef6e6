package txmgr_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// feeCounter counts the fee and nonce reads a batch makes.
type feeCounter struct {
	*client
	nonces atomic.Int32
}

func (c *feeCounter) PendingNonceAt(ctx context.Context, a common.Address) (uint64, error) {
	c.nonces.Add(1)
	return c.client.PendingNonceAt(ctx, a)
}

// TestSubmitAllSendsWithoutWaiting: SubmitAll signs and broadcasts a batch
// with one nonce read, returns before any is mined, sends nothing again
// for a purpose it already holds, and the background loop settles them.
// A call the chain refuses gets its decoded error and no record.
func TestSubmitAllSendsWithoutWaiting(t *testing.T) {
	e := newEnv(t)
	c := &feeCounter{client: &client{Client: e.Chain}}
	s, _ := e.store()
	m := e.manager(c, s, nil)
	before, reads := e.nonce(), c.nonces.Load() // Start read it once
	var calls []txmgr.Call
	for i := range 5 {
		calls = append(calls, txmgr.Call{Purpose: fmt.Sprintf("mint:%d", i), To: &e.Dep.Token, Data: e.mint(int64(i + 1))})
	}
	// The account holds 15 tokens at most: this transfer reverts in its estimate.
	to := crypto.PubkeyToAddress(e.other.PublicKey)
	calls = append(calls, txmgr.Call{Purpose: "bad", To: &e.Dep.Token, Data: bindings.NewTestToken().PackTransfer(to, big.NewInt(1_000_000))})
	errs := m.SubmitAll(e.Ctx, calls)
	for i, err := range errs[:5] {
		if err != nil {
			t.Fatalf("%s: %v", calls[i].Purpose, err)
		}
	}
	if !errors.Is(errs[5], contracts.ErrInsufficientBalance) {
		t.Fatalf("refused call: got %v, want a decoded contract error", errs[5])
	}
	if n := c.nonces.Load() - reads; n != 1 {
		t.Fatalf("%d nonce reads for a batch of 5", n)
	}
	if len(c.sends()) != 5 {
		t.Fatalf("%d broadcasts for 5 calls", len(c.sends()))
	}
	// Again: every purpose has its record, nothing is sent.
	for i, err := range m.SubmitAll(e.Ctx, calls[:5]) {
		if err != nil {
			t.Fatalf("%s again: %v", calls[i].Purpose, err)
		}
	}
	if len(c.sends()) != 5 {
		t.Fatalf("a second SubmitAll of the same purposes broadcast %d more", len(c.sends())-5)
	}
	e.Commit()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; i < 5; {
		r := record(t, s, calls[i].Purpose)
		if r.Status == persist.TxMined {
			i++
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still %s", calls[i].Purpose, r.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := e.nonce() - before; got != 5 {
		t.Fatalf("account sent %d transactions for 5 purposes", got)
	}
}
