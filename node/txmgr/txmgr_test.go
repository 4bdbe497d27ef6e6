package txmgr_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// TestSamePurposeTwiceIsOneTransaction: sequential and concurrent Sends of
// one purpose produce one transaction; distinct purposes sent concurrently
// get distinct, gapless nonces.
func TestSamePurposeTwiceIsOneTransaction(t *testing.T) {
	e := newEnv(t)
	c := &client{Client: e.Chain}
	s, _ := e.store()
	m := e.manager(c, s, nil)
	before := e.nonce()

	rc1, err := m.Send(e.Ctx, "mint:1", &e.Dep.Token, e.mint(1))
	if err != nil {
		t.Fatal(err)
	}
	rc2, err := m.Send(e.Ctx, "mint:1", &e.Dep.Token, e.mint(1))
	if err != nil {
		t.Fatal(err)
	}
	if rc1.TxHash != rc2.TxHash || len(c.sends()) != 1 {
		t.Fatalf("second Send of a mined purpose made %d broadcasts, receipts %s %s", len(c.sends()), rc1.TxHash, rc2.TxHash)
	}

	// Eight goroutines, two purposes each sent four times at once.
	var wg sync.WaitGroup
	hashes := make([]common.Hash, 8)
	for i := range hashes {
		wg.Go(func() {
			rc, err := m.Send(e.Ctx, fmt.Sprintf("mint:c%d", i%2), &e.Dep.Token, e.mint(int64(i)))
			if err != nil {
				t.Error(err)
				return
			}
			hashes[i] = rc.TxHash
		})
	}
	wg.Wait()
	for i := range hashes {
		if hashes[i] != hashes[i%2] {
			t.Fatalf("purpose mint:c%d got two transactions: %s and %s", i%2, hashes[i%2], hashes[i])
		}
	}
	if got := e.nonce() - before; got != 3 {
		t.Fatalf("account sent %d transactions for 3 purposes", got)
	}
	var nonces []uint64
	for _, p := range []string{"mint:1", "mint:c0", "mint:c1"} {
		r := record(t, s, p)
		if r.Status != persist.TxMined {
			t.Fatalf("%s is %s", p, r.Status)
		}
		nonces = append(nonces, r.Nonce)
	}
	slices.Sort(nonces)
	if !slices.Equal(nonces, []uint64{before, before + 1, before + 2}) {
		t.Fatalf("nonces %v, want %d..%d", nonces, before, before+2)
	}
}

// TestEstimateRevertPersistsNothing: a call that would revert fails before
// signing, with the decoded contract error, and leaves no record.
func TestEstimateRevertPersistsNothing(t *testing.T) {
	e := newEnv(t)
	s, _ := e.store()
	m := e.manager(e.Chain, s, nil)
	to := crypto.PubkeyToAddress(e.other.PublicKey)
	_, err := m.Send(e.Ctx, "transfer:x", &e.Dep.Token, bindings.NewTestToken().PackTransfer(to, big.NewInt(1)))
	if !errors.Is(err, contracts.ErrInsufficientBalance) {
		t.Fatalf("got %v, want ErrInsufficientBalance", err)
	}
	s.View(func(tx *persist.Tx) error {
		if _, err := tx.TxRecord("transfer:x"); !errors.Is(err, persist.ErrNotFound) {
			t.Fatalf("record after a failed estimate: %v", err)
		}
		return nil
	})
}

