package sales_test

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// proofRecord is the host's one tx record of a proof of slot, if any.
func proofRecord(t *testing.T, s *persist.Store, slot contracts.SlotID) (rec persist.TxRecord, n int) {
	t.Helper()
	err := s.View(func(tx *persist.Tx) error {
		return tx.ForEachTxRecordWithPrefix("proof:"+slot.Hex()+":", func(r persist.TxRecord) error {
			rec, n = r, n+1
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec, n
}

// TestProofSettledByItsIngestedLog: the sales' wiring of proof
// confirmation by log. A proof the scheduler sent is settled mined at its
// block as soon as the ingestor applies the block's ProofSubmitted log,
// with no receipt read, though the tx manager polls all along; a reorg
// that takes that block away makes the record pending again (reorganised
// once), and the proof, sent again, is settled by its new log. Without
// Apply's SettledByLog the record stays pending for the manager's log
// grace (16 blocks); without Revert's RevertedLog it stays mined on a
// chain that no longer holds it.
func TestProofSettledByItsIngestedLog(t *testing.T) {
	e := proofEnv(t, 20, 0)
	dir := t.TempDir()
	ids := seedProving(t, e, e.Hosts[0], 1, 1, dir)
	slot := ids[0]
	const poll = 20 * time.Millisecond
	h := startProvingTx(t, e, e.Hosts[0], dir, func(c *txmgr.Config) {
		c.PollInterval = poll
		c.LogConfirmed = func(p string) bool { return strings.HasPrefix(p, "proof:") }
	})
	h.ids = ids
	ctx := context.Background()

	// Blocks until the scheduler has sent the period's proof.
	var rec persist.TxRecord
	for i := 0; ; i++ {
		if i > 2*int(e.Cfg.Proofs.Period) {
			t.Fatal("no proof sent in two periods")
		}
		h.block(t, e)
		if r, n := proofRecord(t, h.store, slot); n > 0 {
			rec = r
			break
		}
	}
	if rec.Status != persist.TxPending {
		t.Fatalf("the proof's record is %s before its block, want pending", rec.Status)
	}
	before := h.count.Snapshot()

	// Its block: the ingestor applies its log, and that alone settles it.
	b := h.block(t, e)
	rc, err := e.Chain.TransactionReceipt(ctx, common.Hash(rec.Hash)) // the chain's own client: not counted
	if err != nil || rc.BlockNumber.Uint64() != b || rc.Status != 1 {
		t.Fatalf("the proof was not mined in block %d: %v %v", b, rc, err)
	}
	r, _ := proofRecord(t, h.store, slot)
	if r.Status != persist.TxMined || r.Block != b {
		t.Fatalf("after its log was ingested the proof is %s at block %d, want mined at %d", r.Status, r.Block, b)
	}
	for range 2 {
		h.block(t, e)
	}
	time.Sleep(10 * poll) // polls that would read its receipt if the log had not settled it
	if calls := since(h.count, before); calls["eth_getTransactionReceipt"] != 0 {
		t.Fatalf("%d receipt reads for a proof settled by its log (calls since it was sent: %s)", calls["eth_getTransactionReceipt"], byMethod(calls))
	}

	// A branch from below the proof's block, longer than the old one and
	// without the proof: the pool is emptied before every block of it.
	parent, err := e.Chain.HeaderByNumber(ctx, new(big.Int).SetUint64(b-1))
	if err != nil {
		t.Fatal(err)
	}
	old := e.Head().Number.Uint64()
	for try := 1; ; try++ {
		e.Sim.Rollback()
		if err := e.Sim.Fork(parent.Hash()); err == nil {
			break
		} else if try == 50 {
			t.Fatalf("fork: %v", err)
		}
	}
	for e.Head().Number.Uint64() <= old {
		clearPool(e)
		e.Commit()
	}
	if _, err := e.Chain.TransactionReceipt(ctx, common.Hash(rec.Hash)); err == nil {
		t.Fatal("the proof is on the new branch too: the test needs it gone")
	}
	if err := h.in.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	r, _ = proofRecord(t, h.store, slot)
	// Reorged is 1, or 2 where the manager's re-estimation after the
	// reorg (RevertedLog wakes it) finds the record pending and counts it
	// again.
	if r.Status != persist.TxPending || r.Reorged == 0 {
		t.Fatalf("after its log was reverted the proof is %s (reorganised %d times), want pending and reorganised", r.Status, r.Reorged)
	}

	// Sent again (the period has not moved on), and settled by its new log.
	waitFor(t, "the proof sent again", 10*time.Second, func() bool {
		n, _ := e.Chain.PendingTransactionCount(ctx)
		return n > 0
	})
	b = h.block(t, e)
	r, _ = proofRecord(t, h.store, slot)
	if r.Status != persist.TxMined || r.Block != b {
		t.Fatalf("the proof sent again is %s at block %d, want mined at %d", r.Status, r.Block, b)
	}
}
