package marketplace

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// RequestID is keccak256(abi.encode(request)), the contract's request id. It
// prints, logs and encodes to JSON exactly as a common.Hash does (0x and 64
// hex digits), so stores and API answers read the same as before it had its
// own type; only the compiler tells it from a SlotID.
type RequestID common.Hash

// SlotID is keccak256(abi.encode(requestId, slotIndex)); it prints and
// encodes as RequestID does.
type SlotID common.Hash

// GetSlotID is keccak256(abi.encode(requestId, slotIndex)), as the contract
// computes it.
func GetSlotID(requestID RequestID, index uint64) SlotID {
	var enc [64]byte
	copy(enc[:32], requestID[:])
	new(big.Int).SetUint64(index).FillBytes(enc[32:])
	return SlotID(crypto.Keccak256Hash(enc[:]))
}

func (id RequestID) Hex() string                   { return common.Hash(id).Hex() }
func (id RequestID) String() string                { return common.Hash(id).String() }
func (id RequestID) TerminalString() string        { return common.Hash(id).TerminalString() }
func (id RequestID) Bytes() []byte                 { return id[:] }
func (id RequestID) Format(s fmt.State, c rune)    { common.Hash(id).Format(s, c) }
func (id RequestID) MarshalText() ([]byte, error)  { return common.Hash(id).MarshalText() }
func (id *RequestID) UnmarshalText(b []byte) error { return (*common.Hash)(id).UnmarshalText(b) }
func (id *RequestID) UnmarshalJSON(b []byte) error { return (*common.Hash)(id).UnmarshalJSON(b) }
func (id SlotID) Hex() string                      { return common.Hash(id).Hex() }
func (id SlotID) String() string                   { return common.Hash(id).String() }
func (id SlotID) TerminalString() string           { return common.Hash(id).TerminalString() }
func (id SlotID) Bytes() []byte                    { return id[:] }
func (id SlotID) Format(s fmt.State, c rune)       { common.Hash(id).Format(s, c) }
func (id SlotID) MarshalText() ([]byte, error)     { return common.Hash(id).MarshalText() }
func (id *SlotID) UnmarshalText(b []byte) error    { return (*common.Hash)(id).UnmarshalText(b) }
func (id *SlotID) UnmarshalJSON(b []byte) error    { return (*common.Hash)(id).UnmarshalJSON(b) }
