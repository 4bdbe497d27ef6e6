package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/slotd/slotd/retry"
)

type codeErr struct{}

func (codeErr) Error() string  { return "method not found" }
func (codeErr) ErrorCode() int { return -32601 }

// TestAnsweredTellsConfigFromOutage: what an RPC server said (an error
// response, a 4xx) fails the start at once; an unreachable server or a
// gateway error is waited out.
func TestAnsweredTellsConfigFromOutage(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("chain id: %w", codeErr{}), true},
		{rpc.HTTPError{StatusCode: 404, Status: "404 Not Found"}, true},
		{rpc.HTTPError{StatusCode: 401, Status: "401 Unauthorized"}, true},
		{rpc.HTTPError{StatusCode: 502, Status: "502 Bad Gateway"}, false},
		{refused, false},
		{errors.New("unexpected EOF"), false},
	} {
		if got := retry.IsFinal(markAnswered(c.err)); got != c.want {
			t.Errorf("final(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// countingListener counts the TCP connections it accepts.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// TestRPCReusesConnections: many concurrent calls to an HTTP RPC share a
// pool of kept-alive connections instead of opening one per call (which
// go-ethereum's default client, keeping two idle, did).
func TestRPCReusesConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID json.RawMessage `json:"id"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		time.Sleep(time.Millisecond) // calls overlap, as a busy node's do
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":"0x7"}`, req.ID)
	})}
	go srv.Serve(cl)
	defer srv.Close()
	ctx := context.Background()
	c, err := dialAndAsk(ctx, "http://"+ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const callers, calls = 32, 100
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for range calls {
				if _, err := c.BlockNumber(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := cl.accepted.Load(); n > 2*callers {
		t.Fatalf("%d calls from %d callers opened %d connections, want at most %d", callers*calls, callers, n, 2*callers)
	}
}
