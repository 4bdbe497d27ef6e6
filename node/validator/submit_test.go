package validator_test

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/node/ledger"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/node/validator"
	"github.com/slotd/slotd/persist"
)

// submitting is a validator wired as the node wires it: marks through a
// tx manager that settles them by their logs, the ledger ahead of it in
// the ingestor. calls counts the validator's and the tx manager's RPC
// calls, the ingestor's are apart.
type submitting struct {
	stepper
	tm    *txmgr.Manager
	store *persist.Store
	calls *ct.CountingClient
}

func newSubmitting(t *testing.T, e *ct.Env, store *persist.Store, onMark func(contracts.SlotID, uint64)) *submitting {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s := &submitting{store: store, calls: ct.NewCounting(e.Chain)}
	var err error
	// The loop never polls here: whatever settles a mark is its log.
	s.tm, err = txmgr.New(txmgr.Config{Client: s.calls, Store: store, Key: e.Validator.Key, PollInterval: time.Hour,
		RebroadcastInterval: time.Hour, LogConfirmed: func(p string) bool { return strings.HasPrefix(p, "mark:") }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.tm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.tm.Stop)
	reads := ct.NewCounting(e.Chain)
	market := contracts.NewEthMarket(s.calls, s.tm, e.Dep.Marketplace)
	v, err := validator.New(validator.MarketChain{Market: market}, store, validator.Config{Period: e.Cfg.Proofs.Period, OnMark: onMark,
		Submitter: s.tm, Market: e.Dep.Marketplace, Collateral: e.Cfg.Collateral})
	if err != nil {
		t.Fatal(err)
	}
	in, err := chain.New(chain.Config{Client: reads, Store: store,
		Subscribers: []chain.Subscriber{ledger.New(contracts.NewEthMarket(reads, s.tm, e.Dep.Marketplace)), v},
		Address:     e.Dep.Marketplace, Recent: 32, MinBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.stepper = stepper{Validator: v, in: in}
	return s
}

// TestMarksAreSubmittedTogetherAndSettledByLog: K missed proofs of a
// period cost the validator one status read, one fee and nonce read, one
// gas estimate and K broadcasts, and no receipt read: each mark is
// confirmed by its ProofMarkedMissing log, which also counts it and its
// reward. The marks that free their slot (the last slash a slot takes)
// are estimated one by one, as they run more code. Before, each mark was
// a txmgr.Send of its own: a fee read, a nonce read, an estimate and a
// receipt read per poll until mined, about 8 calls a mark on the devnet.
func TestMarksAreSubmittedTogetherAndSettledByLog(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	const size, k = 64 * 256, 5
	ds := ct.NewDataset(t, 7, k, size)
	id, _ := e.Request(ds, e.Ask(k, k-1, size)) // losing all slots but one does not fail it
	e.StartPeriod()
	for i := range uint64(k) {
		e.MustFill(e.Hosts[i%uint64(len(e.Hosts))], id, i, ds)
	}
	marked := map[uint64]int{}
	v := newSubmitting(t, e, tempStore(t), func(_ contracts.SlotID, p uint64) { marked[p]++ })
	ctx := context.Background()
	_, end := e.Period()
	e.AdvanceTo(end + 1) // the fill period needs no proof: every later one is missed
	if err := v.Step(ctx); err != nil {
		t.Fatal(err)
	}
	before := e.Balance(e.Validator.Addr)
	slashes := uint64(e.Cfg.Collateral.MaxNumberOfSlashes)
	for round := uint64(1); round <= slashes; round++ {
		_, end := e.Period()
		e.AdvanceTo(end + 1)
		if err := v.in.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		v.calls.Take()
		if err := v.Validator.Step(ctx); err != nil {
			t.Fatal(err)
		}
		got := v.calls.Take()
		estimates := 1 // plain marks: one estimate for the round
		if round == slashes {
			estimates = k // each frees its slot
		}
		want := map[string]int{"eth_call": 1, "eth_estimateGas": estimates, "eth_maxPriorityFeePerGas": 1, "eth_getBlockByNumber": 1,
			"eth_getTransactionCount": 1, "eth_sendRawTransaction": k}
		for m, n := range want {
			if got[m] != n {
				t.Errorf("round %d: %d %s for %d marks, want %d (all calls: %v)", round, got[m], m, k, n, got)
			}
		}
		if total(got) != total(want) {
			t.Errorf("round %d: %d calls for %d marks, want %d: %v", round, total(got), k, total(want), got)
		}
		e.Commit() // the marks' block
		if err := v.Step(ctx); err != nil {
			t.Fatal(err)
		}
		if v.Marks() != int(round)*k {
			t.Fatalf("round %d: %d marks counted from the logs, want %d", round, v.Marks(), int(round)*k)
		}
	}
	if n := v.calls.Snapshot()["eth_getTransactionReceipt"]; n != 0 {
		t.Errorf("%d receipt reads, want none: the marks' logs settle them", n)
	}
	if err := v.store.View(func(tx *persist.Tx) error {
		return tx.ForEachTxRecordWithPrefix("mark:", func(r persist.TxRecord) error {
			if r.Status != persist.TxMined {
				t.Errorf("%s: %s, want mined by its log", r.Purpose, r.Status)
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	for i := range uint64(k) {
		slot := contracts.GetSlotID(id, i)
		if st, _ := e.Validator.M.SlotState(ctx, slot); st == contracts.SlotStateFilled {
			t.Errorf("slot %d still filled after %d marks", i, slashes)
		}
	}
	if v.Watched() != 0 {
		t.Errorf("watching %d slots, all freed by their last mark", v.Watched())
	}
	if len(marked) != int(slashes) {
		t.Errorf("OnMark heard periods %v, want %d periods of %d", marked, slashes, k)
	}
	got := new(big.Int).Sub(e.Balance(e.Validator.Addr), before)
	ct.WantEqual(t, "rewards counted from the logs", v.Rewards(), got)
	if got.Sign() <= 0 {
		t.Fatalf("the marks paid %s", got)
	}
}

// TestMarkLogReorganisedOut: a reorganisation that takes out the block of
// our marks' logs puts their records back to pending and takes back what
// they counted; the tx manager sends them again, and when they land their
// logs count them once more.
func TestMarkLogReorganisedOut(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	const size, k = 64 * 256, 2
	ds := ct.NewDataset(t, 8, k, size)
	id, _ := e.Request(ds, e.Ask(k, 1, size))
	e.StartPeriod()
	for i := range uint64(k) {
		e.MustFill(e.Hosts[i], id, i, ds)
	}
	v := newSubmitting(t, e, tempStore(t), nil)
	ctx := context.Background()
	for range 2 { // the fill period needs no proof, the next is missed
		_, end := e.Period()
		e.AdvanceTo(end + 1)
		if err := v.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	fork := e.Head()
	e.Commit() // the marks' block
	if err := v.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if v.Marks() != k || v.Rewards().Sign() <= 0 {
		t.Fatalf("%d marks, rewards %s after their block; want %d and some", v.Marks(), v.Rewards(), k)
	}
	reward := v.Rewards()

	e.Lock()
	if err := e.Sim.Fork(fork.Hash()); err != nil {
		e.Unlock()
		t.Fatal(err)
	}
	e.Sim.Rollback() // the marks leave the pool too: only a resend brings them back
	for range 3 {
		e.Sim.Commit()
	}
	e.Unlock()
	if err := v.in.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if v.Marks() != 0 || v.Rewards().Sign() != 0 {
		t.Fatalf("after the reorg: %d marks, rewards %s; want none", v.Marks(), v.Rewards())
	}
	pending := 0
	if err := v.store.View(func(tx *persist.Tx) error {
		return tx.ForEachTxRecordWithPrefix("mark:", func(r persist.TxRecord) error {
			if r.Status == persist.TxPending {
				pending++
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if pending != k {
		t.Fatalf("%d mark records pending after the reorg, want %d", pending, k)
	}
	// The manager resends them from its loop; each block mined meanwhile
	// is followed.
	for deadline := time.Now().Add(30 * time.Second); v.Marks() < k && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		e.Commit()
		if err := v.in.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if v.Marks() != k {
		t.Fatalf("%d marks counted after the resend, want %d", v.Marks(), k)
	}
	ct.WantEqual(t, "rewards after the resend", v.Rewards(), reward)
	for i := range uint64(k) {
		if n, _ := e.Validator.M.MissingProofs(ctx, contracts.GetSlotID(id, i)); n != 1 {
			t.Fatalf("slot %d: the contract counts %d missing proofs, want 1", i, n)
		}
	}
}
