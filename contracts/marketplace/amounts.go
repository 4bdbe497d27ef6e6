package marketplace

import "math/big"

// Deposit is what a client pays up front: slots × slotSize × duration × price.
func Deposit(a Ask) *big.Int {
	d := new(big.Int).SetUint64(a.Slots)
	d.Mul(d, new(big.Int).SetUint64(a.SlotSize))
	d.Mul(d, new(big.Int).SetUint64(a.Duration))
	return d.Mul(d, a.PricePerBytePerSecond)
}

// SlotCollateral is what a host locks to fill one slot.
func SlotCollateral(a Ask) *big.Int {
	return new(big.Int).Mul(a.CollateralPerByte, new(big.Int).SetUint64(a.SlotSize))
}
