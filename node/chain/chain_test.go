package chain_test

import (
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/persist"
)

// market makes some history: requests spread over blocks, some slots filled.
func market(e *ct.Env, requests int) (ids []contracts.RequestID, ds ct.Dataset) {
	ds = newDataset(e.T, 1, 2)
	for i := range requests {
		id := request(e, ds)
		ids = append(ids, id)
		if i%3 == 0 {
			e.MustFill(e.Hosts[i%2], id, uint64(i%2), ds)
		}
		e.Mine(i % 4)
	}
	return ids, ds
}

// TestCrashMidwayAppliesEveryEventOnce stops ingestion with a failing
// transaction at several points (the handler's effects and the cursor of
// that page roll back together), then reopens the store, as a restarted node
// would, and finishes: every event is applied exactly once. Small pages and
// a small Recent window exercise both the paged replay and the per-block
// path near the head.
func TestCrashMidwayAppliesEveryEventOnce(t *testing.T) {
	e := newEnv(t)
	start := e.Head().Number.Uint64() + 1
	market(e, 12)
	head := e.Head().Number.Uint64()
	want := e.Events(start, head)

	path := filepath.Join(t.TempDir(), "slotd.db")
	cfg := chain.Config{Client: e.Chain, Address: e.Dep.Marketplace, StartBlock: start, PageSize: 5, Recent: 8}
	crashes := 0
	for failAt := 2; ; failAt++ {
		if failAt > 100 {
			t.Fatal("ingestion never finishes")
		}
		s := openStore(t, path)
		m := &model{failAt: failAt}
		cfg.Store, cfg.Subscribers = s, subs(m)
		in := newIngestor(t, cfg)
		err := in.Sync(e.Ctx)
		s.Close()
		if err == nil {
			break
		}
		if !errors.Is(err, errCrash) {
			t.Fatal(err)
		}
		crashes++
	}
	if crashes < 3 {
		t.Fatalf("only %d crashes: the test covers too little", crashes)
	}
	s := openStore(t, path)
	defer s.Close()
	wantLedger(t, s, want)
	var c persist.Cursor
	s.View(func(tx *persist.Tx) error { c, _ = tx.Cursor(); return nil })
	if c.Number != head || c.Hash != persist.ID(e.Head().Hash()) {
		t.Fatalf("cursor at %d %s, want head %d", c.Number, c.Hash, head)
	}
}

// TestResumesFromCursor: a second ingestor on the same store applies only
// what was mined since the first one stopped, and StartBlock only matters
// for a store without a cursor.
func TestResumesFromCursor(t *testing.T) {
	e := newEnv(t)
	early := e.Events(0, e.Head().Number.Uint64())
	start := e.Head().Number.Uint64() + 1
	ids, ds := market(e, 3)
	s, _ := tempStore(t)
	m1 := &model{}
	in := newIngestor(t, chain.Config{Client: e.Chain, Store: s, Subscribers: subs(m1), Address: e.Dep.Marketplace, StartBlock: start})
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	if len(early) != 0 {
		t.Fatalf("deployment emitted %d marketplace events", len(early))
	}
	e.MustFill(e.Hosts[1], ids[1], 0, ds)
	e.Mine(3)

	m2 := &model{}
	in2 := newIngestor(t, chain.Config{Client: e.Chain, Store: s, Subscribers: subs(m2), Address: e.Dep.Marketplace, StartBlock: 1})
	if err := in2.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	if len(m2.calls) != 1 || len(m2.calls[0].events) != 1 {
		t.Fatalf("resumed ingestor got %d calls, want one with the new fill", len(m2.calls))
	}
	if f, ok := m2.calls[0].events[0].(*contracts.SlotFilled); !ok || f.RequestID != ids[1] {
		t.Fatalf("resumed ingestor applied %#v", m2.calls[0].events[0])
	}
	wantLedger(t, s, e.Events(start, e.Head().Number.Uint64()))
	wantFilled(t, s, contracts.GetSlotID(ids[0], 0), contracts.GetSlotID(ids[1], 0))
}

