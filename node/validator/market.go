package validator

import (
	"context"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
)

// MarketChain adapts a contracts.Market to Chain.
type MarketChain struct{ contracts.Market }

// transferTopic is the ERC-20 Transfer event's topic.
var transferTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

// MarkProofAsMissing marks and returns the reward: the tokens the mark's
// transaction transferred to the account.
func (m MarketChain) MarkProofAsMissing(ctx context.Context, slot contracts.SlotID, period uint64) (*big.Int, error) {
	rc, err := m.Market.MarkProofAsMissing(ctx, slot, period)
	if err != nil {
		return nil, err
	}
	return rewardIn(rc, m.Market.Account()), nil
}

// rewardIn sums the token transfers to account in rc's logs.
func rewardIn(rc *types.Receipt, account common.Address) *big.Int {
	sum := new(big.Int)
	if rc == nil {
		return sum
	}
	for _, l := range rc.Logs {
		if len(l.Topics) == 3 && l.Topics[0] == transferTopic && common.BytesToAddress(l.Topics[2][:]) == account {
			sum.Add(sum, new(big.Int).SetBytes(l.Data))
		}
	}
	return sum
}
