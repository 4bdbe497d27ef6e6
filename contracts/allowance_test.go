package contracts_test

import (
	"context"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/contracts/proof"
)

// oncePerPurpose sends each purpose once, as the node's tx manager does:
// a purpose sent before answers with its first receipt.
type oncePerPurpose struct {
	contracts.Sender
	mu   sync.Mutex
	sent map[string]*types.Receipt
}

func (s *oncePerPurpose) Send(ctx context.Context, purpose string, to *common.Address, data []byte) (*types.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rc, ok := s.sent[purpose]; ok {
		return rc, nil
	}
	rc, err := s.Sender.Send(ctx, purpose, to, data)
	if err == nil {
		s.sent[purpose] = rc
	}
	return rc, err
}

// TestFillsApprovedAheadEachKeepTheirAllowance: a host approves two fills
// ahead (as sales does, so a fill waits for no approval of its own), then
// sends them. The first fill must not spend the second's approval as its
// own: both land in the period they were approved in. (The second's
// approval, under a purpose already sent, could not be sent again until
// the next period's purpose, so its fill kept reverting at estimation.)
func TestFillsApprovedAheadEachKeepTheirAllowance(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 41, 2, slotSize)
	id, _ := e.Request(ds, e.Ask(2, 1, slotSize))
	h := e.Hosts[0]
	m := contracts.NewEthMarket(e.Chain, &oncePerPurpose{Sender: e.Sender(h.Key), sent: map[string]*types.Receipt{}}, e.Dep.Marketplace)
	for i := range uint64(2) {
		if err := e.Reserve(h, id, i); err != nil {
			t.Fatal(err)
		}
	}
	e.StartPeriod()
	start, _ := e.Period()
	for _, i := range []uint64{1, 0} {
		if err := m.ApproveFill(e.Ctx, id, i); err != nil {
			t.Fatalf("approve fill %d: %v", i, err)
		}
	}
	for i := range uint64(2) {
		slot := contracts.GetSlotID(id, i)
		path, err := proof.ContentPath(ds.Roots, i)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.FillSlot(e.Ctx, id, i, ds.Roots[i], path, e.ProofFor(h, slot, ds.Slots[i])); err != nil {
			t.Fatalf("fill %d: %v", i, err)
		}
	}
	if p, _ := e.Period(); p != start {
		t.Fatalf("the fills crossed into period %d from %d: the test proves nothing", p, start)
	}
}
