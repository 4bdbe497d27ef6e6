package contracts_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
)

func TestCancelledRequestPaysUpToExpiryAndRefundsRest(t *testing.T) {
	e := newEnv(t, testConfig())
	ds := newDataset(t, 3, 3, slotSize)
	ask := e.ask(3, 1, slotSize)
	clientBefore := e.balance(e.client.addr)
	id, _ := e.request(ds, ask)
	expiry, _ := e.client.m.RequestExpiry(e.ctx, id)

	hostBefore := []*big.Int{e.balance(e.hosts[0].addr), e.balance(e.hosts[1].addr)}
	filledAt := []uint64{e.blockTime(e.mustFill(e.hosts[0], id, 0, ds)), 0}
	e.advance(20)
	filledAt[1] = e.blockTime(e.mustFill(e.hosts[1], id, 1, ds))

	e.advanceTo(expiry + 1)
	if s, _ := e.client.m.RequestState(e.ctx, id); s != contracts.RequestStateCancelled {
		t.Fatalf("state %s, want Cancelled", s)
	}
	// A slot nobody filled has no record on chain and reads Free.
	for i, want := range []contracts.SlotState{contracts.SlotStateCancelled, contracts.SlotStateCancelled, contracts.SlotStateFree} {
		if s, _ := e.client.m.SlotState(e.ctx, contracts.GetSlotID(id, uint64(i))); s != want {
			t.Fatalf("slot %d state %s, want %s", i, s, want)
		}
	}
	_, err := e.fill(e.hosts[2], id, 2, ds)
	wantErr(t, err, contracts.ErrRequestNotActive)
	if end, _ := e.client.m.RequestEnd(e.ctx, id); end != expiry {
		t.Fatalf("cancelled request ends at %d, want expiry %d", end, expiry)
	}

	earned := new(big.Int)
	for i := range 2 {
		if _, err := e.hosts[i].m.FreeSlot(e.ctx, contracts.GetSlotID(id, uint64(i))); err != nil {
			t.Fatal(err)
		}
		want := mul(expiry-filledAt[i], slotSize, 3)
		earned.Add(earned, want)
		wantEqual(t, "host paid to expiry, collateral back", new(big.Int).Sub(e.balance(e.hosts[i].addr), hostBefore[i]), want)
	}
	if _, err := e.client.m.WithdrawFunds(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "client paid only what hosts earned", new(big.Int).Sub(clientBefore, e.balance(e.client.addr)), earned)
	wantEqual(t, "nothing left in the contract", e.balance(e.dep.Marketplace), new(big.Int))

	cancelled := 0
	head, _ := e.cl.BlockNumber(e.ctx)
	e.client.m.PastEvents(e.ctx, 0, head, func(_ uint64, evs []contracts.Event) error {
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
	e := newEnv(t, testConfig())
	ds := newDataset(t, 4, 3, slotSize)
	ask := e.ask(3, 1, slotSize)
	clientBefore := e.balance(e.client.addr)
	id, _ := e.request(ds, ask)
	hostBefore := make([]*big.Int, 3)
	filledAt := make([]uint64, 3)
	for i, h := range e.hosts {
		hostBefore[i] = e.balance(h.addr)
		filledAt[i] = e.blockTime(e.mustFill(h, id, uint64(i), ds))
	}
	collateral := contracts.SlotCollateral(ask)

	// Host 0 walks away: it forfeits its collateral, the slot waits for repair.
	e.advance(50)
	if _, err := e.hosts[0].m.FreeSlot(e.ctx, contracts.GetSlotID(id, 0)); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.client.m.SlotState(e.ctx, contracts.GetSlotID(id, 0)); s != contracts.SlotStateRepair {
		t.Fatalf("freed slot %s, want Repair", s)
	}
	if s, _ := e.client.m.RequestState(e.ctx, id); s != contracts.RequestStateStarted {
		t.Fatalf("one loss of maxSlotLoss 1: state %s, want Started", s)
	}
	// A second loss is more than maxSlotLoss: the request fails.
	rc, err := e.hosts[1].m.FreeSlot(e.ctx, contracts.GetSlotID(id, 1))
	if err != nil {
		t.Fatal(err)
	}
	failedAt := e.blockTime(rc)
	if s, _ := e.client.m.RequestState(e.ctx, id); s != contracts.RequestStateFailed {
		t.Fatalf("state %s, want Failed", s)
	}
	if s, _ := e.client.m.SlotState(e.ctx, contracts.GetSlotID(id, 2)); s != contracts.SlotStateFailed {
		t.Fatalf("held slot of failed request: %s, want Failed", s)
	}
	if end, _ := e.client.m.RequestEnd(e.ctx, id); end != failedAt {
		t.Fatalf("failed request ends at %d, want %d", end, failedAt)
	}
	wantEqual(t, "host 0 lost its collateral", new(big.Int).Sub(hostBefore[0], e.balance(e.hosts[0].addr)), collateral)
	wantEqual(t, "host 1 lost its collateral", new(big.Int).Sub(hostBefore[1], e.balance(e.hosts[1].addr)), collateral)

	e.advance(100)
	if _, err := e.hosts[2].m.FreeSlot(e.ctx, contracts.GetSlotID(id, 2)); err != nil {
		t.Fatal(err)
	}
	earned := mul(failedAt-filledAt[2], slotSize, 3)
	wantEqual(t, "host 2 paid to the failure", new(big.Int).Sub(e.balance(e.hosts[2].addr), hostBefore[2]), earned)
	if _, err := e.client.m.WithdrawFunds(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	// The client pays host 2's earnings and receives both forfeited collaterals.
	want := new(big.Int).Sub(earned, new(big.Int).Mul(collateral, big.NewInt(2)))
	wantEqual(t, "client's net cost", new(big.Int).Sub(clientBefore, e.balance(e.client.addr)), want)
	wantEqual(t, "nothing left in the contract", e.balance(e.dep.Marketplace), new(big.Int))
}

func TestMissedProofsSlashThenFreeAndRepair(t *testing.T) {
	e := newEnv(t, testConfig())
	cfg := e.cfg.Collateral
	ds := newDataset(t, 5, 2, slotSize)
	ask := e.ask(2, 1, slotSize)
	clientBefore := e.balance(e.client.addr)
	id, _ := e.request(ds, ask)
	lazy, honest, repairer := e.hosts[0], e.hosts[1], e.hosts[2]
	lazyBefore, honestBefore, repairBefore, validatorBefore := e.balance(lazy.addr), e.balance(honest.addr), e.balance(repairer.addr), e.balance(e.validator.addr)
	e.startPeriod()
	lazyFilled := e.blockTime(e.mustFill(lazy, id, 0, ds))
	honestFilled := e.blockTime(e.mustFill(honest, id, 1, ds))
	lazySlot, honestSlot := contracts.GetSlotID(id, 0), contracts.GetSlotID(id, 1)

	collateral := contracts.SlotCollateral(ask)
	slash := new(big.Int).Div(new(big.Int).Mul(collateral, big.NewInt(int64(cfg.SlashPercentage))), big.NewInt(100))
	reward := new(big.Int).Div(new(big.Int).Mul(slash, big.NewInt(int64(cfg.ValidatorRewardPercentage))), big.NewInt(100))

	marked := 0
	for marked < int(cfg.MaxNumberOfSlashes) {
		p, end := e.period()
		e.advanceTo(end + 1) // period p is over; mark it within the timeout
		if _, err := e.prove(honest, honestSlot, ds.slots[1]); err != nil {
			t.Fatal(err)
		}
		required, _ := e.validator.m.IsProofRequired(e.ctx, lazySlot)
		if !required {
			t.Fatal("proof not required of a filled slot with probability 1 and no downtime")
		}
		_, err := e.validator.m.MarkProofAsMissing(e.ctx, honestSlot, p)
		if p > honestFilled/e.cfg.Proofs.Period+1 {
			wantErr(t, err, contracts.ErrProofWasSubmitted)
		}
		_, err = e.validator.m.MarkProofAsMissing(e.ctx, lazySlot, p)
		if p == lazyFilled/e.cfg.Proofs.Period {
			wantErr(t, err, contracts.ErrProofNotRequired) // the fill's own proof covers it
			continue
		}
		if err != nil {
			t.Fatalf("mark period %d: %v", p, err)
		}
		marked++
		if marked < int(cfg.MaxNumberOfSlashes) {
			_, err = e.validator.m.MarkProofAsMissing(e.ctx, lazySlot, p)
			wantErr(t, err, contracts.ErrProofAlreadyMarked)
			if n, _ := e.validator.m.MissingProofs(e.ctx, lazySlot); n != uint64(marked) {
				t.Fatalf("missingProofs %d, want %d", n, marked)
			}
		}
	}
	wantEqual(t, "validator rewards", new(big.Int).Sub(e.balance(e.validator.addr), validatorBefore), new(big.Int).Mul(reward, big.NewInt(int64(marked))))
	if s, _ := e.client.m.SlotState(e.ctx, lazySlot); s != contracts.SlotStateRepair {
		t.Fatalf("slot after %d slashes: %s, want Repair", marked, s)
	}
	if h, _ := e.client.m.GetHost(e.ctx, lazySlot); h != (common.Address{}) {
		t.Fatalf("freed slot still has host %s", h)
	}

	// Another host repairs the slot and is paid from its own fill.
	repairedAt := e.blockTime(e.mustFill(repairer, id, 0, ds))
	end, _ := e.client.m.RequestEnd(e.ctx, id)
	e.advanceTo(end + 1)
	for _, h := range []struct {
		a    actor
		slot contracts.SlotID
	}{{repairer, lazySlot}, {honest, honestSlot}} {
		if _, err := h.a.m.FreeSlot(e.ctx, h.slot); err != nil {
			t.Fatal(err)
		}
	}
	repairEarned := mul(end-repairedAt, slotSize, 3)
	honestEarned := mul(end-honestFilled, slotSize, 3)
	wantEqual(t, "repairing host", new(big.Int).Sub(e.balance(repairer.addr), repairBefore), repairEarned)
	wantEqual(t, "honest host", new(big.Int).Sub(e.balance(honest.addr), honestBefore), honestEarned)
	wantEqual(t, "lazy host lost its collateral", new(big.Int).Sub(lazyBefore, e.balance(lazy.addr)), collateral)
	if _, err := e.client.m.WithdrawFunds(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	// Client: pays both earnings, gets the lazy host's collateral minus the validator's rewards.
	cost := new(big.Int).Add(repairEarned, honestEarned)
	cost.Sub(cost, collateral)
	cost.Add(cost, new(big.Int).Mul(reward, big.NewInt(int64(marked))))
	wantEqual(t, "client's net cost", new(big.Int).Sub(clientBefore, e.balance(e.client.addr)), cost)
	wantEqual(t, "nothing left in the contract", e.balance(e.dep.Marketplace), new(big.Int))
}
