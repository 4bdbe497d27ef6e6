package node_test

import (
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node"
	"github.com/slotd/slotd/persist"
)

// browser finds a Chromium for the dashboard test: SLOTD_CHROMIUM, else
// the usual names on PATH. Without one the test skips, unless
// SLOTD_REQUIRE_BROWSER is set (CI sets it, so CI never skips it).
func browser(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SLOTD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium on PATH (apt-get install chromium, or set SLOTD_CHROMIUM)"
	if os.Getenv("SLOTD_REQUIRE_BROWSER") != "" {
		t.Fatal(msg + "; SLOTD_REQUIRE_BROWSER is set, so this is a failure")
	}
	t.Skip(msg + ": the browser test of the dashboard is skipped")
	return ""
}

// newBrowser starts headless Chromium at exe, with a profile of its own
// and opts added, and returns the context to drive it with; it is closed
// when ctx ends or the test does.
func newBrowser(t *testing.T, ctx context.Context, exe string, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts = append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		// Without these Chromium dials Google at start, which a closed
		// network refuses and a CI machine need not allow.
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
	}, opts...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	return bctx
}

// TestDashboardInABrowser drives headless Chromium against a host node on
// the dev chain: the slots table shows every slot the API lists, adding an
// availability without the token is refused with a message that says what
// to paste, and with the token it is added and listed. It saves a
// screenshot in SLOTD_SCREENSHOT_DIR (or the test's temp dir).
func TestDashboardInABrowser(t *testing.T) {
	exe := browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, cfg, _, _ := devNode(t, ctx)
	cfg.Roles = []string{node.RoleHost}
	slots := seedErroredSales(t, cfg.DataDir, 3)
	proven := seedProofsAndPayout(t, cfg.DataDir)
	slots = append(slots, proven)

	api, apiToken, _ := runNode(t, ctx, cfg)

	var listed []persist.Agent
	getJSON(t, api+"/api/v1/sales", &listed)
	var want []string
	for _, a := range listed {
		want = append(want, a.SlotID.String())
	}
	slices.Sort(want)
	if len(want) != len(slots) {
		t.Fatalf("API lists %d sales, seeded %d", len(want), len(slots))
	}

	bctx := newBrowser(t, ctx, exe, chromedp.WindowSize(1280, 1100))

	err := chromedp.Do(bctx, chromedp.Navigate(api+"/"), chromedp.WaitVisible(`#sales tbody tr`))
	if err != nil {
		t.Fatalf("loading the dashboard: %v", err)
	}
	shown, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#sales tbody tr td:first-child')].map(td => td.title)`))
	if err != nil {
		t.Fatalf("loading the dashboard: %v", err)
	}
	slices.Sort(shown)
	if !slices.Equal(shown, want) {
		t.Fatalf("dashboard shows slots %v, the API lists %v", shown, want)
	}

	addAvailability := chromedp.Steps(
		chromedp.SetValue(`#add [name=size]`, "1048576"),
		chromedp.SetValue(`#add [name=duration]`, "3600"),
		chromedp.SetValue(`#add [name=minPrice]`, "1"),
		chromedp.SetValue(`#add [name=maxCollateral]`, "1000"),
		chromedp.Click(`#add button`),
	)
	err = chromedp.Do(bctx, addAvailability, chromedp.WaitVisible(`#msg.error`))
	if err != nil {
		t.Fatalf("adding an availability without the token: %v", err)
	}
	refused, err := chromedp.Run(bctx, chromedp.Text(`#msg`))
	if err != nil {
		t.Fatalf("adding an availability without the token: %v", err)
	}
	if !strings.Contains(refused, "401") || !strings.Contains(refused, "api-token") {
		t.Errorf("refusal says %q, want a 401 that says to paste the api-token", refused)
	}
	var avs []persist.Availability
	if getJSON(t, api+"/api/v1/availabilities", &avs); len(avs) != 0 {
		t.Fatalf("an availability was added without the token: %+v", avs)
	}

	stepCtx, stepDone := context.WithTimeout(bctx, 30*time.Second) // a refused add never shows a row
	defer stepDone()
	err = chromedp.Do(stepCtx, chromedp.SendKeys(`#token`, apiToken), addAvailability, chromedp.WaitVisible(`#availabilities tbody tr`))
	if err != nil {
		t.Fatalf("adding an availability with the token: %v", err)
	}
	msg, err := chromedp.Run(bctx, chromedp.Text(`#msg`))
	if err != nil {
		t.Fatal(err)
	}
	rowsShown, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('#availabilities tbody tr').length`))
	if err != nil {
		t.Fatal(err)
	}
	if msg != "availability added" || rowsShown != 1 {
		t.Errorf("after adding with the token: message %q, %d rows", msg, rowsShown)
	}
	if getJSON(t, api+"/api/v1/availabilities", &avs); len(avs) != 1 || avs[0].TotalSize != 1048576 {
		t.Fatalf("availabilities after adding with the token: %+v", avs)
	}

	// The proof timeline: the proven slot's row has a square per period
	// with a record, green for submitted and red for missed.
	type timelineRow struct {
		Slot    string   `json:"slot"`
		Squares []string `json:"squares"`
	}
	timeline, err := chromedp.Run(bctx, chromedp.Evaluate[[]timelineRow](`[...document.querySelectorAll('#proofs tbody tr')].map(tr => ({
		slot: tr.cells[0].title, squares: [...tr.querySelectorAll('i.p')].map(i => i.className + ' ' + i.title)}))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(timeline) != 1 || timeline[0].Slot != proven.String() || len(timeline[0].Squares) != 3 ||
		!strings.HasPrefix(timeline[0].Squares[0], "p submitted period 100") || !strings.HasPrefix(timeline[0].Squares[1], "p missed period 101") ||
		!strings.HasPrefix(timeline[0].Squares[2], "p submitted period 102") {
		t.Errorf("proof timeline %+v, want slot %s with periods 100 submitted, 101 missed, 102 submitted", timeline, proven)
	}
	// Earnings over time: the slash, then the payout, with running totals
	// that end at what the API's totals say.
	var earned node.Earnings
	getJSON(t, api+"/api/v1/earnings", &earned)
	if earned.Paid.String() != "6710000000000000000" || earned.Forfeited.Sign() <= 0 {
		t.Fatalf("API earnings: paid %s, forfeited %s", earned.Paid, earned.Forfeited)
	}
	earnRows, err := chromedp.Run(bctx, chromedp.Evaluate[[][]string](`[...document.querySelectorAll('#earnings tbody tr')].map(tr => [...tr.cells].map(c => c.textContent))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(earnRows) != 2 || earnRows[0][3] != "slashed" || earnRows[1][3] != "payout" || !strings.HasPrefix(earnRows[1][4], "+6.71 ") ||
		!strings.HasPrefix(earnRows[1][5], "6.71 ") || earnRows[1][6] != earnRows[0][6] || earnRows[0][6] == "0" {
		t.Errorf("earnings table %q, want the slash then a 6.71 payout with running totals", earnRows)
	}
	lines, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('#earnings-chart path').length`))
	if err != nil || lines != 2 {
		t.Errorf("earnings chart: %d lines (%v), want paid and forfeited", lines, err)
	}
	status, err := chromedp.Run(bctx, chromedp.Text(`#status`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status, "6.71") || !strings.Contains(status, "forfeited to slashes") {
		t.Errorf("status shows %q, want the earnings paid and forfeited", status)
	}

	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("SLOTD_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	shot := filepath.Join(dir, "dashboard.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
}

// seedErroredSales stores k host agents in state errored, as a node that
// hit a permanent fault leaves them: they stay until the operator retries.
func seedErroredSales(t *testing.T, dataDir string, k int) []persist.ID {
	t.Helper()
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := persist.Open(filepath.Join(dataDir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ids []persist.ID
	err = s.Update(context.Background(), func(tx *persist.Tx) error {
		ids = ids[:0]
		for i := range k {
			var slot, req persist.ID
			slot[0], slot[31], req[0] = 0xab, byte(i+1), 0xcd
			a := persist.Agent{SlotID: slot, RequestID: req, SlotIndex: uint64(i), Reserved: 4096, Reason: "seeded fault"}
			e := persist.JournalEntry{To: "errored", Event: "error", Time: time.Now().UTC(), Detail: "seeded fault"}
			if err := tx.Transition(&a, &e); err != nil {
				return err
			}
			ids = append(ids, slot)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// seedProofsAndPayout stores one sale that proved periods 100 and 102,
// missed 101 (with its request in the ledger, so the slash has a price)
// and was paid 6.71 tokens, and returns its slot.
func seedProofsAndPayout(t *testing.T, dataDir string) persist.ID {
	t.Helper()
	s, err := persist.Open(filepath.Join(dataDir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	req := persist.ID{0xee, 31: 1}
	slot := persist.ID(contracts.GetSlotID(contracts.RequestID(req), 0))
	now := uint64(time.Now().Unix())
	err = s.Update(context.Background(), func(tx *persist.Tx) error {
		if err := tx.PutLedgerRequest(persist.LedgerRequest{RequestID: req, Slots: 1, SlotSize: 1 << 20, Duration: 1 << 30,
			ProofProbability: big.NewInt(1), PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(1e9),
			Expiry: 1, End: now + 1<<30, Fulfilled: true, Block: 1}); err != nil {
			return err
		}
		for i, st := range []string{persist.ProofSubmitted, persist.ProofMissed, persist.ProofSubmitted} {
			if err := tx.PutLedgerProof(persist.LedgerProof{RequestID: req, Index: 0, Period: 100 + uint64(i), Status: st,
				Block: 2 + uint64(i), Time: now + uint64(i)}); err != nil {
				return err
			}
		}
		a := persist.Agent{SlotID: slot, RequestID: req, SlotIndex: 0}
		if err := tx.Transition(&a, &persist.JournalEntry{To: fsm.Payout, Event: "seeded", Time: time.Now().UTC(), Block: 8}); err != nil {
			return err
		}
		return tx.Transition(&a, &persist.JournalEntry{From: fsm.Payout, To: fsm.Finished, Event: fsm.EvPaid, Time: time.Now().UTC(), Block: 9,
			Detail: "freeSlot tx 0x01: 6.71 TST paid, 1 TST collateral back"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return slot
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
