package sales_test

import (
	"context"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
)

// TestHostHoldsOneSlotOfARequest: a host with two free workers and room
// for both slots of a request sells only one of them (so its outage could
// cost the request one slot, never both); the other slot waits in its
// queue for another host, which fills it, and the request starts.
func TestHostHoldsOneSlotOfARequest(t *testing.T) {
	sale := newTwoSlotSaleWith(t, 1)
	e, h, id := sale.e, sale.h, sale.id
	ctx := context.Background()
	stopMining := e.AutoMine(100 * time.Millisecond)
	defer stopMining()
	me := common.Address(h.addr)
	ours := func() (n int, free []uint64) {
		for i := range uint64(2) {
			host, _ := e.Client.M.GetHost(ctx, contracts.GetSlotID(id, i))
			if host == me {
				n++
			} else if host == (common.Address{}) {
				free = append(free, i)
			}
		}
		return n, free
	}
	waitFor(t, "our host to fill a slot", 20*time.Second, func() bool { n, _ := ours(); return n == 1 })
	// Long enough for the second worker to have filled the other slot.
	time.Sleep(2 * time.Second)
	n, free := ours()
	if n != 1 || len(free) != 1 {
		t.Fatalf("our host holds %d slots, %v free; want 1 held, 1 free", n, free)
	}
	if agents := len(h.sales.Agents()); agents != 1 {
		t.Fatalf("%d agents for a request we may hold one slot of", agents)
	}
	if q := queued(t, h.store); len(q) != 1 || q[0] != free[0] {
		t.Fatalf("queue holds %v, want the free slot %d", q, free[0])
	}
	other := startHost(t, e, e.Hosts[1], t.TempDir())
	waitFor(t, "the request to start", 30*time.Second, func() bool {
		s, _ := e.Client.M.RequestState(ctx, id)
		return s == contracts.RequestStateStarted
	})
	if host, _ := e.Client.M.GetHost(ctx, contracts.GetSlotID(id, free[0])); host != common.Address(other.addr) {
		t.Fatalf("slot %d held by %s, want the second host %s", free[0], host, other.addr)
	}
}
