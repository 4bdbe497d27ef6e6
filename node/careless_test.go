package node_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/node"
)

// runNode opens and runs a node on cfg until the test ends; it returns
// its API URL, its token and its log.
func runNode(t *testing.T, ctx context.Context, cfg node.Config) (string, string, *syncBuffer) {
	t.Helper()
	var logs syncBuffer
	n, err := node.Open(ctx, cfg, hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Info}))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(runCtx) }()
	t.Cleanup(func() { stop(); <-done; n.Close() })
	tok, err := os.ReadFile(filepath.Join(cfg.DataDir, "api-token"))
	if err != nil {
		t.Fatal(err)
	}
	return n.APIURL(), strings.TrimSpace(string(tok)), &logs
}

func call(t *testing.T, method, url, tok string, body io.Reader) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A node whose API listens beyond loopback warns, and its state-reading
// routes need the token (unless --public-reads); data routes stay public.
func TestPublicAPIReadsNeedTheToken(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, cfg, _, _ := devNode(t, ctx)
	cfg.APIAddr = "0.0.0.0:0"
	base, tok, logs := runNode(t, ctx, cfg)
	if !strings.Contains(logs.String(), "the API listens beyond this machine") {
		t.Errorf("no warning about the public API in the log:\n%s", logs)
	}
	for _, path := range []string{"/api/v1/status", "/api/v1/sales", "/api/v1/purchases", "/api/v1/availabilities"} {
		if code, out := call(t, "GET", base+path, "", nil); code != http.StatusUnauthorized || !strings.Contains(out, "--public-reads") {
			t.Errorf("GET %s without the token: %d %s", path, code, out)
		}
		if code, out := call(t, "GET", base+path, tok, nil); code != http.StatusOK {
			t.Errorf("GET %s with the token: %d %s", path, code, out)
		}
	}
	if code, out := call(t, "GET", base+"/api/v1/data/0x"+strings.Repeat("ab", 32)+"/manifest", "", nil); code != http.StatusNotFound {
		t.Errorf("data route without the token: %d %s, want 404", code, out)
	}

	_, cfg, _, _ = devNode(t, ctx)
	cfg.APIAddr, cfg.PublicReads = "0.0.0.0:0", true
	base, _, _ = runNode(t, ctx, cfg)
	if code, out := call(t, "GET", base+"/api/v1/status", "", nil); code != http.StatusOK {
		t.Errorf("status with --public-reads: %d %s", code, out)
	}
}

// Retrying a slot the host has no sale for is a 404 and no ERROR in the
// node's log.
func TestRetryOfAnUnknownSlotIs404(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, cfg, _, _ := devNode(t, ctx)
	cfg.Roles = append(cfg.Roles, node.RoleHost)
	base, tok, logs := runNode(t, ctx, cfg)
	code, out := call(t, "POST", base+"/api/v1/sales/0x"+strings.Repeat("01", 32)+"/retry", tok, nil)
	if code != http.StatusNotFound {
		t.Errorf("retry of an unknown slot: %d %s, want 404", code, out)
	}
	if strings.Contains(logs.String(), "[ERROR]") {
		t.Errorf("the node logged an error:\n%s", logs)
	}
}

// An RPC URL's password and API key reach neither the log nor the error,
// while the node waits for an RPC that is down and when it gives up.
func TestRPCCredentialsAreRedacted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, cfg, _, _ := devNode(t, ctx)
	const password, key, pathKey = "hunter2-pass", "K3Y0123456789", "0123456789abcdef0123"
	cfg.RPC = "http://alice:" + password + "@127.0.0.1:1/v3/" + pathKey + "?apikey=" + key
	var logs syncBuffer
	openCtx, stop := context.WithTimeout(ctx, 2500*time.Millisecond)
	defer stop()
	_, err := node.Open(openCtx, cfg, hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Debug}))
	if err == nil {
		t.Fatal("opened a node on an RPC that is down")
	}
	shown := logs.String() + "\n" + err.Error()
	if !strings.Contains(logs.String(), "127.0.0.1:1") {
		t.Fatalf("the log does not say which RPC it waits for:\n%s", shown)
	}
	for _, secret := range []string{password, key, pathKey} {
		if strings.Contains(shown, secret) {
			t.Errorf("%q is shown:\n%s", secret, shown)
		}
	}
	for _, bad := range []string{"ftp://alice:" + password + "@example.org/", "ht tp://alice:" + password + "@example.org/"} {
		cfg.RPC = bad
		if err := cfg.Validate(); err == nil || strings.Contains(err.Error(), password) {
			t.Errorf("validation error shows the password: %v", err)
		}
	}
}

// A data dir made for one chain and Marketplace is refused, with both
// deployments named and the choices, when started against another one
// (a new dev chain, or another --start-block); the right flags open it.
func TestStoreFromAnotherDeploymentIsRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, cfg, _, _ := devNode(t, ctx)
	n, err := node.Open(ctx, cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	n.Close()

	_, other, _, _ := devNode(t, ctx) // a new dev chain with its own deployment
	other.DataDir = cfg.DataDir
	_, err = node.Open(ctx, other, hclog.NewNullLogger())
	if !errors.Is(err, node.ErrDeployment) || !strings.Contains(err.Error(), "fresh --data-dir") {
		t.Fatalf("open on another chain: %v, want %v saying what to do", err, node.ErrDeployment)
	}
	for _, want := range []string{strings.ToLower(cfg.Marketplace), strings.ToLower(other.Marketplace)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	moved := cfg
	moved.StartBlock = 1
	if _, err := node.Open(ctx, moved, hclog.NewNullLogger()); !errors.Is(err, node.ErrDeployment) {
		t.Fatalf("open with another --start-block: %v", err)
	}
	n, err = node.Open(ctx, cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatalf("open with the flags the data dir was made with: %v", err)
	}
	n.Close()
}
