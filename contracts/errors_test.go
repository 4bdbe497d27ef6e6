package contracts_test

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/contracts/proof"
)

func TestProofWithOneWrongByteOrIndexIsRejected(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 6, 2, 3*slotSize) // several chunks: paths cross chunk roots
	id, _ := e.Request(ds, e.Ask(2, 1, 3*slotSize))
	h := e.Hosts[0]
	e.MustFill(h, id, 0, ds)
	slot := contracts.GetSlotID(id, 0)
	_, end := e.Period()
	e.AdvanceTo(end + 1)

	challenge, _ := h.M.GetChallenge(e.Ctx, slot)
	honest, err := proof.Prove(ds.Slots[0].Tree, ds.Slots[0].Data, challenge, proof.Hash(slot), int(e.Cfg.Proofs.Samples))
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.Verify(ds.Roots[0], ds.Slots[0].Tree.Cells(), challenge, proof.Hash(slot), int(e.Cfg.Proofs.Samples), honest); err != nil {
		t.Fatalf("Go rejects the proof the contract is about to check: %v", err)
	}

	wrongByte := clone(honest)
	wrongByte.Cells[proof.CellSize+100] ^= 0x01
	// Wrong index: open the neighbouring cell with its own valid path.
	wrongIndex := clone(honest)
	j := proof.SampleIndex(challenge, proof.Hash(slot), 0, ds.Slots[0].Tree.Cells())
	cell, path, _ := ds.Slots[0].Tree.CellPath(ds.Slots[0].Data, j^1)
	copy(wrongIndex.Cells, cell)
	copy(wrongIndex.Path, path)
	otherSlot, _ := proof.Prove(ds.Slots[1].Tree, ds.Slots[1].Data, challenge, proof.Hash(slot), int(e.Cfg.Proofs.Samples))
	short := clone(honest)
	short.Cells = short.Cells[:len(short.Cells)-proof.CellSize]

	for name, p := range map[string]proof.Proof{"one wrong byte": wrongByte, "wrong index": wrongIndex, "another slot's data": otherSlot, "a sample short": short} {
		if proof.Verify(ds.Roots[0], ds.Slots[0].Tree.Cells(), challenge, proof.Hash(slot), int(e.Cfg.Proofs.Samples), p) == nil {
			t.Errorf("%s: Go verifier accepts it", name)
		}
		_, err := h.M.SubmitProof(e.Ctx, slot, contracts.ToContractProof(p))
		ct.WantErr(t, err, contracts.ErrInvalidProof)
	}
	if _, err := e.Prove(h, slot, ds.Slots[0]); err != nil {
		t.Fatalf("honest proof: %v", err)
	}
	_, err = e.Prove(h, slot, ds.Slots[0])
	ct.WantErr(t, err, contracts.ErrProofAlreadySubmitted)
}

func clone(p proof.Proof) proof.Proof {
	return proof.Proof{Cells: bytes.Clone(p.Cells), Path: append([]common.Hash(nil), p.Path...)}
}

