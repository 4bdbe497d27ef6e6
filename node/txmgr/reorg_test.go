package txmgr_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// cheapThenDear sets up a transaction whose gas depends on state a
// reorganisation takes away: another account mints to a fresh address,
// then the manager's mint to it is estimated against a nonzero balance.
// Without the other mint, the manager's costs a zero-to-nonzero store
// more (some 17k gas, beyond the 20% margin). It returns the address,
// the block before both, and the manager's call.
func cheapThenDear(t *testing.T, e *env) (to common.Address, parent *types.Header, data []byte) {
	t.Helper()
	parent, err := e.Chain.HeaderByNumber(e.Ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	to = crypto.PubkeyToAddress(mustKey(t).PublicKey)
	other := crypto.PubkeyToAddress(e.other.PublicKey)
	nonce, err := e.Chain.PendingNonceAt(e.Ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.Chain.ChainID(e.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	first, err := types.SignNewTx(e.other, types.LatestSignerForChainID(id), &types.DynamicFeeTx{ChainID: id, Nonce: nonce,
		GasTipCap: big.NewInt(1e9), GasFeeCap: big.NewInt(1e11), Gas: 200_000, To: &e.Dep.Token,
		Data: bindings.NewTestToken().PackMint(to, big.NewInt(1))})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Chain.SendTransaction(e.Ctx, first); err != nil {
		t.Fatal(err)
	}
	e.Commit()
	if rc, err := e.Chain.TransactionReceipt(e.Ctx, first.Hash()); err != nil || rc.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("the other account's mint: %v %v", rc, err)
	}
	return to, parent, bindings.NewTestToken().PackMint(to, big.NewInt(5))
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (e *env) balance(of common.Address) *big.Int {
	e.T.Helper()
	out, err := e.Chain.CallContract(e.Ctx, ethereum.CallMsg{To: &e.Dep.Token, Data: bindings.NewTestToken().PackBalanceOf(of)}, nil)
	if err != nil {
		e.T.Fatal(err)
	}
	return new(big.Int).SetBytes(out)
}

// TestReorgedOutTransactionIsReestimated: a mined transaction is taken out
// by a reorganisation that also takes out the state its gas was estimated
// on, so its old gas limit no longer covers it where it lands now (seed 16
// of the fault campaign: a host's payout estimated after another host's
// had paid the request's first earnings). The manager re-estimates it and
// re-signs it at its nonce with fresh gas, and it succeeds; the old code
// sent the same signed bytes again, which ran out of gas and reverted.
func TestReorgedOutTransactionIsReestimated(t *testing.T) {
	e := newEnv(t)
	c := &client{Client: e.Chain}
	s, _ := e.store()
	m := e.manager(c, s, nil)
	to, parent, data := cheapThenDear(t, e)
	rc, err := m.Send(e.Ctx, "mint:dear", &e.Dep.Token, data)
	if err != nil {
		t.Fatal(err)
	}
	forkOut(t, e, parent, rc.TxHash)
	m.Reorged() // as the node's ingestor does: without it the orphan waits for the hourly rebroadcast, and a rebroadcast the loop made during the fork may have been dropped with the pool
	if b := e.balance(to); b.Sign() != 0 {
		t.Fatalf("the other account's mint survived the reorg (balance %s): the test needs it gone", b)
	}

	rc2, err := m.Send(e.Ctx, "mint:dear", &e.Dep.Token, data)
	if err != nil {
		t.Fatalf("after the reorg: %v", err)
	}
	if rc2.Status != types.ReceiptStatusSuccessful || rc2.TxHash == rc.TxHash {
		t.Fatalf("after the reorg mined %s status %d; before %s", rc2.TxHash, rc2.Status, rc.TxHash)
	}
	if b := e.balance(to); b.Cmp(big.NewInt(5)) != 0 {
		t.Fatalf("balance %s after the reorg, want 5", b)
	}
	if first, again := c.tx(rc.TxHash), c.tx(rc2.TxHash); again == nil || again.Nonce() != first.Nonce() || again.Gas() <= first.Gas() {
		t.Fatalf("re-signed %v from %v: want the same nonce with more gas", again, first)
	}
	if r := record(t, s, "mint:dear"); r.Reorged != 1 || len(r.Previous) != 1 || r.Previous[0] != persist.ID(rc.TxHash) {
		t.Fatalf("record %+v: want one reorg and the first signing kept in Previous", r)
	}
}

// estimateOnce fails the n-th gas estimate (counting from 1) with an RPC
// error, and passes every other.
type estimateOnce struct {
	*client
	n, calls atomic.Int32
}

func (c *estimateOnce) EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error) {
	if c.calls.Add(1) == c.n.Load() {
		return 0, context.DeadlineExceeded
	}
	return c.client.EstimateGas(ctx, msg)
}

// TestMustHappenRevertAfterReorgIsSentAnew: a payout-like purpose (one its
// sender acted on as done) is mined, taken out by a reorganisation, and
// reverts where its same signed bytes land again (here the re-estimate
// fails, so the stale gas goes out). Nobody waits for it, so the manager
// sends it anew with fresh gas, since the chain accepts it at estimation;
// the old code left the failed record alone and the payout was lost.
func TestMustHappenRevertAfterReorgIsSentAnew(t *testing.T) {
	e := newEnv(t)
	c := &estimateOnce{client: &client{Client: e.Chain}}
	c.n.Store(2) // the first is the Send's, the second the re-estimate's
	s, _ := e.store()
	m := e.manager(c, s, func(cfg *txmgr.Config) {
		cfg.Resend = func(p string) bool { return strings.HasPrefix(p, "mint:") }
	})
	to, parent, data := cheapThenDear(t, e)
	rc, err := m.Send(e.Ctx, "mint:payout", &e.Dep.Token, data)
	if err != nil {
		t.Fatal(err)
	}
	forkOut(t, e, parent, rc.TxHash)
	m.Reorged()

	waitFor(t, func() bool {
		return e.balance(to).Cmp(big.NewInt(5)) == 0 && record(t, s, "mint:payout").Status == persist.TxMined
	})
	r := record(t, s, "mint:payout")
	if r.Status != persist.TxMined || r.Hash == persist.ID(rc.TxHash) || r.Reorged != 1 {
		t.Fatalf("record %+v: want a new transaction mined, one reorg", r)
	}
	failed, err := e.Chain.TransactionReceipt(e.Ctx, rc.TxHash)
	if err != nil || failed.Status != types.ReceiptStatusFailed {
		t.Fatalf("the stale signing should have landed and reverted: %v %v", failed, err)
	}
}

// TestReorgRevivesOrphansAtOnce: a reorganisation takes out a mined
// transaction and the pool does not take it back (anvil does not); later
// transactions of the account wait behind its nonce. Told of the reorg,
// the manager rebroadcasts it at once, and the later ones are mined within
// a few blocks, not after RebroadcastInterval (here an hour). The fault
// campaign saw proofs marked missing behind such a gap for 40–47 s.
func TestReorgRevivesOrphansAtOnce(t *testing.T) {
	e := newEnv(t)
	s, _ := e.store()
	m := e.manager(e.Chain, s, nil) // RebroadcastInterval: 1h
	parent, err := e.Chain.HeaderByNumber(e.Ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := m.Send(e.Ctx, "mint:orphan", &e.Dep.Token, e.mint(5))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // past the loop's first look for orphans
	forkOut(t, e, parent, rc.TxHash)
	forked, _ := e.Chain.BlockNumber(e.Ctx)
	later := []txmgr.Call{{Purpose: "mint:b", To: &e.Dep.Token, Data: e.mint(1)}, {Purpose: "mint:c", To: &e.Dep.Token, Data: e.mint(2)}}
	for i, err := range m.SubmitAll(e.Ctx, later) {
		if err != nil {
			t.Fatalf("%s: %v", later[i].Purpose, err)
		}
	}
	m.Reorged()

	waitFor(t, func() bool {
		for _, p := range []string{"mint:orphan", "mint:b", "mint:c"} {
			if record(t, s, p).Status != persist.TxMined {
				return false
			}
		}
		return true
	})
	head, _ := e.Chain.BlockNumber(e.Ctx)
	if head-forked > 5 {
		t.Fatalf("the gap took %d blocks to close", head-forked)
	}
	if r := record(t, s, "mint:orphan"); r.Hash != persist.ID(rc.TxHash) {
		t.Fatalf("orphan went out as %s, want the same transaction %s", common.Hash(r.Hash), rc.TxHash)
	}
}

// TestMustHappenRevertAfterReorgIsSentAnewOnSend: as above, but its owner
// is still waiting for it (a payout retried by its agent): the Send that
// sees the revert returns it, and the owner's next Send of the purpose
// sends it anew rather than hand back the same failed receipt for ever.
func TestMustHappenRevertAfterReorgIsSentAnewOnSend(t *testing.T) {
	e := newEnv(t)
	c := &estimateOnce{client: &client{Client: e.Chain}}
	c.n.Store(2)
	s, _ := e.store()
	m := e.manager(c, s, func(cfg *txmgr.Config) {
		cfg.Resend = func(p string) bool { return strings.HasPrefix(p, "mint:") }
	})
	to, parent, data := cheapThenDear(t, e)
	rc, err := m.Send(e.Ctx, "mint:payout", &e.Dep.Token, data)
	if err != nil {
		t.Fatal(err)
	}
	forkOut(t, e, parent, rc.TxHash)
	if _, err := m.Send(e.Ctx, "mint:payout", &e.Dep.Token, data); err == nil {
		t.Fatal("the stale signing should have reverted where it landed again")
	}
	rc2, err := m.Send(e.Ctx, "mint:payout", &e.Dep.Token, data)
	if err != nil {
		t.Fatalf("the owner's retry: %v", err)
	}
	if rc2.Status != types.ReceiptStatusSuccessful || e.balance(to).Cmp(big.NewInt(5)) != 0 {
		t.Fatalf("retry mined %s status %d, balance %s", rc2.TxHash, rc2.Status, e.balance(to))
	}
}

// TestPendingTransactionIsReestimatedAfterAReorg: a transaction still
// pending when the chain reorganises was estimated on state the reorg took
// away, and the pool lost it (anvil drops its pool). Told of the reorg,
// the manager re-estimates and re-signs it at once and it succeeds; the
// old code left it for RebroadcastInterval and then sent the stale gas,
// which reverted (campaign seed 16: a payout signed a block before
// another host's left the chain).
func TestPendingTransactionIsReestimatedAfterAReorg(t *testing.T) {
	e := newEnv(t)
	s, _ := e.store()
	m := e.manager(e.Chain, s, nil) // RebroadcastInterval: 1h
	e.miner.paused.Store(true)
	to, parent, data := cheapThenDear(t, e)
	calls := []txmgr.Call{{Purpose: "mint:pending", To: &e.Dep.Token, Data: data}}
	if err := m.SubmitAll(e.Ctx, calls)[0]; err != nil {
		t.Fatal(err)
	}
	e.Lock()
	e.Sim.Rollback() // the pool loses it
	if err := e.Sim.Fork(parent.Hash()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the pool takes the other's mint back; drop it too
	e.Sim.Rollback()
	e.Sim.Commit()
	e.Sim.Commit()
	e.Unlock()
	if b := e.balance(to); b.Sign() != 0 {
		t.Fatalf("the other account's mint survived the reorg (balance %s): the test needs it gone", b)
	}
	e.miner.paused.Store(false)
	m.Reorged()

	waitFor(t, func() bool { return record(t, s, "mint:pending").Status != persist.TxPending })
	if r := record(t, s, "mint:pending"); r.Status != persist.TxMined || e.balance(to).Cmp(big.NewInt(5)) != 0 {
		t.Fatalf("record %+v, balance %s: want mined, 5", r, e.balance(to))
	}
}

// TestStalledNonceIsSentAgainUntold: the transaction at the account's next
// nonce was lost by the provider with nobody telling the manager (a reorg
// took out its block before the node's ingestor saw it, and anvil does not
// take it back), so the later ones wait behind its nonce. The manager
// notices the stall within a few blocks and sends them again, also when a
// Send waits on the lost one (a reservation: a waiting Send tends its own
// record, so the loop's stall check must look at it too); the old code
// waited for RebroadcastInterval (here an hour). Campaign seed
// 202298767324335 missed two periods' proofs behind such a gap.
func TestStalledNonceIsSentAgainUntold(t *testing.T) {
	for _, waited := range []bool{false, true} {
		t.Run(map[bool]string{false: "submitted", true: "sent by a waiting Send"}[waited], func(t *testing.T) {
			e := newEnv(t)
			c := &client{Client: e.Chain, swallow: func(n int, _ *types.Transaction) bool { return n == 1 }}
			s, _ := e.store()
			m := e.manager(c, s, nil) // RebroadcastInterval: 1h
			lost := txmgr.Call{Purpose: "mint:lost", To: &e.Dep.Token, Data: e.mint(1)}
			sent := make(chan error, 1)
			if waited {
				go func() { _, err := m.Send(e.Ctx, lost.Purpose, lost.To, lost.Data); sent <- err }()
				waitFor(t, func() bool { return len(c.sends()) == 1 })
			} else if err := m.SubmitAll(e.Ctx, []txmgr.Call{lost})[0]; err != nil {
				t.Fatal(err)
			}
			if err := m.SubmitAll(e.Ctx, []txmgr.Call{{Purpose: "mint:behind", To: &e.Dep.Token, Data: e.mint(2)}})[0]; err != nil {
				t.Fatal(err)
			}
			mined := func() bool {
				return record(t, s, "mint:lost").Status == persist.TxMined && record(t, s, "mint:behind").Status == persist.TxMined
			}
			from, _ := e.Chain.BlockNumber(e.Ctx)
			for range 20 { // blocks, with a few of the manager's polls each
				if mined() {
					break
				}
				e.Commit()
				time.Sleep(50 * time.Millisecond)
			}
			head, _ := e.Chain.BlockNumber(e.Ctx)
			if !mined() {
				t.Fatalf("after %d blocks: mint:lost is %s and mint:behind is %s", head-from, record(t, s, "mint:lost").Status, record(t, s, "mint:behind").Status)
			}
			if waited {
				if err := <-sent; err != nil {
					t.Fatalf("the waiting Send: %v", err)
				}
			}
			t.Logf("the gap closed %d blocks after the sends", head-from)
		})
	}
}

// revertData is an RPC error carrying a contract's revert data, as
// geth's estimate answers a call that reverts.
type revertData string

func (e revertData) Error() string          { return "execution reverted" }
func (e revertData) ErrorData() interface{} { return string(e) }

// refuseEstimates fails gas estimates as told by refuse, by number
// (counting from 1); nil passes.
type refuseEstimates struct {
	*client
	refuse func(n int32) error
	calls  atomic.Int32
}

func (c *refuseEstimates) EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error) {
	if err := c.refuse(c.calls.Add(1)); err != nil {
		return 0, err
	}
	return c.client.EstimateGas(ctx, msg)
}

// TestMustHappenRefusedForNowIsSentOnceTheChainTakesIt: as
// TestMustHappenRevertAfterReorgIsSentAnew, but the chain refuses the
// resend for a while: a payout that a reorganisation moved into a block
// stamped before its request's end is refused with RequestNotEnded until
// the chain's time passes the end again (campaign seed 16), or the RPC
// fails at that moment. The manager tries it again each poll and sends it
// once the estimate passes; the old code gave it up at the first refusal
// and the payout was lost.
func TestMustHappenRefusedForNowIsSentOnceTheChainTakesIt(t *testing.T) {
	notEnded := revertData(hexutil.Encode(crypto.Keccak256([]byte("RequestNotEnded()"))[:4]))
	for name, refusal := range map[string]error{"not ended yet": notEnded, "RPC down": context.DeadlineExceeded} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			c := &refuseEstimates{client: &client{Client: e.Chain}, refuse: func(n int32) error {
				switch {
				case n == 2: // the re-estimate: the stale signing lands again and reverts
					return context.DeadlineExceeded
				case n >= 3 && n <= 5: // the resends
					return refusal
				}
				return nil
			}}
			s, _ := e.store()
			m := e.manager(c, s, func(cfg *txmgr.Config) {
				cfg.Resend = func(p string) bool { return strings.HasPrefix(p, "mint:") }
				cfg.NotYet = func(err error) bool { return errors.Is(err, contracts.ErrRequestNotEnded) }
			})
			to, parent, data := cheapThenDear(t, e)
			rc, err := m.Send(e.Ctx, "mint:payout", &e.Dep.Token, data)
			if err != nil {
				t.Fatal(err)
			}
			forkOut(t, e, parent, rc.TxHash)
			m.Reorged()

			waitFor(t, func() bool {
				return e.balance(to).Cmp(big.NewInt(5)) == 0 && record(t, s, "mint:payout").Status == persist.TxMined
			})
			if n := c.calls.Load(); n < 6 {
				t.Fatalf("%d estimates: the resend went out before the chain took it", n)
			}
		})
	}
}

