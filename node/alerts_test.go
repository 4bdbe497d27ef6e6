package node

import (
	"math/big"
	"strings"
	"testing"

	"github.com/slotd/slotd/node/api"
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
		{"disk-nearly-full", func(r *Report) { r.Host.DiskFree = 10 << 20 }},
		{"disk-overcommitted", func(r *Report) { r.Host.Free = 100 << 30 }},
		{"gas-low", func(r *Report) { r.Balances.Gas = api.Amount{Int: big.NewInt(1e12)} }},
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
