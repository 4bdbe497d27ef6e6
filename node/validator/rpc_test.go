package validator_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/validator"
)

func total(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

// TestRPCCallsPerPeriodDoNotGrowWithSlots: a validator watching N slots
// (one host silent on slot 0, the others proving every period) decides
// each period with one slotStatuses read and estimates gas only for the
// marks it sends, for N = 1, 10, 100 (and 10 in batches of 4: three
// reads). Every missed proof is marked once, none twice across a restart.
// The table (validator calls per period, the ingestor's sync counted
// apart) is in the test log: go test ./node/validator -run RPCCalls -v
func TestRPCCallsPerPeriodDoNotGrowWithSlots(t *testing.T) {
	type row struct {
		n, batch int
	}
	rows := []row{{1, 0}, {10, 0}, {10, 4}, {100, 0}}
	if testing.Short() {
		rows = rows[:3]
	}
	var table []string
	for _, r := range rows {
		b := r.batch
		if b == 0 {
			b = validator.DefaultBatch
		}
		table = append(table, fmt.Sprintf("N=%-4d batch=%-3d %s", r.n, b, callsPerPeriod(t, r.n, r.batch)))
	}
	t.Logf("validator RPC calls per period (decisions of periods p1, p2, p3; slot 0 silent):\n%s", strings.Join(table, "\n"))
}

// callsPerPeriod runs the scenario for n slots and returns its table line.
func callsPerPeriod(t *testing.T, n, batch int) string {
	cfg := ct.TestConfig()
	cfg.Proofs.Period, cfg.Proofs.Timeout = 600, 300 // room for 100 proofs, one block each, per period
	e := ct.NewEnv(t, cfg)
	const size = 64 * 256
	ds := ct.NewDataset(t, uint64(n), n, size)
	ask := e.Ask(uint64(n), 0, size)
	ask.Duration = 20 * cfg.Proofs.Period
	e.StartPeriod() // the fills all land in the request's first period
	r := e.NewRequest(ds, ask)
	r.Expiry = cfg.Proofs.Period - 50 // 2n blocks of fills, inside the period
	id, _, err := e.Client.M.RequestStorage(e.Ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	start := e.Now()
	for i := range uint64(n) {
		e.MustFill(e.Hosts[i%uint64(len(e.Hosts))], id, i, ds)
	}
	t.Logf("N=%d: filled in %d s of chain time", n, e.Now()-start)
	ctx := context.Background()
	market, reads := ct.NewCounting(e.Chain), ct.NewCounting(e.Chain)
	sender, err := contracts.NewKeySender(ctx, market, e.Validator.Key)
	if err != nil {
		t.Fatal(err)
	}
	sender.Mine = e.Commit
	chain := validator.MarketChain{Market: contracts.NewEthMarket(market, sender, e.Dep.Marketplace)}
	store := tempStore(t)
	marked := map[uint64]int{}
	silent := contracts.GetSlotID(id, 0)
	v := newValidatorOn(t, e, reads, chain, store, validator.Config{Batch: batch, OnMark: func(s contracts.SlotID, p uint64) {
		if s != silent {
			t.Errorf("N=%d: marked slot %s in period %d, whose host proved", n, s, p)
		}
		marked[p]++
	}})
	if err := v.Step(ctx); err != nil {
		t.Fatal(err)
	}
	b := batch
	if b == 0 {
		b = validator.DefaultBatch
	}
	wantReads := (n + b - 1) / b
	var line []string
	for p := range 3 {
		_, end := e.Period()
		e.AdvanceTo(end + 1)
		if p < 2 { // the third period's decision follows no proofs: the run ends there
			for i := uint64(1); i < uint64(n); i++ {
				if _, err := e.Prove(e.Hosts[i%uint64(len(e.Hosts))], contracts.GetSlotID(id, i), ds.Slots[i]); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := v.in.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		market.Take()
		reads.Take()
		before := v.Marks()
		if err := v.Step(ctx); err != nil {
			t.Fatal(err)
		}
		got, sync := market.Take(), reads.Take()
		marks := v.Marks() - before
		if got["eth_call"] != wantReads || got["eth_estimateGas"] != marks {
			t.Errorf("N=%d batch=%d period %d: %d eth_call, %d eth_estimateGas for %d marks; want %d and %d", n, batch, p+1, got["eth_call"], got["eth_estimateGas"], marks, wantReads, marks)
		}
		line = append(line, fmt.Sprintf("p%d: %2d calls (%d eth_call, %d marks) +%d sync", p+1, total(got), got["eth_call"], marks, total(sync)))
	}
	// The fill period needs no proof; the two after it were missed.
	if v.Marks() != 2 || len(marked) != 2 {
		t.Errorf("N=%d: %d marks over periods %v, want one in each of two periods", n, v.Marks(), marked)
	}
	if got, _ := e.Validator.M.MissingProofs(ctx, silent); got != 2 {
		t.Errorf("N=%d: the contract counts %d missing proofs, want 2", n, got)
	}
	again := newValidatorOn(t, e, reads, chain, store, validator.Config{Batch: batch})
	if err := again.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if again.Marks() != 0 || again.Watched() != n {
		t.Errorf("N=%d restarted: %d marks, watching %d; want 0 and %d", n, again.Marks(), again.Watched(), n)
	}
	return strings.Join(line, " | ")
}
