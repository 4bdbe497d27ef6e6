package purchasing

import (
	"context"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
)

// MarketChain adapts a contracts.Market to Chain.
type MarketChain struct{ contracts.Market }

func (m MarketChain) RequestStorage(ctx context.Context, r contracts.Request) (contracts.RequestID, error) {
	id, _, err := m.Market.RequestStorage(ctx, r)
	return id, err
}

// WithdrawFunds withdraws and returns what came back: the token
// transfers to our account in the receipt (withdrawFunds pays the caller).
func (m MarketChain) WithdrawFunds(ctx context.Context, id contracts.RequestID) (*big.Int, error) {
	rc, err := m.Market.WithdrawFunds(ctx, id)
	if err != nil || rc == nil {
		return nil, err
	}
	me := common.Address(m.Market.Account())
	sum := new(big.Int)
	for _, l := range rc.Logs {
		if len(l.Topics) == 3 && l.Topics[0] == transferTopic && common.BytesToAddress(l.Topics[2][:]) == me {
			sum.Add(sum, new(big.Int).SetBytes(l.Data))
		}
	}
	return sum, nil
}

var transferTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

func (m MarketChain) Account() [20]byte { return m.Market.Account() }
