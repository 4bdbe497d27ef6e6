package validator

import (
	"context"

	"github.com/slotd/slotd/contracts"
)

// MarketChain adapts a contracts.Market to Chain.
type MarketChain struct{ contracts.Market }

func (m MarketChain) MarkProofAsMissing(ctx context.Context, slot contracts.SlotID, period uint64) error {
	_, err := m.Market.MarkProofAsMissing(ctx, slot, period)
	return err
}
