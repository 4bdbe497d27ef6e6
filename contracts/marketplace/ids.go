package marketplace

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// RequestID is keccak256(abi.encode(request)), the contract's request id.
type RequestID = common.Hash

// SlotID is keccak256(abi.encode(requestId, slotIndex)).
type SlotID = common.Hash

// GetSlotID is keccak256(abi.encode(requestId, slotIndex)), as the contract
// computes it.
func GetSlotID(requestID RequestID, index uint64) SlotID {
	var enc [64]byte
	copy(enc[:32], requestID[:])
	new(big.Int).SetUint64(index).FillBytes(enc[32:])
	return SlotID(crypto.Keccak256Hash(enc[:]))
}
