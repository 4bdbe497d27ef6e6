package sales_test

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

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/node/transfer"
	"github.com/slotd/slotd/node/txmgr"
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
	s, store, market := follower(t, e)
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
	e.MustFill(e.Hosts[1], id, 1, ds) // someone else fills slot 1
	waitFor(t, "slot 1 to leave the queue", 10*time.Second, func() bool { return slices.Equal(queued(t, store), []uint64{0}) })

	// Reorganise: a branch from before the fill, without it, becomes longer.
	// The freed slot's request cannot be read the first three times (an
	// RPC outage): the slot is re-queued all the same.
	market.failures.Store(3)
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
	// The queue changes inside the ingestor's transaction; its stats only
	// after the commit, so they are waited for too.
	waitFor(t, "the ingestor to count the reorganisation", 10*time.Second, func() bool {
		st := ingestorOf(s).Stats()
		return st.Reorgs > 0 && st.Reverted > 0
	})
}

// unreadableRequests fails GetRequest while failures is above zero, and
// RequestState while stateFailures is, counting them down.
type unreadableRequests struct {
	contracts.Market
	failures, stateFailures atomic.Int32
}

func (m *unreadableRequests) GetRequest(ctx context.Context, id contracts.RequestID) (contracts.Request, error) {
	if m.failures.Add(-1) >= 0 {
		return contracts.Request{}, errDown
	}
	return m.Market.GetRequest(ctx, id)
}

func (m *unreadableRequests) RequestState(ctx context.Context, id contracts.RequestID) (contracts.RequestState, error) {
	if m.stateFailures.Add(-1) >= 0 {
		return 0, errDown
	}
	return m.Market.RequestState(ctx, id)
}

// follower runs a sales module with no workers (it follows the chain and
// keeps the queue, selling nothing) over a Market whose request reads the
// test can make fail. It stops when the test ends.
func follower(t *testing.T, e *ct.Env) (*sales.Sales, *persist.Store, *unreadableRequests) {
	t.Helper()
	f := followerIn(t, e, t.TempDir())
	return f.s, f.store, f.market
}

// aFollower is a follower's parts; stop ends it (and closes its store), as
// a node that stops or dies does.
type aFollower struct {
	s      *sales.Sales
	store  *persist.Store
	market *unreadableRequests
	stop   func()
}

// followerIn is follower with its store in dir, for restarts.
func followerIn(t *testing.T, e *ct.Env, dir string) aFollower {
	t.Helper()
	store, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := datastore.Open(filepath.Join(dir, "data"), nil)
	ctx, cancel := context.WithCancel(context.Background())
	market := &unreadableRequests{Market: contracts.NewEthMarket(e.Chain, e.Deployer, e.Dep.Marketplace)}
	s, err := sales.New(ctx, sales.Config{Store: store, Market: market, Download: &transfer.Options{AllowPrivate: true},
		Client: e.Chain, Data: data, Workers: 0, QueueSize: 16, Poll: 20 * time.Millisecond})
	if err != nil {
		cancel()
		store.Close()
		t.Fatal(err)
	}
	done := runSales(ctx, t, s, store, e.Chain, market, 20*time.Millisecond)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("sales stopped with %v", err)
			}
			store.Close()
		})
	}
	t.Cleanup(stop)
	return aFollower{s: s, store: store, market: market, stop: stop}
}