// TestEveryCustomError provokes each error the Marketplace defines and
// checks it decodes to the matching Go value.
func TestEveryCustomError(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 7, 2, slotSize)
	ask := e.Ask(2, 1, slotSize)
	ctx := context.Background()
	c, h0, h1, v := e.Client, e.Hosts[0], e.Hosts[1], e.Validator

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
		_, _, err := c.M.RequestStorage(ctx, e.NewRequest(ds, a))
		if !errors.Is(err, contracts.ErrInvalidAsk) {
			t.Errorf("%s: got %v, want InvalidAsk", name, err)
		}
	}
	r := e.NewRequest(ds, ask)
	r.Client = h0.Addr
	_, _, err := c.M.RequestStorage(ctx, r)
	ct.WantErr(t, err, contracts.ErrInvalidClient)
	r = e.NewRequest(ds, ask)
	r.Expiry = ask.Duration
	_, _, err = c.M.RequestStorage(ctx, r)
	ct.WantErr(t, err, contracts.ErrInvalidExpiry)

	r = e.NewRequest(ds, ask)
	id, _, err := c.M.RequestStorage(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.M.RequestStorage(ctx, r)
	ct.WantErr(t, err, contracts.ErrRequestAlreadyExists)
	_, err = c.M.RequestState(ctx, contracts.RequestID{1})
	ct.WantErr(t, err, contracts.ErrUnknownRequest)
	_, err = c.M.WithdrawFunds(ctx, id)
	ct.WantErr(t, err, contracts.ErrRequestNotEnded)
	_, err = h0.M.WithdrawFunds(ctx, id)
	ct.WantErr(t, err, contracts.ErrNotClient)

	path, _ := proof.ContentPath(ds.Roots, 0)
	p := e.ProofFor(h0, contracts.GetSlotID(id, 0), ds.Slots[0])
	_, err = h0.M.FillSlot(ctx, id, 2, ds.Roots[0], path, p)
	ct.WantErr(t, err, contracts.ErrInvalidSlotIndex)
	_, err = h0.M.FillSlot(ctx, id, 0, ds.Roots[0], path, p)
	ct.WantErr(t, err, contracts.ErrNotReserved)
	_, err = h0.M.ReserveSlot(ctx, id, 2, 0)
	ct.WantErr(t, err, contracts.ErrInvalidSlotIndex)
	for _, idx := range []uint64{0, 1} {
		if _, err := h0.M.ReserveSlot(ctx, id, idx, 0); err != nil {
			t.Fatal(err)
		}
	}
	_, err = h0.M.ReserveSlot(ctx, id, 0, 0)
	ct.WantErr(t, err, contracts.ErrAlreadyReserved)
	_, err = h0.M.SetHostURL(ctx, strings.Repeat("x", 513))
	ct.WantErr(t, err, contracts.ErrInvalidUrl)
	_, err = h0.M.FillSlot(ctx, id, 0, ds.Roots[1], path, p)
	ct.WantErr(t, err, contracts.ErrInvalidSlotRoot)
	_, err = h0.M.FillSlot(ctx, id, 0, ds.Roots[0], nil, p)
	ct.WantErr(t, err, contracts.ErrInvalidSlotRoot)
	_, err = h0.M.FillSlot(ctx, id, 1, ds.Roots[1], path, e.ProofFor(h0, contracts.GetSlotID(id, 1), ds.Slots[0]))
	ct.WantErr(t, err, contracts.ErrInvalidSlotRoot) // slot 0's path does not fit index 1
	e.MustFill(h0, id, 0, ds)
	_, err = e.Fill(h1, id, 0, ds)
	ct.WantErr(t, err, contracts.ErrSlotNotFree)
	// The token's own errors decode too: the deployer has gas but no tokens.
	broke := ct.Actor{M: contracts.NewEthMarket(e.Chain, e.Deployer, e.Dep.Marketplace)}
	_, err = e.Fill(broke, id, 1, ds)
	ct.WantErr(t, err, contracts.ErrInsufficientBalance)
	// maxReservations (3) hosts may reserve slot 1; h0 and broke hold one.
	if _, err := h1.M.ReserveSlot(ctx, id, 1, 0); err != nil {
		t.Fatal(err)
	}
	_, err = v.M.ReserveSlot(ctx, id, 1, 0)
	ct.WantErr(t, err, contracts.ErrReservationsFull)
	_, err = h0.M.FillSlot(ctx, id, 0, ds.Roots[0], path, p)
	ct.WantErr(t, err, contracts.ErrSlotNotFree)

	slot0, slot1 := contracts.GetSlotID(id, 0), contracts.GetSlotID(id, 1)
	_, err = h1.M.FreeSlot(ctx, slot0)
	ct.WantErr(t, err, contracts.ErrNotSlotHost)
	_, err = h0.M.FreeSlot(ctx, slot1)
	ct.WantErr(t, err, contracts.ErrSlotNotFilled)
	toNobody := bindings.NewMarketplace().PackFreeSlot(slot0, common.Address{}, common.Address{})
	_, err = e.Sender(h0.Key).Send(ctx, "free-to-nobody", &e.Dep.Marketplace, toNobody)
	ct.WantErr(t, err, contracts.ErrInvalidRecipient)
	_, err = h1.M.SubmitProof(ctx, slot1, p)
	ct.WantErr(t, err, contracts.ErrSlotNotFilled)
	_, err = v.M.MarkProofAsMissing(ctx, slot1, 0)
	ct.WantErr(t, err, contracts.ErrSlotNotFilled)

	period, end := e.Period()
	_, err = v.M.MarkProofAsMissing(ctx, slot0, period)
	ct.WantErr(t, err, contracts.ErrPeriodNotEnded)
	e.AdvanceTo(end + e.Cfg.Proofs.Period + e.Cfg.Proofs.Timeout + 1)
	_, err = v.M.MarkProofAsMissing(ctx, slot0, period+1)
	ct.WantErr(t, err, contracts.ErrValidationTimedOut)
	_, err = v.M.MarkProofAsMissing(ctx, slot0, period)
	ct.WantErr(t, err, contracts.ErrValidationTimedOut)

	// Cancel: the other slot was never filled before expiry.
	exp, _ := c.M.RequestExpiry(ctx, id)
	e.AdvanceTo(exp + 1)
	_, err = e.Fill(h1, id, 1, ds)
	ct.WantErr(t, err, contracts.ErrRequestNotActive)
	if _, err := c.M.WithdrawFunds(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err = c.M.WithdrawFunds(ctx, id)
	ct.WantErr(t, err, contracts.ErrAlreadyWithdrawn)

	// Errors covered by the scenario tests: ProofAlreadySubmitted, ProofWasSubmitted,
	// ProofAlreadyMarked, ProofNotRequired, InvalidProof. InvalidConfig:
	bad := contracts.DefaultConfig()
	bad.Collateral.SlashPercentage = 50
	_, err = contracts.Deploy(ctx, e.Deployer, bad)
	ct.WantErr(t, err, contracts.ErrInvalidConfig)
}
