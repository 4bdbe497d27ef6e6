package node

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/ethereum/go-ethereum/rpc"
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
		if got := answered(c.err); got != c.want {
			t.Errorf("answered(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