// TestReorgRollsBackSlotFilled is the must-show reorg: host 0 fills slot 0
// in a block that a longer branch replaces, on which host 1 fills slot 1
// instead. The ingestor reverts the orphaned SlotFilled (with the orphaned
// block's hash), applies the canonical one, and the filled-slots state
// follows the canonical chain.
func TestReorgRollsBackSlotFilled(t *testing.T) {
	e := newEnv(t)
	start := e.Head().Number.Uint64() + 1
	ds := newDataset(t, 2, 2)
	id := request(e, ds)
	s, _ := tempStore(t)
	m := &model{}
	in := newIngestor(t, chain.Config{Client: e.Chain, Store: s, Subscribers: subs(m), Address: e.Dep.Marketplace, StartBlock: start, Recent: 16})
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}

	fork := e.Head()
	// The fill takes two transactions (collateral approval, then fillSlot),
	// so two blocks on the branch that will be orphaned, plus one more.
	orphan := e.MustFill(e.Hosts[0], id, 0, ds)
	e.Mine(1)
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	wantFilled(t, s, contracts.GetSlotID(id, 0))
	oldHead := e.Head().Number.Uint64()

	// Reorg to the fork point. The orphaned transactions go back to the
	// pool; drop them so that the new branch does not simply include them.
	if err := e.Sim.Fork(fork.Hash()); err != nil {
		t.Fatal(err)
	}
	dropPool(t, e)
	// The chain is now shorter than the cursor: the ingestor notices that its
	// block is gone and rolls back at once.
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	wantFilled(t, s)
	if c := in.Cursor(); c.Number != fork.Number.Uint64() || c.Hash != persist.ID(fork.Hash()) {
		t.Fatalf("cursor at %d after the rollback, want the fork point %d", c.Number, fork.Number)
	}

	canon := e.MustFill(e.Hosts[1], id, 1, ds)
	for e.Head().Number.Uint64() <= oldHead {
		e.Mine(1)
	}
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	wantFilled(t, s, contracts.GetSlotID(id, 1))
	wantLedger(t, s, e.Events(start, e.Head().Number.Uint64()))

	reverts := m.reverts()
	if len(reverts) != 1 || reverts[0].block.Hash != orphan.BlockHash || len(reverts[0].events) != 1 {
		t.Fatalf("reverts %+v, want one of block %s", reverts, orphan.BlockHash)
	}
	if f, ok := reverts[0].events[0].(*contracts.SlotFilled); !ok || f.SlotIndex != 0 {
		t.Fatalf("reverted %#v, want the SlotFilled of slot 0", reverts[0].events[0])
	}
	last := m.calls[len(m.calls)-1]
	if last.revert || last.block.Hash != canon.BlockHash {
		t.Fatalf("last call %+v, want the canonical fill's block %s", last, canon.BlockHash)
	}
	if st := in.Stats(); st.Reorgs != 1 || st.Reverted != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The chain agrees.
	if st, _ := e.Client.M.SlotState(e.Ctx, contracts.GetSlotID(id, 0)); st != contracts.SlotStateFree {
		t.Fatalf("slot 0 is %s on chain", st)
	}
}

// TestReorgDetectedByParentHash: the branch switch happens between two
// passes, so the ingestor meets it as a next block whose parent is not its
// cursor, and rolls back several blocks with events: with the events it
// remembers applying, or, after a restart, with the orphaned blocks' logs
// fetched by block hash.
func TestReorgDetectedByParentHash(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(map[bool]string{false: "running", true: "restarted"}[restart], func(t *testing.T) {
			e := newEnv(t)
			start := e.Head().Number.Uint64() + 1
			ds := newDataset(t, 3, 2)
			s, _ := tempStore(t)
			m := &model{}
			cfg := chain.Config{Client: e.Chain, Store: s, Subscribers: subs(m), Address: e.Dep.Marketplace, StartBlock: start, Recent: 16}
			in := newIngestor(t, cfg)
			fork := e.Head()
			a := request(e, ds)
			e.MustFill(e.Hosts[0], a, 0, ds)
			e.MustFill(e.Hosts[1], a, 1, ds) // fulfils the request
			if err := in.Sync(e.Ctx); err != nil {
				t.Fatal(err)
			}
			wantFilled(t, s, contracts.GetSlotID(a, 0), contracts.GetSlotID(a, 1))
			oldHead := e.Head().Number.Uint64()

			if err := e.Sim.Fork(fork.Hash()); err != nil {
				t.Fatal(err)
			}
			dropPool(t, e)
			request(e, newDataset(t, 4, 2))
			for e.Head().Number.Uint64() <= oldHead+1 {
				e.Mine(1)
			}
			if restart {
				m = &model{}
				cfg.Subscribers = subs(m)
				in = newIngestor(t, cfg)
			}
			if err := in.Sync(e.Ctx); err != nil {
				t.Fatal(err)
			}
			wantFilled(t, s)
			wantLedger(t, s, e.Events(start, e.Head().Number.Uint64()))
			var reverted []string
			for _, c := range m.reverts() {
				for _, ev := range c.events {
					reverted = append(reverted, kind(ev))
				}
			}
			// Newest block first, each block's events in reverse order.
			want := "RequestFulfilled SlotFilled SlotFilled StorageRequested"
			if got := strings.Join(reverted, " "); got != want {
				t.Fatalf("reverted %s, want %s", got, want)
			}
		})
	}
}

