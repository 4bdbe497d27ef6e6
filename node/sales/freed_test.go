package sales_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// TestFreedSlotIsQueuedWithTheCursor: a slot the contract frees (its host
// was slashed too often) goes back in the queue with its request's ask
// from the ledger, with no chain read (every request read fails here), in
// the transaction that moves the cursor past the SlotFreed: no committed
// cursor is past it with the slot unqueued, so a node stopped then (as a
// killed one is) still has it queued when it runs again.
func TestFreedSlotIsQueuedWithTheCursor(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	dir := t.TempDir()
	f := followerIn(t, e, dir)
	mustAvail(t, f.store)
	const size = 64 * 256
	ds := ct.NewDataset(t, 3, 2, size)
	id, _ := e.Request(ds, e.Ask(2, 1, size))
	waitFor(t, "both slots queued", 10*time.Second, func() bool { return slices.Equal(queued(t, f.store), []uint64{0, 1}) })
	e.MustFill(e.Hosts[0], id, 0, ds)
	e.MustFill(e.Hosts[1], id, 1, ds)
	waitFor(t, "the filled slots to leave the queue", 10*time.Second, func() bool { return len(queued(t, f.store)) == 0 })

	const outage = 1 << 20
	f.market.failures.Store(outage)
	slashOut(t, e, contracts.GetSlotID(id, 0), func() {})
	freedAt, _ := e.Chain.BlockNumber(context.Background())
	waitFor(t, "the cursor past the freed slot", 10*time.Second, func() bool {
		var past bool
		var q []uint64
		f.store.View(func(tx *persist.Tx) error {
			c, err := tx.Cursor()
			past = err == nil && c.Number >= freedAt
			return tx.ForEachQueueItem(func(it persist.QueueItem) error { q = append(q, it.SlotIndex); return nil })
		})
		if past && !slices.Equal(q, []uint64{0}) {
			t.Fatalf("cursor past the SlotFreed at block %d with the queue holding %v", freedAt, q)
		}
		return past
	})
	if n := f.market.failures.Load(); n != outage {
		t.Fatalf("the freed slot's ask was read from the chain (%d request reads)", outage-n)
	}
	f.stop()

	f = followerIn(t, e, dir)
	if q := queued(t, f.store); !slices.Equal(q, []uint64{0}) {
		t.Fatalf("after the restart the queue holds %v, want the freed slot 0", q)
	}
}

// TestFreedSlotUnknownToTheLedgerWaitsForTheChain: a store upgraded from
// schema 2 has no ledger record of an older request, so a slot of it that
// is freed needs the ask from the chain. While that read fails the node
// must not move its cursor past the SlotFreed: a node stopped then queues
// the slot once it runs again.
func TestFreedSlotUnknownToTheLedgerWaitsForTheChain(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	dir := t.TempDir()
	f := followerIn(t, e, dir)
	mustAvail(t, f.store)
	const size = 64 * 256
	ds := ct.NewDataset(t, 3, 2, size)
	id, _ := e.Request(ds, e.Ask(2, 1, size))
	waitFor(t, "both slots queued", 10*time.Second, func() bool { return slices.Equal(queued(t, f.store), []uint64{0, 1}) })
	e.MustFill(e.Hosts[0], id, 0, ds)
	e.MustFill(e.Hosts[1], id, 1, ds)
	waitFor(t, "the filled slots to leave the queue", 10*time.Second, func() bool { return len(queued(t, f.store)) == 0 })
	if err := f.store.Update(context.Background(), func(tx *persist.Tx) error {
		_, err := tx.DeleteLedgerRequest(persist.ID(id))
		return err
	}); err != nil {
		t.Fatal(err)
	}

	const outage = 1 << 20
	slashOut(t, e, contracts.GetSlotID(id, 0), func() { f.market.failures.Store(outage) })
	waitFor(t, "the node to try reading the freed slot's request twice", 10*time.Second, func() bool {
		return f.market.failures.Load() < outage-1
	})
	if q := queued(t, f.store); len(q) != 0 {
		t.Fatalf("queue holds %v without the request's ask", q)
	}
	f.stop()

	f = followerIn(t, e, dir)
	waitFor(t, "the freed slot queued after the restart", 10*time.Second, func() bool { return slices.Equal(queued(t, f.store), []uint64{0}) })
}

