package contracts_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
)

func TestCancelledRequestPaysUpToExpiryAndRefundsRest(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 3, 3, slotSize)
	ask := e.Ask(3, 1, slotSize)
	clientBefore := e.Balance(e.Client.Addr)
	id, _ := e.Request(ds, ask)
	expiry, _ := e.Client.M.RequestExpiry(e.Ctx, id)

	hostBefore := []*big.Int{e.Balance(e.Hosts[0].Addr), e.Balance(e.Hosts[1].Addr)}
	filledAt := []uint64{e.BlockTime(e.MustFill(e.Hosts[0], id, 0, ds)), 0}
	e.Advance(20)
	filledAt[1] = e.BlockTime(e.MustFill(e.Hosts[1], id, 1, ds))

	e.AdvanceTo(expiry + 1)
	if s, _ := e.Client.M.RequestState(e.Ctx, id); s != contracts.RequestStateCancelled {
		t.Fatalf("state %s, want Cancelled", s)
	}
	// A slot nobody filled has no record on chain and reads Free.
	for i, want := range []contracts.SlotState{contracts.SlotStateCancelled, contracts.SlotStateCancelled, contracts.SlotStateFree} {
		if s, _ := e.Client.M.SlotState(e.Ctx, contracts.GetSlotID(id, uint64(i))); s != want {
			t.Fatalf("slot %d state %s, want %s", i, s, want)
		}
	}
	_, err := e.Fill(e.Hosts[2], id, 2, ds)
	ct.WantErr(t, err, contracts.ErrRequestNotActive)
	if end, _ := e.Client.M.RequestEnd(e.Ctx, id); end != expiry {
		t.Fatalf("cancelled request ends at %d, want expiry %d", end, expiry)
	}

	earned := new(big.Int)
	for i := range 2 {
		if _, err := e.Hosts[i].M.FreeSlot(e.Ctx, contracts.GetSlotID(id, uint64(i))); err != nil {
			t.Fatal(err)
		}
		want := ct.Mul(expiry-filledAt[i], slotSize, 3)
		earned.Add(earned, want)
		ct.WantEqual(t, "host paid to expiry, collateral back", new(big.Int).Sub(e.Balance(e.Hosts[i].Addr), hostBefore[i]), want)
	}
	if _, err := e.Client.M.WithdrawFunds(e.Ctx, id); err != nil {
		t.Fatal(err)
	}
	ct.WantEqual(t, "client paid only what hosts earned", new(big.Int).Sub(clientBefore, e.Balance(e.Client.Addr)), earned)
	ct.WantEqual(t, "nothing left in the contract", e.Balance(e.Dep.Marketplace), new(big.Int))

	cancelled := 0
	head, _ := e.Chain.BlockNumber(e.Ctx)
	e.Client.M.PastEvents(e.Ctx, 0, head, func(_ uint64, evs []contracts.Event) error {
		for _, ev := range evs {
			if _, ok := ev.(*contracts.RequestCancelled); ok {
				cancelled++
			}
		}
		return nil
	})
	if cancelled != 1 {
		t.Fatalf("RequestCancelled emitted %d times, want once", cancelled)
	}
}

func TestFailedRequestRefundsClientAndPaysRemainingHosts(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 4, 3, slotSize)
	ask := e.Ask(3, 1, slotSize)
	clientBefore := e.Balance(e.Client.Addr)
	id, _ := e.Request(ds, ask)
	hostBefore := make([]*big.Int, 3)
	filledAt := make([]uint64, 3)
	for i, h := range e.Hosts {
		hostBefore[i] = e.Balance(h.Addr)
		filledAt[i] = e.BlockTime(e.MustFill(h, id, uint64(i), ds))
	}
	collateral := contracts.SlotCollateral(ask)

	// Host 0 walks away: it forfeits its collateral, the slot waits for repair.
	e.Advance(50)
	if _, err := e.Hosts[0].M.FreeSlot(e.Ctx, contracts.GetSlotID(id, 0)); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.Client.M.SlotState(e.Ctx, contracts.GetSlotID(id, 0)); s != contracts.SlotStateRepair {
		t.Fatalf("freed slot %s, want Repair", s)
	}
	if s, _ := e.Client.M.RequestState(e.Ctx, id); s != contracts.RequestStateStarted {
		t.Fatalf("one loss of maxSlotLoss 1: state %s, want Started", s)
	}
	// A second loss is more than maxSlotLoss: the request fails.
	rc, err := e.Hosts[1].M.FreeSlot(e.Ctx, contracts.GetSlotID(id, 1))
	if err != nil {
		t.Fatal(err)
	}
	failedAt := e.BlockTime(rc)
	if s, _ := e.Client.M.RequestState(e.Ctx, id); s != contracts.RequestStateFailed {
		t.Fatalf("state %s, want Failed", s)
	}
	if s, _ := e.Client.M.SlotState(e.Ctx, contracts.GetSlotID(id, 2)); s != contracts.SlotStateFailed {
		t.Fatalf("held slot of failed request: %s, want Failed", s)
	}
	if end, _ := e.Client.M.RequestEnd(e.Ctx, id); end != failedAt {
		t.Fatalf("failed request ends at %d, want %d", end, failedAt)
	}
	ct.WantEqual(t, "host 0 lost its collateral", new(big.Int).Sub(hostBefore[0], e.Balance(e.Hosts[0].Addr)), collateral)
	ct.WantEqual(t, "host 1 lost its collateral", new(big.Int).Sub(hostBefore[1], e.Balance(e.Hosts[1].Addr)), collateral)

	e.Advance(100)
	if _, err := e.Hosts[2].M.FreeSlot(e.Ctx, contracts.GetSlotID(id, 2)); err != nil {
		t.Fatal(err)
	}
	earned := ct.Mul(failedAt-filledAt[2], slotSize, 3)
	ct.WantEqual(t, "host 2 paid to the failure", new(big.Int).Sub(e.Balance(e.Hosts[2].Addr), hostBefore[2]), earned)
	if _, err := e.Client.M.WithdrawFunds(e.Ctx, id); err != nil {
		t.Fatal(err)
	}
	// The client pays host 2's earnings and receives both forfeited collaterals.
	want := new(big.Int).Sub(earned, new(big.Int).Mul(collateral, big.NewInt(2)))
	ct.WantEqual(t, "client's net cost", new(big.Int).Sub(clientBefore, e.Balance(e.Client.Addr)), want)
	ct.WantEqual(t, "nothing left in the contract", e.Balance(e.Dep.Marketplace), new(big.Int))
}

