package contracts_test

import (
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
)

// FuzzDecodeRevert: revert data comes from the chain, so any bytes must
// decode to a ContractError or ErrReverted, never a panic.
func FuzzDecodeRevert(f *testing.F) {
	f.Add(common.FromHex("0x8b5ed9b5"))
	f.Add(common.FromHex("0x7edbd63600000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000003616263"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		err := contracts.DecodeRevert(data)
		var ce *contracts.ContractError
		if !errors.As(err, &ce) && !errors.Is(err, contracts.ErrReverted) {
			t.Fatalf("DecodeRevert(%x) = %v", data, err)
		}
	})
}

// FuzzDecodeLog: logs at the marketplace address are chain data too.
func FuzzDecodeLog(f *testing.F) {
	f.Add([]byte{}, 1)
	f.Fuzz(func(t *testing.T, data []byte, topics int) {
		l := &types.Log{Data: data}
		for i := range topics % 5 {
			var h common.Hash
			copy(h[:], data[min(i, len(data)):])
			l.Topics = append(l.Topics, h)
		}
		contracts.DecodeLog(l) // must not panic
	})
}
