package sales_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/persist"
)

// goneOnReserve answers the first reservation as the chain does when a
// reorganisation has just taken the request's StorageRequested out (the
// campaign's seed 202298767324335: the request's block was reorganised out
// between the host queueing its slots and reserving one, and the client's
// node sent it again a block later).
type goneOnReserve struct {
	sales.Market
	left atomic.Int32
}

func (m *goneOnReserve) ReserveSlot(ctx context.Context, id contracts.RequestID, index, attempt uint64) (*types.Receipt, error) {
	if m.left.Add(-1) >= 0 {
		return nil, fmt.Errorf("reserve:%s:%d: estimate gas: %w", contracts.GetSlotID(id, index), attempt, contracts.ErrUnknownRequest)
	}
	return m.Market.ReserveSlot(ctx, id, index, attempt)
}

// TestSaleOfARequestTheChainLostEndsAndSellsAgain: a reservation refused
// with UnknownRequest ends the sale as lost (Ignored), not errored (the request left
// with a reorganisation; nothing is wrong with the node), and the slot,
// back on chain, is sold again. The old code errored the agent, which then
// held the slot's place for good: a lone host never filled it.
func TestSaleOfARequestTheChainLostEndsAndSellsAgain(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	m, providers, _ := clientDataset(t, 2, 1)
	var gone *goneOnReserve
	h := startHostWith(t, e, e.Hosts[0], t.TempDir(), func(c *sales.Config) {
		c.MaxSlotsPerRequest = 2
		gone = &goneOnReserve{Market: c.Market}
		gone.left.Store(1)
		c.Market = gone
	})
	id := requestTwoSlots(t, e, m, providers, 9, 400)
	stop := e.AutoMine(100 * time.Millisecond)
	defer stop()
	ctx := context.Background()
	waitFor(t, "both slots filled by the host", 60*time.Second, func() bool {
		for i := range uint64(2) {
			if host, _ := e.Client.M.GetHost(ctx, contracts.GetSlotID(id, i)); host != h.addr {
				return false
			}
		}
		return true
	})
	if gone.left.Load() >= 0 {
		t.Fatal("no reservation was refused: the test proves nothing")
	}
	var ends []string
	h.store.View(func(tx *persist.Tx) error {
		return tx.ForEachJournalEntry(func(e persist.JournalEntry) error {
			if e.To == "errored" || e.To == "failed" || e.To == "ignored" {
				ends = append(ends, e.To+": "+e.Detail)
			}
			return nil
		})
	})
	if len(ends) != 1 || !strings.HasPrefix(ends[0], "ignored: request not on chain") {
		t.Fatalf("want one sale ended ignored for its request not on chain, got %q", ends)
	}
}
