package txmgr_test

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/ethclient/simulated"

	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/txmgr"
)

// slowStart holds the manager's Start in its first chain read, the chain
// id, until release is closed.
type slowStart struct {
	simulated.Client
	entered chan struct{}
	release chan struct{}
}

func (c *slowStart) ChainID(ctx context.Context) (*big.Int, error) {
	c.entered <- struct{}{}
	<-c.release
	return c.Client.ChainID(ctx)
}

// TestStartWhileStartingIsRefused: a second Start while the first is
// still reading the chain is refused at once, as one after it is; it does
// not go on to start a second loop over the same records.
func TestStartWhileStartingIsRefused(t *testing.T) {
	e := newEnv(t)
	s, _ := e.store()
	c := &slowStart{Client: e.Chain, entered: make(chan struct{}, 2), release: make(chan struct{})}
	m, err := txmgr.New(txmgr.Config{Client: c, Store: s, Key: e.key, PollInterval: 10 * time.Millisecond, Logger: ct.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() { first <- m.Start(e.Ctx) }()
	<-c.entered
	second := make(chan error, 1)
	go func() { second <- m.Start(e.Ctx) }()
	select {
	case err := <-second:
		if err == nil {
			t.Fatal("a second Start while the first runs succeeded")
		}
	case <-c.entered:
		t.Error("a second Start while the first runs went on to read the chain")
	}
	close(c.release)
	if err := <-first; err != nil {
		t.Fatalf("first Start: %v", err)
	}
	t.Cleanup(m.Stop)
	if err := m.Start(e.Ctx); err == nil {
		t.Fatal("Start after Start succeeded")
	}
}
