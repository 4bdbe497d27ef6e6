package sales_test

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/persist"
)

// TestRepairSlotQueuedWithReducedCollateral: a slot freed from a started
// request goes to Repair, and a host that fills it posts its collateral
// less repairRewardPercentage. A host whose availability refuses the full
// collateral never queues the request's slots, and queues the freed one,
// at the reduced collateral.
func TestRepairSlotQueuedWithReducedCollateral(t *testing.T) {
	cfg := ct.TestConfig()
	e := ct.NewEnv(t, cfg)
	_, store, _ := follower(t, e)
	// Full collateral 1000 a byte; less 10 % is 900.
	err := store.Update(context.Background(), func(tx *persist.Tx) error {
		return tx.AddAvailability(&persist.Availability{TotalSize: 1 << 30, FreeSize: 1 << 30, Duration: 100_000,
			MinPricePerBytePerSecond: big.NewInt(1), MaxCollateralPerByte: big.NewInt(950)})
	})
	if err != nil {
		t.Fatal(err)
	}
	const size = 64 * 256
	ds := ct.NewDataset(t, 4, 3, size)
	id, _ := e.Request(ds, e.Ask(3, 1, size))
	for i, h := range e.Hosts {
		e.MustFill(h, id, uint64(i), ds)
	}
	if s, _ := e.Client.M.RequestState(e.Ctx, id); s != contracts.RequestStateStarted {
		t.Fatalf("request %s, want started", s)
	}
	e.Advance(50)
	if _, err := e.Hosts[0].M.FreeSlot(e.Ctx, contracts.GetSlotID(id, 0)); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.Client.M.SlotState(e.Ctx, contracts.GetSlotID(id, 0)); s != contracts.SlotStateRepair {
		t.Fatalf("freed slot %s, want Repair", s)
	}
	var items []persist.QueueItem
	waitFor(t, "the repair slot queued", 10*time.Second, func() bool {
		items = items[:0]
		store.View(func(tx *persist.Tx) error {
			return tx.ForEachQueueItem(func(it persist.QueueItem) error { items = append(items, it); return nil })
		})
		return len(items) > 0
	})
	want := 1000 * (100 - uint64(cfg.Collateral.RepairRewardPercentage)) / 100
	if len(items) != 1 || items[0].SlotIndex != 0 || items[0].CollateralPerByte.Uint64() != want {
		t.Fatalf("queue holds %+v; want slot 0 alone at %d a byte", items, want)
	}
}
