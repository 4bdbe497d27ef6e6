package txmgr_test

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// env is a simulated chain with the token deployed, the manager's account
// (the Env's client) and another one (a host), both with ether but no
// tokens, and a miner watching the manager's account. Env.Lock keeps the
// miner from sealing.
type env struct {
	*ct.Env
	key   *ecdsa.PrivateKey // the manager's
	addr  common.Address
	other *ecdsa.PrivateKey
	miner *miner
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{Env: ct.NewEnvWith(t, contracts.DefaultConfig(), ct.Options{NoTokens: true})}
	e.key, e.addr, e.other = e.Client.Key, e.Client.Addr, e.Hosts[0].Key
	e.miner = startMiner(e, e.addr)
	t.Cleanup(e.miner.stop) // before the backend closes
	return e
}

// miner commits a block whenever the watched account has a transaction in
// the pool, unless paused.
type miner struct {
	paused atomic.Bool
	quit   chan struct{}
	done   chan struct{}
}

func startMiner(e *env, watch common.Address) *miner {
	m := &miner{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		for {
			select {
			case <-m.quit:
				return
			case <-time.After(10 * time.Millisecond):
			}
			if m.paused.Load() {
				continue
			}
			pending, err1 := e.Chain.PendingNonceAt(e.Ctx, watch)
			mined, err2 := e.Chain.NonceAt(e.Ctx, watch, nil)
			if err1 == nil && err2 == nil && pending > mined {
				e.Commit()
			}
		}
	}()
	return m
}

func (m *miner) stop() {
	select {
	case <-m.quit:
	default:
		close(m.quit)
	}
	<-m.done
}

func (e *env) nonce() uint64 {
	n, err := e.Chain.NonceAt(e.Ctx, e.addr, nil)
	if err != nil {
		e.T.Fatal(err)
	}
	return n
}

// client wraps the simulated client: it counts broadcasts and can swallow
// them (the call succeeds but the transaction never reaches the pool, like
// a provider that loses it).
type client struct {
	simulated.Client
	mu      sync.Mutex
	sent    []*types.Transaction
	swallow func(n int, tx *types.Transaction) bool // n counts from 1
}

func (c *client) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	c.mu.Lock()
	c.sent = append(c.sent, tx)
	n, swallow := len(c.sent), c.swallow
	c.mu.Unlock()
	if swallow != nil && swallow(n, tx) {
		return nil
	}
	return c.Client.SendTransaction(ctx, tx)
}

func (c *client) sends() []common.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []common.Hash
	for _, tx := range c.sent {
		out = append(out, tx.Hash())
	}
	return out
}

// tx is the broadcast transaction with hash h.
func (c *client) tx(h common.Hash) *types.Transaction {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, tx := range c.sent {
		if tx.Hash() == h {
			return tx
		}
	}
	return nil
}

func (e *env) store() (*persist.Store, string) {
	path := filepath.Join(e.T.TempDir(), "slotd.db")
	return e.open(path), path
}

func (e *env) open(path string) *persist.Store {
	s, err := persist.Open(path, &persist.Options{NoSync: true})
	if err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(func() { s.Close() })
	return s
}

func (e *env) manager(c txmgr.Backend, s *persist.Store, tune func(*txmgr.Config)) *txmgr.Manager {
	e.T.Helper()
	cfg := txmgr.Config{Client: c, Store: s, Key: e.key, PollInterval: 10 * time.Millisecond,
		RebroadcastInterval: time.Hour, BumpAfter: time.Hour, Logger: ct.Logger(e.T)}
	if tune != nil {
		tune(&cfg)
	}
	m, err := txmgr.New(cfg)
	if err != nil {
		e.T.Fatal(err)
	}
	if err := m.Start(e.Ctx); err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(m.Stop)
	return m
}

func (e *env) mint(amount int64) []byte {
	return bindings.NewTestToken().PackMint(e.addr, big.NewInt(amount))
}

func record(t *testing.T, s *persist.Store, purpose string) persist.TxRecord {
	t.Helper()
	var r persist.TxRecord
	if err := s.View(func(tx *persist.Tx) error {
		var err error
		r, err = tx.TxRecord(purpose)
		return err
	}); err != nil {
		t.Fatalf("record %s: %v", purpose, err)
	}
	return r
}
