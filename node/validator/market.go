package validator

import (
	"context"

	"github.com/slotd/slotd/contracts"
)

// MarketChain adapts a contracts.Market to Chain.
type MarketChain struct {
	contracts.Market
	Blocks interface {
		BlockNumber(ctx context.Context) (uint64, error)
	}
}

func (m MarketChain) MarkProofAsMissing(ctx context.Context, slot contracts.SlotID, period uint64) error {
	_, err := m.Market.MarkProofAsMissing(ctx, slot, period)
	return err
}

func (m MarketChain) Head(ctx context.Context) (uint64, error) { return m.Blocks.BlockNumber(ctx) }
