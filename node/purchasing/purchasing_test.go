package purchasing_test

import (
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"testing"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/purchasing"
	"github.com/slotd/slotd/persist"
)

const size = 64 * 256

// flaky fails the first RequestStorage, as a node killed or cut off right
// after recording the purchase would.
type flaky struct {
	purchasing.Chain
	fail int
}

func (f *flaky) RequestStorage(ctx context.Context, r contracts.Request) (contracts.RequestID, error) {
	if f.fail > 0 {
		f.fail--
		return contracts.RequestID{}, errors.New("connection refused")
	}
	return f.Chain.RequestStorage(ctx, r)
}

func params() purchasing.Params {
	return purchasing.Params{Duration: 1000, Expiry: 300, ProofProbability: big.NewInt(1),
		PricePerBytePerSecond: big.NewInt(3), CollateralPerByte: big.NewInt(1000), Providers: []byte("http://127.0.0.1:1")}
}

func openStore(t *testing.T, path string) *persist.Store {
	s, err := persist.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRequestSurvivesRestartAndEndsWithdrawn(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 1, 2, size)
	path := filepath.Join(t.TempDir(), "slotd.db")
	store := openStore(t, path)
	chain := &flaky{Chain: purchasing.MarketChain{Market: e.Client.M}, fail: 1}
	p := purchasing.New(chain, store, nil)
	ctx := context.Background()
	before := e.Balance(e.Client.Addr)

	id, err := p.Request(ctx, purchasing.Dataset{CID: "x", ContentRoot: ds.Content, Slots: 2, MaxSlotLoss: 1, SlotSize: size}, params())
	if err == nil {
		t.Fatal("first send should have failed")
	}
	if rec, _ := p.Purchase(id); rec.State != purchasing.StatePending {
		t.Fatalf("state %q after a failed send, want pending", rec.State)
	}
	// Restart: a new Purchasing on the reopened store sends the same request.
	store.Close()
	store = openStore(t, path)
	defer store.Close()
	p = purchasing.New(chain, store, nil)
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Step(ctx); err != nil { // and does not send it again
		t.Fatal(err)
	}
	if rec, _ := p.Purchase(id); rec.State != purchasing.StateSubmitted {
		t.Fatalf("state %q, want submitted", rec.State)
	}
	if ids := e.RequestsOf(e.Client.Addr); len(ids) != 1 || ids[0] != id {
		t.Fatalf("requests on chain: %v, want exactly %s", ids, id)
	}

	e.MustFill(e.Hosts[0], id, 0, ds)
	e.MustFill(e.Hosts[1], id, 1, ds)
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if rec, _ := p.Purchase(id); rec.State != purchasing.StateStarted {
		t.Fatalf("state %q, want started", rec.State)
	}
	end, _ := e.Client.M.RequestEnd(ctx, id)
	e.AdvanceTo(end + 1)
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	rec, _ := p.Purchase(id)
	if rec.State != purchasing.StateFinished || !rec.Withdrawn {
		t.Fatalf("after the end: %+v, want finished and withdrawn", rec)
	}
	if new(big.Int).Sub(before, e.Balance(e.Client.Addr)).Sign() <= 0 {
		t.Fatal("client paid nothing for storage")
	}
}

func TestCancelledRequestGetsDepositBack(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 2, 2, size)
	store := openStore(t, filepath.Join(t.TempDir(), "slotd.db"))
	defer store.Close()
	p := purchasing.New(purchasing.MarketChain{Market: e.Client.M}, store, nil)
	ctx := context.Background()
	before := e.Balance(e.Client.Addr)
	id, err := p.Request(ctx, purchasing.Dataset{CID: "y", ContentRoot: ds.Content, Slots: 2, MaxSlotLoss: 1, SlotSize: size}, params())
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := e.Client.M.RequestExpiry(ctx, id)
	e.AdvanceTo(exp + 1)
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	rec, _ := p.Purchase(id)
	if rec.State != purchasing.StateCancelled || !rec.Withdrawn {
		t.Fatalf("%+v, want cancelled and withdrawn", rec)
	}
	ct.WantEqual(t, "client balance", e.Balance(e.Client.Addr), before)
	// The record keeps what came back: the whole deposit of a request no
	// host filled.
	r, err := contracts.DecodeRequest(rec.Request)
	if err != nil {
		t.Fatal(err)
	}
	if want := contracts.Deposit(r.Ask); rec.Refund == nil || rec.Refund.Cmp(want) != 0 {
		t.Errorf("refund recorded %v, want the deposit %v", rec.Refund, want)
	}
}

