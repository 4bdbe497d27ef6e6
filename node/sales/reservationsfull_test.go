package sales_test

import (
	"context"
	"slices"
	"testing"
	"time"

	ct "github.com/slotd/slotd/contracts/contractstest"
)

// TestQueueDropsSlotWhoseReservationsAreFull: once maxReservations other
// hosts reserved a slot, a host that holds no reservation there takes it
// out of its queue (it could never fill it); a reorganisation that undoes
// the reservations puts it back.
func TestQueueDropsSlotWhoseReservationsAreFull(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	_, store, _ := follower(t, e)
	mustAvail(t, store)
	ctx := context.Background()

	const size = 64 * 256
	ds := ct.NewDataset(t, 3, 2, size)
	id, _ := e.Request(ds, e.Ask(2, 1, size))
	waitFor(t, "both slots queued", 10*time.Second, func() bool { return slices.Equal(queued(t, store), []uint64{0, 1}) })

	before, err := e.Chain.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range e.Hosts[:3] { // maxReservations in TestConfig
		if err := e.Reserve(h, id, 1); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "slot 1 to leave the queue", 10*time.Second, func() bool { return slices.Equal(queued(t, store), []uint64{0}) })

	if err := e.Sim.Fork(before.Hash()); err != nil {
		t.Fatal(err)
	}
	e.Sim.Rollback()
	for range 4 {
		e.Commit()
	}
	waitFor(t, "slot 1 back in the queue", 10*time.Second, func() bool { return slices.Equal(queued(t, store), []uint64{0, 1}) })
}
