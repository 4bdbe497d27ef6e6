package purchasing_test

import (
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"testing"

	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/purchasing"
	"github.com/slotd/slotd/persist"
)

// TestRequestBeyondTheBalanceIsRefusedBeforeSending: a deposit more than
// the client's tokens is an error at once that says what to do; nothing is
// recorded, so nothing is retried.
func TestRequestBeyondTheBalanceIsRefusedBeforeSending(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 1, 2, size)
	store := openStore(t, filepath.Join(t.TempDir(), "slotd.db"))
	defer store.Close()
	p := purchasing.New(purchasing.MarketChain{Market: e.Client.M}, store, nil)
	params := params()
	// deposit = price × slotSize × slots × duration: one unit a byte-second past the balance.
	params.PricePerBytePerSecond = new(big.Int).Div(e.Balance(e.Client.Addr), big.NewInt(size*2*int64(params.Duration)))
	params.PricePerBytePerSecond.Add(params.PricePerBytePerSecond, big.NewInt(1))
	_, err := p.Request(context.Background(), purchasing.Dataset{CID: "x", ContentRoot: ds.Content, Slots: 2, MaxSlotLoss: 1, SlotSize: size}, params)
	if !errors.Is(err, purchasing.ErrFunds) || !errors.Is(err, purchasing.ErrParams) {
		t.Fatalf("request beyond the balance: %v, want ErrFunds", err)
	}
	n := 0
	store.View(func(tx *persist.Tx) error {
		return tx.ForEachPurchase(func(persist.Purchase) error { n++; return nil })
	})
	if ids := e.RequestsOf(e.Client.Addr); len(ids) != 0 || n != 0 {
		t.Fatalf("%d requests sent and %d purchases recorded, want none", len(ids), n)
	}
}

// TestCancelEndsAPurchaseNeverSent: a purchase whose send keeps failing is
// cancelled; it is never sent afterwards.
func TestCancelEndsAPurchaseNeverSent(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 1, 2, size)
	store := openStore(t, filepath.Join(t.TempDir(), "slotd.db"))
	defer store.Close()
	chain := &flaky{Chain: purchasing.MarketChain{Market: e.Client.M}, fail: 1000}
	p := purchasing.New(chain, store, nil)
	ctx := context.Background()
	id, err := p.Request(ctx, purchasing.Dataset{CID: "x", ContentRoot: ds.Content, Slots: 2, MaxSlotLoss: 1, SlotSize: size}, params())
	if err == nil {
		t.Fatal("the send should have failed")
	}
	rec, err := p.Cancel(ctx, id)
	if err != nil || rec.State != purchasing.StateCancelled || !rec.Withdrawn || rec.Refund == nil || rec.Refund.Sign() != 0 {
		t.Fatalf("cancel: %+v, %v; want cancelled and done, with nothing back", rec, err)
	}
	chain.fail = 0
	if err := p.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if ids := e.RequestsOf(e.Client.Addr); len(ids) != 0 {
		t.Fatalf("a cancelled purchase was sent: %v", ids)
	}
}

// TestCancelWithdrawsAnExpiredRequest: a request waiting for hosts cannot
// be cancelled before its expiry (the contract holds the deposit until
// then); after it, cancel withdraws the deposit at once.
func TestCancelWithdrawsAnExpiredRequest(t *testing.T) {
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
	if _, err := p.Cancel(ctx, id); !errors.Is(err, purchasing.ErrNotCancellable) {
		t.Fatalf("cancel before the expiry: %v, want ErrNotCancellable", err)
	}
	exp, _ := e.Client.M.RequestExpiry(ctx, id)
	e.AdvanceTo(exp + 1)
	rec, err := p.Cancel(ctx, id)
	if err != nil || rec.State != purchasing.StateCancelled || !rec.Withdrawn {
		t.Fatalf("cancel after the expiry: %+v, %v; want cancelled and withdrawn", rec, err)
	}
	ct.WantEqual(t, "client balance", e.Balance(e.Client.Addr), before)
}
