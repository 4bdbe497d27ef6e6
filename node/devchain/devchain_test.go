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