// requestTwoSlots has the client request storage of m in two slots, one
// of which may be lost, for duration seconds; nonce tells requests of one
// test apart.
func requestTwoSlots(t *testing.T, e *ct.Env, m *datastore.Manifest, providers []byte, nonce byte, duration uint64) contracts.RequestID {
	t.Helper()
	req := contracts.Request{Client: e.Client.Addr, Expiry: 200, Nonce: [32]byte{nonce},
		Ask: contracts.Ask{Slots: 2, SlotSize: m.SlotSize, Duration: duration, MaxSlotLoss: 1, ProofProbability: big.NewInt(1),
			PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(10)},
		Content: contracts.Content{Cid: providers, MerkleRoot: m.CID}}
	id, _, err := e.Client.M.RequestStorage(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// twoSlotSale is one host node and a client's request of two slots it
// may sell; slot is slot 0's id.
type twoSlotSale struct {
	e          *ct.Env
	h          *host
	id         contracts.RequestID
	slot       contracts.SlotID
	m          *datastore.Manifest
	clientData *datastore.Store
}

func newTwoSlotSale(t *testing.T, tune ...func(*txmgr.Config)) twoSlotSale {
	t.Helper()
	return newTwoSlotSaleWith(t, 2, tune...)
}

// newTwoSlotSaleWith is newTwoSlotSale with a host that may hold maxSlots
// slots of the request.
func newTwoSlotSaleWith(t *testing.T, maxSlots int, tune ...func(*txmgr.Config)) twoSlotSale {
	t.Helper()
	e := ct.NewEnv(t, ct.TestConfig())
	m, providers, clientData := clientDataset(t, 2, 1)
	h := startHostHolding(t, e, e.Hosts[0], t.TempDir(), maxSlots, tune...)
	id := requestTwoSlots(t, e, m, providers, 9, 400)
	return twoSlotSale{e: e, h: h, id: id, slot: contracts.GetSlotID(id, 0), m: m, clientData: clientData}
}

// forkBelowOurFill mines until host h has filled slot 0 of id and its agent
// proves it, then stops the clock, runs beforeFork (if any) and makes a
// branch from the block before that fill the canonical chain. It returns
// slot 0's id and the fill's transaction.
func forkBelowOurFill(t *testing.T, e *ct.Env, h *host, id contracts.RequestID, beforeFork ...func()) (contracts.SlotID, common.Hash) {
	t.Helper()
	ctx := context.Background()
	stopMining := e.AutoMine(100 * time.Millisecond)
	slot := contracts.GetSlotID(id, 0)
	var filledIn uint64
	var fillTx common.Hash
	waitFor(t, "our fill, and our agent proving", 20*time.Second, func() bool {
		host, _ := e.Client.M.GetHost(ctx, slot)
		if host != h.addr || agentState(h.store, slot) != "proving" {
			return false
		}
		head, _ := e.Chain.BlockNumber(ctx)
		e.Client.M.PastEvents(ctx, 0, head, func(_ uint64, evs []contracts.Event) error {
			for _, ev := range evs {
				if f, ok := ev.(*contracts.SlotFilled); ok && f.RequestID == id && f.SlotIndex == 0 {
					filledIn, fillTx = f.Block, f.TxHash // the fork goes below this fill, whatever else we filled
				}
			}
			return nil
		})
		return filledIn > 0
	})
	stopMining()
	for _, f := range beforeFork {
		f()
	}
	parent, err := e.Chain.HeaderByNumber(ctx, new(big.Int).SetUint64(filledIn-1))
	if err != nil {
		t.Fatal(err)
	}
	// Fork wants an empty pool, and our host may send in between: drop what
	// it has pending until the fork takes.
	for try := 1; ; try++ {
		e.Sim.Rollback()
		err := e.Sim.Fork(parent.Hash())
		if err == nil {
			break
		}
		if try == 50 {
			t.Fatalf("fork: %v", err)
		}
	}
	return slot, fillTx
}

func agentState(s *persist.Store, slot contracts.SlotID) string {
	var a persist.Agent
	s.View(func(tx *persist.Tx) error { a, _ = tx.Agent(persist.ID(slot)); return nil })
	return a.State
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

// TestAgentFollowsReorg: our fill is taken back by a reorganisation while
// our agent is proving; the agent follows the chain and gives the slot up
// (Failed). The slot is then free on the new branch: another host fills
// it, and our node, having seen it come free, may sell it again and race
// that host, so which of them ends up with it is not asserted.
func TestAgentFollowsReorg(t *testing.T) {
	sale := newTwoSlotSale(t)
	e, h, id, m, clientData := sale.e, sale.h, sale.id, sale.m, sale.clientData
	ctx := context.Background()
	slot, _ := forkBelowOurFill(t, e, h, id)
	// Clear the pool of our orphaned fill, so the other host's fill is the
	// one the new branch gets.
	clearPool(e)
	// Another host fills the slot on the new branch, unless our node, having
	// seen the slot come free, was quicker.
	if err := tryFillFromDataset(t, e, e.Hosts[1], id, 0, clientData, m); err != nil && !errors.Is(err, contracts.ErrSlotNotFree) {
		t.Fatalf("the other host's fill: %v", err)
	}
	for range 4 {
		e.Commit()
	}
	waitFor(t, "our proving agent to give the slot up", 20*time.Second, func() bool { return gaveUpProving(h.store, slot) })
	winner, _ := e.Client.M.GetHost(ctx, slot)
	t.Logf("slot 0 is held by %s on the new branch (ours %s, the other host %s); our agent is %s", winner, e.Hosts[0].Addr, e.Hosts[1].Addr, agentState(h.store, slot))
}

// TestAgentKeepsSlotWhoseFillComesBack: a reorganisation takes our fill
// out while our agent proves, and the pool puts the same fill back into the
// new branch, as a node's pool does. The slot is ours again, so the agent
// must still be proving it: an agent that gave up at the first sight of a
// free slot would leave a slot filled by us that nobody proves.
func TestAgentKeepsSlotWhoseFillComesBack(t *testing.T) {
	// The fork drops what the host had in the pool; it rebroadcasts soon,
	// as a node does within a minute.
	sale := newTwoSlotSale(t, func(c *txmgr.Config) { c.RebroadcastInterval = 200 * time.Millisecond })
	e, h := sale.e, sale.h
	ctx := context.Background()
	slot, fill := forkBelowOurFill(t, e, h, sale.id)
	forkedAt, _ := e.Chain.BlockNumber(ctx)
	if host, _ := e.Client.M.GetHost(ctx, slot); host != (common.Address{}) {
		t.Fatalf("slot held by %s right after the fork, want free", host)
	}
	stopMining := e.AutoMine(100 * time.Millisecond)
	defer stopMining()

	waitFor(t, "a proof of slot 0 after the fork", 30*time.Second, func() bool { return provedAfter(e, slot, forkedAt) })
	if host, _ := e.Client.M.GetHost(ctx, slot); host != h.addr {
		t.Fatalf("slot held by %s, want us", host)
	}
	var path []string
	h.store.View(func(tx *persist.Tx) error {
		return tx.Journal(persist.ID(slot), func(e persist.JournalEntry) error {
			path = append(path, e.From+">"+e.To)
			return nil
		})
	})
	if rc, err := e.Chain.TransactionReceipt(ctx, fill); err == nil && rc.Status == types.ReceiptStatusFailed {
		// Rarely the fill lands again after the challenge moved (a new
		// period, or the pointer's wrap) and reverts: then the agent must
		// have given the slot up and sold it again, as
		// TestAgentResellsSlotWhoseFillReverted makes happen on purpose.
		gaveUp := slices.Index(path, "proving>failed")
		if gaveUp < 0 || !slices.Contains(path[gaveUp:], "failed>preparing") {
			t.Fatalf("our fill reverted on the new branch, and the journal %v shows no re-sale", path)
		}
		t.Logf("our fill reverted on the new branch; the slot was sold again (%v)", path)
		return
	}
	for _, step := range path {
		if strings.HasPrefix(step, "proving>") {
			t.Fatalf("agent left proving (%v) though our fill came back", path)
		}
	}
}

// gatedSends is a host's chain client whose transactions do not get
// through while closed is set, as when its RPC drops them.
type gatedSends struct {
	txmgr.Backend
	closed *atomic.Bool
}

func (g *gatedSends) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	if g.closed.Load() {
		return errDown
	}
	return g.Backend.SendTransaction(ctx, tx)
}

// clearPool drops what the simulated pool holds until it stays empty: it
// re-injects an orphaned block's transactions in the background.
func clearPool(e *ct.Env) {
	for quiet := 0; quiet < 3; {
		e.Sim.Rollback()
		time.Sleep(20 * time.Millisecond)
		if n, _ := e.Chain.PendingTransactionCount(context.Background()); n == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

// TestAgentResellsSlotWhoseFillReverted: a reorganisation takes our fill
// out, and by the time our node sends it again the period (and so the
// challenge its proof answers) has moved on: it lands and reverts, and
// the slot is free for good. The agent must not wait for it forever: it
// gives the slot up, the slot goes back in the queue, and our node sells
// it again and proves it.
func TestAgentResellsSlotWhoseFillReverted(t *testing.T) {
	var gate atomic.Bool
	sale := newTwoSlotSale(t, func(c *txmgr.Config) {
		c.RebroadcastInterval = 200 * time.Millisecond
		c.Client = &gatedSends{Backend: c.Client, closed: &gate}
	})
	e, h := sale.e, sale.h
	ctx := context.Background()
	slot, _ := forkBelowOurFill(t, e, h, sale.id, func() { gate.Store(true) })
	clearPool(e)
	_, end := e.Period()
	e.AdvanceTo(end + 1)
	forkedAt, _ := e.Chain.BlockNumber(ctx)
	gate.Store(false)
	stopMining := e.AutoMine(100 * time.Millisecond)
	defer stopMining()

	waitFor(t, "slot 0 ours again and proven", 60*time.Second, func() bool {
		host, _ := e.Client.M.GetHost(ctx, slot)
		return host == h.addr && provedAfter(e, slot, forkedAt)
	})
	var path []string
	h.store.View(func(tx *persist.Tx) error {
		return tx.Journal(persist.ID(slot), func(e persist.JournalEntry) error {
			path = append(path, e.From+">"+e.To)
			return nil
		})
	})
	gaveUp := slices.Index(path, "proving>failed")
	if gaveUp < 0 || !slices.Contains(path[gaveUp:], "failed>preparing") {
		t.Fatalf("journal %v: want the agent to give up in proving, then sell the slot again", path)
	}
}

// TestAgentKeepsSlotOnAStaleHostRead: the proving loop reads the slot's
// host and then its state in two calls. When the host read comes from
// before our fill (a reorganised-out fill coming back between the reads,
// or a load-balanced RPC behind by a block) it says "no host" while the
// state says Filled; the agent must look again, not give the slot up.
func TestAgentKeepsSlotOnAStaleHostRead(t *testing.T) {
	sale := newTwoSlotSale(t)
	e, h, slot := sale.e, sale.h, sale.slot
	ctx := context.Background()
	stopMining := e.AutoMine(100 * time.Millisecond)
	defer stopMining()
	waitFor(t, "our fill, and our agent proving", 20*time.Second, func() bool {
		host, _ := e.Client.M.GetHost(ctx, slot)
		return host == h.addr && agentState(h.store, slot) == "proving"
	})
	h.market.lagHostReads(slot, 3)
	from, _ := e.Chain.BlockNumber(ctx)
	waitFor(t, "a proof of slot 0 after the stale reads", 30*time.Second, func() bool {
		if state := agentState(h.store, slot); state != "proving" {
			t.Fatalf("agent is %s after stale host reads, want proving", state)
		}
		return provedAfter(e, slot, from)
	})
}

// TestAgentGivesUpSlotFilledAfterItSawItFree: a reorganisation takes our
// fill out, our proving agent's scheduler sees the slot free (the fill may
// come back, so it keeps it), and only then another host fills it. The
// agent must give the slot up within two blocks of that fill, not at the
// scheduler's next full status read 32 blocks on (a suspected cause of
// TestAgentFollowsReorg's rare timeout under -race, which this ordering
// does not reproduce: the SlotFilled reaches the agent as an event).
func TestAgentGivesUpSlotFilledAfterItSawItFree(t *testing.T) {
	sale := newTwoSlotSale(t)
	e, h, id, m, clientData := sale.e, sale.h, sale.id, sale.m, sale.clientData
	slot, _ := forkBelowOurFill(t, e, h, id)
	clearPool(e)
	for range 2 {
		e.Commit()
	}
	head, _ := e.Chain.BlockNumber(context.Background())
	waitFor(t, "our cursor at the fork's head", 10*time.Second, func() bool {
		var at bool
		h.store.View(func(tx *persist.Tx) error {
			c, err := tx.Cursor()
			at = err == nil && c.Number >= head
			return nil
		})
		return at
	})
	// The round of that head reads the flagged, now free, slot.
	time.Sleep(500 * time.Millisecond)
	clearPool(e) // our node may have sent a fill again; the other host's is the one that lands
	if err := tryFillFromDataset(t, e, e.Hosts[1], id, 0, clientData, m); err != nil {
		if errors.Is(err, contracts.ErrSlotNotFree) {
			t.Skip("our node filled the slot again first; the race this test sets up did not happen")
		}
		t.Fatalf("the other host's fill: %v", err)
	}
	for range 2 {
		e.Commit()
	}
	waitFor(t, "our proving agent to give the slot up within two blocks of the other fill", 20*time.Second, func() bool { return gaveUpProving(h.store, slot) })
}

// gaveUpProving reports whether slot's journal has its agent leave Proving
// for Failed.
func gaveUpProving(s *persist.Store, slot contracts.SlotID) bool {
	gaveUp := false
	s.View(func(tx *persist.Tx) error {
		return tx.Journal(persist.ID(slot), func(e persist.JournalEntry) error {
			gaveUp = gaveUp || e.From == "proving" && e.To == "failed"
			return nil
		})
	})
	return gaveUp
}
