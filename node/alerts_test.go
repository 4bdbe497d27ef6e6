package node

import (
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slotd/slotd/node/api"
	"github.com/slotd/slotd/persist"
)

func kinds(as []Alert) string {
	var k []string
	for _, a := range as {
		k = append(k, a.Kind)
	}
	return strings.Join(k, ",")
}

// TestAlertsRaiseAndClear: an alert is there while its condition holds
// and gone once it does not.
func TestAlertsRaiseAndClear(t *testing.T) {
	healthy := func() Report {
		return Report{Chain: ChainHealth{RPCOK: true, CursorLag: 2},
			Balances: &Balances{Gas: api.Amount{Int: big.NewInt(1e18)}},
			Host:     &HostReport{SlotsByState: map[string]int{"proving": 2}, Held: 2, DiskFree: 50 << 30, Free: 1 << 30}}
	}
	price := big.NewInt(1e9)
	r := healthy()
	r.PendingTxs = []PendingTx{{Purpose: "fill:0xab", Nonce: 5, Blocks: alertStuckBlocks}} // pending, not stuck yet
	if got := alerts(r, price); len(got) != 0 {
		t.Fatalf("a transaction pending %d blocks: %v", alertStuckBlocks, got)
	}
	if got := alerts(healthy(), price); len(got) != 0 {
		t.Fatalf("healthy node: %v", got)
	}
	for _, c := range []struct {
		kind  string
		fault func(*Report)
	}{
		{"rpc-unreachable", func(r *Report) { r.Chain = ChainHealth{RPCError: "connection refused"} }},
		{"cursor-lagging", func(r *Report) { r.Chain.CursorLag = 500 }},
		{"agent-errored", func(r *Report) { r.Host.SlotsByState["errored"] = 1 }},
		{"proof-missed", func(r *Report) { r.Host.ProofsMissed = 1 }},
		{"slot-lost", func(r *Report) { r.Host.SlotsLost24h = 1 }},
		{"disk-nearly-full", func(r *Report) { r.Host.DiskFree = 10 << 20 }},
		{"disk-overcommitted", func(r *Report) { r.Host.Free = 100 << 30 }},
		{"gas-low", func(r *Report) { r.Balances.Gas = api.Amount{Int: big.NewInt(1e12)} }},
		{"tx-stuck", func(r *Report) {
			r.PendingTxs = []PendingTx{{Purpose: "proof:0xab:17", Nonce: 6, Blocks: alertStuckBlocks + 1}}
		}},
	} {
		r := healthy()
		c.fault(&r)
		if got := kinds(alerts(r, price)); got != c.kind {
			t.Errorf("%s: alerts %q", c.kind, got)
		}
		if got := alerts(healthy(), price); len(got) != 0 { // fixed again: cleared
			t.Errorf("%s not cleared: %v", c.kind, got)
		}
	}
}

// TestStuckAlertSaysPurposeAndNonce: the tx-stuck alert names the
// transaction so the operator can find it in slotd dump txs.
func TestStuckAlertSaysPurposeAndNonce(t *testing.T) {
	r := Report{Chain: ChainHealth{RPCOK: true}, PendingTxs: []PendingTx{{Purpose: "proof:0xab:17", Nonce: 6, Blocks: 40}}}
	got := alerts(r, nil)
	if len(got) != 1 || !strings.Contains(got[0].Message, "proof:0xab:17") || !strings.Contains(got[0].Message, "nonce 6") ||
		!strings.Contains(got[0].Message, "40 blocks") {
		t.Fatalf("alerts %+v, want one tx-stuck naming proof:0xab:17, nonce 6 and 40 blocks", got)
	}
}

// TestPendingTxsCountBlocksFromFirstSight: a pending transaction's blocks
// count from the head it was first seen at; a fee bump (same nonce) keeps
// the count, a new nonce for the purpose restarts it.
func TestPendingTxsCountBlocksFromFirstSight(t *testing.T) {
	store, err := persist.Open(filepath.Join(t.TempDir(), "slotd.db"), &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	put := func(r persist.TxRecord) {
		t.Helper()
		r.Value, r.GasFeeCap, r.GasTipCap = big.NewInt(0), big.NewInt(1), big.NewInt(1)
		if err := store.Update(t.Context(), func(tx *persist.Tx) error { return tx.PutTxRecord(r) }); err != nil {
			t.Fatal(err)
		}
	}
	n := &Node{store: store}
	blocks := func(head uint64) string {
		t.Helper()
		ps, err := n.pendingTxs(head)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range ps {
			out = append(out, fmt.Sprintf("%s:%d", p.Purpose, p.Blocks))
		}
		return strings.Join(out, ",")
	}
	put(persist.TxRecord{Purpose: "proof:a", Nonce: 6, Hash: persist.ID{1}, Status: persist.TxPending})
	put(persist.TxRecord{Purpose: "fill:b", Nonce: 5, Hash: persist.ID{2}, Status: persist.TxMined, Block: 90})
	if got := blocks(100); got != "proof:a:0" {
		t.Fatalf("at first sight: %s", got)
	}
	put(persist.TxRecord{Purpose: "proof:a", Nonce: 6, Hash: persist.ID{3}, Status: persist.TxPending}) // a fee bump
	if got := blocks(130); got != "proof:a:30" {
		t.Fatalf("after a bump: %s, want the count kept", got)
	}
	put(persist.TxRecord{Purpose: "proof:a", Nonce: 9, Hash: persist.ID{4}, Status: persist.TxPending})
	if got := blocks(140); got != "proof:a:0" {
		t.Fatalf("a new nonce: %s, want the count restarted", got)
	}
}
