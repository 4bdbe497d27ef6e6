package sales_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// failFirstProof passes calls on to next, except the first proof: its tx
// record is written failed and nothing is sent. That is where a proof
// stands that a reorganisation took out and that reverted where it landed
// again (the fault campaign's seed 202298767324335: anvil's reorg set chain
// time back, the rebroadcast landed in the period before and reverted with
// ProofAlreadySubmitted): its purpose has a record, so the tx manager sends
// it no more.
type failFirstProof struct {
	next  sales.ProofSubmitter
	store *persist.Store
	// status is the first proof's record's (TxFailed when empty). TxMined
	// stands for a proof that landed in another period, where it proved
	// that one: mined, and this period still unproven.
	status string

	mu      sync.Mutex
	failed  string // its purpose
	purpose []string
}

func (f *failFirstProof) SubmitAll(ctx context.Context, calls []txmgr.Call) []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range calls {
		f.purpose = append(f.purpose, c.Purpose)
	}
	if f.failed != "" || len(calls) == 0 {
		return f.next.SubmitAll(ctx, calls)
	}
	f.failed = calls[0].Purpose
	err := f.store.Update(ctx, func(tx *persist.Tx) error {
		status := f.status
		if status == "" {
			status = persist.TxFailed
		}
		return tx.PutTxRecord(persist.TxRecord{Purpose: calls[0].Purpose, Status: status, Block: 1, Sent: time.Now(), Settled: time.Now(), Reorged: 1})
	})
	return append([]error{err}, f.next.SubmitAll(ctx, calls[1:])...)
}

func (f *failFirstProof) failedPurpose() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

// TestProofThatFailedOnChainIsSentAgainInItsPeriod: a period's proof whose
// transaction failed on chain is built and sent again, under a purpose of
// its own, while the period lasts. Before, the scheduler took the period as
// proven once it had sent its proof, and the validator marked it missing
// though the host was up all through.
func TestProofThatFailedOnChainIsSentAgainInItsPeriod(t *testing.T) {
	provePeriodAfterFirstProof(t, persist.TxFailed)
}

// provePeriodAfterFirstProof runs a host whose first proof's record ends
// with status without proving its period, and checks that the period is
// proven before it ends.
func provePeriodAfterFirstProof(t *testing.T, status string) {
	e := proofEnv(t, 20, 0)
	dir := t.TempDir()
	ids := seedProving(t, e, e.Hosts[0], 1, 1, dir)
	fail := &failFirstProof{status: status}
	h := startProving(t, e, e.Hosts[0], dir, func(c *sales.Config) {
		fail.next, fail.store = c.Submitter, c.Store
		c.Submitter = fail
	})
	h.ids = ids
	length := e.Cfg.Proofs.Period
	for range 4 * length {
		if fail.failedPurpose() != "" {
			break
		}
		h.block(t, e)
	}
	if fail.failedPurpose() == "" {
		t.Fatal("no proof sent in 4 periods")
	}
	period := e.Now() / length
	for e.Now()%length != length-1 {
		h.block(t, e)
	}
	st, err := e.Client.M.SlotStatuses(context.Background(), ids, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e.Now()/length != period || !st[0].ProofReceived {
		fail.mu.Lock()
		defer fail.mu.Unlock()
		t.Fatalf("period %d (now %d): proof received %v after its first proof %s failed; proofs submitted: %v",
			period, e.Now()/length, st[0].ProofReceived, fail.failed, fail.purpose)
	}
}

// TestProofMinedInAnotherPeriodIsSentAgain: a period's proof whose
// transaction was mined without proving the period (the campaign's seed
// 16311445893980: a depth-3 reorg moved chain time and the proof landed in
// the period before, where it proved that one) is proven again while the
// period lasts. The old scheduler took mined for proven, and the validator
// marked the period missing though the host was up all through.
func TestProofMinedInAnotherPeriodIsSentAgain(t *testing.T) {
	provePeriodAfterFirstProof(t, persist.TxMined)
}