// TestMinedRevertReturnsReceiptAndError: two transfers of the whole balance
// pass estimation, land in one block, and the second reverts: its Send
// returns the receipt and the decoded error, and so does a later Send of the
// same purpose, without sending again.
func TestMinedRevertReturnsReceiptAndError(t *testing.T) {
	e := newEnv(t)
	c := &client{Client: e.Chain}
	s, _ := e.store()
	m := e.manager(c, s, nil)
	if _, err := m.Send(e.Ctx, "mint", &e.Dep.Token, e.mint(100)); err != nil {
		t.Fatal(err)
	}
	to := crypto.PubkeyToAddress(e.other.PublicKey)
	e.miner.paused.Store(true)
	type result struct {
		rc  *types.Receipt
		err error
	}
	results := make([]result, 2)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			rc, err := m.Send(e.Ctx, fmt.Sprintf("transfer:%d", i), &e.Dep.Token, bindings.NewTestToken().PackTransfer(to, big.NewInt(100)))
			results[i] = result{rc, err}
		})
	}
	waitFor(t, func() bool {
		p, _ := e.Chain.PendingNonceAt(e.Ctx, e.addr)
		return p == e.nonce()+2
	})
	e.miner.paused.Store(false)
	wg.Wait()
	failed := -1
	for i, r := range results {
		if r.rc == nil {
			t.Fatalf("transfer %d: no receipt (%v)", i, r.err)
		}
		if r.err != nil {
			failed = i
		}
	}
	if failed < 0 || !errors.Is(results[failed].err, contracts.ErrInsufficientBalance) || results[failed].rc.Status != types.ReceiptStatusFailed {
		t.Fatalf("results %+v, want one reverted with ErrInsufficientBalance", results)
	}
	if r := record(t, s, fmt.Sprintf("transfer:%d", failed)); r.Status != persist.TxFailed {
		t.Fatalf("record is %s, want failed", r.Status)
	}
	sends := len(c.sends())
	rc, err := m.Send(e.Ctx, fmt.Sprintf("transfer:%d", failed), &e.Dep.Token, nil)
	if !errors.Is(err, contracts.ErrInsufficientBalance) || rc.TxHash != results[failed].rc.TxHash || len(c.sends()) != sends {
		t.Fatalf("resend of a reverted purpose: %v %v, %d new broadcasts", rc, err, len(c.sends())-sends)
	}
}

