package sales_test

import (
	"bytes"
	"context"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/transfer"
	"github.com/slotd/slotd/persist"
)

// countingWriter counts the body bytes a handler sends.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n.Add(int64(n))
	return n, err
}

// TestFiveHostsReserveBeforeDownloading: five host nodes race for one
// 3-slot request. Each reserves a slot before downloading it, so no slot is
// downloaded by more than maxReservations hosts (the others stop at the
// reservation), and each slot is filled once. It prints the bytes all
// hosts downloaded over the bytes of the slots, and the gas of every
// reverted transaction; no fill reverts.
func TestFiveHostsReserveBeforeDownloading(t *testing.T) {
	if testing.Short() {
		t.Skip("runs five host nodes")
	}
	e := ct.NewEnvWith(t, ct.TestConfig(), ct.Options{Hosts: 5})
	clientData, m := importDataset(t, 200_000, 3, 1)
	var served atomic.Int64
	h := transfer.Handler(clientData)
	providers := serveProviders(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(countingWriter{w, &served}, r)
	}))

	hosts := make([]*host, 5)
	for i := range hosts {
		hosts[i] = startHost(t, e, e.Hosts[i], t.TempDir())
	}
	ctx := context.Background()
	start, _ := e.Chain.BlockNumber(ctx)
	stopMining := sync.OnceFunc(e.AutoMine(100 * time.Millisecond))
	defer stopMining()
	req := contracts.Request{Client: e.Client.Addr, Expiry: 200, Nonce: [32]byte{9},
		Ask: contracts.Ask{Slots: 3, SlotSize: m.SlotSize, Duration: 400, MaxSlotLoss: 1, ProofProbability: big.NewInt(1),
			PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(10)},
		Content: contracts.Content{Cid: providers, MerkleRoot: m.CID}}
	id, _, err := e.Client.M.RequestStorage(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the request to start", 60*time.Second, func() bool {
		s, _ := e.Client.M.RequestState(ctx, id)
		return s == contracts.RequestStateStarted
	})
	// Let the losers see the fills and end their sales.
	waitFor(t, "every sale of the request to settle", 30*time.Second, func() bool {
		for i := range uint64(3) {
			for _, h := range hosts {
				if st := agentState(h.store, contracts.GetSlotID(id, i)); st != "" && st != "ignored" && st != "proving" {
					return false
				}
			}
		}
		return true
	})
	stopMining()

	maxRes := int(e.Cfg.Reservations.MaxReservations)
	for i := range uint64(3) {
		slot := contracts.GetSlotID(id, i)
		downloaders := 0
		for _, h := range hosts {
			if enteredState(h.store, slot, "downloading") {
				downloaders++
			}
		}
		if downloaders > maxRes {
			t.Errorf("slot %d downloaded by %d hosts, more than maxReservations %d", i, downloaders, maxRes)
		}
	}
	head, _ := e.Chain.BlockNumber(ctx)
	fills := map[uint64]int{}
	for _, ev := range e.Events(start, head) {
		if f, ok := ev.(*contracts.SlotFilled); ok && f.RequestID == id {
			fills[f.SlotIndex]++
		}
	}
	for i := range uint64(3) {
		if fills[i] != 1 {
			t.Errorf("slot %d filled %d times, want once", i, fills[i])
		}
	}
	revertedFills, revertedGas, reverted := 0, uint64(0), 0
	fillSelector := bindings.NewMarketplace().PackFillSlot([32]byte{}, 0, [32]byte{}, nil, bindings.Proof{})[:4]
	for n := start + 1; n <= head; n++ {
		b, err := e.Chain.BlockByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range b.Transactions() {
			rc, err := e.Chain.TransactionReceipt(ctx, tx.Hash())
			if err != nil {
				t.Fatal(err)
			}
			if rc.Status == types.ReceiptStatusSuccessful {
				continue
			}
			reverted++
			revertedGas += rc.GasUsed
			if bytes.HasPrefix(tx.Data(), fillSelector) {
				revertedFills++
			}
		}
	}
	// Reservers fill in turns (contracts.FillTurn), so no fill reverts.
	// Hosts may still race for the last reservation of a slot in one
	// block: those reverts are reported, not asserted.
	if revertedFills != 0 {
		t.Errorf("%d fills reverted, want none", revertedFills)
	}
	ratio := float64(served.Load()) / float64(3*m.SlotSize)
	t.Logf("five hosts, one 3-slot request: downloaded %d bytes for %d bytes of slots (%.2f×); %d reverted txs, %d gas (%d reverted fills)",
		served.Load(), 3*m.SlotSize, ratio, reverted, revertedGas, revertedFills)
}

// enteredState reports whether slot's journal in s has a transition into state.
func enteredState(s *persist.Store, slot contracts.SlotID, state string) bool {
	found := false
	s.View(func(tx *persist.Tx) error {
		return tx.Journal(persist.ID(slot), func(e persist.JournalEntry) error {
			if e.To == state {
				found = true
			}
			return nil
		})
	})
	return found
}

// TestReservationSurvivesRestart: a host that reserved a slot and is
// downloading it (from a provider that never answers) is stopped and
// started again from its store: the sale resumes its download and sends no
// second reservation; the chain still counts one reserver.
func TestReservationSurvivesRestart(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	providers, _ := transfer.EncodeProviders([]string{srv.URL})
	ds := ct.NewDataset(t, 61, 1, 64*256)
	dir := t.TempDir()
	h := startHost(t, e, e.Hosts[0], dir)
	stopMining := sync.OnceFunc(e.AutoMine(100 * time.Millisecond))
	defer stopMining()
	ctx := context.Background()
	req := contracts.Request{Client: e.Client.Addr, Expiry: 200, Nonce: [32]byte{10},
		Ask: contracts.Ask{Slots: 1, SlotSize: 64 * 256, Duration: 400, ProofProbability: big.NewInt(1),
			PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(10)},
		Content: contracts.Content{Cid: providers, MerkleRoot: ds.Content}}
	id, _, err := e.Client.M.RequestStorage(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	slot := contracts.GetSlotID(id, 0)
	waitFor(t, "the sale to download", 20*time.Second, func() bool { return agentState(h.store, slot) == "downloading" })
	h.close(t)
	h = startHost(t, e, e.Hosts[0], dir)
	time.Sleep(time.Second) // ten blocks of the restarted node following the chain
	if st := agentState(h.store, slot); st != "downloading" {
		t.Fatalf("after the restart the sale is %q, want still downloading", st)
	}
	stopMining()
	if held, _ := e.Client.M.IsReserved(ctx, slot, e.Hosts[0].Addr); !held {
		t.Fatal("the host holds no reservation")
	}
	info, _ := e.Client.M.GetSlot(ctx, slot)
	reserves := 0
	sel := bindings.NewMarketplace().PackReserveSlot(id, 0)[:4]
	head, _ := e.Chain.BlockNumber(ctx)
	for n := uint64(1); n <= head; n++ {
		b, _ := e.Chain.BlockByNumber(ctx, new(big.Int).SetUint64(n))
		for _, tx := range b.Transactions() {
			if bytes.HasPrefix(tx.Data(), sel) {
				reserves++
			}
		}
	}
	if reserves != 1 || info.Reservations.Uint64() != 1 {
		t.Fatalf("%d reserveSlot txs and %s reservations on chain, want one each", reserves, info.Reservations)
	}
}
