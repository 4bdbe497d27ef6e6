package sales

import (
	"bytes"
	"context"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
)

// termsMarket answers the reads the payout and slash lines make.
type termsMarket struct {
	Market
	me, token common.Address
	slot      contracts.SlotInfo
}

func (m termsMarket) Account() common.Address                       { return m.me }
func (m termsMarket) Token(context.Context) (common.Address, error) { return m.token, nil }
func (m termsMarket) Config(context.Context) (contracts.Config, error) {
	return contracts.DefaultConfig(), nil
}
func (m termsMarket) GetSlot(context.Context, contracts.SlotID) (contracts.SlotInfo, error) {
	return m.slot, nil
}
func (m termsMarket) GetRequest(context.Context, contracts.RequestID) (contracts.Request, error) {
	// 1 MiB slots at 10^12 units a byte: 1.048576 TST of collateral.
	return contracts.Request{Ask: contracts.Ask{SlotSize: 1 << 20, CollateralPerByte: big.NewInt(1e12)}}, nil
}

// tokenChain is a Client that answers the token's symbol and decimals.
type tokenChain struct {
	Client
	calls *int
}

func (c tokenChain) CallContract(_ context.Context, msg ethereum.CallMsg, _ *big.Int) ([]byte, error) {
	*c.calls++
	parsed, err := abi.JSON(strings.NewReader(bindings.TestTokenMetaData.ABI))
	if err != nil {
		return nil, err
	}
	m, err := parsed.MethodById(msg.Data[:4])
	if err != nil {
		return nil, err
	}
	if m.Name == "symbol" {
		return m.Outputs.Pack("TST")
	}
	return m.Outputs.Pack(uint8(18))
}

func TestPayoutAndSlashLinesCarryAmounts(t *testing.T) {
	me, token := common.Address{0xaa}, common.Address{0x70}
	var logs bytes.Buffer
	calls := 0
	e := &effects{market: termsMarket{me: me, token: token, slot: contracts.SlotInfo{Collateral: big.NewInt(67e15), Slashes: big.NewInt(1)}},
		receipts: tokenChain{calls: &calls}, log: hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Info})}
	ctx := context.Background()

	// freeSlot's receipt: one transfer of earnings plus collateral to us,
	// and one to someone else that is not ours to count.
	amount := func(v *big.Int) []byte { return common.LeftPadBytes(v.Bytes(), 32) }
	transfer := func(to common.Address, v *big.Int) *types.Log {
		return &types.Log{Address: token, Topics: []common.Hash{transferTopic, common.BytesToHash(common.Address{0x5f}.Bytes()), common.BytesToHash(to.Bytes())}, Data: amount(v)}
	}
	rc := &types.Receipt{TxHash: common.Hash{0x12}, Logs: []*types.Log{
		transfer(me, new(big.Int).Add(big.NewInt(671e16), big.NewInt(67e15))), transfer(common.Address{0xbb}, big.NewInt(5e18))}}
	got := e.payoutDetail(ctx, rc, big.NewInt(67e15))
	if want := "freeSlot tx " + rc.TxHash.Hex() + ": 6.71 TST paid, 0.067 TST collateral back"; got != want {
		t.Errorf("payout detail\n got %q\nwant %q", got, want)
	}
	if got, want := e.fillDetail(ctx, rc, contracts.SlotID{2}), "fillSlot tx "+rc.TxHash.Hex()+": 0.067 TST collateral locked"; got != want {
		t.Errorf("fill detail %q, want %q", got, want)
	}
	if got := e.payoutDetail(ctx, nil, nil); !strings.Contains(got, "before a restart") {
		t.Errorf("payout detail without a receipt: %q", got)
	}

	e.warnMissed(ctx, contracts.RequestID{1}, contracts.SlotID{2}, 7)
	e.warnLost(ctx, contracts.RequestID{1}, contracts.SlotID{2})
	// DefaultConfig slashes 10% of 1.048576 TST three times, then frees.
	for _, want := range []string{
		`(?m)^.*\[WARN\] +a proof of ours was marked missing: the contract slashed our collateral.*period=7 slashedEach="0.1048576 TST" slotTakenAt="3 slashes" slashes=1 collateralLeft="0.067 TST"$`,
		`(?m)^.*\[WARN\] +slot lost: the contract freed it from us after missed proofs.*collateralForfeited="0.7340032 TST" slashedBefore="0.3145728 TST"$`,
	} {
		if !regexp.MustCompile(want).MatchString(logs.String()) {
			t.Errorf("no log line matching %s in:\n%s", want, logs.String())
		}
	}
	if calls != 2 {
		t.Errorf("%d token reads, want the symbol and decimals read once", calls)
	}
}