// TestRestartRebroadcastsPendingTransaction: the first run persists the
// intent but its broadcast is lost (as if the node died right after the
// store write); the next run finds it pending, broadcasts the same signed
// bytes, and a Send of the purpose returns that transaction: same hash,
// same nonce, one transaction on chain.
func TestRestartRebroadcastsPendingTransaction(t *testing.T) {
	e := newEnv(t)
	lost := &client{Client: e.Chain, swallow: func(int, *types.Transaction) bool { return true }}
	s, path := e.store()
	m1 := e.manager(lost, s, nil)
	before := e.nonce()
	ctx, cancel := context.WithTimeout(e.Ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := m1.Send(ctx, "fill:0x01", &e.Dep.Token, e.mint(7)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a timeout", err)
	}
	m1.Stop()
	s.Close()
	s2 := e.open(path) // reopen: the process restarted
	pending := record(t, s2, "fill:0x01")
	if pending.Status != persist.TxPending || pending.Nonce != before {
		t.Fatalf("record %+v", pending)
	}
	c := &client{Client: e.Chain}
	m2 := e.manager(c, s2, nil)
	if got := c.sends(); len(got) != 1 || got[0] != common.Hash(pending.Hash) {
		t.Fatalf("restart broadcast %v, want only the pending %s", got, common.Hash(pending.Hash))
	}
	rc, err := m2.Send(e.Ctx, "fill:0x01", &e.Dep.Token, e.mint(7))
	if err != nil {
		t.Fatal(err)
	}
	if rc.TxHash != common.Hash(pending.Hash) || e.nonce() != before+1 || len(c.sends()) != 1 {
		t.Fatalf("mined %s (want %s), account nonce %d (want %d), %d broadcasts",
			rc.TxHash, common.Hash(pending.Hash), e.nonce(), before+1, len(c.sends()))
	}
}

// TestRestartReconcilesMinedWhileDown: the transaction was broadcast, the
// node stopped, and it was mined meanwhile; Start marks it mined from its
// receipt and sends nothing.
func TestRestartReconcilesMinedWhileDown(t *testing.T) {
	e := newEnv(t)
	s, path := e.store()
	m1 := e.manager(e.Chain, s, nil)
	e.miner.paused.Store(true)
	ctx, cancel := context.WithTimeout(e.Ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := m1.Send(ctx, "proof:0x02:17", &e.Dep.Token, e.mint(7)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a timeout", err)
	}
	m1.Stop()
	s.Close()
	e.Mine(1)

	s2 := e.open(path)
	c := &client{Client: e.Chain}
	m2 := e.manager(c, s2, nil)
	if r := record(t, s2, "proof:0x02:17"); r.Status != persist.TxMined || r.Block == 0 {
		t.Fatalf("after restart the record is %s at block %d, want mined", r.Status, r.Block)
	}
	if _, err := m2.Send(e.Ctx, "proof:0x02:17", &e.Dep.Token, e.mint(7)); err != nil {
		t.Fatal(err)
	}
	if n := len(c.sends()); n != 0 {
		t.Fatalf("restart sent %d transactions for a mined purpose", n)
	}
}

// TestRestartMarksReplacedWhenNonceTaken: while the node was down its
// pending transaction's nonce went to another transaction signed with the
// same key (an operator's wallet, say). The record can never be mined, so
// Start marks it replaced, and a Send of the purpose signs anew with the
// next nonce: the two can never both succeed.
func TestRestartMarksReplacedWhenNonceTaken(t *testing.T) {
	e := newEnv(t)
	lost := &client{Client: e.Chain, swallow: func(int, *types.Transaction) bool { return true }}
	s, path := e.store()
	m1 := e.manager(lost, s, nil)
	ctx, cancel := context.WithTimeout(e.Ctx, 200*time.Millisecond)
	defer cancel()
	m1.Send(ctx, "free:0x03", &e.Dep.Token, e.mint(1))
	m1.Stop()
	s.Close()

	s2 := e.open(path)
	old := record(t, s2, "free:0x03")
	chainID, _ := e.Chain.ChainID(e.Ctx)
	head, _ := e.Chain.HeaderByNumber(e.Ctx, nil)
	other := types.MustSignNewTx(e.key, types.LatestSignerForChainID(chainID), &types.DynamicFeeTx{
		ChainID: chainID, Nonce: old.Nonce, To: &common.Address{1}, Gas: 21000,
		GasTipCap: big.NewInt(1e9), GasFeeCap: new(big.Int).Add(big.NewInt(1e9), new(big.Int).Mul(head.BaseFee, big.NewInt(2))),
	})
	if err := e.Chain.SendTransaction(e.Ctx, other); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return e.nonce() > old.Nonce })
	e.Mine(3) // NonceDepth

	m2 := e.manager(e.Chain, s2, nil)
	if r := record(t, s2, "free:0x03"); r.Status != persist.TxReplaced {
		t.Fatalf("record is %s, want replaced", r.Status)
	}
	rc, err := m2.Send(e.Ctx, "free:0x03", &e.Dep.Token, e.mint(1))
	if err != nil {
		t.Fatal(err)
	}
	if r := record(t, s2, "free:0x03"); r.Nonce != old.Nonce+1 || rc.TxHash == common.Hash(old.Hash) {
		t.Fatalf("new transaction has nonce %d, want %d", r.Nonce, old.Nonce+1)
	}
	if _, err := e.Chain.TransactionReceipt(e.Ctx, common.Hash(old.Hash)); !errors.Is(err, ethereum.NotFound) {
		t.Fatalf("replaced transaction has a receipt: %v", err)
	}
}

