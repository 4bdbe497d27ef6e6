package node_test

import (
	"bytes"
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/node"
)

// TestHostRecordsItsURLOnChain: a host records its --public-url in the
// chain's registry at start, and a restart with the same URL sends nothing;
// a new URL is recorded again.
func TestHostRecordsItsURLOnChain(t *testing.T) {
	// Three node starts on a dev chain: under -race on 2 cores one minute
	// was not enough (the last count then read nothing and said 0).
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	chain, cfg, addr, dep := devNode(t, ctx)
	cfg.Roles = []string{node.RoleHost}
	market := contracts.NewEthMarket(chain.Client(), nil, dep.Marketplace)
	// urlSets counts the successful setHostUrl transactions, block by
	// block: a log query over the whole chain waits for the dev chain's
	// log index, which under -race took minutes to catch up.
	setHostURL := bindings.NewMarketplace().GetABI().Methods["setHostUrl"].ID
	urlSets := func() int {
		c := chain.Client()
		head, err := c.BlockNumber(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for b := uint64(0); b <= head; b++ {
			blk, err := c.BlockByNumber(ctx, new(big.Int).SetUint64(b))
			if err != nil {
				t.Fatalf("block %d: %v", b, err)
			}
			for _, tx := range blk.Transactions() {
				if tx.To() == nil || *tx.To() != dep.Marketplace || !bytes.HasPrefix(tx.Data(), setHostURL) {
					continue
				}
				rc, err := c.TransactionReceipt(ctx, tx.Hash())
				if err != nil {
					t.Fatalf("receipt of %s: %v", tx.Hash(), err)
				}
				if rc.Status == types.ReceiptStatusSuccessful {
					n++
				}
			}
		}
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
			t.Fatalf("%d setHostUrl transactions, want %d", got, wantSets)
		}
	}
	run("http://203.0.113.7:8080", 1)
	run("http://203.0.113.7:8080", 1) // unchanged: nothing sent
	run("https://host.example", 2)
}
