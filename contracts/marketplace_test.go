package contracts_test

import (
	"bytes"
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/contracts/proof"
)

const slotSize = 64 * proof.CellSize // one chunk: small and fast, still a real tree

func TestIDsAndDepositMatchContract(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 1, 3, slotSize)
	ask := e.Ask(3, 1, slotSize)
	before := e.Balance(e.Client.Addr)
	id, r := e.Request(ds, ask)

	var seen *contracts.StorageRequested
	head, _ := e.Chain.BlockNumber(e.Ctx)
	err := e.Client.M.PastEvents(e.Ctx, 0, head, func(_ uint64, evs []contracts.Event) error {
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
	got, err := e.Client.M.GetRequest(e.Ctx, id)
	if err != nil || got.Ask.SlotSize != r.Ask.SlotSize || got.Content.MerkleRoot != ds.Content {
		t.Fatalf("getRequest: %+v, %v", got, err)
	}
	if exp, _ := e.Client.M.RequestExpiry(e.Ctx, id); exp != seen.Expiry {
		t.Fatalf("event expiry %d, requestExpiry %d", seen.Expiry, exp)
	}
	caller := bindings.NewMarketplace()
	inst := caller.Instance(e.Chain, e.Dep.Marketplace)
	for _, idx := range []uint64{0, 1, 1 << 17, 1<<63 + 5} {
		data := caller.PackSlotId(id, new(big.Int).SetUint64(idx))
		onChain, err := inst.CallRaw(nil, data)
		if err != nil {
			t.Fatal(err)
		}
		if contracts.SlotID(common.BytesToHash(onChain)) != contracts.GetSlotID(id, idx) {
			t.Fatalf("slot id of index %d differs", idx)
		}
	}
	ct.WantEqual(t, "client paid the deposit", new(big.Int).Sub(before, e.Balance(e.Client.Addr)), contracts.Deposit(ask))
	ct.WantEqual(t, "deposit formula", contracts.Deposit(ask), ct.Mul(3, slotSize, 1000, 3))
	ids := e.RequestsOf(e.Client.Addr)
	if len(ids) != 1 || ids[0] != id {
		t.Fatalf("requestsOf: %v", ids)
	}
}

func TestFinishedRequestPaysHostsForTimeHeld(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 2, 3, slotSize)
	ask := e.Ask(3, 1, slotSize)
	clientBefore := e.Balance(e.Client.Addr)
	id, _ := e.Request(ds, ask)
	requestedAt := e.Now()
	if s, _ := e.Client.M.RequestState(e.Ctx, id); s != contracts.RequestStateNew {
		t.Fatalf("state %s, want New", s)
	}

	hostBefore := make([]*big.Int, 3)
	filledAt := make([]uint64, 3)
	for i, h := range e.Hosts {
		hostBefore[i] = e.Balance(h.Addr)
		e.Advance(7) // hosts fill at different times and earn different amounts
		rc := e.MustFill(h, id, uint64(i), ds)
		filledAt[i] = e.BlockTime(rc)
		slot := contracts.GetSlotID(id, uint64(i))
		if s, _ := h.M.SlotState(e.Ctx, slot); s != contracts.SlotStateFilled {
			t.Fatalf("slot %d state %s, want Filled", i, s)
		}
		if host, _ := h.M.GetHost(e.Ctx, slot); host != h.Addr {
			t.Fatalf("slot %d host %s", i, host)
		}
		ct.WantEqual(t, "collateral locked", new(big.Int).Sub(hostBefore[i], e.Balance(h.Addr)), contracts.SlotCollateral(ask))
	}
	if s, _ := e.Client.M.RequestState(e.Ctx, id); s != contracts.RequestStateStarted {
		t.Fatalf("state %s, want Started", s)
	}

	// A proof per period while it runs.
	for range 2 {
		_, end := e.Period()
		e.AdvanceTo(end + 1)
		for i, h := range e.Hosts {
			if _, err := e.Prove(h, contracts.GetSlotID(id, uint64(i)), ds.Slots[i]); err != nil {
				t.Fatalf("host %d proof: %v", i, err)
			}
		}
	}

	end, _ := e.Client.M.RequestEnd(e.Ctx, id)
	if end != requestedAt+ask.Duration {
		t.Fatalf("end %d, want %d", end, requestedAt+ask.Duration)
	}
	e.AdvanceTo(end + 1)
	if s, _ := e.Client.M.RequestState(e.Ctx, id); s != contracts.RequestStateFinished {
		t.Fatalf("state %s, want Finished", s)
	}

	earnedTotal := new(big.Int)
	for i, h := range e.Hosts {
		slot := contracts.GetSlotID(id, uint64(i))
		if s, _ := h.M.SlotState(e.Ctx, slot); s != contracts.SlotStateFinished {
			t.Fatalf("slot %d state %s, want Finished", i, s)
		}
		if _, err := h.M.FreeSlot(e.Ctx, slot); err != nil {
			t.Fatalf("free slot %d: %v", i, err)
		}
		earned := ct.Mul(end-filledAt[i], slotSize, 3)
		earnedTotal.Add(earnedTotal, earned)
		ct.WantEqual(t, "host earnings", new(big.Int).Sub(e.Balance(h.Addr), hostBefore[i]), earned)
		if s, _ := h.M.SlotState(e.Ctx, slot); s != contracts.SlotStatePaid {
			t.Fatalf("slot %d state %s, want Paid", i, s)
		}
		_, err := h.M.FreeSlot(e.Ctx, slot)
		ct.WantErr(t, err, contracts.ErrSlotNotFilled)
	}
	if _, err := e.Client.M.WithdrawFunds(e.Ctx, id); err != nil {
		t.Fatal(err)
	}
	ct.WantEqual(t, "client paid exactly the earnings", new(big.Int).Sub(clientBefore, e.Balance(e.Client.Addr)), earnedTotal)
	ct.WantEqual(t, "nothing left in the contract", e.Balance(e.Dep.Marketplace), new(big.Int))
	_, err := e.Client.M.WithdrawFunds(e.Ctx, id)
	ct.WantErr(t, err, contracts.ErrAlreadyWithdrawn)
}

// countingBackend counts the eth_calls of one 4-byte selector.
type countingBackend struct {
	contracts.Backend
	selector []byte
	calls    int
}

func (b *countingBackend) CallContract(ctx context.Context, msg ethereum.CallMsg, block *big.Int) ([]byte, error) {
	if bytes.HasPrefix(msg.Data, b.selector) {
		b.calls++
	}
	return b.Backend.CallContract(ctx, msg, block)
}

// TestTokenIsReadOnce: the token address is immutable, so a fill or a
// balance check does not ask the chain for it every time.
func TestTokenIsReadOnce(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	b := &countingBackend{Backend: e.Chain, selector: crypto.Keccak256([]byte("token()"))[:4]}
	m := contracts.NewEthMarket(b, e.Sender(e.Client.Key), e.Dep.Marketplace)
	for range 3 {
		if _, err := m.TokenBalance(e.Ctx, e.Client.Addr); err != nil {
			t.Fatal(err)
		}
	}
	if token, _ := m.Token(e.Ctx); token != e.Dep.Token || b.calls != 1 {
		t.Fatalf("token %s after %d reads, want %s read once", token, b.calls, e.Dep.Token)
	}
}