// TestFeeBumpReplacesLostTransaction: the provider loses the first
// broadcast; after BumpAfter the manager re-signs at the same nonce with
// fees raised by at least 10%, and that one is mined.
func TestFeeBumpReplacesLostTransaction(t *testing.T) {
	e := newEnv(t)
	c := &client{Client: e.Chain, swallow: func(n int, _ *types.Transaction) bool { return n == 1 }}
	s, _ := e.store()
	m := e.manager(c, s, func(cfg *txmgr.Config) { cfg.BumpAfter = 300 * time.Millisecond })
	rc, err := m.Send(e.Ctx, "fill:0x04", &e.Dep.Token, e.mint(1))
	if err != nil {
		t.Fatal(err)
	}
	first := c.sends()[0]
	r := record(t, s, "fill:0x04")
	if rc.TxHash == first || len(r.Previous) != 1 || common.Hash(r.Previous[0]) != first || common.Hash(r.Hash) != rc.TxHash {
		t.Fatalf("mined %s, first %s, record %+v", rc.TxHash, first, r)
	}
	checkBump(t, e, c, first, rc.TxHash)
}

// TestFeeBumpReplacesTransactionInPool: the transaction sits in the pool
// unmined; the bump must satisfy the pool's replacement rule (+10% on both
// fees), and the replacement is what gets mined.
func TestFeeBumpReplacesTransactionInPool(t *testing.T) {
	e := newEnv(t)
	c := &client{Client: e.Chain}
	s, _ := e.store()
	m := e.manager(c, s, func(cfg *txmgr.Config) { cfg.BumpAfter = 200 * time.Millisecond; cfg.BumpPercent = 10 })
	e.miner.paused.Store(true)
	done := make(chan *types.Receipt, 1)
	go func() {
		rc, err := m.Send(e.Ctx, "fill:0x05", &e.Dep.Token, e.mint(1))
		if err != nil {
			t.Error(err)
		}
		done <- rc
	}()
	var bumped persist.TxRecord
	waitFor(t, func() bool {
		var err error
		e.Lock()
		defer e.Unlock()
		s.View(func(tx *persist.Tx) error { bumped, err = tx.TxRecord("fill:0x05"); return nil })
		if err != nil || len(bumped.Previous) != 1 {
			return false
		}
		// The pool accepted the replacement (+10% on both fees).
		_, pending, err := e.Chain.TransactionByHash(e.Ctx, common.Hash(bumped.Hash))
		return err == nil && pending
	})
	e.miner.paused.Store(false)
	rc := <-done
	if rc == nil || rc.TxHash != common.Hash(bumped.Hash) {
		t.Fatalf("mined %v, want the replacement %s", rc, common.Hash(bumped.Hash))
	}
	checkBump(t, e, c, common.Hash(bumped.Previous[0]), rc.TxHash)
}

// TestOlderSigningMined: the original is in the pool and the bump's
// broadcasts are lost, so the original is mined: Send finds it among the
// purpose's hashes.
func TestOlderSigningMined(t *testing.T) {
	e := newEnv(t)
	c := &client{Client: e.Chain, swallow: func(n int, _ *types.Transaction) bool { return n > 1 }}
	s, _ := e.store()
	m := e.manager(c, s, func(cfg *txmgr.Config) { cfg.BumpAfter = 100 * time.Millisecond })
	e.miner.paused.Store(true)
	go func() {
		// Mine once the bump is signed (the loop gives up with the test).
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if r, err := recordErr(s, "fill:0x06"); err == nil && len(r.Previous) > 0 {
				break
			}
		}
		e.miner.paused.Store(false)
	}()
	rc, err := m.Send(e.Ctx, "fill:0x06", &e.Dep.Token, e.mint(1))
	if err != nil {
		t.Fatal(err)
	}
	r := record(t, s, "fill:0x06")
	if rc.TxHash != common.Hash(r.Previous[0]) || r.Status != persist.TxMined {
		t.Fatalf("mined %s, record %+v: want the original", rc.TxHash, r)
	}
}

