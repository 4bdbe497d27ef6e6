package node_test

import (
	"context"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node"
	"github.com/slotd/slotd/persist"
)

// TestDashboardCancelsAPurchase drives headless Chromium against a client
// node whose purchase cannot be sent (its account holds no tokens for the
// deposit), so it stays pending: the purchase row has a cancel button;
// without the token the click is refused, with it the purchase is
// cancelled, the API says so, and the row shows it with no button left.
func TestDashboardCancelsAPurchase(t *testing.T) {
	exe := browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, cfg, addr, _ := devNode(t, ctx)
	cfg.Roles = []string{node.RoleClient}
	id := seedUnsendablePurchase(t, cfg.DataDir, addr)

	api, apiToken, _ := runNode(t, ctx, cfg)
	bctx := newBrowser(t, ctx, exe)

	cancelButton := `#purchases tbody tr td:last-child button`
	if err := chromedp.Do(bctx, chromedp.Navigate(api+"/"), chromedp.WaitVisible(cancelButton)); err != nil {
		t.Fatalf("loading the dashboard: %v", err)
	}
	shown, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('#purchases tbody tr td').title`))
	if err != nil || shown != id.Hex() {
		t.Fatalf("purchases row shows %q (%v), want %s", shown, err, id.Hex())
	}

	if err := chromedp.Do(bctx, chromedp.Click(cancelButton), chromedp.WaitVisible(`#msg.error`)); err != nil {
		t.Fatalf("cancel without the token: %v", err)
	}
	refused, err := chromedp.Run(bctx, chromedp.Text(`#msg`))
	if err != nil || !strings.Contains(refused, "401") {
		t.Errorf("cancel without the token says %q (%v), want a 401", refused, err)
	}
	if p := purchaseOf(t, api, id); p.State == "cancelled" {
		t.Fatalf("cancelled without the token: %+v", p)
	}

	stepCtx, stepDone := context.WithTimeout(bctx, 30*time.Second)
	defer stepDone()
	err = chromedp.Do(stepCtx, chromedp.SendKeys(`#token`, apiToken), chromedp.Click(cancelButton),
		chromedp.WaitNotPresent(cancelButton))
	if err != nil {
		t.Fatalf("cancel with the token: %v", err)
	}
	if p := purchaseOf(t, api, id); p.State != "cancelled" || !p.Withdrawn {
		t.Fatalf("after cancel with the token the purchase is %+v, want cancelled", p)
	}
	row, err := chromedp.Run(bctx, chromedp.Text(`#purchases tbody tr`))
	if err != nil || !strings.Contains(row, "cancelled") {
		t.Errorf("purchase row after cancel: %q (%v), want it cancelled", row, err)
	}
}

// purchaseOf reads one purchase from the node's API at api.
func purchaseOf(t *testing.T, api string, id contracts.RequestID) persist.Purchase {
	t.Helper()
	var ps []persist.Purchase
	getJSON(t, api+"/api/v1/purchases", &ps)
	for _, p := range ps {
		if p.RequestID == persist.ID(id) {
			return p
		}
	}
	t.Fatalf("purchase %s not listed: %+v", id.Hex(), ps)
	return persist.Purchase{}
}

// seedUnsendablePurchase stores a pending purchase of client's whose
// deposit its account cannot pay: each send is refused, so it stays
// pending until cancelled.
func seedUnsendablePurchase(t *testing.T, dataDir string, client common.Address) contracts.RequestID {
	t.Helper()
	r := contracts.Request{Client: client, Expiry: 200, Nonce: [32]byte{3},
		Ask: contracts.Ask{Slots: 1, SlotSize: 64 * 256, Duration: 400, ProofProbability: big.NewInt(1),
			PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(10)},
		Content: contracts.Content{MerkleRoot: [32]byte{7}}}
	enc, err := contracts.EncodeRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	id, err := contracts.GetRequestID(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := persist.Open(filepath.Join(dataDir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UTC()
	err = s.Update(context.Background(), func(tx *persist.Tx) error {
		return tx.PutPurchase(persist.Purchase{RequestID: persist.ID(id), State: "pending", CID: "seeded", Expiry: 200,
			Request: enc, Created: now, Updated: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
