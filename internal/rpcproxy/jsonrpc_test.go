package rpcproxy

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/rpc"
	"github.com/gorilla/websocket"
)

// upstream answers every JSON-RPC call with "0x1".
func upstream(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			_, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			var call rpcCall
			json.Unmarshal(msg, &call)
			c.WriteMessage(websocket.TextMessage, []byte(`{"jsonrpc":"2.0","id":`+string(call.ID)+`,"result":"0x1"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func call(c *rpc.Client, method string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var out string
	return c.CallContext(ctx, &out, method)
}

// Log faults fail eth_getLogs only; a stall holds calls until it ends; down
// refuses new connections.
func TestJSONRPCFaults(t *testing.T) {
	p, err := StartJSONRPC(upstream(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := rpc.Dial("ws://" + p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := call(c, "eth_getLogs", time.Second); err != nil {
		t.Fatalf("passing: %v", err)
	}
	p.SetFault(TooMany)
	if err := call(c, "eth_getLogs", time.Second); err == nil || !strings.Contains(err.Error(), "more than 10000 results") {
		t.Fatalf("too many: got %v", err)
	}
	if err := call(c, "eth_blockNumber", time.Second); err != nil {
		t.Fatalf("a log fault failed eth_blockNumber: %v", err)
	}
	p.SetFault(LogError)
	if err := call(c, "eth_getLogs", time.Second); err == nil {
		t.Fatal("log error: the call passed")
	}
	p.SetFault(Stall)
	if err := call(c, "eth_blockNumber", 300*time.Millisecond); err == nil {
		t.Fatal("stalled: the call passed")
	}
	p.SetFault(Pass)
	if err := call(c, "eth_blockNumber", time.Second); err != nil {
		t.Fatalf("after the stall: %v", err)
	}
	p.SetFault(Down)
	if c2, err := rpc.Dial("ws://" + p.Addr()); err == nil {
		c2.Close()
		t.Fatal("down: a new connection was accepted")
	}
}
