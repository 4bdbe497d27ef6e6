package purchasing

import (
	"context"

	"github.com/slotd/slotd/contracts"
)

// MarketChain adapts a contracts.Market to Chain.
type MarketChain struct{ contracts.Market }

func (m MarketChain) RequestStorage(ctx context.Context, r contracts.Request) (contracts.RequestID, error) {
	id, _, err := m.Market.RequestStorage(ctx, r)
	return id, err
}

func (m MarketChain) WithdrawFunds(ctx context.Context, id contracts.RequestID) error {
	_, err := m.Market.WithdrawFunds(ctx, id)
	return err
}

func (m MarketChain) Account() [20]byte { return m.Market.Account() }
