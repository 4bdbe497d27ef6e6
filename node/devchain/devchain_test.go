package devchain

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/slotd/slotd/contracts"
)

func TestChainRunsFastClockAndServesRPC(t *testing.T) {
	key, _ := crypto.GenerateKey()
	addr := crypto.PubkeyToAddress(key.PublicKey)
	c, err := Start(Config{Alloc: map[common.Address]*big.Int{addr: big.NewInt(1e18)}, Tick: 50 * time.Millisecond, ServeRPC: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	ws, err := ethclient.Dial(c.WSURL())
	if err != nil {
		t.Fatalf("dial %s: %v", c.WSURL(), err)
	}
	defer ws.Close()
	s, err := contracts.NewKeySender(ctx, ws, key)
	if err != nil {
		t.Fatal(err)
	}
	start, _ := ws.HeaderByNumber(ctx, nil)
	dep, err := contracts.Deploy(ctx, s, contracts.DefaultConfig())
	if err != nil {
		t.Fatalf("deploy over websocket: %v", err)
	}
	m := contracts.NewEthMarket(ws, s, dep.Marketplace)
	if cfg, err := m.Config(ctx); err != nil || cfg.Proofs.Samples != 3 {
		t.Fatalf("config: %+v %v", cfg, err)
	}
	time.Sleep(500 * time.Millisecond)
	head, _ := ws.HeaderByNumber(ctx, nil)
	blocks := head.Number.Uint64() - start.Number.Uint64()
	if blocks < 3 || head.Time-start.Time != blocks {
		t.Fatalf("%d blocks advanced chain time by %d s, want one second each", blocks, head.Time-start.Time)
	}
}

// TestRestartContinuesTheChain: a chain kept in a DataDir and started again
// there has its head (or later) and the contracts deployed before, and the
// accounts keep their balances and nonces, so a deployer's next deploy does
// not collide with the first.
func TestRestartContinuesTheChain(t *testing.T) {
	ctx := context.Background()
	key, _ := crypto.GenerateKey()
	addr := crypto.PubkeyToAddress(key.PublicKey)
	cfg := Config{Alloc: map[common.Address]*big.Int{addr: big.NewInt(1e18)}, Tick: 20 * time.Millisecond, DataDir: t.TempDir()}
	c, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := contracts.NewKeySender(ctx, c.Client(), key)
	if err != nil {
		t.Fatal(err)
	}
	dep, err := contracts.Deploy(ctx, s, contracts.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	head, _ := c.Client().HeaderByNumber(ctx, nil)
	nonce, _ := c.Client().NonceAt(ctx, addr, nil)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	cfg.Alloc = nil // genesis is fixed at the first start
	c, err = Start(cfg)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer c.Close()
	again, err := c.Client().HeaderByNumber(ctx, head.Number)
	if err != nil || again.Hash() != head.Hash() {
		t.Fatalf("block %d after the restart: %v %v, want %s", head.Number, again, err, head.Hash())
	}
	if n, _ := c.Client().NonceAt(ctx, addr, nil); n != nonce {
		t.Errorf("deployer nonce %d after the restart, want %d", n, nonce)
	}
	m := contracts.NewEthMarket(c.Client(), nil, dep.Marketplace)
	if cfg, err := m.Config(ctx); err != nil || cfg.Proofs.Samples != 3 {
		t.Fatalf("the Marketplace after the restart: %+v %v", cfg, err)
	}
	time.Sleep(200 * time.Millisecond)
	if now, _ := c.Client().BlockNumber(ctx); now <= head.Number.Uint64() {
		t.Errorf("head %d after the restart, not past %d: the chain does not go on", now, head.Number)
	}
}
