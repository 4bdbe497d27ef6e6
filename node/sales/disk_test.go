package sales_test

import (
	"context"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/persist"
)

// A host whose availability promises more than its disk holds does not
// reserve a slot the disk cannot take; once there is room (and the
// availabilities change), it sells the slot.
func TestHostDoesNotReserveBeyondItsDisk(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	m, providers, _ := clientDataset(t, 1, 0)

	var free atomic.Uint64
	free.Store(datastore.SpaceMargin + m.SlotSize/2) // half the slot fits
	h := startHostWith(t, e, e.Hosts[0], t.TempDir(), func(c *sales.Config) {
		c.FreeSpace = func() (uint64, error) { return free.Load(), nil }
	})
	req := contracts.Request{Client: e.Client.Addr, Expiry: 1000, Nonce: [32]byte{14},
		Ask: contracts.Ask{Slots: 1, SlotSize: m.SlotSize, Duration: 4000, ProofProbability: big.NewInt(1),
			PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(10)},
		Content: contracts.Content{Cid: providers, MerkleRoot: m.CID}}
	id, _, err := e.Client.M.RequestStorage(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	slot := contracts.GetSlotID(id, 0)
	stopMining := e.AutoMine(100 * time.Millisecond)
	defer stopMining()
	waitFor(t, "the slot queued or sold", 20*time.Second, func() bool {
		n := 0
		h.store.View(func(tx *persist.Tx) error {
			return tx.ForEachQueueItem(func(persist.QueueItem) error { n++; return nil })
		})
		return n > 0 || agentState(h.store, slot) != ""
	})
	time.Sleep(2 * time.Second)
	if st := agentState(h.store, slot); st != "" {
		t.Fatalf("the host took a %d-byte slot with %d bytes to spare: agent %q", m.SlotSize, m.SlotSize/2, st)
	}
	free.Store(1 << 40)
	h.sales.AvailabilityAdded(context.Background(), persist.Availability{})
	waitFor(t, "the slot sold once there is room", 30*time.Second, func() bool { return agentState(h.store, slot) == "proving" })
}
