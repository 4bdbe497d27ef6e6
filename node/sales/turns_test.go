package sales_test

import (
	"bytes"
	"context"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/node/transfer"
	"github.com/slotd/slotd/persist"
)

// gatedTransport holds every request until its gate is closed.
type gatedTransport struct{ gate chan struct{} }

func (g gatedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case <-g.gate:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestReserversFillInTurn: two hosts reserve one slot. The second reserver
// downloads at once and sends its fill; the first finishes its download
// only while that fill is still waiting to be mined. It must not send a
// fill of its own then (one of the two would revert): reservers fill in
// turns by block (contracts.FillTurn), and it is not the first's turn.
// When the second's fill is mined the first sees the slot taken and lets
// it go. No fill reverts; the slot is filled once.
func TestReserversFillInTurn(t *testing.T) {
	e := ct.NewEnvWith(t, ct.TestConfig(), ct.Options{Hosts: 2})
	ctx := context.Background()
	clientData, m := importDataset(t, 50_000, 1, 0)
	providers := serveProviders(t, transfer.Handler(clientData))

	// Each host's allowance is set up front: the fill's own approval would
	// wait for a block of its own, which this test mines by hand.
	approve := bindings.NewTestToken().PackApprove(e.Dep.Marketplace, ct.HugeBalance)
	gates := make([]chan struct{}, 2)
	hosts := make([]*host, 2)
	for i := range hosts {
		if _, err := e.Sender(e.Hosts[i].Key).Send(ctx, "approve", &e.Dep.Token, approve); err != nil {
			t.Fatal(err)
		}
		gates[i] = make(chan struct{})
		client := &http.Client{Transport: gatedTransport{gates[i]}}
		hosts[i] = startHostWith(t, e, e.Hosts[i], t.TempDir(), func(c *sales.Config) {
			c.Download = &transfer.Options{Client: client}
		})
	}
	req := contracts.Request{Client: e.Client.Addr, Expiry: 300, Nonce: [32]byte{12},
		Ask: contracts.Ask{Slots: 1, SlotSize: m.SlotSize, Duration: 600, ProofProbability: big.NewInt(1),
			PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(10)},
		Content: contracts.Content{Cid: providers, MerkleRoot: m.CID}}
	id, _, err := e.Client.M.RequestStorage(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	start, _ := e.Chain.BlockNumber(ctx)
	slot := contracts.GetSlotID(id, 0)
	mineUntil := func(what string, blocks int, cond func() bool) {
		t.Helper()
		for range blocks {
			if cond() {
				return
			}
			e.Commit()
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%d blocks without %s", blocks, what)
	}
	mineUntil("both reservations", 100, func() bool {
		a, _ := e.Client.M.IsReserved(ctx, slot, e.Hosts[0].Addr)
		b, _ := e.Client.M.IsReserved(ctx, slot, e.Hosts[1].Addr)
		return a && b
	})
	first, second := 0, 1
	if r, _ := e.Client.M.ReservationRank(ctx, slot, e.Hosts[0].Addr); r != 1 {
		first, second = 1, 0
	}
	close(gates[second])
	mineUntil("the second reserver's fill", 200, func() bool { return fillSent(hosts[second].store, slot) })

	// No block is mined now: the second's fill waits in the pool.
	close(gates[first])
	waitFor(t, "the first reserver to finish its download", 20*time.Second, func() bool {
		return enteredState(hosts[first].store, slot, "filling")
	})
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) && !fillSent(hosts[first].store, slot) {
		time.Sleep(20 * time.Millisecond)
	}
	mineUntil("both sales to settle", 200, func() bool {
		for _, h := range hosts {
			if st := agentState(h.store, slot); st != "" && st != "ignored" && st != "proving" {
				return false
			}
		}
		return true
	})
	head, _ := e.Chain.BlockNumber(ctx)
	filled := 0
	for _, ev := range e.Events(start, head) {
		if f, ok := ev.(*contracts.SlotFilled); ok && f.RequestID == id {
			filled++
		}
	}
	if filled != 1 {
		t.Errorf("slot filled %d times, want once", filled)
	}
	if n := revertedFills(t, e, start, head); n != 0 {
		t.Errorf("%d fills reverted, want none: the first reserver sent its fill while the second's was pending", n)
	}
}

// fillSent reports whether the host's tx manager holds a fill of slot.
func fillSent(s *persist.Store, slot contracts.SlotID) bool {
	found := false
	s.View(func(tx *persist.Tx) error {
		return tx.ForEachTxRecordWithPrefix(contracts.FillPurposePrefix(slot), func(persist.TxRecord) error {
			found = true
			return nil
		})
	})
	return found
}

// revertedFills counts the fillSlot transactions that reverted in blocks
// from+1..to, logging each.
func revertedFills(t *testing.T, e *ct.Env, from, to uint64) int {
	t.Helper()
	ctx := context.Background()
	sel := bindings.NewMarketplace().PackFillSlot([32]byte{}, 0, [32]byte{}, nil, bindings.Proof{})[:4]
	n := 0
	for b := from + 1; b <= to; b++ {
		blk, err := e.Chain.BlockByNumber(ctx, new(big.Int).SetUint64(b))
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range blk.Transactions() {
			if !bytes.HasPrefix(tx.Data(), sel) {
				continue
			}
			rc, err := e.Chain.TransactionReceipt(ctx, tx.Hash())
			if err != nil {
				t.Fatal(err)
			}
			if rc.Status != types.ReceiptStatusSuccessful {
				from, _ := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
				t.Logf("reverted fill in block %d from %s", b, strings.ToLower(from.Hex()))
				n++
			}
		}
	}
	return n
}
