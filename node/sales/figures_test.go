package sales_test

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/sales"
)

// chainCollateral is the sum of the slots' collateral as the contract
// holds it.
func chainCollateral(t *testing.T, e *ct.Env, ids []contracts.SlotID) *big.Int {
	t.Helper()
	sum := new(big.Int)
	for _, id := range ids {
		info, err := e.Client.M.GetSlot(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		sum.Add(sum, info.Collateral)
	}
	return sum
}

// TestProvingFiguresFollowTheChain: the scheduler's figures (what the
// node's metrics serve for proofs due and collateral locked) agree with
// the chain: every slot that had to prove in a period is counted due in
// it, and the collateral locked is the contract's own sum.
func TestProvingFiguresFollowTheChain(t *testing.T) {
	e := proofEnv(t, 20, 0)
	dir := t.TempDir()
	ids := seedProving(t, e, e.Hosts[0], 5, 1, dir) // probability 1: every slot, every period
	h := startProving(t, e, e.Hosts[0], dir)
	h.ids = ids
	_, _, due, proved := provePeriods(t, e, h, 1)
	if due != len(ids) || proved != due {
		t.Fatalf("%d proofs due, %d received; want %d of each", due, proved, len(ids))
	}
	f := h.sales.ProvingFigures()
	if !f.Round || f.Period != e.Now()/e.Cfg.Proofs.Period {
		t.Fatalf("figures of period %d (round %v), the chain is in %d", f.Period, f.Round, e.Now()/e.Cfg.Proofs.Period)
	}
	if f.Held != len(ids) || f.PreviousDue != due {
		t.Errorf("held %d, due last period %d; want %d and %d", f.Held, f.PreviousDue, len(ids), due)
	}
	if f.Due > len(ids) || f.Proven > f.Due {
		t.Errorf("due now %d, proven %d of %d held", f.Due, f.Proven, len(ids))
	}
	if want := chainCollateral(t, e, ids); f.CollateralLocked.Cmp(want) != 0 || f.Unpriced != 0 || want.Sign() == 0 {
		t.Errorf("collateral locked %v (%d unpriced), the chain holds %v", f.CollateralLocked, f.Unpriced, want)
	}
}

// TestProvingFiguresCountASlash: a proof marked missing takes its slash
// off the collateral locked by the round after the mark, and the missed
// period counts the slot due.
func TestProvingFiguresCountASlash(t *testing.T) {
	e := proofEnv(t, 20, 0)
	dir := t.TempDir()
	ids := seedUnprovable(t, e, dir)
	h := startProving(t, e, e.Hosts[0], dir)
	h.ids = ids
	length := e.Cfg.Proofs.Period
	fill := e.Now() / length
	for e.Now()/length == fill {
		h.block(t, e)
	}
	before := h.sales.ProvingFigures()
	if want := chainCollateral(t, e, ids); before.CollateralLocked.Cmp(want) != 0 {
		t.Fatalf("collateral locked %v before the mark, the chain holds %v", before.CollateralLocked, want)
	}
	if before.Due != 1 || before.Proven != 0 {
		t.Errorf("before the mark: %d due, %d proven; want 1 due, none proven", before.Due, before.Proven)
	}
	missed := e.Now() / length
	for e.Now()/length == missed {
		h.block(t, e)
	}
	if _, err := e.Validator.M.MarkProofAsMissing(context.Background(), ids[0], missed); err != nil {
		t.Fatalf("mark period %d missing: %v", missed, err)
	}
	h.block(t, e)
	after := h.sales.ProvingFigures()
	want := chainCollateral(t, e, ids)
	if want.Cmp(before.CollateralLocked) >= 0 {
		t.Fatalf("the mark did not slash: the chain holds %v, %v before", want, before.CollateralLocked)
	}
	if after.CollateralLocked.Cmp(want) != 0 {
		t.Errorf("collateral locked %v after the mark, the chain holds %v", after.CollateralLocked, want)
	}
	if after.PreviousDue != 1 {
		t.Errorf("due in the missed period: %d, want 1", after.PreviousDue)
	}
}

// lockedLog is a log sink the node's goroutines write to while the test
// reads it.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitLog waits until the log has a line matching re.
func waitLog(t *testing.T, l *lockedLog, re string) {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(time.Minute)
	for !rx.MatchString(l.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line matching %s in:\n%s", re, l.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSlashesAndTheLossAreWarnedWithTheirCost: each proof of ours marked
// missing is a WARN line with the slash's amount and the collateral left,
// and the slot freed after the last slash a WARN line with what it cost.
// (The lines were written by helpers nothing called.)
func TestSlashesAndTheLossAreWarnedWithTheirCost(t *testing.T) {
	e := proofEnv(t, 20, 0)
	dir := t.TempDir()
	ids := seedUnprovable(t, e, dir)
	logs := &lockedLog{}
	h := startProving(t, e, e.Hosts[0], dir, func(c *sales.Config) {
		c.Log = hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Info})
	})
	h.ids = ids
	length := e.Cfg.Proofs.Period
	fill := e.Now() / length // the fill's own period needs no proof
	for e.Now()/length == fill {
		h.block(t, e)
	}
	for marks := 1; marks <= int(e.Cfg.Collateral.MaxNumberOfSlashes); marks++ {
		missed := e.Now() / length
		for e.Now()/length == missed {
			h.block(t, e)
		}
		if _, err := e.Validator.M.MarkProofAsMissing(context.Background(), ids[0], missed); err != nil {
			t.Fatalf("mark %d, period %d: %v", marks, missed, err)
		}
		h.block(t, e)
		if marks < int(e.Cfg.Collateral.MaxNumberOfSlashes) {
			waitLog(t, logs, fmt.Sprintf(`\[WARN\] +.*a proof of ours was marked missing: the contract slashed.* period=%d slashedEach="[^"]+" slotTakenAt="\d+ slashes" slashes=%d collateralLeft=`, missed, marks))
		}
	}
	h.block(t, e)
	waitLog(t, logs, `\[WARN\] +.*slot lost: the contract freed it from us after missed proofs.*collateralForfeited="[^"]+" slashedBefore=`)
}