// TestReorgDeeperThanRecentStops: with a Recent window of 2, a reorg of 5
// blocks cannot be undone; Sync and Run say so instead of guessing.
func TestReorgDeeperThanRecentStops(t *testing.T) {
	e := newEnv(t)
	start := e.Head().Number.Uint64() + 1
	s, _ := tempStore(t)
	in := newIngestor(t, chain.Config{Client: e.Chain, Store: s, Subscribers: subs(&model{}), Address: e.Dep.Marketplace, StartBlock: start, Recent: 2})
	fork := e.Head()
	request(e, newDataset(t, 5, 2))
	e.Mine(4)
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Sim.Fork(fork.Hash()); err != nil {
		t.Fatal(err)
	}
	dropPool(t, e)
	e.Mine(8)
	err := in.Sync(e.Ctx)
	if !errors.Is(err, chain.ErrReorgTooDeep) || !strings.Contains(err.Error(), "restore a store backup") {
		t.Fatalf("Sync: %v, want ErrReorgTooDeep telling the operator what to do", err)
	}
	ctx, cancel := context.WithTimeout(e.Ctx, 10*time.Second)
	defer cancel()
	if err := in.Run(ctx); !errors.Is(err, chain.ErrReorgTooDeep) {
		t.Fatalf("Run: %v, want ErrReorgTooDeep", err)
	}
}

// TestConfirmations: blocks younger than the confirmation depth wait.
func TestConfirmations(t *testing.T) {
	e := newEnv(t)
	start := e.Head().Number.Uint64() + 1
	s, _ := tempStore(t)
	in := newIngestor(t, chain.Config{Client: e.Chain, Store: s, Subscribers: subs(&model{}), Address: e.Dep.Marketplace, StartBlock: start, Confirmations: 3})
	request(e, newDataset(t, 6, 2)) // approve + request: the event is in the head block
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(ledger(t, s)); n != 0 {
		t.Fatalf("applied %d events with fewer than 3 confirmations", n)
	}
	e.Mine(3)
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	wantLedger(t, s, e.Events(start, e.Head().Number.Uint64()))
}

// TestPagesShrinkAndErrorsRetry: a provider that refuses ranges wider than
// 3 blocks and drops every fifth call; Run still ingests everything.
func TestPagesShrinkAndErrorsRetry(t *testing.T) {
	e := newEnv(t)
	start := e.Head().Number.Uint64() + 1
	market(e, 6)
	e.Mine(40)
	f := &flaky{Client: e.Chain, maxRange: 3, failEvery: 5}
	s, _ := tempStore(t)
	in := newIngestor(t, chain.Config{Client: clientOnly{f}, Store: s, Subscribers: subs(&model{}), Address: e.Dep.Marketplace,
		StartBlock: start, PageSize: 64, Recent: 8, PollInterval: time.Hour, Logger: ct.Logger(t)})
	ctx, cancel := context.WithCancel(e.Ctx)
	done := make(chan error)
	go func() { done <- in.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := in.WaitFor(wctx, e.Head().Number.Uint64()); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	wantLedger(t, s, e.Events(start, e.Head().Number.Uint64()))
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ranges[0] <= 3 {
		t.Fatalf("first query spans %d blocks, want more than the provider allows", f.ranges[0])
	}
	shrunk := false
	for _, r := range f.ranges {
		shrunk = shrunk || r <= 3
	}
	if !shrunk {
		t.Fatalf("queries never shrank to 3 blocks: %v", f.ranges)
	}
}

// subClient hands out head subscriptions that the test can break, like a
// WebSocket connection dropping.
type subClient struct {
	simulated.Client
	mu   sync.Mutex
	subs []*breakable
}

type breakable struct {
	ethereum.Subscription
	errc chan error
	once sync.Once
}

func (b *breakable) Err() <-chan error { return b.errc }

func (b *breakable) drop() {
	b.once.Do(func() {
		b.Subscription.Unsubscribe()
		b.errc <- errors.New("websocket: close 1006 (abnormal closure)")
	})
}

func (c *subClient) SubscribeNewHead(ctx context.Context, ch chan<- *types.Header) (ethereum.Subscription, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	inner, err := c.Client.SubscribeNewHead(ctx, ch)
	if err != nil {
		return nil, err
	}
	b := &breakable{Subscription: inner, errc: make(chan error, 1)}
	c.subs = append(c.subs, b)
	return b, nil
}

func (c *subClient) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.subs)
}

