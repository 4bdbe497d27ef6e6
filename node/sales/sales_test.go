package sales_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/node/transfer"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// host is one host node's parts, in process.
type host struct {
	addr   [20]byte
	dir    string // its store and data dir
	store  *persist.Store
	sales  *sales.Sales
	market *outageMarket
	done   chan error
	stop   context.CancelFunc
}

// outageMarket is the host's Market, with an RPC outage the test switches
// on and off for the calls the proving loop makes, and host reads that lag
// the chain.
type outageMarket struct {
	contracts.Market
	down atomic.Bool

	mu         sync.Mutex
	staleSlot  contracts.SlotID
	staleReads int // GetHost(staleSlot) answers "no host" this many more times
}

// lagHostReads makes the next n reads of slot's host answer "no host", as
// a read served from a block before the slot was filled does.
func (m *outageMarket) lagHostReads(slot contracts.SlotID, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.staleSlot, m.staleReads = slot, n
}

// staleRead reports whether this read of slot's host is one of the lagging.
func (m *outageMarket) staleRead(slot contracts.SlotID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if slot != m.staleSlot || m.staleReads == 0 {
		return false
	}
	m.staleReads--
	return true
}

var errDown = errors.New("connection refused (test outage)")

func (m *outageMarket) RequestState(ctx context.Context, id contracts.RequestID) (contracts.RequestState, error) {
	if m.down.Load() {
		return 0, errDown
	}
	return m.Market.RequestState(ctx, id)
}

func (m *outageMarket) GetHost(ctx context.Context, slot contracts.SlotID) (common.Address, error) {
	if m.down.Load() {
		return common.Address{}, errDown
	}
	if m.staleRead(slot) {
		return common.Address{}, nil
	}
	return m.Market.GetHost(ctx, slot)
}

func (m *outageMarket) CurrentPeriod(ctx context.Context) (uint64, error) {
	if m.down.Load() {
		return 0, errDown
	}
	return m.Market.CurrentPeriod(ctx)
}

func (m *outageMarket) IsProofRequired(ctx context.Context, slot contracts.SlotID) (bool, error) {
	if m.down.Load() {
		return false, errDown
	}
	return m.Market.IsProofRequired(ctx, slot)
}

func (m *outageMarket) SubmitProof(ctx context.Context, slot contracts.SlotID, p contracts.Proof) (*types.Receipt, error) {
	if m.down.Load() {
		return nil, errDown
	}
	return m.Market.SubmitProof(ctx, slot, p)
}

func (m *outageMarket) SlotStatuses(ctx context.Context, slots []contracts.SlotID, markPeriod uint64) ([]contracts.SlotStatus, error) {
	if m.down.Load() {
		return nil, errDown
	}
	return m.Market.SlotStatuses(ctx, slots, markPeriod)
}

func (m *outageMarket) MissingProofs(ctx context.Context, slot contracts.SlotID) (uint64, error) {
	if m.down.Load() {
		return 0, errDown
	}
	return m.Market.MissingProofs(ctx, slot)
}

// startHost starts a host node's parts in process, holding at most one
// slot of a request; tune, if given, adjusts its tx manager.
func startHost(t *testing.T, e *ct.Env, a ct.Actor, dir string, tune ...func(*txmgr.Config)) *host {
	t.Helper()
	return startHostWith(t, e, a, dir, nil, tune...)
}

// startHostHolding is startHost for a host that may hold maxSlots slots
// of one request (a lone host selling a whole request).
func startHostHolding(t *testing.T, e *ct.Env, a ct.Actor, dir string, maxSlots int, tune ...func(*txmgr.Config)) *host {
	t.Helper()
	return startHostWith(t, e, a, dir, func(c *sales.Config) { c.MaxSlotsPerRequest = maxSlots }, tune...)
}