// TestFreedSlotIsRefilled: two other hosts hold a request's slots, one is
// slashed until the contract frees its slot, and our host node, which had
// no part in the request, takes the freed slot: it downloads it from the
// client, fills it and proves it, and the request keeps running.
func TestFreedSlotIsRefilled(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	m, providers, clientData := clientDataset(t, 2, 1)
	id := requestTwoSlots(t, e, m, providers, 11, 5000)
	ctx := context.Background()
	fillFromDataset(t, e, e.Hosts[1], id, 0, clientData, m)
	fillFromDataset(t, e, e.Hosts[2], id, 1, clientData, m)
	h := startHost(t, e, e.Hosts[0], t.TempDir())
	slot := contracts.GetSlotID(id, 0)
	slashOut(t, e, slot, func() {})
	freedAt, _ := e.Chain.BlockNumber(ctx)

	stopMining := e.AutoMine(100 * time.Millisecond)
	defer stopMining()
	waitFor(t, "our host to fill the freed slot and prove it", 60*time.Second, func() bool {
		host, _ := e.Client.M.GetHost(ctx, slot)
		return host == h.addr && provedAfter(e, slot, freedAt)
	})
	if rs, _ := e.Client.M.RequestState(ctx, id); rs != contracts.RequestStateStarted {
		t.Fatalf("request %s after the refill, want Started", rs)
	}
}

// slashOut has the validator mark slot's proofs missing, period after
// period, until the contract frees it; beforeLast runs before the mark that
// frees it.
func slashOut(t *testing.T, e *ct.Env, slot contracts.SlotID, beforeLast func()) {
	t.Helper()
	ctx := context.Background()
	most := uint64(e.Cfg.Collateral.MaxNumberOfSlashes)
	for range 2*most + 2 {
		p, end := e.Period()
		e.AdvanceTo(end + 1)
		if n, _ := e.Validator.M.MissingProofs(ctx, slot); n+1 == most {
			beforeLast()
		}
		if _, err := e.Validator.M.MarkProofAsMissing(ctx, slot, p); err != nil && !errors.Is(err, contracts.ErrProofNotRequired) {
			t.Fatalf("mark period %d missing: %v", p, err)
		}
		if st, _ := e.Client.M.SlotState(ctx, slot); st == contracts.SlotStateRepair {
			return
		}
	}
	t.Fatalf("slot %s not freed after %d slashes", slot, most)
}

// droppingSubmitter fails every proof while drop is set, as a host whose
// proofs never reach the chain.
type droppingSubmitter struct {
	sales.ProofSubmitter
	drop atomic.Bool
}

func (d *droppingSubmitter) SubmitAll(ctx context.Context, calls []txmgr.Call) []error {
	if !d.drop.Load() {
		return d.ProofSubmitter.SubmitAll(ctx, calls)
	}
	errs := make([]error, len(calls))
	for i := range errs {
		errs[i] = errors.New("dropped by the test")
	}
	return errs
}

// TestSlotFreedFromUsIsRepairedByUs: our host holds a slot, its proofs do
// not reach the chain until the contract frees the slot, and then the
// running host, the only one with room, takes the slot again at the repair
// collateral, fills it and proves it. Ingestion leaves a freed slot that
// an agent of ours still holds out of the queue; the agent's end queues it.
func TestSlotFreedFromUsIsRepairedByUs(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	m, providers, clientData := clientDataset(t, 2, 1)
	id := requestTwoSlots(t, e, m, providers, 12, 5000)
	ctx := context.Background()
	fillFromDataset(t, e, e.Hosts[2], id, 1, clientData, m)
	var sub *droppingSubmitter
	h := startHostWith(t, e, e.Hosts[0], t.TempDir(), func(c *sales.Config) {
		sub = &droppingSubmitter{ProofSubmitter: c.Submitter}
		c.Submitter = sub
	})
	slot := contracts.GetSlotID(id, 0)
	stopMining := e.AutoMine(100 * time.Millisecond)
	waitFor(t, "our host to fill slot 0", 60*time.Second, func() bool {
		host, _ := e.Client.M.GetHost(ctx, slot)
		return host == h.addr
	})
	stopMining()
	sub.drop.Store(true)
	slashOut(t, e, slot, func() {})
	freedAt, _ := e.Chain.BlockNumber(ctx)
	sub.drop.Store(false)

	stopMining = e.AutoMine(100 * time.Millisecond)
	defer stopMining()
	waitFor(t, "our host to fill the slot freed from it again and prove it", 60*time.Second, func() bool {
		host, _ := e.Client.M.GetHost(ctx, slot)
		return host == h.addr && provedAfter(e, slot, freedAt)
	})
}
