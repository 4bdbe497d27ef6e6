package sales_test

import (
	"context"
	"math/big"
	"path/filepath"
	"slices"
	"testing"
	"time"

	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/persist"
)

// TestAvailabilityAddedLooksBack: a request posted while no availability
// could take it is queued once one is added, with only its slots still
// free, even while the chain's request reads fail (an RPC outage): the
// look-back reads the ledger, not the chain.
func TestAvailabilityAddedLooksBack(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	s, store, market := follower(t, e)
	ctx := context.Background()

	const size = 64 * 256
	ds := ct.NewDataset(t, 5, 3, size)
	id, _ := e.Request(ds, e.Ask(3, 1, size))
	e.MustFill(e.Hosts[1], id, 1, ds) // someone else takes slot 1
	head, _ := e.Chain.BlockNumber(ctx)
	if err := ingestorOf(s).WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	if q := queued(t, store); len(q) != 0 {
		t.Fatalf("queued %v with no availability", q)
	}

	const outage = 1 << 20
	market.stateFailures.Store(outage)
	market.failures.Store(outage)
	a := persist.Availability{TotalSize: 1 << 30, FreeSize: 1 << 30, Duration: 100_000,
		MinPricePerBytePerSecond: big.NewInt(1), MaxCollateralPerByte: big.NewInt(1000)}
	if err := store.Update(ctx, func(tx *persist.Tx) error { return tx.AddAvailability(&a) }); err != nil {
		t.Fatal(err)
	}
	s.AvailabilityAdded(ctx, a)
	waitFor(t, "the free slots queued", 10*time.Second, func() bool { return slices.Equal(queued(t, store), []uint64{0, 2}) })
	if n, m := market.stateFailures.Load(), market.failures.Load(); n != outage || m != outage {
		t.Fatalf("the look-back read the chain (%d request state and %d request reads)", outage-n, outage-m)
	}
}

// TestLookBackResumesAtStart: an availability whose look-back never ran
// (the node stopped, or died, right after it was added) gets it when the
// node starts, and is marked so that the next start does not repeat it.
func TestLookBackResumesAtStart(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	dir := t.TempDir()
	f := followerIn(t, e, dir)
	ctx := context.Background()
	const size = 64 * 256
	ds := ct.NewDataset(t, 6, 2, size)
	e.Request(ds, e.Ask(2, 1, size))
	head, _ := e.Chain.BlockNumber(ctx)
	if err := ingestorOf(f.s).WaitFor(ctx, head); err != nil {
		t.Fatal(err)
	}
	f.stop()

	store, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	mustAvail(t, store) // as the API adds it, with the node gone before its look-back
	store.Close()

	f = followerIn(t, e, dir)
	waitFor(t, "the open request's slots queued", 10*time.Second, func() bool { return slices.Equal(queued(t, f.store), []uint64{0, 1}) })
	waitFor(t, "the availability marked looked back", 10*time.Second, func() bool {
		looked := false
		f.store.View(func(tx *persist.Tx) error {
			a, err := tx.Availability(1)
			looked = err == nil && a.LookedBack
			return nil
		})
		return looked
	})
}
