package sales_test

import (
	"context"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/transfer"
	"github.com/slotd/slotd/persist"
)

// silentProvider is a provider that accepts connections and never
// answers, until the test ends.
func silentProvider(t *testing.T) []byte {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	providers, _ := transfer.EncodeProviders([]string{srv.URL})
	return providers
}

// TestExpiryEndsAStuckDownload: a request expires while both of the
// host's workers download its slots from a provider that never answers.
// No event says so (nobody settles the request, so the contract emits no
// RequestCancelled); the chain's clock alone ends both sales: the
// downloads are cut, the bytes go back to the availability, and the
// workers take the next request's slots.
func TestExpiryEndsAStuckDownload(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	m, goodProviders, _ := clientDataset(t, 2, 1)
	h := startHostHolding(t, e, e.Hosts[0], t.TempDir(), 2)
	// The sales reserve their slots on chain before downloading; blocks
	// must come for those to be mined. Expiry is far enough off (100
	// chain seconds, a block each 100 ms) for both downloads to start.
	stopMining := e.AutoMine(100 * time.Millisecond)
	defer stopMining()
	ctx := context.Background()
	ask := contracts.Ask{Slots: 2, SlotSize: m.SlotSize, Duration: 4000, MaxSlotLoss: 1, ProofProbability: big.NewInt(1),
		PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(10)}
	stuck, _, err := e.Client.M.RequestStorage(ctx, contracts.Request{Client: e.Client.Addr, Expiry: 100, Nonce: [32]byte{1},
		Ask: ask, Content: contracts.Content{Cid: silentProvider(t), MerkleRoot: m.CID}})
	if err != nil {
		t.Fatal(err)
	}
	slots := []contracts.SlotID{contracts.GetSlotID(stuck, 0), contracts.GetSlotID(stuck, 1)}
	waitFor(t, "both slots downloading", 20*time.Second, func() bool {
		return agentState(h.store, slots[0]) == fsm.Downloading && agentState(h.store, slots[1]) == fsm.Downloading
	})
	if free := freeBytes(t, h.store); free != 1<<30-2*m.SlotSize {
		t.Fatalf("%d bytes free while two slots download, want %d", free, 1<<30-2*m.SlotSize)
	}
	// The next request waits for a worker.
	next, _, err := e.Client.M.RequestStorage(ctx, contracts.Request{Client: e.Client.Addr, Expiry: 3000, Nonce: [32]byte{2},
		Ask: ask, Content: contracts.Content{Cid: goodProviders, MerkleRoot: m.CID}})
	if err != nil {
		t.Fatal(err)
	}
	e.Advance(200) // past the first request's expiry: one block, no event

	waitFor(t, "both stuck sales cancelled", 20*time.Second, func() bool {
		return agentState(h.store, slots[0]) == fsm.Cancelled && agentState(h.store, slots[1]) == fsm.Cancelled
	})
	for _, slot := range slots {
		err := h.store.View(func(tx *persist.Tx) error { _, err := tx.Reservation(persist.ID(slot)); return err })
		if !errors.Is(err, persist.ErrNotFound) {
			t.Fatalf("slot %s still holds its reservation (%v)", slot, err)
		}
	}
	waitFor(t, "the next request's slots taken by the freed workers", 20*time.Second, func() bool {
		return agentState(h.store, contracts.GetSlotID(next, 0)) != "" && agentState(h.store, contracts.GetSlotID(next, 1)) != ""
	})
	for _, ev := range e.Events(0, e.Head().Number.Uint64()) {
		if c, ok := ev.(*contracts.RequestCancelled); ok && c.RequestID == stuck {
			t.Fatal("the request was settled: the test needs an expiry no event announces")
		}
	}
}

// freeBytes is the free space of the host's one availability.
func freeBytes(t *testing.T, s *persist.Store) uint64 {
	t.Helper()
	var a persist.Availability
	if err := s.View(func(tx *persist.Tx) (err error) { a, err = tx.Availability(1); return err }); err != nil {
		t.Fatal(err)
	}
	return a.FreeSize
}