func TestMissedProofsSlashThenFreeAndRepair(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	cfg := e.Cfg.Collateral
	ds := ct.NewDataset(t, 5, 2, slotSize)
	ask := e.Ask(2, 1, slotSize)
	clientBefore := e.Balance(e.Client.Addr)
	id, _ := e.Request(ds, ask)
	lazy, honest, repairer := e.Hosts[0], e.Hosts[1], e.Hosts[2]
	lazyBefore, honestBefore, repairBefore, validatorBefore := e.Balance(lazy.Addr), e.Balance(honest.Addr), e.Balance(repairer.Addr), e.Balance(e.Validator.Addr)
	e.StartPeriod()
	lazyFilled := e.BlockTime(e.MustFill(lazy, id, 0, ds))
	honestFilled := e.BlockTime(e.MustFill(honest, id, 1, ds))
	lazySlot, honestSlot := contracts.GetSlotID(id, 0), contracts.GetSlotID(id, 1)

	collateral := contracts.SlotCollateral(ask)
	slash := new(big.Int).Div(new(big.Int).Mul(collateral, big.NewInt(int64(cfg.SlashPercentage))), big.NewInt(100))
	reward := new(big.Int).Div(new(big.Int).Mul(slash, big.NewInt(int64(cfg.ValidatorRewardPercentage))), big.NewInt(100))

	marked := 0
	for marked < int(cfg.MaxNumberOfSlashes) {
		p, end := e.Period()
		e.AdvanceTo(end + 1) // period p is over; mark it within the timeout
		if _, err := e.Prove(honest, honestSlot, ds.Slots[1]); err != nil {
			t.Fatal(err)
		}
		required, _ := e.Validator.M.IsProofRequired(e.Ctx, lazySlot)
		if !required {
			t.Fatal("proof not required of a filled slot with probability 1 and no downtime")
		}
		_, err := e.Validator.M.MarkProofAsMissing(e.Ctx, honestSlot, p)
		if p > honestFilled/e.Cfg.Proofs.Period+1 {
			ct.WantErr(t, err, contracts.ErrProofWasSubmitted)
		}
		_, err = e.Validator.M.MarkProofAsMissing(e.Ctx, lazySlot, p)
		if p == lazyFilled/e.Cfg.Proofs.Period {
			ct.WantErr(t, err, contracts.ErrProofNotRequired) // the fill's own proof covers it
			continue
		}
		if err != nil {
			t.Fatalf("mark period %d: %v", p, err)
		}
		marked++
		if marked < int(cfg.MaxNumberOfSlashes) {
			_, err = e.Validator.M.MarkProofAsMissing(e.Ctx, lazySlot, p)
			ct.WantErr(t, err, contracts.ErrProofAlreadyMarked)
			if n, _ := e.Validator.M.MissingProofs(e.Ctx, lazySlot); n != uint64(marked) {
				t.Fatalf("missingProofs %d, want %d", n, marked)
			}
		}
	}
	ct.WantEqual(t, "validator rewards", new(big.Int).Sub(e.Balance(e.Validator.Addr), validatorBefore), new(big.Int).Mul(reward, big.NewInt(int64(marked))))
	if s, _ := e.Client.M.SlotState(e.Ctx, lazySlot); s != contracts.SlotStateRepair {
		t.Fatalf("slot after %d slashes: %s, want Repair", marked, s)
	}
	if h, _ := e.Client.M.GetHost(e.Ctx, lazySlot); h != (common.Address{}) {
		t.Fatalf("freed slot still has host %s", h)
	}

	// Another host reserves and repairs the slot: it posts the collateral
	// less the repair reward, proves, and is paid from its own fill plus
	// the reward (its slot holds the full collateral).
	repairReward := new(big.Int).Div(new(big.Int).Mul(collateral, big.NewInt(int64(cfg.RepairRewardPercentage))), big.NewInt(100))
	if repairReward.Sign() == 0 {
		t.Fatal("test config has no repair reward")
	}
	beforeRepair := e.Balance(repairer.Addr)
	repairedAt := e.BlockTime(e.MustFill(repairer, id, 0, ds))
	ct.WantEqual(t, "repairer posts reduced collateral", new(big.Int).Sub(beforeRepair, e.Balance(repairer.Addr)), new(big.Int).Sub(collateral, repairReward))
	if info, _ := e.Client.M.GetSlot(e.Ctx, lazySlot); info.Collateral.Cmp(collateral) != 0 {
		t.Fatalf("repaired slot holds collateral %s, want the full %s", info.Collateral, collateral)
	}
	_, pend := e.Period()
	e.AdvanceTo(pend + 1)
	if _, err := e.Prove(repairer, lazySlot, ds.Slots[0]); err != nil {
		t.Fatalf("repairer's proof: %v", err)
	}
	end, _ := e.Client.M.RequestEnd(e.Ctx, id)
	e.AdvanceTo(end + 1)
	for _, h := range []struct {
		a    ct.Actor
		slot contracts.SlotID
	}{{repairer, lazySlot}, {honest, honestSlot}} {
		if _, err := h.a.M.FreeSlot(e.Ctx, h.slot); err != nil {
			t.Fatal(err)
		}
	}
	repairEarned := ct.Mul(end-repairedAt, slotSize, 3)
	honestEarned := ct.Mul(end-honestFilled, slotSize, 3)
	ct.WantEqual(t, "repairing host", new(big.Int).Sub(e.Balance(repairer.Addr), repairBefore), new(big.Int).Add(repairEarned, repairReward))
	ct.WantEqual(t, "honest host", new(big.Int).Sub(e.Balance(honest.Addr), honestBefore), honestEarned)
	ct.WantEqual(t, "lazy host lost its collateral", new(big.Int).Sub(lazyBefore, e.Balance(lazy.Addr)), collateral)
	if _, err := e.Client.M.WithdrawFunds(e.Ctx, id); err != nil {
		t.Fatal(err)
	}
	// Client: pays both earnings, gets the lazy host's collateral minus the validator's rewards.
	cost := new(big.Int).Add(repairEarned, honestEarned)
	cost.Sub(cost, collateral)
	cost.Add(cost, new(big.Int).Mul(reward, big.NewInt(int64(marked))))
	cost.Add(cost, repairReward)
	ct.WantEqual(t, "client's net cost", new(big.Int).Sub(clientBefore, e.Balance(e.Client.Addr)), cost)
	ct.WantEqual(t, "nothing left in the contract", e.Balance(e.Dep.Marketplace), new(big.Int))
}

