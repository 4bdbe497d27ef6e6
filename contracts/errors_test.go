package contracts_test

import (
	"bytes"
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/proof"
)

func TestProofWithOneWrongByteOrIndexIsRejected(t *testing.T) {
	e := newEnv(t, testConfig())
	ds := newDataset(t, 6, 2, 3*slotSize) // several chunks: paths cross chunk roots
	id, _ := e.request(ds, e.ask(2, 1, 3*slotSize))
	h := e.hosts[0]
	e.mustFill(h, id, 0, ds)
	slot := contracts.GetSlotID(id, 0)
	_, end := e.period()
	e.advanceTo(end + 1)

	challenge, _ := h.m.GetChallenge(e.ctx, slot)
	honest, err := proof.Prove(ds.slots[0].tree, ds.slots[0].data, challenge, slot, int(e.cfg.Proofs.Samples))
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(ds.roots[0], ds.slots[0].tree.Cells(), challenge, slot, int(e.cfg.Proofs.Samples), honest); err != nil {
		t.Fatalf("Go rejects the proof the contract is about to check: %v", err)
	}

	wrongByte := clone(honest)
	wrongByte.Cells[proof.CellSize+100] ^= 0x01
	// Wrong index: open the neighbouring cell with its own valid path.
	wrongIndex := clone(honest)
	j := proof.SampleIndex(challenge, slot, 0, ds.slots[0].tree.Cells())
	cell, path, _ := ds.slots[0].tree.CellPath(ds.slots[0].data, j^1)
	copy(wrongIndex.Cells, cell)
	copy(wrongIndex.Path, path)
	otherSlot, _ := proof.Prove(ds.slots[1].tree, ds.slots[1].data, challenge, slot, int(e.cfg.Proofs.Samples))
	short := clone(honest)
	short.Cells = short.Cells[:len(short.Cells)-proof.CellSize]

	for name, p := range map[string]proof.Proof{"one wrong byte": wrongByte, "wrong index": wrongIndex, "another slot's data": otherSlot, "a sample short": short} {
		if proof.Verify(ds.roots[0], ds.slots[0].tree.Cells(), challenge, slot, int(e.cfg.Proofs.Samples), p) == nil {
			t.Errorf("%s: Go verifier accepts it", name)
		}
		_, err := h.m.SubmitProof(e.ctx, slot, contracts.ToContractProof(p))
		wantErr(t, err, contracts.ErrInvalidProof)
	}
	if _, err := e.prove(h, slot, ds.slots[0]); err != nil {
		t.Fatalf("honest proof: %v", err)
	}
	_, err = e.prove(h, slot, ds.slots[0])
	wantErr(t, err, contracts.ErrProofAlreadySubmitted)
}

func clone(p proof.Proof) proof.Proof {
	return proof.Proof{Cells: bytes.Clone(p.Cells), Path: append([]common.Hash(nil), p.Path...)}
}

