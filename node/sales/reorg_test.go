package sales_test

import (
	"context"
	"math/big"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/persist"
)

func queued(t *testing.T, s *persist.Store) []uint64 {
	var idx []uint64
	s.View(func(tx *persist.Tx) error {
		return tx.ForEachQueueItem(func(it persist.QueueItem) error { idx = append(idx, it.SlotIndex); return nil })
	})
	slices.Sort(idx)
	return idx
}

// TestQueueFollowsReorg: a SlotFilled that a reorganisation takes back puts
// the slot back in the queue, because the queue follows the canonical chain.
func TestQueueFollowsReorg(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	dir := t.TempDir()
	store, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	data, _ := datastore.Open(filepath.Join(dir, "data"), nil)
	ctx, stop := context.WithCancel(context.Background())
	mustAvail(t, store)
	s, err := sales.New(ctx, sales.Config{Store: store, Market: contracts.NewEthMarket(e.Chain, e.Deployer, e.Dep.Marketplace),
		Client: e.Chain, Data: data, Workers: 0, QueueSize: 16, Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { stop(); <-done }()

	const size = 64 * 256
	ds := ct.NewDataset(t, 3, 2, size)
	id, _ := e.Request(ds, e.Ask(2, 1, size))
	waitFor(t, "both slots queued", 10*time.Second, func() bool { return slices.Equal(queued(t, store), []uint64{0, 1}) })

	before, err := e.Chain.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.MustFill(e.Hosts[1], id, 1, ds) // someone else fills slot 1
	waitFor(t, "slot 1 to leave the queue", 10*time.Second, func() bool { return slices.Equal(queued(t, store), []uint64{0}) })

	// Reorganise: a branch from before the fill, without it, becomes longer.
	if err := e.Sim.Fork(before.Hash()); err != nil {
		t.Fatal(err)
	}
	e.Sim.Rollback()
	for range 4 {
		e.Commit()
	}
	if h, _ := e.Hosts[0].M.GetHost(ctx, contracts.GetSlotID(id, 1)); h != (common.Address{}) {
		t.Fatalf("the fill survived the reorganisation (host %s)", h)
	}
	waitFor(t, "slot 1 back in the queue", 10*time.Second, func() bool { return slices.Equal(queued(t, store), []uint64{0, 1}) })
	if st := s.Ingestor().Stats(); st.Reorgs == 0 || st.Reverted == 0 {
		t.Fatalf("ingestor saw no reorganisation: %+v", st)
	}
}

func mustAvail(t *testing.T, store *persist.Store) {
	err := store.Update(context.Background(), func(tx *persist.Tx) error {
		return tx.AddAvailability(&persist.Availability{TotalSize: 1 << 30, FreeSize: 1 << 30, Duration: 100_000,
			MinPricePerBytePerSecond: big.NewInt(1), MaxCollateralPerByte: big.NewInt(1000)})
	})
	if err != nil {
		t.Fatal(err)
	}
}
