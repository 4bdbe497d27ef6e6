package marketplace_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts/marketplace"
)

// Stores, logs and API answers were written when ids were common.Hash; they
// must read byte for byte the same now that ids have their own types.
func TestIDsPrintAndEncodeAsHashes(t *testing.T) {
	h := common.HexToHash("0x00ab0000000000000000000000000000000000000000000000000000000000ff")
	req, slot := marketplace.RequestID(h), marketplace.SlotID(h)
	for _, verb := range []string{"%v", "%s", "%x", "%X", "%#x", "%q", "%d", "%+v", "%10.4x"} {
		want := fmt.Sprintf(verb, h)
		if got := fmt.Sprintf(verb, req); got != want {
			t.Errorf("RequestID %s: %q, want %q", verb, got, want)
		}
		if got := fmt.Sprintf(verb, slot); got != want {
			t.Errorf("SlotID %s: %q, want %q", verb, got, want)
		}
	}
	if req.Hex() != h.Hex() || slot.String() != h.String() || req.TerminalString() != h.TerminalString() || string(slot.Bytes()) != string(h.Bytes()) {
		t.Error("Hex/String/TerminalString/Bytes differ from common.Hash's")
	}

	type asHash struct {
		ID    common.Hash
		Slots []common.Hash
		ByID  map[common.Hash]int
		Ptr   *common.Hash
	}
	type asIDs struct {
		ID    marketplace.RequestID
		Slots []marketplace.SlotID
		ByID  map[marketplace.RequestID]int
		Ptr   *marketplace.SlotID
	}
	want, _ := json.Marshal(asHash{ID: h, Slots: []common.Hash{h, {}}, ByID: map[common.Hash]int{h: 1}, Ptr: &h})
	got, err := json.Marshal(asIDs{ID: req, Slots: []marketplace.SlotID{slot, {}}, ByID: map[marketplace.RequestID]int{req: 1}, Ptr: &slot})
	if err != nil || string(got) != string(want) {
		t.Fatalf("JSON %s (%v), want %s", got, err, want)
	}
	var back asIDs
	if err := json.Unmarshal(want, &back); err != nil || back.ID != req || back.Slots[0] != slot || back.ByID[req] != 1 || *back.Ptr != slot {
		t.Fatalf("JSON round trip: %+v, %v", back, err)
	}
	for _, bad := range []string{`"0x12"`, `"zz"`, `12`} {
		var hh common.Hash
		var id marketplace.RequestID
		herr, ierr := json.Unmarshal([]byte(bad), &hh), json.Unmarshal([]byte(bad), &id)
		if herr == nil || ierr == nil || herr.Error() != ierr.Error() {
			t.Errorf("JSON %s: error %v, common.Hash's %v", bad, ierr, herr)
		}
	}
}
