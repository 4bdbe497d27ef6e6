package sales

import (
	"context"
	"fmt"
	"math/big"
	"sync"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/internal/present"
)

// tokenUnits is the token's symbol and decimals, read once, so journal
// details and logs say "6.71 SLOT" rather than a bare integer.
type tokenUnits struct {
	mu  sync.Mutex
	tok *present.Token
}

// units returns the token's units; until they can be read (a client that
// cannot call contracts, an RPC outage) amounts show in base units.
func (e *effects) units(ctx context.Context) present.Token {
	e.tokenUnits.mu.Lock()
	defer e.tokenUnits.mu.Unlock()
	if e.tokenUnits.tok != nil {
		return *e.tokenUnits.tok
	}
	caller, ok := e.receipts.(ethereum.ContractCaller)
	if !ok {
		return present.Token{Symbol: "base units"}
	}
	addr, err := e.market.Token(ctx)
	if err != nil {
		return present.Token{Symbol: "base units"}
	}
	b := bindings.NewTestToken()
	call := func(data []byte) ([]byte, error) {
		return caller.CallContract(ctx, ethereum.CallMsg{To: &addr, Data: data}, nil)
	}
	symOut, err1 := call(b.PackSymbol())
	decOut, err2 := call(b.PackDecimals())
	if err1 != nil || err2 != nil {
		return present.Token{Symbol: "base units"}
	}
	sym, err1 := b.UnpackSymbol(symOut)
	dec, err2 := b.UnpackDecimals(decOut)
	if err1 != nil || err2 != nil {
		return present.Token{Symbol: "base units"}
	}
	e.tokenUnits.tok = &present.Token{Symbol: sym, Decimals: dec}
	return *e.tokenUnits.tok
}

var transferTopic = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))

// received sums the token transfers to us in rc.
func received(rc *types.Receipt, me common.Address) *big.Int {
	sum := new(big.Int)
	for _, l := range rc.Logs {
		if len(l.Topics) == 3 && l.Topics[0] == transferTopic && common.BytesToAddress(l.Topics[2][:]) == me {
			sum.Add(sum, new(big.Int).SetBytes(l.Data))
		}
	}
	return sum
}

// payoutDetail says what freeSlot paid: "freeSlot tx 0x…: 6.71 SLOT paid,
// 0.067 SLOT collateral back". collateral is the slot's, read before the
// free; the transfer is earnings plus collateral.
func (e *effects) payoutDetail(ctx context.Context, rc *types.Receipt, collateral *big.Int) string {
	if rc == nil {
		return "paid (freed before a restart: the amounts are in that freeSlot's receipt)"
	}
	tok := e.units(ctx)
	total := received(rc, e.me())
	if collateral == nil || collateral.Cmp(total) > 0 {
		return fmt.Sprintf("freeSlot tx %s: %s received", rc.TxHash.Hex(), tok.Exact(total))
	}
	earned := new(big.Int).Sub(total, collateral)
	return fmt.Sprintf("freeSlot tx %s: %s paid, %s collateral back", rc.TxHash.Hex(), tok.Exact(earned), tok.Exact(collateral))
}

// slashTerms reads what one slash costs and after how many the slot is
// taken from us.
func (e *effects) slashTerms(ctx context.Context, request contracts.RequestID) (slash, full *big.Int, max uint8, err error) {
	cfg, err := e.market.Config(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	req, err := e.market.GetRequest(ctx, request)
	if err != nil {
		return nil, nil, 0, err
	}
	full = contracts.SlotCollateral(req.Ask)
	slash = new(big.Int).Mul(full, big.NewInt(int64(cfg.Collateral.SlashPercentage)))
	slash.Div(slash, big.NewInt(100))
	return slash, full, cfg.Collateral.MaxNumberOfSlashes, nil
}

// warnMissed is the WARN line for a proof of ours marked missing in
// period: each mark slashes the collateral.
func (e *effects) warnMissed(ctx context.Context, request contracts.RequestID, slot contracts.SlotID, period uint64) {
	args := []any{"slotId", slot, "requestId", request, "period", period}
	slash, _, max, err := e.slashTerms(ctx, request)
	if err == nil {
		tok := e.units(ctx)
		args = append(args, "slashedEach", tok.Exact(slash), "slotTakenAt", fmt.Sprintf("%d slashes", max))
		if info, err := e.market.GetSlot(ctx, slot); err == nil && info.Collateral != nil {
			if info.Slashes != nil {
				args = append(args, "slashes", info.Slashes.String())
			}
			args = append(args, "collateralLeft", tok.Exact(info.Collateral))
		}
	}
	e.log.Warn("a proof of ours was marked missing: the contract slashed our collateral (was the node down, or its RPC or disk slow?)", args...)
}

// warnLost is the WARN line for a slot the contract freed from us.
func (e *effects) warnLost(ctx context.Context, request contracts.RequestID, slot contracts.SlotID) {
	args := []any{"slotId", slot, "requestId", request}
	if slash, full, max, err := e.slashTerms(ctx, request); err == nil {
		left := new(big.Int).Sub(full, new(big.Int).Mul(slash, big.NewInt(int64(max))))
		tok := e.units(ctx)
		args = append(args, "collateralForfeited", tok.Exact(left.Abs(left)), "slashedBefore", tok.Exact(new(big.Int).Mul(slash, big.NewInt(int64(max)))))
	}
	e.log.Warn("slot lost: the contract freed it from us after missed proofs; its earnings and the collateral left go to the client", args...)
}

// fillDetail says what our fill locked: "fillSlot tx 0x…: 0.0157 SLOT
// collateral locked" (just the tx if the slot cannot be read).
func (e *effects) fillDetail(ctx context.Context, rc *types.Receipt, slot contracts.SlotID) string {
	info, err := e.market.GetSlot(ctx, slot)
	if err != nil || info.Collateral == nil {
		return "fillSlot tx " + rc.TxHash.Hex()
	}
	return fmt.Sprintf("fillSlot tx %s: %s collateral locked", rc.TxHash.Hex(), e.units(ctx).Exact(info.Collateral))
}
