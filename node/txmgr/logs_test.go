package txmgr_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// TestProofSettledByItsLogReadsNoReceipt: a pending proof record is
// settled by its ProofSubmitted log (SettledByLog in the ingestor's
// transaction) while the manager polls, and the manager reads no receipt
// for it; a reorg that drops the log (RevertedLog) puts it back to
// pending, and the manager tends it again.
func TestProofSettledByItsLogReadsNoReceipt(t *testing.T) {
	e := newEnv(t)
	c := ct.NewCounting(e.Chain)
	s, _ := e.store()
	m := e.manager(c, s, func(cfg *txmgr.Config) {
		cfg.LogConfirmed = func(p string) bool { return strings.HasPrefix(p, "proof:") }
	})
	const purpose = "proof:0xab:7"
	if errs := m.SubmitAll(e.Ctx, []txmgr.Call{{Purpose: purpose, To: &e.Dep.Token, Data: e.mint(1)}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	c.Take() // receipt reads are counted from the send on
	rec := record(t, s, purpose)
	hash := common.Hash(rec.Hash)
	rc := waitReceipt(t, e, hash)
	time.Sleep(20 * 10 * time.Millisecond) // 20 polls with the proof mined but not yet logged
	if n := c.Take()["eth_getTransactionReceipt"]; n != 0 {
		t.Fatalf("%d receipt reads for a proof waiting for its log", n)
	}
	block := rc.BlockNumber.Uint64()
	if err := s.Update(e.Ctx, func(tx *persist.Tx) error { return m.SettledByLog(tx, "proof:0xab:", hash, block) }); err != nil {
		t.Fatal(err)
	}
	if r := record(t, s, purpose); r.Status != persist.TxMined || r.Block != block {
		t.Fatalf("after its log: %s at block %d, want mined at %d", r.Status, r.Block, block)
	}
	time.Sleep(20 * 10 * time.Millisecond)
	if n := c.Take()["eth_getTransactionReceipt"]; n != 0 {
		t.Fatalf("%d receipt reads for a proof settled by its log", n)
	}

	if err := s.Update(e.Ctx, func(tx *persist.Tx) error { return m.RevertedLog(tx, "proof:0xab:", hash, block) }); err != nil {
		t.Fatal(err)
	}
	if r := record(t, s, purpose); r.Status != persist.TxPending || r.Reorged != 1 {
		t.Fatalf("after its log was reverted: %s (reorged %d), want pending (reorged 1)", r.Status, r.Reorged)
	}
	// Its age unknown to the log rule, it is tended by receipt: here the
	// transaction is still on the chain, so it is found mined again.
	deadline := time.Now().Add(10 * time.Second)
	for record(t, s, purpose).Status != persist.TxMined {
		if time.Now().After(deadline) {
			t.Fatalf("a reverted log's record was never tended again: %+v %v", record(t, s, purpose), c.Snapshot())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if c.Take()["eth_getTransactionReceipt"] == 0 {
		t.Fatal("settled again without a receipt read")
	}
}

// waitReceipt waits for the miner to mine hash, reading the chain directly
// (not through the manager's counted client).
func waitReceipt(t *testing.T, e *env, hash common.Hash) *types.Receipt {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rc, err := e.Chain.TransactionReceipt(e.Ctx, hash)
		if err == nil {
			return rc
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never mined: %v", hash, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLogConfirmedRecordAgesFromTheChainsHead: a proof signed after a
// quiet spell (no pending record, so no poll read the head) waits for its
// log too. The old code aged it from the head its last poll had read,
// blocks behind, so it was past LogGrace at once and its receipt was read
// every poll: on a host whose proofs are rarely due that was every proof.
func TestLogConfirmedRecordAgesFromTheChainsHead(t *testing.T) {
	e := newEnv(t)
	c := ct.NewCounting(e.Chain)
	s, _ := e.store()
	m := e.manager(c, s, func(cfg *txmgr.Config) {
		cfg.LogConfirmed = func(p string) bool { return strings.HasPrefix(p, "proof:") }
	})
	e.Mine(40) // past LogGrace (16) with nothing pending
	time.Sleep(10 * 10 * time.Millisecond)
	const purpose = "proof:0xcd:3"
	if errs := m.SubmitAll(e.Ctx, []txmgr.Call{{Purpose: purpose, To: &e.Dep.Token, Data: e.mint(1)}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	c.Take()
	waitReceipt(t, e, common.Hash(record(t, s, purpose).Hash))
	time.Sleep(20 * 10 * time.Millisecond) // 20 polls with the proof mined but not yet logged
	if n := c.Take()["eth_getTransactionReceipt"]; n != 0 {
		t.Fatalf("%d receipt reads for a proof signed after a quiet spell, waiting for its log", n)
	}
}

// TestReorgedProofIsTendedByReceipt: a log-confirmed proof still pending
// when the chain reorganises is tended by receipt from then on, so that a
// revert where it lands again (which has no log) is known within a poll.
// The old code left it to its log for LogGrace blocks: in the fault
// campaign (seed 202298767324335) a rebroadcast proof landed in the period
// before (anvil's reorg set chain time back), reverted with
// ProofAlreadySubmitted, and was found failed 12 blocks later, after its
// period, which the validator then marked missing.
func TestReorgedProofIsTendedByReceipt(t *testing.T) {
	e := newEnv(t)
	s, _ := e.store()
	m := e.manager(e.Chain, s, func(cfg *txmgr.Config) {
		cfg.LogConfirmed = func(p string) bool { return strings.HasPrefix(p, "proof:") }
		cfg.LogGrace = 1 << 20 // the log rule alone would wait for ever
	})
	const purpose = "proof:0xab:8"
	e.miner.paused.Store(true)
	if errs := m.SubmitAll(e.Ctx, []txmgr.Call{{Purpose: purpose, To: &e.Dep.Token, Data: e.mint(1)}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	m.Reorged() // a reorganisation while it is pending
	deadline := time.Now().Add(5 * time.Second)
	for record(t, s, purpose).Reorged == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the manager never counted the reorg")
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.miner.paused.Store(false)
	waitReceipt(t, e, common.Hash(record(t, s, purpose).Hash))
	deadline = time.Now().Add(5 * time.Second)
	for record(t, s, purpose).Status == persist.TxPending {
		if time.Now().After(deadline) {
			t.Fatal("a reorged proof mined 5 s ago is still pending: left to a log that may never come")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
