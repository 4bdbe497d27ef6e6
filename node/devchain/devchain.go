// Package devchain runs an in-process go-ethereum dev chain for `slotd demo`
// and `slotd devnet`: Osaka rules, a simulated beacon that seals a block
// every tick, each block one second after the last, so chain time runs as
// fast as the tick allows (a 250 ms tick is a 4× clock). With a DataDir the
// chain is kept on disk and a later Start there continues it: same genesis,
// same head, same contracts.
package devchain

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/slotd/slotd/contracts"
)

// Config says what chain to start.
type Config struct {
	// Funded accounts and their wei balances at genesis.
	Alloc map[common.Address]*big.Int
	// Tick is the real time between blocks; each block is one chain second.
	Tick time.Duration
	// ServeRPC starts HTTP and WebSocket endpoints on 127.0.0.1 (random ports
	// unless HTTPPort/WSPort are set).
	ServeRPC         bool
	HTTPPort, WSPort int
	// DataDir keeps the chain on disk ("" keeps it in memory). When it
	// already holds a chain, that chain continues and Alloc is ignored:
	// genesis is fixed at the first Start.
	DataDir string
}

// nodeName is the directory under DataDir that go-ethereum keeps its
// databases in.
const nodeName = "devchain"

// hasChain says whether dir holds a chain an earlier Start wrote.
func hasChain(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, nodeName, "chaindata"))
	return err == nil
}

// Chain is a running dev chain. Close stops it.
type Chain struct {
	stack  *node.Node
	beacon *catalyst.SimulatedBeacon
	client *ethclient.Client
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start boots the chain and its block ticker.
func Start(cfg Config) (*Chain, error) {
	if cfg.Tick <= 0 {
		return nil, errors.New("devchain: tick must be positive")
	}
	nodeConf := node.DefaultConfig
	nodeConf.Name, nodeConf.DataDir = nodeName, cfg.DataDir
	nodeConf.P2P = p2p.Config{NoDiscovery: true, MaxPeers: 0}
	nodeConf.HTTPHost, nodeConf.WSHost = "", ""
	if cfg.ServeRPC {
		nodeConf.HTTPHost, nodeConf.HTTPPort = "127.0.0.1", cfg.HTTPPort
		nodeConf.WSHost, nodeConf.WSPort = "127.0.0.1", cfg.WSPort
		nodeConf.HTTPModules = []string{"eth", "net", "web3"}
		nodeConf.WSModules = []string{"eth", "net", "web3"}
		nodeConf.WSOrigins = []string{"*"}
	}
	stack, err := node.New(&nodeConf)
	if err != nil {
		return nil, fmt.Errorf("devchain: node: %w", err)
	}
	alloc := core.SystemContractAllocs()
	for addr, bal := range cfg.Alloc {
		alloc[addr] = types.Account{Balance: bal}
	}
	ethConf := ethconfig.Defaults
	ethConf.Genesis = &core.Genesis{Config: contracts.DevChainConfig(), GasLimit: ethconfig.Defaults.Miner.GasCeil, Alloc: maps.Clone(alloc), Timestamp: uint64(time.Now().Unix())}
	if cfg.DataDir != "" && hasChain(cfg.DataDir) {
		ethConf.Genesis = nil // the stored one: a new timestamp would be another chain
	}
	ethConf.SyncMode = ethconfig.FullSync
	ethConf.TxPool.NoLocals = true
	backend, err := eth.New(stack, &ethConf)
	if err != nil {
		stack.Close()
		return nil, fmt.Errorf("devchain: eth: %w", err)
	}
	stack.RegisterAPIs([]rpc.API{{Namespace: "eth", Service: filters.NewFilterAPI(filters.NewFilterSystem(backend.APIBackend, filters.Config{}))}})
	if err := stack.Start(); err != nil {
		stack.Close()
		return nil, fmt.Errorf("devchain: start: %w", err)
	}
	beacon, err := catalyst.NewSimulatedBeacon(0, common.Address{}, backend)
	if err != nil {
		stack.Close()
		return nil, fmt.Errorf("devchain: beacon: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Chain{stack: stack, beacon: beacon, client: ethclient.NewClient(stack.Attach()), cancel: cancel}
	c.wg.Add(1)
	go c.tick(ctx, cfg.Tick)
	return c, nil
}

func (c *Chain) tick(ctx context.Context, every time.Duration) {
	defer c.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.beacon.Commit()
		}
	}
}

// Client is an in-process client of the chain.
func (c *Chain) Client() *ethclient.Client { return c.client }

// HTTPURL and WSURL are the served endpoints ("" when not serving).
func (c *Chain) HTTPURL() string { return c.stack.HTTPEndpoint() }
func (c *Chain) WSURL() string   { return c.stack.WSEndpoint() }

// Close stops the ticker and the node.
func (c *Chain) Close() error {
	c.cancel()
	c.wg.Wait()
	c.client.Close()
	return c.stack.Close()
}
