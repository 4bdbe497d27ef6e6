package sales

import (
	"math/big"

	"github.com/slotd/slotd/persist"
)

// ProvingFigures are what the proving scheduler's latest round knows of
// the slots it proves: it reads every held slot's status from the chain
// anyway (one batched read), so these cost no extra chain read and cover
// every held slot, however many.
type ProvingFigures struct {
	// Round is false until the scheduler has finished a round.
	Round bool
	// Period is the chain's proof period as the round timed it.
	Period uint64
	// Held counts the slots in Proving.
	Held int
	// Due counts the held slots that must prove in Period: the chain said
	// a proof is required, or it has ours. PreviousDue is the same for
	// Period-1, slots that left Proving since included.
	Due, PreviousDue int
	// Proven counts the slots of Due whose proof went out or is on chain.
	Proven int
	// CollateralLocked is what the contract holds of ours in the held
	// slots: each slot's collateral less its slashes (the chain's count).
	CollateralLocked *big.Int
	// Unpriced counts held slots whose terms or status the scheduler has
	// not read yet, left out of CollateralLocked.
	Unpriced int
}

// ProvingFigures returns the figures of the scheduler's latest round.
func (s *Sales) ProvingFigures() ProvingFigures {
	sc := s.sched
	sc.mu.Lock()
	defer sc.mu.Unlock()
	f := sc.figures
	if f.CollateralLocked == nil {
		f.CollateralLocked = new(big.Int)
	} else {
		f.CollateralLocked = new(big.Int).Set(f.CollateralLocked)
	}
	return f
}

// markDue records that slot id must prove in period; the sets of the
// current and the previous period are kept.
func (sc *scheduler) markDue(id persist.ID, period uint64) {
	set := sc.due[period]
	if set == nil {
		set = map[persist.ID]bool{}
		sc.due[period] = set
	}
	set[id] = true
}

// publish works out the figures for period from what the scheduler holds,
// for ProvingFigures to read from other goroutines.
func (sc *scheduler) publish(period uint64) {
	for p := range sc.due {
		if p+1 < period {
			delete(sc.due, p)
		}
	}
	f := ProvingFigures{Round: true, Period: period, Held: len(sc.slots), CollateralLocked: new(big.Int)}
	if period > 0 {
		f.PreviousDue = len(sc.due[period-1])
	}
	for id := range sc.due[period] {
		f.Due++
		if ps := sc.slots[id]; ps != nil && ps.sent == period+1 {
			f.Proven++
		}
	}
	for _, ps := range sc.slots {
		if ps.collateral == nil || !ps.read {
			f.Unpriced++
			continue
		}
		f.CollateralLocked.Add(f.CollateralLocked, locked(ps.collateral, ps.slashes, sc.slashPct))
	}
	sc.mu.Lock()
	sc.figures = f
	sc.mu.Unlock()
}

// locked is the contract's slot.collateral after slashes: fillSlot credits
// the full collateral (a repairing host's reward included), and each mark
// takes collateral × slashPercentage / 100.
func locked(full *big.Int, slashes uint64, slashPct uint8) *big.Int {
	slash := new(big.Int).Mul(full, big.NewInt(int64(slashPct)))
	slash.Div(slash, big.NewInt(100))
	v := new(big.Int).Sub(full, slash.Mul(slash, new(big.Int).SetUint64(slashes)))
	if v.Sign() < 0 {
		return new(big.Int)
	}
	return v
}

// fullCollateral is collateralPerByte × slotSize, or nil if unknown.
func fullCollateral(perByte *big.Int, slotSize uint64) *big.Int {
	if perByte == nil {
		return nil
	}
	return new(big.Int).Mul(perByte, new(big.Int).SetUint64(slotSize))
}
