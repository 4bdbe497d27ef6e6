package rpcproxy

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/rpc"
)

// httpUpstream answers every HTTP JSON-RPC call, single or batched, with
// "0x1".
func httpUpstream(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		calls, batch, ok := parseCalls(body)
		if !ok {
			http.Error(w, "not JSON-RPC", http.StatusBadRequest)
			return
		}
		replies := make([]string, len(calls))
		for i, c := range calls {
			replies[i] = `{"jsonrpc":"2.0","id":` + string(c.ID) + `,"result":"0x1"}`
		}
		w.Header().Set("Content-Type", "application/json")
		if batch {
			fmt.Fprint(w, "["+strings.Join(replies, ",")+"]")
			return
		}
		fmt.Fprint(w, replies[0])
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func dialHTTP(t *testing.T, url string, keepAlive bool) *rpc.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableKeepAlives = !keepAlive
	c, err := rpc.DialOptions(context.Background(), url, rpc.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// The HTTP proxy counts calls by method (a batch's calls each), batches
// by size, and the TCP connections the client opened: one for a client
// that keeps its connection alive, one per call for one that does not.
func TestHTTPCountsCallsBatchesAndConnections(t *testing.T) {
	p, err := StartHTTP(httpUpstream(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	kept := dialHTTP(t, p.URL(), true)
	for range 3 {
		if err := call(kept, "eth_blockNumber", time.Second); err != nil {
			t.Fatal(err)
		}
	}
	batch := make([]rpc.BatchElem, 4)
	for i := range batch {
		batch[i] = rpc.BatchElem{Method: "eth_call", Result: new(string)}
	}
	batch[3].Method = "eth_getBalance"
	if err := kept.BatchCall(batch); err != nil {
		t.Fatal(err)
	}
	for _, b := range batch {
		if b.Error != nil {
			t.Fatal(b.Error)
		}
	}
	before := p.Counter().Snapshot()
	fresh := dialHTTP(t, p.URL(), false)
	for range 2 {
		if err := call(fresh, "eth_chainId", time.Second); err != nil {
			t.Fatal(err)
		}
	}
	got := p.Counter().Snapshot()

	wantCalls := map[string]int{"eth_blockNumber": 3, "eth_call": 3, "eth_getBalance": 1, "eth_chainId": 2}
	if !maps.Equal(got.Calls, wantCalls) {
		t.Errorf("calls %v, want %v", got.Calls, wantCalls)
	}
	if want := map[int]int{4: 1}; !maps.Equal(got.Batches, want) {
		t.Errorf("batches %v, want %v", got.Batches, want)
	}
	if got.Messages != 6 || got.Total() != 9 || got.Unparsed != 0 {
		t.Errorf("messages %d, calls %d, unparsed %d; want 6, 9, 0", got.Messages, got.Total(), got.Unparsed)
	}
	if got.Conns != 3 {
		t.Errorf("%d connections, want 3 (1 kept alive, then 2 one-shot)", got.Conns)
	}
	d := got.Sub(before)
	if want := map[string]int{"eth_chainId": 2}; !maps.Equal(d.Calls, want) || d.Conns != 2 || d.Messages != 2 || len(d.Batches) != 0 {
		t.Errorf("since the snapshot: %+v, want 2 eth_chainId calls on 2 connections", d)
	}
}

// A request that is no JSON-RPC is relayed and counted apart.
func TestHTTPCountsUnparsed(t *testing.T) {
	p, err := StartHTTP(httpUpstream(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	resp, err := http.Post(p.URL(), "application/json", strings.NewReader("not json"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want the upstream's 400 relayed", resp.StatusCode)
	}
	if got := p.Counter().Snapshot(); got.Unparsed != 1 || got.Total() != 0 {
		t.Errorf("unparsed %d, calls %d; want 1, 0", got.Unparsed, got.Total())
	}
}

// The websocket proxy counts only once Count is called, and then the
// node's calls and connections.
func TestJSONRPCCountsOnceAsked(t *testing.T) {
	p, err := StartJSONRPC(upstream(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	first, err := rpc.Dial("ws://" + p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if err := call(first, "eth_blockNumber", time.Second); err != nil {
		t.Fatal(err)
	}
	k := p.Count()
	second, err := rpc.Dial("ws://" + p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	for _, c := range []*rpc.Client{first, second} {
		if err := call(c, "eth_getLogs", time.Second); err != nil {
			t.Fatal(err)
		}
	}
	got := k.Snapshot()
	if want := map[string]int{"eth_getLogs": 2}; !maps.Equal(got.Calls, want) || got.Conns != 1 {
		t.Errorf("calls %v on %d new connections, want %v on 1", got.Calls, got.Conns, want)
	}
}
