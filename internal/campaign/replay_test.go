package campaign

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/persist"
)

// dumpLine is one line as `slotd dump --json` prints it: the store's own
// JSON of the record with its kind first.
func dumpLine(t *testing.T, kind string, rec any) string {
	t.Helper()
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return `{"kind":"` + kind + `",` + string(b[1:])
}

// The replay of a market where host A filled slot 0, lost it to missed
// proofs, and host B refilled it; a store that followed it compares equal,
// and every kind of leftover a wrong rollback leaves is reported.
func TestReplayComparesLedgerQueueAndProofs(t *testing.T) {
	a, b := common.HexToAddress("0xa"), common.HexToAddress("0xb")
	req, gone := common.HexToHash("0x1"), common.HexToHash("0x2")
	slot0, slot1 := common.HexToHash("0x51"), common.HexToHash("0x52")
	slotOf := map[common.Hash]slotRef{slot0: {req, 0}, slot1: {req, 1}}
	ask := bindings.Ask{Slots: 2, SlotSize: 1024, Duration: 100, MaxSlotLoss: 1, ProofProbability: big.NewInt(1),
		PricePerBytePerSecond: big.NewInt(3), CollateralPerByte: big.NewInt(10)}
	events := []chainEvent{
		{name: "StorageRequested", block: 10, req: req, ask: ask, expiry: 90},
		{name: "SlotFilled", block: 11, req: req, index: 0, slot: slot0, host: a},
		{name: "SlotFilled", block: 12, req: req, index: 1, slot: slot1, host: b},
		{name: "RequestFulfilled", block: 12, req: req},
		{name: "ProofSubmitted", block: 20, ts: 205, slot: slot0},
		{name: "ProofMarkedMissing", block: 31, slot: slot0, period: 30},
		{name: "SlotFreed", block: 31, req: req, index: 0, slot: slot0},
		{name: "SlotFilled", block: 40, req: req, index: 0, slot: slot0, host: b},
		{name: "ProofSubmitted", block: 50, ts: 505, slot: slot0},
	}
	lr := persist.LedgerRequest{RequestID: persist.ID(req), Slots: 2, SlotSize: 1024, Duration: 100, MaxSlotLoss: 1,
		ProofProbability: big.NewInt(1), PricePerBytePerSecond: big.NewInt(3), CollateralPerByte: big.NewInt(10), Expiry: 90, Fulfilled: true, Block: 12}
	agent := persist.Agent{SlotID: persist.ID(slot0), RequestID: persist.ID(req), State: "failed"}
	// host A's store, its cursor at block 35: slot 0 freed from it, not yet refilled
	base := []string{
		dumpLine(t, "cursor", persist.Cursor{Number: 35}),
		dumpLine(t, "agent", agent),
		dumpLine(t, "ledger-request", lr),
		dumpLine(t, "ledger-slot", persist.LedgerSlot{RequestID: persist.ID(req), Index: 0, Host: a.Hex(), Block: 31}),
		dumpLine(t, "ledger-slot", persist.LedgerSlot{RequestID: persist.ID(req), Index: 1, Host: b.Hex(), Filled: true, Block: 12}),
		dumpLine(t, "ledger-proof", persist.LedgerProof{RequestID: persist.ID(req), Index: 0, Period: 20, Status: persist.ProofSubmitted, Block: 20}),
		dumpLine(t, "ledger-proof", persist.LedgerProof{RequestID: persist.ID(req), Index: 0, Period: 30, Status: persist.ProofMissed, Block: 31}),
		// the freed slot, queued at the repair collateral
		dumpLine(t, "queue", persist.QueueItem{SlotID: persist.ID(slot0), RequestID: persist.ID(req), SlotIndex: 0, SlotSize: 1024, Duration: 100,
			PricePerBytePerSecond: big.NewInt(3), CollateralPerByte: big.NewInt(9), Expiry: 90}),
	}
	diff := func(lines []string) []string {
		t.Helper()
		d, err := parseDump([]byte(strings.Join(lines, "\n") + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		return compareReplay(d, replay(events, d.cursor.Number, 10, slotOf), a, true)
	}
	if got := diff(base); len(got) != 0 {
		t.Fatalf("a store that followed the chain differs from its replay:\n%s", strings.Join(got, "\n"))
	}
	// the same store with its cursor past the refill: the queued slot is filled, and B's proof is not A's
	at50 := append([]string{dumpLine(t, "cursor", persist.Cursor{Number: 50})}, base[1:]...)
	want(t, diff(at50), "queue holds slot 0", "ledger has slot 0 of "+short(req)+" filled=false, the chain true")

	for _, c := range []struct {
		name, line, want string
	}{
		{"request of a reorged-out block", dumpLine(t, "ledger-request", persist.LedgerRequest{RequestID: persist.ID(gone), ProofProbability: big.NewInt(1),
			PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(1)}), "which the chain never posted"},
		{"queued slot of a started request", dumpLine(t, "queue", persist.QueueItem{SlotID: persist.ID(slot1), RequestID: persist.ID(req), SlotIndex: 1,
			SlotSize: 1024, Duration: 100, PricePerBytePerSecond: big.NewInt(3), CollateralPerByte: big.NewInt(10), Expiry: 90}), "queue holds slot 1"},
		{"proof record the chain lost", dumpLine(t, "ledger-proof", persist.LedgerProof{RequestID: persist.ID(req), Index: 0, Period: 25,
			Status: persist.ProofSubmitted, Block: 25}), "in period 25 (block 25), which the chain does not have"},
	} {
		t.Run(c.name, func(t *testing.T) { want(t, diff(append(append([]string{}, base...), c.line)), c.want) })
	}
	// a store that missed events: the fulfilment, a slot, a proof record
	lr.Fulfilled = false
	lacking := []string{base[0], base[1], dumpLine(t, "ledger-request", lr), base[3], base[5]}
	want(t, diff(lacking), "Fulfilled:false", "ledger lacks slot 1", "no proof record of slot 0 of "+short(req)+" in period 30")
}

// want fails unless each of subs is in one of got.
func want(t *testing.T, got []string, subs ...string) {
	t.Helper()
	all := strings.Join(got, "\n")
	for _, s := range subs {
		if !strings.Contains(all, s) {
			t.Errorf("no difference mentions %q; got:\n%s", s, all)
		}
	}
}
