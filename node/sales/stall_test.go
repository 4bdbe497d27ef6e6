package sales_test

import (
	"context"
	"math/big"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
)

// A request whose provider never serves (a redirect, then 503 forever)
// does not hold the host's workers: the sale is let go once the provider
// spent its failure budget, and the host does not ask it again.
func TestSaleFromProviderThatNeverServesIsLetGo(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	_, m := importDataset(t, 100_000, 1, 0)
	var hits atomic.Int64
	providers := serveProviders(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Query().Get("again") == "" {
			http.Redirect(w, r, r.URL.Path+"?again=1", http.StatusFound)
			return
		}
		http.Error(w, "try later", http.StatusServiceUnavailable)
	}))

	dir := t.TempDir()
	h := startHost(t, e, e.Hosts[0], dir)
	req := contracts.Request{Client: e.Client.Addr, Expiry: 1000, Nonce: [32]byte{13},
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
	waitFor(t, "the sale to be let go", 60*time.Second, func() bool { return agentState(h.store, slot) == "ignored" })
	n := hits.Load()
	time.Sleep(3 * time.Second)
	if more := hits.Load() - n; more != 0 {
		t.Fatalf("the host asked the failed provider %d more times after letting the sale go", more)
	}
}