// TestPayoutSlotOnlyCollects: payoutSlot of a running request reverts and
// leaves the slot with its host, where freeSlot would forfeit it; after
// the end it pays what freeSlot pays. A host's node collects with it, so a
// payout that a reorganisation moves before the end (a branch stamped
// earlier) is refused and sent again, not turned into giving the slot up.
func TestPayoutSlotOnlyCollects(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 5, 3, slotSize)
	ask := e.Ask(3, 1, slotSize)
	id, _ := e.Request(ds, ask)
	before := e.Balance(e.Hosts[0].Addr)
	filledAt := e.BlockTime(e.MustFill(e.Hosts[0], id, 0, ds))
	for i := uint64(1); i < 3; i++ {
		e.MustFill(e.Hosts[i], id, i, ds)
	}
	slot := contracts.GetSlotID(id, 0)
	_, err := e.Hosts[0].M.PayoutSlot(e.Ctx, slot)
	ct.WantErr(t, err, contracts.ErrRequestNotEnded)
	if s, _ := e.Client.M.SlotState(e.Ctx, slot); s != contracts.SlotStateFilled {
		t.Fatalf("slot %s after an early payoutSlot, want Filled", s)
	}
	_, err = e.Hosts[1].M.PayoutSlot(e.Ctx, slot)
	ct.WantErr(t, err, contracts.ErrNotSlotHost)

	end, _ := e.Client.M.RequestEnd(e.Ctx, id)
	e.AdvanceTo(end + 1)
	if _, err := e.Hosts[0].M.PayoutSlot(e.Ctx, slot); err != nil {
		t.Fatal(err)
	}
	ct.WantEqual(t, "host paid to the end, collateral back", new(big.Int).Sub(e.Balance(e.Hosts[0].Addr), before), ct.Mul(end-filledAt, slotSize, 3))
	if s, _ := e.Client.M.SlotState(e.Ctx, slot); s != contracts.SlotStatePaid {
		t.Fatalf("slot %s after payoutSlot, want Paid", s)
	}
}
