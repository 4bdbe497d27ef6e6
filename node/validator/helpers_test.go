package validator_test

import (
	"context"
	"math/big"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/node/validator"
	"github.com/slotd/slotd/persist"
)

func tempStore(t *testing.T) *persist.Store {
	t.Helper()
	s, err := persist.Open(filepath.Join(t.TempDir(), "slotd.db"), &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// stepper is a validator with the ingestor that feeds it, as a node runs
// them; Step syncs the ingestor to the head and then lets the validator
// decide.
type stepper struct {
	*validator.Validator
	in *chain.Ingestor
}

func (s stepper) Step(ctx context.Context) error {
	if err := s.in.Sync(ctx); err != nil {
		return err
	}
	return s.Validator.Step(ctx)
}

func newValidator(t *testing.T, e *ct.Env, c validator.Chain, store *persist.Store, cfg validator.Config) stepper {
	return newValidatorOn(t, e, e.Chain, c, store, cfg)
}

// newValidatorOn is newValidator with the ingestor reading through client.
func newValidatorOn(t *testing.T, e *ct.Env, client chain.Client, c validator.Chain, store *persist.Store, cfg validator.Config) stepper {
	t.Helper()
	cfg.Period = e.Cfg.Proofs.Period
	v, err := validator.New(c, store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	in, err := chain.New(chain.Config{Client: client, Store: store, Subscribers: []chain.Subscriber{v},
		Address: e.Dep.Marketplace, Recent: 32, MinBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return stepper{Validator: v, in: in}
}

// countingChain counts the mark attempts per slot.
type countingChain struct {
	validator.Chain
	tries map[contracts.SlotID]int
}

func (c *countingChain) MarkProofAsMissing(ctx context.Context, slot contracts.SlotID, period uint64) (*big.Int, error) {
	c.tries[slot]++
	return c.Chain.MarkProofAsMissing(ctx, slot, period)
}

// logRanges is a chain client that records the lowest block any log
// query asks for.
type logRanges struct {
	chain.Client
	lowest  atomic.Uint64
	queries atomic.Int64
}

func (l *logRanges) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	l.queries.Add(1)
	if q.FromBlock != nil {
		for {
			old := l.lowest.Load()
			if old != 0 && old <= q.FromBlock.Uint64() || l.lowest.CompareAndSwap(old, q.FromBlock.Uint64()) {
				break
			}
		}
	}
	return l.Client.FilterLogs(ctx, q)
}
