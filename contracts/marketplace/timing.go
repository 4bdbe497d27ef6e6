package marketplace

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// ProofClock is the contract's proof timing computed in Go, so that a node
// can tell from the blocks it follows which slots need a proof, with no
// call per slot. Block and Time are block.number and block.timestamp as the
// contract sees them: a view run at the head sees the head's; a
// transaction sees the block it lands in. Hash returns the hash of a block
// at most 256 below Block (the follower keeps them).
type ProofClock struct {
	Proofs ProofConfig
	Block  uint64
	Time   uint64
	Hash   func(number uint64) common.Hash
}

// PeriodOf is the proof period ts falls in.
func (c ProofClock) PeriodOf(ts uint64) uint64 { return ts / c.Proofs.Period }

// Period is the current period.
func (c ProofClock) Period() uint64 { return c.PeriodOf(c.Time) }

// Pointer is the contract's _pointer: (block.number + period ×
// downtimeProduct + slotId) mod 256.
func (c ProofClock) Pointer(slot SlotID, period uint64) uint8 {
	return uint8(c.Block%256 + (period%256)*uint64(c.Proofs.DowntimeProduct)%256 + uint64(slot[31]))
}

// Challenge is the contract's _challenge for pointer: the hash of block
// block.number − 1 − pointer, or on a chain younger than that, of the
// pointed-at height as a uint256.
func (c ProofClock) Challenge(pointer uint8) common.Hash {
	p := uint64(pointer)
	if c.Block < p+1 {
		return crypto.Keccak256Hash(common.BigToHash(new(big.Int).SetUint64(p + 1 - c.Block)).Bytes())
	}
	h := c.Hash(c.Block - 1 - p)
	return crypto.Keccak256Hash(h[:])
}

// SlotChallenge is getChallenge(slot): the challenge a proof answers now.
func (c ProofClock) SlotChallenge(slot SlotID) common.Hash {
	return c.Challenge(c.Pointer(slot, c.Period()))
}

// hits is uint256(challenge) % probability == 0.
func hits(challenge common.Hash, probability *big.Int) bool {
	if probability == nil || probability.Sign() <= 0 {
		return false
	}
	return new(big.Int).Mod(new(big.Int).SetBytes(challenge[:]), probability).Sign() == 0
}

// ProofRequired is isProofRequired for a Filled slot filled at filledAt
// whose request asks for proofs with probability.
func (c ProofClock) ProofRequired(slot SlotID, filledAt uint64, probability *big.Int) bool {
	return c.RequiredIn(slot, c.Period(), filledAt, probability)
}

// RequiredIn is _isProofRequired(slot, period) at this block: what
// markProofAsMissing checks for a past period.
func (c ProofClock) RequiredIn(slot SlotID, period, filledAt uint64, probability *big.Int) bool {
	if period <= c.PeriodOf(filledAt) {
		return false // the fill's own proof covers it
	}
	pointer := c.Pointer(slot, period)
	return pointer >= c.Proofs.Downtime && hits(c.Challenge(pointer), probability)
}

// WillProofBeRequired is willProofBeRequired for a Filled slot: in
// downtime, and the challenge that follows will require a proof.
func (c ProofClock) WillProofBeRequired(slot SlotID, filledAt uint64, probability *big.Int) bool {
	period := c.Period()
	if period == c.PeriodOf(filledAt) {
		return false
	}
	pointer := c.Pointer(slot, period)
	return pointer < c.Proofs.Downtime && hits(c.Challenge(pointer), probability)
}
