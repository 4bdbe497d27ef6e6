package marketplace

import (
	"errors"
	"fmt"
	"math/big"
)

// ErrRequestBounds is a request the Marketplace would refuse, or one whose
// amounts do not fit the contract's types (the ABI encoder would silently
// keep only their low bits).
var ErrRequestBounds = errors.New("request out of the contract's bounds")

var (
	maxUint128 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
	maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
)

// MaxUint256 is the largest amount the contract takes.
func MaxUint256() *big.Int { return new(big.Int).Set(maxUint256) }

// MaxSlotCollateral is the largest collateral one slot may lock (it is
// stored as a uint128).
func MaxSlotCollateral() *big.Int { return new(big.Int).Set(maxUint128) }

// CheckRequest refuses what requestStorage would refuse, and amounts that
// do not fit: the deposit must fit a uint256, a slot's collateral a
// uint128. durationLimit is the chain's requestDurationLimit (0: not known,
// not checked).
func CheckRequest(r Request, durationLimit uint64) error {
	a := r.Ask
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrRequestBounds, fmt.Sprintf(format, args...))
	}
	switch {
	case a.Slots == 0 || a.Slots > 256:
		return bad("slots must be 1..256, not %d", a.Slots)
	case a.SlotSize == 0 || a.SlotSize%256 != 0:
		return bad("slot size must be a positive multiple of 256, not %d", a.SlotSize)
	case a.Duration == 0:
		return bad("duration must be positive")
	case durationLimit > 0 && a.Duration > durationLimit:
		return bad("duration %d s exceeds the chain's limit of %d s", a.Duration, durationLimit)
	case r.Expiry == 0 || r.Expiry >= a.Duration:
		return bad("expiry must be positive and below the duration (%d s)", a.Duration)
	case a.MaxSlotLoss >= a.Slots:
		return bad("maxSlotLoss %d must be below slots %d", a.MaxSlotLoss, a.Slots)
	}
	if err := inRange("proof probability", a.ProofProbability, 1, maxUint256); err != nil {
		return err
	}
	if err := inRange("price per byte per second", a.PricePerBytePerSecond, 1, maxUint256); err != nil {
		return err
	}
	if err := inRange("collateral per byte", a.CollateralPerByte, 0, maxUint256); err != nil {
		return err
	}
	if d := Deposit(a); d.Cmp(maxUint256) > 0 {
		return bad("deposit %s exceeds 2^256-1: lower the price or the duration", d)
	}
	if c := SlotCollateral(a); c.Cmp(maxUint128) > 0 {
		return bad("collateral per slot %s exceeds 2^128-1: lower the collateral per byte", c)
	}
	return nil
}

func inRange(what string, v *big.Int, lo int64, hi *big.Int) error {
	if v == nil || v.Cmp(big.NewInt(lo)) < 0 || v.Cmp(hi) > 0 {
		return fmt.Errorf("%w: %s must be %d..2^256-1, not %v", ErrRequestBounds, what, lo, v)
	}
	return nil
}
