package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node"
)

// TestHostRecordsItsURLOnChain: a host records its --public-url in the
// chain's registry at start, and a restart with the same URL sends nothing;
// a new URL is recorded again.
func TestHostRecordsItsURLOnChain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	chain, cfg, addr, dep := devNode(t, ctx)
	cfg.Roles = []string{node.RoleHost}
	market := contracts.NewEthMarket(chain.Client(), nil, dep.Marketplace)
	urlSets := func() int {
		head, _ := chain.Client().BlockNumber(ctx)
		n := 0
		market.PastEvents(ctx, 0, head, func(_ uint64, evs []contracts.Event) error {
			for _, ev := range evs {
				if _, ok := ev.(*contracts.HostURLSet); ok {
					n++
				}
			}
			return nil
		})
		return n
	}
	run := func(url string, wantSets int) {
		t.Helper()
		cfg.PublicURL = url
		n, err := node.Open(ctx, cfg, hclog.NewNullLogger())
		if err != nil {
			t.Fatal(err)
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- n.Run(runCtx) }()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if got, _ := market.HostURL(ctx, addr); got == url {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the chain never recorded %s", url)
			}
		}
		time.Sleep(time.Second) // time enough for a needless second send
		stop()
		if err := <-done; err != nil {
			t.Fatalf("run: %v", err)
		}
		n.Close()
		if got := urlSets(); got != wantSets {
			t.Fatalf("%d HostUrlSet events, want %d", got, wantSets)
		}
	}
	run("http://203.0.113.7:8080", 1)
	run("http://203.0.113.7:8080", 1) // unchanged: nothing sent
	run("https://host.example", 2)
}