// TestEveryCustomError provokes each error the Marketplace defines and
// checks it decodes to the matching Go value.
func TestEveryCustomError(t *testing.T) {
	e := newEnv(t, testConfig())
	ds := newDataset(t, 7, 2, slotSize)
	ask := e.ask(2, 1, slotSize)
	ctx := context.Background()
	c, h0, h1, v := e.client, e.hosts[0], e.hosts[1], e.validator

	badAsks := map[string]func(*contracts.Ask){
		"no slots":            func(a *contracts.Ask) { a.Slots = 0 },
		"odd slot size":       func(a *contracts.Ask) { a.SlotSize = 1000 },
		"zero duration":       func(a *contracts.Ask) { a.Duration = 0 },
		"loss ≥ slots":        func(a *contracts.Ask) { a.MaxSlotLoss = 2 },
		"zero probability":    func(a *contracts.Ask) { a.ProofProbability = big.NewInt(0) },
		"zero price":          func(a *contracts.Ask) { a.PricePerBytePerSecond = big.NewInt(0) },
		"more than 256 slots": func(a *contracts.Ask) { a.Slots = 257 },
	}
	for name, mutate := range badAsks {
		a := ask
		mutate(&a)
		_, _, err := c.m.RequestStorage(ctx, e.newRequest(ds, a))
		if !contracts.ErrInvalidAsk.Is(unwrapContract(err)) {
			t.Errorf("%s: got %v, want InvalidAsk", name, err)
		}
	}
	r := e.newRequest(ds, ask)
	r.Client = h0.addr
	_, _, err := c.m.RequestStorage(ctx, r)
	wantErr(t, err, contracts.ErrInvalidClient)
	r = e.newRequest(ds, ask)
	r.Expiry = ask.Duration
	_, _, err = c.m.RequestStorage(ctx, r)
	wantErr(t, err, contracts.ErrInvalidExpiry)

	r = e.newRequest(ds, ask)
	id, _, err := c.m.RequestStorage(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.m.RequestStorage(ctx, r)
	wantErr(t, err, contracts.ErrRequestAlreadyExists)
	_, err = c.m.RequestState(ctx, common.Hash{1})
	wantErr(t, err, contracts.ErrUnknownRequest)
	_, err = c.m.WithdrawFunds(ctx, id)
	wantErr(t, err, contracts.ErrRequestNotEnded)
	_, err = h0.m.WithdrawFunds(ctx, id)
	wantErr(t, err, contracts.ErrNotClient)

	path, _ := proof.ContentPath(ds.roots, 0)
	p := e.proofFor(h0, contracts.GetSlotID(id, 0), ds.slots[0])
	_, err = h0.m.FillSlot(ctx, id, 2, ds.roots[0], path, p)
	wantErr(t, err, contracts.ErrInvalidSlotIndex)
	_, err = h0.m.FillSlot(ctx, id, 0, ds.roots[1], path, p)
	wantErr(t, err, contracts.ErrInvalidSlotRoot)
	_, err = h0.m.FillSlot(ctx, id, 0, ds.roots[0], nil, p)
	wantErr(t, err, contracts.ErrInvalidSlotRoot)
	_, err = h0.m.FillSlot(ctx, id, 1, ds.roots[1], path, e.proofFor(h0, contracts.GetSlotID(id, 1), ds.slots[0]))
	wantErr(t, err, contracts.ErrInvalidSlotRoot) // slot 0's path does not fit index 1
	e.mustFill(h0, id, 0, ds)
	_, err = e.fill(h1, id, 0, ds)
	wantErr(t, err, contracts.ErrSlotNotFree)

	slot0, slot1 := contracts.GetSlotID(id, 0), contracts.GetSlotID(id, 1)
	_, err = h1.m.FreeSlot(ctx, slot0)
	wantErr(t, err, contracts.ErrNotSlotHost)
	_, err = h0.m.FreeSlot(ctx, slot1)
	wantErr(t, err, contracts.ErrSlotNotFilled)
	_, err = h1.m.SubmitProof(ctx, slot1, p)
	wantErr(t, err, contracts.ErrSlotNotFilled)
	_, err = v.m.MarkProofAsMissing(ctx, slot1, 0)
	wantErr(t, err, contracts.ErrSlotNotFilled)

	period, end := e.period()
	_, err = v.m.MarkProofAsMissing(ctx, slot0, period)
	wantErr(t, err, contracts.ErrPeriodNotEnded)
	e.advanceTo(end + e.cfg.Proofs.Period + e.cfg.Proofs.Timeout + 1)
	_, err = v.m.MarkProofAsMissing(ctx, slot0, period+1)
	wantErr(t, err, contracts.ErrValidationTimedOut)
	_, err = v.m.MarkProofAsMissing(ctx, slot0, period)
	wantErr(t, err, contracts.ErrValidationTimedOut)

	// The token's own errors decode too: the deployer has gas but no tokens.
	broke := actor{m: contracts.NewEthMarket(e.cl, e.deployer, e.dep.Marketplace)}
	_, err = e.fill(broke, id, 1, ds)
	wantErr(t, err, contracts.ErrInsufficientBalance)

	// Cancel: the other slot was never filled before expiry.
	exp, _ := c.m.RequestExpiry(ctx, id)
	e.advanceTo(exp + 1)
	_, err = e.fill(h1, id, 1, ds)
	wantErr(t, err, contracts.ErrRequestNotActive)
	if _, err := c.m.WithdrawFunds(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err = c.m.WithdrawFunds(ctx, id)
	wantErr(t, err, contracts.ErrAlreadyWithdrawn)

	// Errors covered by the scenario tests: ProofAlreadySubmitted, ProofWasSubmitted,
	// ProofAlreadyMarked, ProofNotRequired, InvalidProof. InvalidConfig:
	bad := contracts.DefaultConfig()
	bad.Collateral.SlashPercentage = 50
	_, err = contracts.Deploy(ctx, e.deployer, bad)
	wantErr(t, err, contracts.ErrInvalidConfig)
}

func unwrapContract(err error) error {
	for err != nil {
		if ce, ok := err.(*contracts.ContractError); ok {
			return ce
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
	return nil
}
