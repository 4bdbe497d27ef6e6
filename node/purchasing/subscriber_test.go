package purchasing_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/node/purchasing"
)

// TestIngestedEventWakesTheClient: with a poll far too slow to matter,
// the request's RequestFulfilled, ingested by the node's chain ingestor,
// moves the purchase to started at once.
func TestIngestedEventWakesTheClient(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 3, 2, size)
	store := openStore(t, filepath.Join(t.TempDir(), "slotd.db"))
	defer store.Close()
	p := purchasing.New(purchasing.MarketChain{Market: e.Client.M}, store, nil)
	in, err := chain.New(chain.Config{Client: e.Chain, Store: store, Subscribers: []chain.Subscriber{p},
		Address: e.Dep.Marketplace, StartBlock: e.Head().Number.Uint64() + 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	id, err := p.Request(ctx, purchasing.Dataset{CID: "z", ContentRoot: ds.Content, Slots: 2, MaxSlotLoss: 1, SlotSize: size}, params())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, time.Hour) }()
	defer func() { cancel(); <-done }()
	time.Sleep(200 * time.Millisecond) // Run's first step is over
	e.MustFill(e.Hosts[0], id, 0, ds)
	e.MustFill(e.Hosts[1], id, 1, ds)
	if err := in.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if rec, _ := p.Purchase(id); rec.State == purchasing.StateStarted {
			return
		}
		if time.Now().After(deadline) {
			rec, _ := p.Purchase(id)
			t.Fatalf("state %q 5 s after the request started, want started", rec.State)
		}
	}
}
