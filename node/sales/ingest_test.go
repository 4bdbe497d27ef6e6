package sales_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/node/ledger"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/persist"
)

// ingestors maps each Sales a test runs to the chain ingestor that feeds
// it, as the node's wiring does.
var ingestors sync.Map

func ingestorOf(s *sales.Sales) *chain.Ingestor {
	in, _ := ingestors.Load(s)
	return in.(*chain.Ingestor)
}

// runSales runs s with an ingestor of its own over client (and the ledger
// before it), as the node runs its roles beside its one ingestor, and reports on done when both
// have stopped (the first error of either).
func runSales(ctx context.Context, t *testing.T, s *sales.Sales, store *persist.Store, client chain.Client, market contracts.Market, poll time.Duration) <-chan error {
	t.Helper()
	in, err := chain.New(chain.Config{Client: client, Store: store, Subscribers: []chain.Subscriber{ledger.New(market), s},
		Address: market.Address(), PollInterval: poll})
	if err != nil {
		t.Fatal(err)
	}
	ingestors.Store(s, in)
	done := make(chan error, 1)
	go func() {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		wg.Go(func() { errs[0] = s.Run(ctx) })
		wg.Go(func() { errs[1] = in.Run(ctx) })
		wg.Wait()
		if errs[0] != nil {
			done <- errs[0]
			return
		}
		done <- errs[1]
	}()
	return done
}