// startHostWith is startHost with the host's sales.Config changed by set.
func startHostWith(t *testing.T, e *ct.Env, a ct.Actor, dir string, set func(*sales.Config), tune ...func(*txmgr.Config)) *host {
	t.Helper()
	store, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := datastore.Open(filepath.Join(dir, "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	log := hclog.New(&hclog.LoggerOptions{Name: "host", Level: hclog.LevelFromString(os.Getenv("SLOTD_TEST_LOG"))})
	cfg := txmgr.Config{Client: e.Chain, Store: store, Key: a.Key, PollInterval: 20 * time.Millisecond, RebroadcastInterval: time.Hour,
		Logger: log.Named("tx")}
	for _, f := range tune {
		f(&cfg)
	}
	tx, err := txmgr.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	if err := tx.Start(ctx); err != nil {
		t.Fatal(err)
	}
	err = store.Update(ctx, func(ptx *persist.Tx) error {
		return ptx.AddAvailability(&persist.Availability{TotalSize: 1 << 30, FreeSize: 1 << 30, Duration: 100_000,
			MinPricePerBytePerSecond: big.NewInt(1), MaxCollateralPerByte: big.NewInt(1000)})
	})
	if err != nil {
		t.Fatal(err)
	}
	market := &outageMarket{Market: contracts.NewEthMarket(e.Chain, tx, e.Dep.Marketplace)}
	scfg := sales.Config{Store: store, Market: market, Download: &transfer.Options{AllowPrivate: true}, Client: e.Chain, Data: data, Workers: 2, QueueSize: 16,
		Poll: 50 * time.Millisecond, Log: log, Submitter: tx}
	if set != nil {
		set(&scfg)
	}
	s, err := sales.New(ctx, scfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &host{addr: a.Addr, dir: dir, store: store, sales: s, market: market, done: make(chan error, 1), stop: stop}
	ran := runSales(ctx, t, s, store, e.Chain, market, 50*time.Millisecond)
	go func() {
		h.done <- <-ran
		tx.Stop()
	}()
	t.Cleanup(func() { h.close(t) })
	return h
}

func (h *host) close(t *testing.T) {
	if h.stop == nil {
		return
	}
	h.stop()
	if err := <-h.done; err != nil {
		t.Errorf("host stopped with %v", err)
	}
	h.store.Close()
	h.stop = nil
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHostsFillProveAndGetPaid: a client's request of three slots is taken
// by three host nodes; every slot is filled exactly once, proofs come each
// period, and after the end every host is paid and its agents finish.
func TestHostsFillProveAndGetPaid(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a whole request lifetime")
	}
	cfg := ct.TestConfig()
	cfg.Proofs.Period, cfg.Proofs.Timeout = 10, 5
	e := ct.NewEnv(t, cfg)

	m, providers, _ := clientDataset(t, 3, 1)

	hosts := make([]*host, 3)
	for i := range hosts {
		hosts[i] = startHost(t, e, e.Hosts[i], t.TempDir())
	}
	before := make([]*big.Int, 3)
	for i := range hosts {
		before[i] = e.Balance(e.Hosts[i].Addr)
	}
	// A 10× clock while hosts download and fill (a loaded machine must not
	// let the request expire first), then 50× once it runs.
	stopMining := e.AutoMine(100 * time.Millisecond)
	defer func() { stopMining() }()

	req := contracts.Request{Client: e.Client.Addr, Expiry: 200, Nonce: [32]byte{7},
		Ask: contracts.Ask{Slots: 3, SlotSize: m.SlotSize, Duration: 400, MaxSlotLoss: 1, ProofProbability: big.NewInt(1),
			PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(10)},
		Content: contracts.Content{Cid: providers, MerkleRoot: m.CID}}
	id, _, err := e.Client.M.RequestStorage(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	waitFor(t, "the request to start", 60*time.Second, func() bool {
		s, _ := e.Client.M.RequestState(ctx, id)
		return s == contracts.RequestStateStarted
	})
	stopMining()
	stopMining = e.AutoMine(20 * time.Millisecond)
	proofs := map[contracts.SlotID]int{}
	waitFor(t, "a proof for every slot", 60*time.Second, func() bool {
		head, _ := e.Chain.BlockNumber(ctx)
		clear(proofs)
		e.Client.M.PastEvents(ctx, 0, head, func(_ uint64, evs []contracts.Event) error {
			for _, ev := range evs {
				if p, ok := ev.(*contracts.ProofSubmitted); ok {
					proofs[p.SlotID]++
				}
			}
			return nil
		})
		return len(proofs) == 3
	})

	// Cut the holder of slot 0 off the chain for about five periods: its
	// proving loop keeps going and proves again once the chain answers.
	// (Which host won which slot is a race; one may hold none.)
	slot0 := contracts.GetSlotID(id, 0)
	holder, _ := e.Client.M.GetHost(ctx, slot0)
	cut := slices.IndexFunc(hosts, func(h *host) bool { return h.addr == holder })
	if cut < 0 {
		t.Fatalf("slot 0 is held by %s, none of our hosts", holder)
	}
	hosts[cut].market.down.Store(true)
	time.Sleep(time.Second)
	hosts[cut].market.down.Store(false)
	back, _ := e.Chain.BlockNumber(ctx)
	waitFor(t, "slot 0's host to prove after its outage", 30*time.Second, func() bool { return provedAfter(e, slot0, back) })
	end, _ := e.Client.M.RequestEnd(ctx, id)
	waitFor(t, "every slot paid", 90*time.Second, func() bool {
		for i := range uint64(3) {
			if s, _ := e.Client.M.SlotState(ctx, contracts.GetSlotID(id, i)); s != contracts.SlotStatePaid {
				return false
			}
		}
		return true
	})
	head, _ := e.Chain.BlockNumber(ctx)
	fills := 0
	e.Client.M.PastEvents(ctx, 0, head, func(_ uint64, evs []contracts.Event) error {
		for _, ev := range evs {
			if _, ok := ev.(*contracts.SlotFilled); ok {
				fills++
			}
		}
		return nil
	})
	if fills != 3 {
		t.Fatalf("%d SlotFilled events for 3 slots", fills)
	}
	paid := 0
	for i := range hosts {
		if e.Balance(e.Hosts[i].Addr).Cmp(before[i]) > 0 {
			paid++
		}
	}
	if paid == 0 {
		t.Fatal("no host earned anything")
	}
	// Each payout's journal entry says what came back, in tokens (the
	// chain says Paid a moment before the host journals it).
	detail := regexp.MustCompile(`^freeSlot tx 0x[0-9a-f]{64}: [0-9.]+ SLOT paid, [0-9.]+ SLOT collateral back$`)
	var payouts []string
	waitFor(t, "every payout journaled", 30*time.Second, func() bool {
		payouts = payouts[:0]
		for _, h := range hosts {
			h.store.View(func(tx *persist.Tx) error {
				return tx.ForEachJournalEntry(func(j persist.JournalEntry) error {
					if j.From == fsm.Payout {
						payouts = append(payouts, j.Detail)
					}
					return nil
				})
			})
		}
		return len(payouts) == 3
	})
	for _, d := range payouts {
		if !detail.MatchString(d) {
			t.Errorf("payout journal entry: %q, want the amounts", d)
		}
	}
	t.Logf("request ended at %d; proofs per slot %v; %d hosts earned", end, proofs, paid)
}

// provedAfter reports whether a proof of slot is in a block after block.
func provedAfter(e *ct.Env, slot contracts.SlotID, block uint64) bool {
	ctx := context.Background()
	head, _ := e.Chain.BlockNumber(ctx)
	proved := false
	e.Client.M.PastEvents(ctx, block+1, head, func(_ uint64, evs []contracts.Event) error {
		for _, ev := range evs {
			if p, ok := ev.(*contracts.ProofSubmitted); ok && p.SlotID == slot {
				proved = true
			}
		}
		return nil
	})
	return proved
}

// clientDataset imports a random file as a client does and serves it over
// HTTP; it returns the manifest and the request's content.cid.
func clientDataset(t *testing.T, slots, loss int) (*datastore.Manifest, []byte, *datastore.Store) {
	t.Helper()
	clientData, m := importDataset(t, 200_000, slots, loss)
	return m, serveProviders(t, transfer.Handler(clientData)), clientData
}

// importDataset imports size random bytes into a client's store of its
// own, coded into slots slots of which loss may be lost.
func importDataset(t *testing.T, size, slots, loss int) (*datastore.Store, *datastore.Manifest) {
	t.Helper()
	clientData, err := datastore.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	file := make([]byte, size)
	rand.Read(file)
	m, err := clientData.Import(context.Background(), bytes.NewReader(file), uint64(len(file)), datastore.ImportOptions{Slots: slots, MaxSlotLoss: loss})
	if err != nil {
		t.Fatal(err)
	}
	return clientData, m
}

// serveProviders serves h over HTTP until the test ends and returns the
// request's content.cid that names it as the provider.
func serveProviders(t *testing.T, h http.Handler) []byte {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	providers, err := transfer.EncodeProviders([]string{srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return providers
}

// fillFromDataset fills a slot as another host would, proving from the
// client's own copy of the slot.
func fillFromDataset(t *testing.T, e *ct.Env, a ct.Actor, id contracts.RequestID, index uint64, data *datastore.Store, m *datastore.Manifest) {
	t.Helper()
	if err := tryFillFromDataset(t, e, a, id, index, data, m); err != nil {
		t.Fatalf("fill slot %d as %s: %v", index, a.Addr, err)
	}
}

// tryFillFromDataset is fillFromDataset for a fill that may lose the race
// for the slot: the chain's refusal is returned.
func tryFillFromDataset(t *testing.T, e *ct.Env, a ct.Actor, id contracts.RequestID, index uint64, data *datastore.Store, m *datastore.Manifest) error {
	t.Helper()
	sl, err := data.DatasetSlot(m.CID, int(index))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(sl.DataPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tree, err := proof.BuildSlotTree(f, sl.Size)
	if err != nil {
		t.Fatal(err)
	}
	path, _ := proof.ContentPath(m.SlotRoots, index)
	slot := contracts.GetSlotID(id, index)
	if err := e.Reserve(a, id, index); err != nil {
		return err
	}
	_, err = ct.RetryChallenge(func() (*types.Receipt, error) {
		c, err := a.M.GetChallenge(context.Background(), slot)
		if err != nil {
			return nil, err
		}
		p, err := proof.Prove(tree, f, c, proof.Hash(slot), int(e.Cfg.Proofs.Samples))
		if err != nil {
			return nil, err
		}
		return a.M.FillSlot(context.Background(), id, index, tree.Root(), path, contracts.ToContractProof(p))
	})
	return err
}
