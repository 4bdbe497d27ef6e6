package contracts_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
)

// TestSlotStatusesServeManySlotsInOneCall: one eth_call returns, for every
// slot, what the single views say, and whether a validator may mark the
// past period now; marking emits ProofMarkedMissing with slot and period.
func TestSlotStatusesServeManySlotsInOneCall(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 51, 3, slotSize)
	id, _ := e.Request(ds, e.Ask(3, 1, slotSize))
	e.StartPeriod()
	for i, h := range e.Hosts {
		e.MustFill(h, id, uint64(i), ds)
	}
	slots := []contracts.SlotID{contracts.GetSlotID(id, 0), contracts.GetSlotID(id, 1), contracts.GetSlotID(id, 2), {7}}
	// Period p after the fill's: host 0 proves, hosts 1 and 2 do not.
	_, end := e.Period()
	e.AdvanceTo(end + 1)
	p, end := e.Period()
	if _, err := e.Prove(e.Hosts[0], slots[0], ds.Slots[0]); err != nil {
		t.Fatal(err)
	}
	e.AdvanceTo(end + 1)

	b := &countingBackend{Backend: e.Chain, selector: crypto.Keccak256([]byte("slotStatuses(bytes32[],uint256)"))[:4]}
	m := contracts.NewEthMarket(b, e.Sender(e.Validator.Key), e.Dep.Marketplace)
	st, err := m.SlotStatuses(e.Ctx, slots, p)
	if err != nil || len(st) != len(slots) || b.calls != 1 {
		t.Fatalf("%d statuses in %d calls (%v), want %d in one", len(st), b.calls, err, len(slots))
	}
	for i, want := range []bool{false, true, true, false} {
		if st[i].Markable != want {
			t.Errorf("slot %d: markable %v, want %v", i, st[i].Markable, want)
		}
	}
	for i, s := range slots {
		state, _ := m.SlotState(e.Ctx, s)
		host, _ := m.GetHost(e.Ctx, s)
		missing, _ := m.MissingProofs(e.Ctx, s)
		req, _ := m.IsProofRequired(e.Ctx, s)
		will := e.WillProofBeRequired(s)
		c, _ := m.GetChallenge(e.Ctx, s)
		got := st[i]
		if contracts.SlotState(got.State) != state || got.Host != host || got.MissingProofs != missing ||
			got.ProofRequired != req || got.WillProofBeRequired != will || common.Hash(got.Challenge) != c {
			t.Errorf("slot %d: slotStatuses %+v, single views state %s host %s missing %d required %v will %v challenge %x",
				i, got, state, host, missing, req, will, c)
		}
	}

	rc, err := e.Validator.M.MarkProofAsMissing(e.Ctx, slots[1], p)
	if err != nil {
		t.Fatal(err)
	}
	var marked *contracts.ProofMarkedMissing
	for _, ev := range e.Events(rc.BlockNumber.Uint64(), rc.BlockNumber.Uint64()) {
		if m, ok := ev.(*contracts.ProofMarkedMissing); ok {
			marked = m
		}
	}
	if marked == nil || marked.SlotID != slots[1] || marked.Period != p {
		t.Fatalf("ProofMarkedMissing %+v, want slot %s period %d", marked, slots[1], p)
	}
	st, _ = m.SlotStatuses(e.Ctx, slots, p)
	if st[1].Markable || st[1].MissingProofs != 1 || !st[2].Markable {
		t.Fatalf("after marking slot 1: %+v / %+v, want slot 1 no longer markable with 1 missing, slot 2 still markable", st[1], st[2])
	}
}

// TestHostURLRegistry: a host records where it serves slot data; anyone
// reads it back by the host's address, and HostUrlSet says when it changed.
func TestHostURLRegistry(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	h := e.Hosts[0]
	if u, err := e.Client.M.HostURL(e.Ctx, h.Addr); err != nil || u != "" {
		t.Fatalf("unset url %q (%v), want empty", u, err)
	}
	for _, url := range []string{"https://host-0.example:8080", "https://elsewhere.example"} {
		rc, err := h.M.SetHostURL(e.Ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		if u, _ := e.Client.M.HostURL(e.Ctx, h.Addr); u != url {
			t.Fatalf("url %q, want %q", u, url)
		}
		evs := e.Events(rc.BlockNumber.Uint64(), rc.BlockNumber.Uint64())
		if len(evs) != 1 {
			t.Fatalf("%d events, want HostUrlSet", len(evs))
		}
		if set, ok := evs[0].(*contracts.HostURLSet); !ok || set.Host != h.Addr || set.URL != url {
			t.Fatalf("event %+v, want HostUrlSet for %s", evs[0], url)
		}
	}
}
