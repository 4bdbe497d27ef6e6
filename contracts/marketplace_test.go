package contracts_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/contracts/proof"
)

const slotSize = 64 * proof.CellSize // one chunk: small and fast, still a real tree

func TestIDsAndDepositMatchContract(t *testing.T) {
	e := newEnv(t, testConfig())
	ds := newDataset(t, 1, 3, slotSize)
	ask := e.ask(3, 1, slotSize)
	before := e.balance(e.client.addr)
	id, r := e.request(ds, ask)

	var seen *contracts.StorageRequested
	head, _ := e.cl.BlockNumber(e.ctx)
	err := e.client.m.PastEvents(e.ctx, 0, head, func(_ uint64, evs []contracts.Event) error {
		for _, ev := range evs {
			if s, ok := ev.(*contracts.StorageRequested); ok {
				seen = s
			}
		}
		return nil
	})
	if err != nil || seen == nil {
		t.Fatalf("no StorageRequested event: %v", err)
	}
	if seen.RequestID != id {
		t.Fatalf("Go request id %s, contract %s", id, seen.RequestID)
	}
	got, err := e.client.m.GetRequest(e.ctx, id)
	if err != nil || got.Ask.SlotSize != r.Ask.SlotSize || got.Content.MerkleRoot != ds.content {
		t.Fatalf("getRequest: %+v, %v", got, err)
	}
	if exp, _ := e.client.m.RequestExpiry(e.ctx, id); exp != seen.Expiry {
		t.Fatalf("event expiry %d, requestExpiry %d", seen.Expiry, exp)
	}
	caller := bindings.NewMarketplace()
	inst := caller.Instance(e.cl, e.dep.Marketplace)
	for _, idx := range []uint64{0, 1, 1 << 17, 1<<63 + 5} {
		data := caller.PackSlotId(id, new(big.Int).SetUint64(idx))
		onChain, err := inst.CallRaw(nil, data)
		if err != nil {
			t.Fatal(err)
		}
		if common.BytesToHash(onChain) != contracts.GetSlotID(id, idx) {
			t.Fatalf("slot id of index %d differs", idx)
		}
	}
	wantEqual(t, "client paid the deposit", new(big.Int).Sub(before, e.balance(e.client.addr)), contracts.Deposit(ask))
	wantEqual(t, "deposit formula", contracts.Deposit(ask), mul(3, slotSize, 1000, 3))
	ids, _ := e.client.m.RequestsOf(e.ctx, e.client.addr)
	if len(ids) != 1 || ids[0] != id {
		t.Fatalf("requestsOf: %v", ids)
	}
}

func TestFinishedRequestPaysHostsForTimeHeld(t *testing.T) {
	e := newEnv(t, testConfig())
	ds := newDataset(t, 2, 3, slotSize)
	ask := e.ask(3, 1, slotSize)
	clientBefore := e.balance(e.client.addr)
	id, _ := e.request(ds, ask)
	requestedAt := e.now()
	if s, _ := e.client.m.RequestState(e.ctx, id); s != contracts.RequestStateNew {
		t.Fatalf("state %s, want New", s)
	}

	hostBefore := make([]*big.Int, 3)
	filledAt := make([]uint64, 3)
	for i, h := range e.hosts {
		hostBefore[i] = e.balance(h.addr)
		e.advance(7) // hosts fill at different times and earn different amounts
		rc := e.mustFill(h, id, uint64(i), ds)
		filledAt[i] = e.blockTime(rc)
		slot := contracts.GetSlotID(id, uint64(i))
		if s, _ := h.m.SlotState(e.ctx, slot); s != contracts.SlotStateFilled {
			t.Fatalf("slot %d state %s, want Filled", i, s)
		}
		if host, _ := h.m.GetHost(e.ctx, slot); host != h.addr {
			t.Fatalf("slot %d host %s", i, host)
		}
		wantEqual(t, "collateral locked", new(big.Int).Sub(hostBefore[i], e.balance(h.addr)), contracts.SlotCollateral(ask))
	}
	if s, _ := e.client.m.RequestState(e.ctx, id); s != contracts.RequestStateStarted {
		t.Fatalf("state %s, want Started", s)
	}

	// A proof per period while it runs.
	for range 2 {
		_, end := e.period()
		e.advanceTo(end + 1)
		for i, h := range e.hosts {
			if _, err := e.prove(h, contracts.GetSlotID(id, uint64(i)), ds.slots[i]); err != nil {
				t.Fatalf("host %d proof: %v", i, err)
			}
		}
	}

	end, _ := e.client.m.RequestEnd(e.ctx, id)
	if end != requestedAt+ask.Duration {
		t.Fatalf("end %d, want %d", end, requestedAt+ask.Duration)
	}
	e.advanceTo(end + 1)
	if s, _ := e.client.m.RequestState(e.ctx, id); s != contracts.RequestStateFinished {
		t.Fatalf("state %s, want Finished", s)
	}

	earnedTotal := new(big.Int)
	for i, h := range e.hosts {
		slot := contracts.GetSlotID(id, uint64(i))
		if s, _ := h.m.SlotState(e.ctx, slot); s != contracts.SlotStateFinished {
			t.Fatalf("slot %d state %s, want Finished", i, s)
		}
		if _, err := h.m.FreeSlot(e.ctx, slot); err != nil {
			t.Fatalf("free slot %d: %v", i, err)
		}
		earned := mul(end-filledAt[i], slotSize, 3)
		earnedTotal.Add(earnedTotal, earned)
		wantEqual(t, "host earnings", new(big.Int).Sub(e.balance(h.addr), hostBefore[i]), earned)
		if s, _ := h.m.SlotState(e.ctx, slot); s != contracts.SlotStatePaid {
			t.Fatalf("slot %d state %s, want Paid", i, s)
		}
		_, err := h.m.FreeSlot(e.ctx, slot)
		wantErr(t, err, contracts.ErrSlotNotFilled)
	}
	if _, err := e.client.m.WithdrawFunds(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	wantEqual(t, "client paid exactly the earnings", new(big.Int).Sub(clientBefore, e.balance(e.client.addr)), earnedTotal)
	wantEqual(t, "nothing left in the contract", e.balance(e.dep.Marketplace), new(big.Int))
	_, err := e.client.m.WithdrawFunds(e.ctx, id)
	wantErr(t, err, contracts.ErrAlreadyWithdrawn)
}