// checkBump checks that replacement has old's nonce and at least +10% on
// both fees, and that old was not mined.
func checkBump(t *testing.T, e *env, c *client, old, replacement common.Hash) {
	t.Helper()
	a, b := c.tx(old), c.tx(replacement)
	if a == nil || b == nil {
		t.Fatalf("broadcasts %v lack %s or %s", c.sends(), old, replacement)
	}
	if a.Nonce() != b.Nonce() {
		t.Fatalf("replacement has nonce %d, original %d", b.Nonce(), a.Nonce())
	}
	atLeast := func(what string, x, y *big.Int) {
		min := new(big.Int).Div(new(big.Int).Mul(x, big.NewInt(110)), big.NewInt(100))
		if y.Cmp(min) < 0 {
			t.Fatalf("%s bumped from %s to %s, less than +10%%", what, x, y)
		}
	}
	atLeast("tip", a.GasTipCap(), b.GasTipCap())
	atLeast("fee cap", a.GasFeeCap(), b.GasFeeCap())
	if _, err := e.Chain.TransactionReceipt(e.Ctx, old); !errors.Is(err, ethereum.NotFound) {
		t.Fatalf("replaced transaction %s has a receipt (%v)", old, err)
	}
}

func recordErr(s *persist.Store, purpose string) (persist.TxRecord, error) {
	var r persist.TxRecord
	err := s.View(func(tx *persist.Tx) error {
		var err error
		r, err = tx.TxRecord(purpose)
		return err
	})
	return r, err
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestReorgedOutTransactionIsSentAgainUnchanged: a mined transaction's block
// leaves the chain; the next Send of its purpose notices the receipt is gone
// and gets the same signed transaction mined again, not a new one.
func TestReorgedOutTransactionIsSentAgainUnchanged(t *testing.T) {
	e := newEnv(t)
	c := &client{Client: e.Chain}
	s, _ := e.store()
	m := e.manager(c, s, nil)
	parent, err := e.Chain.HeaderByNumber(e.Ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := m.Send(e.Ctx, "mint:reorg", &e.Dep.Token, e.mint(5))
	if err != nil {
		t.Fatal(err)
	}
	forkOut(t, e, parent, rc.TxHash)
	m.Reorged() // as the node's ingestor does: without it the orphan waits for the hourly rebroadcast, and a rebroadcast the loop made during the fork may have been dropped with the pool

	rc2, err := m.Send(e.Ctx, "mint:reorg", &e.Dep.Token, e.mint(5))
	if err != nil {
		t.Fatal(err)
	}
	if rc2.TxHash != rc.TxHash || rc2.BlockHash == rc.BlockHash {
		t.Fatalf("after the reorg mined %s in %s; before %s in %s", rc2.TxHash, rc2.BlockHash, rc.TxHash, rc.BlockHash)
	}
	if sends := c.sends(); len(sends) != 2 || sends[1] != rc.TxHash {
		t.Fatalf("broadcasts %v, want the same transaction twice", sends)
	}
}

// forkOut reorganises the chain onto a branch from parent and drops what
// the pool took back from the orphaned blocks, so that only the manager can
// bring tx back.
func forkOut(t *testing.T, e *env, parent *types.Header, tx common.Hash) {
	t.Helper()
	e.miner.paused.Store(true)
	e.Lock()
	if err := e.Sim.Fork(parent.Hash()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { p, _ := e.Chain.PendingNonceAt(e.Ctx, e.addr); return p > e.nonce() })
	for p, _ := e.Chain.PendingNonceAt(e.Ctx, e.addr); p > e.nonce(); p, _ = e.Chain.PendingNonceAt(e.Ctx, e.addr) {
		e.Sim.Rollback()
		time.Sleep(5 * time.Millisecond)
	}
	e.Sim.Commit()
	e.Sim.Commit()
	e.Unlock()
	if _, err := e.Chain.TransactionReceipt(e.Ctx, tx); !errors.Is(err, ethereum.NotFound) {
		t.Fatalf("receipt still there after the reorg: %v", err)
	}
	e.miner.paused.Store(false)
}

// TestReorgedOutTransactionIsRevived: a mined transaction that a
// reorganisation took out, and that the pool lost, is rebroadcast by the
// manager's loop on its own (nobody sends its purpose again): otherwise its
// nonce would block every later transaction of the account. The node was
// down during the reorganisation, so that the test, not the loop, decides
// when the transaction is gone.
func TestReorgedOutTransactionIsRevived(t *testing.T) {
	e := newEnv(t)
	s, _ := e.store()
	m1 := e.manager(e.Chain, s, nil)
	parent, err := e.Chain.HeaderByNumber(e.Ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := m1.Send(e.Ctx, "mint:orphan", &e.Dep.Token, e.mint(5))
	if err != nil {
		t.Fatal(err)
	}
	m1.Stop()
	forkOut(t, e, parent, rc.TxHash)
	forked, _ := e.Chain.BlockNumber(e.Ctx)

	c := &client{Client: e.Chain}
	m2 := e.manager(c, s, func(cfg *txmgr.Config) { cfg.RebroadcastInterval = 50 * time.Millisecond })
	waitFor(t, func() bool {
		again, err := e.Chain.TransactionReceipt(e.Ctx, rc.TxHash)
		return err == nil && again.BlockNumber.Uint64() > forked && record(t, s, "mint:orphan").Status == persist.TxMined
	})
	sends := c.sends()
	for _, h := range sends {
		if h != rc.TxHash {
			t.Fatalf("broadcasts %v, want only %s", sends, rc.TxHash)
		}
	}
	if len(sends) == 0 {
		t.Fatal("the transaction came back without a broadcast")
	}
	// The account is not stuck: a new purpose goes through.
	if _, err := m2.Send(e.Ctx, "mint:after", &e.Dep.Token, e.mint(1)); err != nil {
		t.Fatal(err)
	}
}

func TestSendBeforeStart(t *testing.T) {
	e := newEnv(t)
	s, _ := e.store()
	m, err := txmgr.New(txmgr.Config{Client: e.Chain, Store: s, Key: e.key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Send(e.Ctx, "x", &e.Dep.Token, nil); !errors.Is(err, txmgr.ErrNotStarted) {
		t.Fatalf("got %v, want ErrNotStarted", err)
	}
	if _, err := txmgr.New(txmgr.Config{Client: e.Chain, Store: s, Key: e.key, BumpPercent: 5}); err == nil {
		t.Fatal("a 5% bump, which geth's pool refuses, was accepted")
	}
}

// TestMaxFeeCapStopsBumps: with the fee cap already at MaxFeeCap, a stuck
// transaction is not replaced (a replacement needs +10%); it stays pending
// with its one signing.
func TestMaxFeeCapStopsBumps(t *testing.T) {
	e := newEnv(t)
	c := &client{Client: e.Chain, swallow: func(int, *types.Transaction) bool { return true }}
	s, _ := e.store()
	maxCap := big.NewInt(1_200_000_000)
	m := e.manager(c, s, func(cfg *txmgr.Config) { cfg.BumpAfter = 50 * time.Millisecond; cfg.MaxFeeCap = maxCap })
	ctx, cancel := context.WithTimeout(e.Ctx, 400*time.Millisecond)
	defer cancel()
	if _, err := m.Send(ctx, "fill:0x07", &e.Dep.Token, e.mint(1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a timeout", err)
	}
	r := record(t, s, "fill:0x07")
	if len(r.Previous) != 0 || r.GasFeeCap.Cmp(maxCap) != 0 || r.Status != persist.TxPending {
		t.Fatalf("record %+v: want one signing at the cap, pending", r)
	}
	for _, h := range c.sends() {
		if h != common.Hash(r.Hash) {
			t.Fatalf("broadcast %s, not the one signing %s", h, common.Hash(r.Hash))
		}
	}
}