func TestParamsAreCheckedBeforeAnyTransaction(t *testing.T) {
	for name, mutate := range map[string]func(*purchasing.Params){
		"no duration":         func(p *purchasing.Params) { p.Duration = 0 },
		"expiry ≥ duration":   func(p *purchasing.Params) { p.Expiry = p.Duration },
		"zero price":          func(p *purchasing.Params) { p.PricePerBytePerSecond = big.NewInt(0) },
		"no probability":      func(p *purchasing.Params) { p.ProofProbability = nil },
		"negative collateral": func(p *purchasing.Params) { p.CollateralPerByte = big.NewInt(-1) },
	} {
		p := params()
		mutate(&p)
		if err := p.Check(); !errors.Is(err, purchasing.ErrParams) {
			t.Errorf("%s: %v, want ErrParams", name, err)
		}
	}
}

// TestRequestOutOfBoundsIsRefusedBeforeSending: an amount that does not fit
// the contract's types (the ABI encoder would keep its low bits: 2^256+1 is
// sent as 1) or a duration past the chain's limit is an error at once, and
// nothing is recorded or sent.
func TestRequestOutOfBoundsIsRefusedBeforeSending(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 1, 2, size)
	store := openStore(t, filepath.Join(t.TempDir(), "slotd.db"))
	p := purchasing.New(purchasing.MarketChain{Market: e.Client.M}, store, nil)
	dataset := purchasing.Dataset{CID: "x", ContentRoot: ds.Content, Slots: 2, MaxSlotLoss: 1, SlotSize: size}
	huge := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	for name, mutate := range map[string]func(*purchasing.Params){
		"price 2^256+1":           func(p *purchasing.Params) { p.PricePerBytePerSecond = huge },
		"collateral 2^300":        func(p *purchasing.Params) { p.CollateralPerByte = new(big.Int).Lsh(big.NewInt(1), 300) },
		"slot collateral > 2^128": func(p *purchasing.Params) { p.CollateralPerByte = new(big.Int).Lsh(big.NewInt(1), 120) },
		"deposit > 2^256":         func(p *purchasing.Params) { p.PricePerBytePerSecond = new(big.Int).Lsh(big.NewInt(1), 240) },
		"duration 2^64-1":         func(p *purchasing.Params) { p.Duration = 1<<64 - 1 },
		"duration one past limit": func(p *purchasing.Params) { p.Duration = e.Cfg.RequestDurationLimit + 1 },
		"probability 2^256+1":     func(p *purchasing.Params) { p.ProofProbability = huge },
	} {
		params := params()
		mutate(&params)
		if _, err := p.Request(context.Background(), dataset, params); !errors.Is(err, purchasing.ErrParams) {
			t.Errorf("%s: %v, want ErrParams", name, err)
		}
	}
	n := 0
	store.View(func(tx *persist.Tx) error {
		return tx.ForEachPurchase(func(persist.Purchase) error { n++; return nil })
	})
	if ids := e.RequestsOf(e.Client.Addr); len(ids) != 0 || n != 0 {
		t.Fatalf("%d requests sent and %d purchases recorded, want none", len(ids), n)
	}
	params := params()
	params.Duration = e.Cfg.RequestDurationLimit // the limit itself is fine
	if _, err := p.Request(context.Background(), dataset, params); err != nil {
		t.Fatalf("request at the duration limit: %v", err)
	}
}