// TestOwedResendSurvivesARestart: the node stops while the chain still
// refuses the resend; the next run finds the failed must-happen record in
// the store and sends it once the chain takes it. Kept only in memory,
// the payout would be lost to the restart.
func TestOwedResendSurvivesARestart(t *testing.T) {
	notEnded := revertData(hexutil.Encode(crypto.Keccak256([]byte("RequestNotEnded()"))[:4]))
	e := newEnv(t)
	c := &refuseEstimates{client: &client{Client: e.Chain}, refuse: func(n int32) error {
		switch {
		case n == 2:
			return context.DeadlineExceeded
		case n >= 3:
			return notEnded // for as long as this run lasts
		}
		return nil
	}}
	s, _ := e.store()
	tune := func(cfg *txmgr.Config) {
		cfg.Resend = func(p string) bool { return strings.HasPrefix(p, "mint:") }
		cfg.NotYet = func(err error) bool { return errors.Is(err, contracts.ErrRequestNotEnded) }
	}
	m1 := e.manager(c, s, tune)
	to, parent, data := cheapThenDear(t, e)
	rc, err := m1.Send(e.Ctx, "mint:payout", &e.Dep.Token, data)
	if err != nil {
		t.Fatal(err)
	}
	forkOut(t, e, parent, rc.TxHash)
	m1.Reorged()
	waitFor(t, func() bool { return c.calls.Load() >= 4 }) // refused at least twice
	m1.Stop()
	if r := record(t, s, "mint:payout"); r.Status != persist.TxFailed {
		t.Fatalf("record %s before the restart, want failed", r.Status)
	}

	e.manager(&client{Client: e.Chain}, s, tune)
	waitFor(t, func() bool {
		return e.balance(to).Cmp(big.NewInt(5)) == 0 && record(t, s, "mint:payout").Status == persist.TxMined
	})
}
