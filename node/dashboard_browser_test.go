package node_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hashicorp/go-hclog"

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

	n, err := node.Open(ctx, cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(runCtx) }()
	defer func() { stop(); <-done }()
	tokenBytes, err := os.ReadFile(filepath.Join(cfg.DataDir, "api-token"))
	if err != nil {
		t.Fatal(err)
	}
	apiToken := strings.TrimSpace(string(tokenBytes))

	var listed []persist.Agent
	getJSON(t, n.APIURL()+"/api/v1/sales", &listed)
	var want []string
	for _, a := range listed {
		want = append(want, a.SlotID.String())
	}
	slices.Sort(want)
	if len(want) != len(slots) {
		t.Fatalf("API lists %d sales, seeded %d", len(want), len(slots))
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1100),
		// Without these Chromium dials Google at start, which a closed
		// network refuses and a CI machine need not allow.
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()

	err = chromedp.Do(bctx, chromedp.Navigate(n.APIURL()+"/"), chromedp.WaitVisible(`#sales tbody tr`))
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
	if getJSON(t, n.APIURL()+"/api/v1/availabilities", &avs); len(avs) != 0 {
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
	if getJSON(t, n.APIURL()+"/api/v1/availabilities", &avs); len(avs) != 1 || avs[0].TotalSize != 1048576 {
		t.Fatalf("availabilities after adding with the token: %+v", avs)
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
