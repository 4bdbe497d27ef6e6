package sales_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/node/validator"
	"github.com/slotd/slotd/persist"
)

// watcher is a validator with its own store, ingestor and counting
// client, watching the slots the figures' host proves.
type watcher struct {
	count  *ct.CountingClient
	v      *validator.Validator
	in     *chain.Ingestor
	marked atomic.Int64 // OnMark runs on the validator's mark workers
}

func newWatcher(t testing.TB, e *ct.Env) *watcher {
	t.Helper()
	ctx := context.Background()
	w := &watcher{count: ct.NewCounting(e.Chain)}
	store, err := persist.Open(filepath.Join(t.TempDir(), "validator.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	sender, err := contracts.NewKeySender(ctx, w.count, e.Validator.Key)
	if err != nil {
		t.Fatal(err)
	}
	market := validator.MarketChain{Market: contracts.NewEthMarket(w.count, sender, e.Dep.Marketplace)}
	w.v, err = validator.New(market, store, validator.Config{Period: e.Cfg.Proofs.Period, Poll: time.Hour, Log: hclog.NewNullLogger(),
		OnMark: func(contracts.SlotID, uint64) { w.marked.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	w.in, err = chain.New(chain.Config{Client: w.count, Store: store, Subscribers: []chain.Subscriber{w.v},
		Address: e.Dep.Marketplace, Recent: 32, PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	w.step(t) // the watch list from the fills
	return w
}

// step follows the chain to its head and decides, as the validator's
// Run does on each committed head. A mark (none is expected: the host
// proves every period) may wait for its receipt, so a step is bounded.
func (w *watcher) step(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.in.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.v.Step(ctx); err != nil {
		t.Errorf("validator step: %v", err)
	}
}
