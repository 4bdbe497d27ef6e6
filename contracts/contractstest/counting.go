package contractstest

import (
	"context"
	"maps"
	"math/big"
	"sync"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
)

// CountingClient is a simulated chain's client that counts the calls made
// through it by JSON-RPC method, for tests and figures of RPC load.
type CountingClient struct {
	simulated.Client
	mu    sync.Mutex
	calls map[string]int
}

// NewCounting wraps c.
func NewCounting(c simulated.Client) *CountingClient {
	return &CountingClient{Client: c, calls: map[string]int{}}
}

func (c *CountingClient) count(method string) {
	c.mu.Lock()
	c.calls[method]++
	c.mu.Unlock()
}

// Snapshot returns the counts so far.
func (c *CountingClient) Snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

// Take returns the counts since the last Take and resets them.
func (c *CountingClient) Take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = map[string]int{}
	return out
}

func (c *CountingClient) BlockNumber(ctx context.Context) (uint64, error) {
	c.count("eth_blockNumber")
	return c.Client.BlockNumber(ctx)
}
func (c *CountingClient) HeaderByNumber(ctx context.Context, n *big.Int) (*types.Header, error) {
	c.count("eth_getBlockByNumber")
	return c.Client.HeaderByNumber(ctx, n)
}
func (c *CountingClient) HeaderByHash(ctx context.Context, h common.Hash) (*types.Header, error) {
	c.count("eth_getBlockByHash")
	return c.Client.HeaderByHash(ctx, h)
}
func (c *CountingClient) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	c.count("eth_getLogs")
	return c.Client.FilterLogs(ctx, q)
}
func (c *CountingClient) CallContract(ctx context.Context, m ethereum.CallMsg, n *big.Int) ([]byte, error) {
	c.count("eth_call")
	return c.Client.CallContract(ctx, m, n)
}
func (c *CountingClient) PendingCallContract(ctx context.Context, m ethereum.CallMsg) ([]byte, error) {
	c.count("eth_call")
	return c.Client.PendingCallContract(ctx, m)
}
func (c *CountingClient) EstimateGas(ctx context.Context, m ethereum.CallMsg) (uint64, error) {
	c.count("eth_estimateGas")
	return c.Client.EstimateGas(ctx, m)
}
func (c *CountingClient) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	c.count("eth_sendRawTransaction")
	return c.Client.SendTransaction(ctx, tx)
}
func (c *CountingClient) TransactionReceipt(ctx context.Context, h common.Hash) (*types.Receipt, error) {
	c.count("eth_getTransactionReceipt")
	return c.Client.TransactionReceipt(ctx, h)
}
func (c *CountingClient) PendingNonceAt(ctx context.Context, a common.Address) (uint64, error) {
	c.count("eth_getTransactionCount")
	return c.Client.PendingNonceAt(ctx, a)
}
func (c *CountingClient) NonceAt(ctx context.Context, a common.Address, n *big.Int) (uint64, error) {
	c.count("eth_getTransactionCount")
	return c.Client.NonceAt(ctx, a, n)
}
func (c *CountingClient) SuggestGasTipCap(ctx context.Context) (*big.Int, error) {
	c.count("eth_maxPriorityFeePerGas")
	return c.Client.SuggestGasTipCap(ctx)
}
func (c *CountingClient) SuggestGasPrice(ctx context.Context) (*big.Int, error) {
	c.count("eth_gasPrice")
	return c.Client.SuggestGasPrice(ctx)
}
func (c *CountingClient) CodeAt(ctx context.Context, a common.Address, n *big.Int) ([]byte, error) {
	c.count("eth_getCode")
	return c.Client.CodeAt(ctx, a, n)
}
func (c *CountingClient) ChainID(ctx context.Context) (*big.Int, error) {
	c.count("eth_chainId")
	return c.Client.ChainID(ctx)
}
