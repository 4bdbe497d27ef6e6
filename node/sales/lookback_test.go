package sales_test

import (
	"context"
	"math/big"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/persist"
)

// TestAvailabilityAddedLooksBack: a request posted while no availability
// could take it is queued once one is added, with only its slots still
// free, even when the chain cannot be read the first times (an RPC
// outage).
func TestAvailabilityAddedLooksBack(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	dir := t.TempDir()
	store, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	data, _ := datastore.Open(filepath.Join(dir, "data"), nil)
	ctx, stop := context.WithCancel(context.Background())
	market := &unreadableRequests{Market: contracts.NewEthMarket(e.Chain, e.Deployer, e.Dep.Marketplace)}
	s, err := sales.New(ctx, sales.Config{Store: store, Market: market,
		Client: e.Chain, Data: data, Workers: 0, QueueSize: 16, Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { stop(); <-done }()

	const size = 64 * 256
	ds := ct.NewDataset(t, 5, 3, size)
	id, _ := e.Request(ds, e.Ask(3, 1, size))
	e.MustFill(e.Hosts[1], id, 1, ds) // someone else takes slot 1
	head, _ := e.Chain.BlockNumber(ctx)
	if err := s.Ingestor().WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if q := queued(t, store); len(q) != 0 {
		t.Fatalf("queued %v with no availability", q)
	}

	market.stateFailures.Store(3)
	a := persist.Availability{TotalSize: 1 << 30, FreeSize: 1 << 30, Duration: 100_000,
		MinPricePerBytePerSecond: big.NewInt(1), MaxCollateralPerByte: big.NewInt(1000)}
	if err := store.Update(ctx, func(tx *persist.Tx) error { return tx.AddAvailability(&a) }); err != nil {
		t.Fatal(err)
	}
	s.AvailabilityAdded(ctx, a)
	waitFor(t, "the free slots queued", 10*time.Second, func() bool { return slices.Equal(queued(t, store), []uint64{0, 2}) })
	if n := market.stateFailures.Load(); n >= 0 {
		t.Fatalf("the outage was not met (%d failures left)", n+1)
	}
}
