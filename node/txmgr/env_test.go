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
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

type env struct {
	t     *testing.T
	ctx   context.Context
	sim   *simulated.Backend
	cl    simulated.Client
	token common.Address
	key   *ecdsa.PrivateKey // the manager's
	addr  common.Address
	other *ecdsa.PrivateKey
	miner *miner
}

func newEnv(t *testing.T) *env {
	t.Helper()
	keys := make([]*ecdsa.PrivateKey, 3)
	alloc := types.GenesisAlloc{}
	for i := range keys {
		keys[i], _ = crypto.GenerateKey()
		alloc[crypto.PubkeyToAddress(keys[i].PublicKey)] = types.Account{Balance: new(big.Int).Lsh(big.NewInt(1), 80)}
	}
	sim := simulated.NewBackend(alloc, contracts.WithDevChainConfig())
	e := &env{t: t, ctx: context.Background(), sim: sim, cl: sim.Client(), key: keys[1],
		addr: crypto.PubkeyToAddress(keys[1].PublicKey), other: keys[2]}
	deployer, err := contracts.NewKeySender(e.ctx, e.cl, keys[0])
	if err != nil {
		t.Fatal(err)
	}
	deployer.Mine = func() { sim.Commit() }
	dep, err := contracts.Deploy(e.ctx, deployer, contracts.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	e.token = dep.Token
	e.miner = startMiner(e, e.addr)
	t.Cleanup(func() {
		e.miner.stop()
		sim.Close()
	})
	return e
}

// miner commits a block whenever the watched account has a transaction in
// the pool, unless paused.
type miner struct {
	paused atomic.Bool
	quit   chan struct{}
	done   chan struct{}
	mu     sync.Mutex // held around each Commit
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
			pending, err1 := e.cl.PendingNonceAt(e.ctx, watch)
			mined, err2 := e.cl.NonceAt(e.ctx, watch, nil)
			if err1 == nil && err2 == nil && pending > mined {
				m.mu.Lock()
				e.sim.Commit()
				m.mu.Unlock()
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

// mine commits n blocks by hand.
func (e *env) mine(n int) {
	e.miner.mu.Lock()
	defer e.miner.mu.Unlock()
	for range n {
		e.sim.Commit()
	}
}

func (e *env) nonce() uint64 {
	n, err := e.cl.NonceAt(e.ctx, e.addr, nil)
	if err != nil {
		e.t.Fatal(err)
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
	path := filepath.Join(e.t.TempDir(), "slotd.db")
	return e.open(path), path
}

func (e *env) open(path string) *persist.Store {
	s, err := persist.Open(path, &persist.Options{NoSync: true})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

func (e *env) manager(c txmgr.Backend, s *persist.Store, tune func(*txmgr.Config)) *txmgr.Manager {
	e.t.Helper()
	cfg := txmgr.Config{Client: c, Store: s, Key: e.key, PollInterval: 10 * time.Millisecond,
		RebroadcastInterval: time.Hour, BumpAfter: time.Hour, Logger: testLogger{e.t}}
	if tune != nil {
		tune(&cfg)
	}
	m, err := txmgr.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := m.Start(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(m.Stop)
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

type testLogger struct{ t testing.TB }

func (l testLogger) log(level, msg string, args ...any) {
	l.t.Helper()
	l.t.Log(append([]any{level, msg}, args...)...)
}
func (l testLogger) Debug(msg string, args ...any) { l.log("DEBUG", msg, args...) }
func (l testLogger) Info(msg string, args ...any)  { l.log("INFO", msg, args...) }
func (l testLogger) Warn(msg string, args ...any)  { l.log("WARN", msg, args...) }
func (l testLogger) Error(msg string, args ...any) { l.log("ERROR", msg, args...) }