// TestRunFollowsHeadsAcrossADrop: Run follows new heads by subscription (the
// poll interval is an hour, so nothing else can drive it), the subscription
// drops while blocks with events are mined, and after reconnecting the
// ingestor fills the missed range from logs.
func TestRunFollowsHeadsAcrossADrop(t *testing.T) {
	e := newEnv(t)
	start := e.Head().Number.Uint64() + 1
	c := &subClient{Client: e.Chain}
	s, _ := tempStore(t)
	in := newIngestor(t, chain.Config{Client: c, Store: s, Subscribers: subs(&model{}), Address: e.Dep.Marketplace, StartBlock: start,
		PollInterval: time.Hour, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(e.Ctx)
	done := make(chan error)
	go func() { done <- in.Run(ctx) }()
	wait := func() {
		t.Helper()
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
		defer wcancel()
		if err := in.WaitFor(wctx, e.Head().Number.Uint64()); err != nil {
			t.Fatalf("ingestor at %d, head %d: %v", in.Cursor().Number, e.Head().Number, err)
		}
	}
	ds := newDataset(t, 7, 2)
	id := request(e, ds)
	wait()
	if len(ledger(t, s)) != 1 {
		t.Fatal("request not ingested by subscription")
	}

	c.mu.Lock()
	first := c.subs[0]
	c.mu.Unlock()
	first.drop()
	e.MustFill(e.Hosts[0], id, 0, ds)
	wait()
	if c.count() < 2 {
		t.Fatalf("%d subscriptions, want a reconnect", c.count())
	}
	e.MustFill(e.Hosts[1], id, 1, ds)
	wait()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	wantLedger(t, s, e.Events(start, e.Head().Number.Uint64()))
	wantFilled(t, s, contracts.GetSlotID(id, 0), contracts.GetSlotID(id, 1))
}

// TestRunPollsWithoutSubscriptions: a client that cannot subscribe is
// polled.
func TestRunPollsWithoutSubscriptions(t *testing.T) {
	e := newEnv(t)
	start := e.Head().Number.Uint64() + 1
	s, _ := tempStore(t)
	in := newIngestor(t, chain.Config{Client: clientOnly{e.Chain}, Store: s, Subscribers: subs(&model{}), Address: e.Dep.Marketplace,
		StartBlock: start, PollInterval: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(e.Ctx)
	done := make(chan error)
	go func() { done <- in.Run(ctx) }()
	request(e, newDataset(t, 8, 2))
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := in.WaitFor(wctx, e.Head().Number.Uint64()); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wantLedger(t, s, e.Events(start, e.Head().Number.Uint64()))
}

// dropPool empties the pool of the transactions a Fork put back, so that
// the new branch is really different.
func dropPool(t *testing.T, e *ct.Env) {
	t.Helper()
	queued := func() bool {
		for _, a := range append([]ct.Actor{e.Client}, e.Hosts...) {
			pending, err := e.Chain.PendingNonceAt(e.Ctx, a.Addr)
			if err != nil {
				t.Fatal(err)
			}
			mined, err := e.Chain.NonceAt(e.Ctx, a.Addr, nil)
			if err != nil {
				t.Fatal(err)
			}
			if pending > mined {
				return true
			}
		}
		return false
	}
	// The pool re-injects the orphaned transactions in the background.
	for deadline := time.Now().Add(2 * time.Second); !queued() && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	e.Sim.Rollback()
	for deadline := time.Now().Add(2 * time.Second); queued(); {
		if time.Now().After(deadline) {
			t.Fatal("transactions still pending after Rollback")
		}
		time.Sleep(5 * time.Millisecond)
		e.Sim.Rollback()
	}
}

// preparing is the model with a Prepare that fails while fails is above
// zero, recording what it was asked to prepare.
type preparing struct {
	model
	fails    int
	prepared []call
}

func (p *preparing) Prepare(_ context.Context, evs []contracts.Event, revert bool) error {
	p.prepared = append(p.prepared, call{revert: revert, events: evs})
	if p.fails > 0 {
		p.fails--
		return errors.New("request unreadable (test outage)")
	}
	return nil
}

// TestPrepareRunsBeforeAndGatesTheCursor: a Preparer handler is asked to
// prepare every batch, applied and reverted, before its transaction; while
// it fails, neither the events nor the cursor move, and the next pass
// retries the same batch.
func TestPrepareRunsBeforeAndGatesTheCursor(t *testing.T) {
	e := newEnv(t)
	start := e.Head().Number.Uint64() + 1
	ds := newDataset(t, 2, 2)
	id := request(e, ds)
	s, _ := tempStore(t)
	p := &preparing{fails: 1}
	in := newIngestor(t, chain.Config{Client: e.Chain, Store: s, Subscribers: subs(p), Address: e.Dep.Marketplace, StartBlock: start, Recent: 16})
	if err := in.Sync(e.Ctx); err == nil {
		t.Fatal("Sync passed a batch its handler could not prepare")
	}
	if c := in.Cursor(); c.Number >= start || len(p.calls) != 0 {
		t.Fatalf("cursor at %d and %d handler calls after a failed prepare, want nothing applied", c.Number, len(p.calls))
	}
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	keys := func(evs []contracts.Event) (k []persist.ID) {
		for _, ev := range evs {
			k = append(k, ledgerKey(ev))
		}
		return k
	}
	if len(p.prepared) != 2 || len(p.prepared[0].events) == 0 || !slices.Equal(keys(p.prepared[0].events), keys(p.prepared[1].events)) || len(p.calls) != 1 {
		t.Fatalf("prepared %d batches and applied %d, want the same batch twice then one apply", len(p.prepared), len(p.calls))
	}

	fork := e.Head()
	e.MustFill(e.Hosts[0], id, 0, ds)
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Sim.Fork(fork.Hash()); err != nil {
		t.Fatal(err)
	}
	dropPool(t, e)
	p.fails = 1
	if err := in.Sync(e.Ctx); err == nil {
		t.Fatal("Sync rolled back a batch its handler could not prepare")
	}
	wantFilled(t, s, contracts.GetSlotID(id, 0))
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	wantFilled(t, s)
	last := p.prepared[len(p.prepared)-1]
	if _, ok := last.events[0].(*contracts.SlotFilled); !last.revert || len(last.events) != 1 || !ok {
		t.Fatalf("last prepare %+v, want the revert of our fill", last)
	}
}

// countingClient counts the header reads a Sync makes.
type countingClient struct {
	chain.Client
	headers atomic.Int64
}

func (c *countingClient) HeaderByNumber(ctx context.Context, n *big.Int) (*types.Header, error) {
	c.headers.Add(1)
	return c.Client.HeaderByNumber(ctx, n)
}

// TestSyncReadsEachHeaderOnce: a poll that finds k new blocks reads the
// head and those k headers, and an idle poll on an unchanged head reads the
// head alone. A Sync that read the head and the cursor's block again after
// catching up cost a host two calls per poll whatever it held: the largest
// share of a validator's calls at the devnet's four blocks a second.
func TestSyncReadsEachHeaderOnce(t *testing.T) {
	e := newEnv(t)
	s, _ := tempStore(t)
	client := &countingClient{Client: e.Chain}
	in := newIngestor(t, chain.Config{Client: client, Store: s, Subscribers: subs(&model{}), Address: e.Dep.Marketplace,
		StartBlock: e.Head().Number.Uint64() + 1, Recent: 16})
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{1, 4, 0, 0} {
		e.Mine(k)
		client.headers.Store(0)
		if err := in.Sync(e.Ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := client.headers.Load(), int64(1+k); got != want {
			t.Errorf("a Sync over %d new blocks read %d headers, want %d (the head and each new block)", k, got, want)
		}
	}
	if got, want := in.Cursor().Number, e.Head().Number.Uint64(); got != want {
		t.Fatalf("cursor at %d, head at %d", got, want)
	}
}
