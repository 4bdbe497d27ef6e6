package node

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestRPCErrorsAreCountedByMethod: a failed call counts under its own
// method whether the server replies with an error, refuses the request or
// cannot be reached; a call that succeeds counts nowhere.
func TestRPCErrorsAreCountedByMethod(t *testing.T) {
	var refuse atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &req)
		if refuse.Load() {
			http.Error(w, "too many requests", http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if req.Method == "eth_chainId" {
			io.WriteString(w, `{"jsonrpc":"2.0","id":`+string(req.ID)+`,"result":"0x539"}`)
			return
		}
		io.WriteString(w, `{"jsonrpc":"2.0","id":`+string(req.ID)+`,"error":{"code":3,"message":"execution reverted"}}`)
	}))
	defer srv.Close()
	var mu sync.Mutex
	got := map[string]int{}
	count := func(m string) { mu.Lock(); got[m]++; mu.Unlock() }
	ctx := context.Background()
	c, err := dialRPC(ctx, srv.URL, count)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var id string
	if err := c.CallContext(ctx, &id, "eth_chainId"); err != nil {
		t.Fatalf("eth_chainId: %v", err)
	}
	var out string
	if err := c.CallContext(ctx, &out, "eth_call", map[string]string{"to": "0x00"}, "latest"); err == nil || !strings.Contains(err.Error(), "reverted") {
		t.Fatalf("eth_call: %v, want the server's error reply", err)
	}
	refuse.Store(true)
	if err := c.CallContext(ctx, &out, "eth_getLogs"); err == nil {
		t.Fatal("a refused request succeeded")
	}
	srv.Close()
	if err := c.CallContext(ctx, &out, "eth_blockNumber"); err == nil {
		t.Fatal("a call to a closed server succeeded")
	}
	want := map[string]int{"eth_call": 1, "eth_getLogs": 1, "eth_blockNumber": 1}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("counted %v, want %v", got, want)
	}
	for m, n := range want {
		if got[m] != n {
			t.Fatalf("counted %v, want %v", got, want)
		}
	}
}
