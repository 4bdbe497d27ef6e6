package node

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/node/outage"
	"github.com/slotd/slotd/retry"
)

// connectWaitMax caps the wait between attempts to reach the RPC.
const connectWaitMax = 30 * time.Second

// connect dials the RPC and waits until it answers, retrying while it is
// unreachable: after a power cut the node may well start before its
// Ethereum node does. An RPC that answers with an error (a wrong URL path,
// a refused request) is a configuration problem and fails at once, as
// does ctx ending (SIGINT, SIGTERM).
func connect(ctx context.Context, url string, log hclog.Logger, countErr func(method string)) (*ethclient.Client, error) {
	var c *ethclient.Client
	hide := newRedactor(url)
	err := outage.Retry(ctx, log, "connecting to the RPC at "+RedactURL(url), time.Second, connectWaitMax, retry.IsFinal,
		func(ctx context.Context) (err error) {
			c, err = dialAndAsk(ctx, url, countErr)
			return hide.err(err)
		})
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", RedactURL(url), err)
	}
	return c, nil
}

// dialAndAsk dials and asks for the chain id: over HTTP dialing alone
// reaches nothing.
func dialAndAsk(ctx context.Context, url string, countErr func(string)) (*ethclient.Client, error) {
	rc, err := dialRPC(ctx, url, countErr)
	if err != nil {
		return nil, markAnswered(err)
	}
	c := ethclient.NewClient(rc)
	if _, err := c.ChainID(ctx); err != nil {
		c.Close()
		return nil, markAnswered(err)
	}
	return c, nil
}

// rpcIdleConns is how many idle connections to an HTTP RPC the node
// keeps. go-ethereum's default HTTP client keeps two per host, so a node
// whose roles, agents and tx manager call at once opened a new TCP
// connection for most calls (thousands in TIME_WAIT on a busy host).
const rpcIdleConns = 128

// dialRPC dials url; over http(s) with a transport that keeps
// rpcIdleConns idle connections and tells countErr each failed call's
// method (nil: not counted).
func dialRPC(ctx context.Context, url string, countErr func(string)) (*rpc.Client, error) {
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return rpc.DialContext(ctx, url)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = rpcIdleConns, rpcIdleConns
	var rt http.RoundTripper = tr
	if countErr != nil {
		rt = rpcErrorCounter{inner: tr, count: func(m string) { countErr(orUnknown(m)) }}
	}
	return rpc.DialOptions(ctx, url, rpc.WithHTTPClient(&http.Client{Transport: rt}))
}

// markAnswered marks final what the RPC server itself refused (an error
// reply, a 4xx): at start that is configuration, and waiting will not
// change it. Only here, where go-ethereum's rpc types are known, can they
// be told apart; elsewhere an RPC's error reply may well pass (a node
// still syncing, a fee too low), so the mark is not retry's default.
func markAnswered(err error) error {
	var rpcErr rpc.Error
	var httpErr rpc.HTTPError
	switch {
	case errors.As(err, &rpcErr):
		return retry.MarkFinal(err)
	case errors.As(err, &httpErr) && httpErr.StatusCode >= 400 && httpErr.StatusCode < 500:
		return retry.MarkFinal(err)
	}
	return err
}
