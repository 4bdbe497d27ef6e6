package validator_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/validator"
)

// TestMarksOnlyMissedProofsOnce: one host proves, one does not; the
// validator marks only the silent one, once per period, collects its reward,
// and a restarted validator (fresh state, same chain) marks nothing twice.
func TestMarksOnlyMissedProofsOnce(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	const size = 64 * 256
	ds := ct.NewDataset(t, 1, 2, size)
	id, _ := e.Request(ds, e.Ask(2, 1, size))
	e.StartPeriod()
	honest, silent := e.Hosts[0], e.Hosts[1]
	e.MustFill(honest, id, 0, ds)
	e.MustFill(silent, id, 1, ds)
	honestSlot, silentSlot := contracts.GetSlotID(id, 0), contracts.GetSlotID(id, 1)

	chain := validator.MarketChain{Market: e.Validator.M}
	marked := map[uint64]int{}
	store := tempStore(t)
	v := newValidator(t, e, chain, store, validator.Config{OnMark: func(s contracts.SlotID, p uint64) {
		if s != silentSlot {
			t.Errorf("marked the honest host's slot in period %d", p)
		}
		marked[p]++
	}})
	ctx := context.Background()
	before := e.Balance(e.Validator.Addr)
	for range 3 {
		_, end := e.Period()
		e.AdvanceTo(end + 1)
		if _, err := e.Prove(honest, honestSlot, ds.Slots[0]); err != nil {
			t.Fatal(err)
		}
		for range 2 { // a second step in the same period must not mark again
			if err := v.Step(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if v.Watched() != 2 {
		t.Fatalf("watching %d slots, want 2", v.Watched())
	}
	if v.Marks() != 2 { // the fill period needs no proof; the next two were missed
		t.Fatalf("marked %d proofs, want 2 (%v)", v.Marks(), marked)
	}
	for p, n := range marked {
		if n != 1 {
			t.Fatalf("period %d marked %d times", p, n)
		}
	}
	if n, _ := e.Validator.M.MissingProofs(ctx, silentSlot); n != 2 {
		t.Fatalf("contract counts %d missing proofs, want 2", n)
	}
	cfg := e.Cfg.Collateral
	slash := new(big.Int).Div(new(big.Int).Mul(contracts.SlotCollateral(e.Ask(2, 1, size)), big.NewInt(int64(cfg.SlashPercentage))), big.NewInt(100))
	reward := new(big.Int).Div(new(big.Int).Mul(slash, big.NewInt(int64(cfg.ValidatorRewardPercentage))), big.NewInt(100))
	ct.WantEqual(t, "validator rewards", new(big.Int).Sub(e.Balance(e.Validator.Addr), before), new(big.Int).Mul(reward, big.NewInt(2)))
	ct.WantEqual(t, "rewards the validator counted", v.Rewards(), new(big.Int).Mul(reward, big.NewInt(2)))

	// A restarted validator resumes from the store and marks nothing twice.
	again := newValidator(t, e, chain, store, validator.Config{})
	if err := again.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if again.Watched() != 2 || again.Marks() != 0 {
		t.Fatalf("restarted validator: watching %d, marked %d; want 2 and 0", again.Watched(), again.Marks())
	}
}
