package sales_test

import (
	"context"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/node/transfer"
	"github.com/slotd/slotd/persist"
)

// slotFiles lists what a host's data dir holds for slot.
func slotFiles(t *testing.T, dir string, slot contracts.SlotID) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "data", "slots", slot.Hex()+".*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func downloadRecord(s *persist.Store, slot contracts.SlotID) bool {
	found := false
	s.View(func(tx *persist.Tx) error {
		_, err := tx.Download(persist.ID(slot))
		found = err == nil
		return nil
	})
	return found
}

// TestLostSaleLeavesNoData: our host is downloading a slot when another
// host fills it. The sale ends ignored and its bytes go back to the
// availability, so the partial download and its progress record must go
// from the disk too; on a small server they would add up with every race
// lost.
func TestLostSaleLeavesNoData(t *testing.T) {
	l := startLosingDownload(t, 12, nil)
	defer l.stopMining()
	l.loseToAnother(t)
	// The data goes when the agent's download returns (Release runs after
	// its side effect), a moment after the end commits.
	waitFor(t, "the lost sale's partial download and progress record deleted", 10*time.Second, func() bool {
		return len(slotFiles(t, l.dir, l.slot)) == 0 && !downloadRecord(l.h.store, l.slot)
	})
}

// losingDownload is a host downloading a slot whose provider hangs on
// the data, which another host can then fill.
type losingDownload struct {
	e          *ct.Env
	h          *host
	dir        string
	id         contracts.RequestID
	slot       contracts.SlotID
	clientData *datastore.Store
	m          *datastore.Manifest
	stopMining func()
}

// startLosingDownload starts our host (its config changed by set), posts
// a one-slot request under nonce and waits for our partial download.
func startLosingDownload(t *testing.T, nonce byte, set func(*sales.Config)) *losingDownload {
	t.Helper()
	e := ct.NewEnv(t, ct.TestConfig())
	clientData, m := importDataset(t, 100_000, 1, 0)
	// The provider answers everything but the slot's data ranges, which
	// hang until the downloader gives up on them.
	serve := transfer.Handler(clientData)
	providers := serveProviders(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			<-r.Context().Done()
			return
		}
		serve.ServeHTTP(w, r)
	}))
	dir := t.TempDir()
	h := startHostWith(t, e, e.Hosts[0], dir, set)
	req := contracts.Request{Client: e.Client.Addr, Expiry: 200, Nonce: [32]byte{nonce},
		Ask: contracts.Ask{Slots: 1, SlotSize: m.SlotSize, Duration: 400, ProofProbability: big.NewInt(1),
			PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(10)},
		Content: contracts.Content{Cid: providers, MerkleRoot: m.CID}}
	id, _, err := e.Client.M.RequestStorage(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	l := &losingDownload{e: e, h: h, dir: dir, id: id, slot: contracts.GetSlotID(id, 0), clientData: clientData, m: m,
		stopMining: e.AutoMine(100 * time.Millisecond)}
	waitFor(t, "our partial download on disk", 20*time.Second, func() bool { return len(slotFiles(t, dir, l.slot)) > 0 })
	return l
}

// loseToAnother has another host fill the slot and waits for our sale to
// end ignored.
func (l *losingDownload) loseToAnother(t *testing.T) {
	t.Helper()
	fillFromDataset(t, l.e, l.e.Hosts[1], l.id, 0, l.clientData, l.m)
	waitFor(t, "our sale to end ignored", 20*time.Second, func() bool { return agentState(l.h.store, l.slot) == "ignored" })
}

// TestStartSweepsEndedSalesData: data an ended sale left (the node stopped
// before deleting it) is deleted at the next start; the data of a slot the
// node proves is kept, and so is data no sale in the store knows of (a
// store restored from an older backup).
func TestStartSweepsEndedSalesData(t *testing.T) {
	sale := newTwoSlotSale(t)
	e := sale.e
	ctx := context.Background()
	dir := sale.h.dir
	stopMining := e.AutoMine(100 * time.Millisecond)
	waitFor(t, "our agent proving slot 0", 20*time.Second, func() bool { return agentState(sale.h.store, sale.slot) == "proving" })
	stopMining()
	sale.h.close(t)

	// What an ended sale of another slot left (a partial download and its
	// record), and files of a slot the store has never heard of.
	ended, unknown := contracts.SlotID{0xee}, contracts.SlotID{0xef}
	for _, slot := range []contracts.SlotID{ended, unknown} {
		for _, ext := range []string{".bin", ".tree"} {
			if err := os.WriteFile(filepath.Join(dir, "data", "slots", slot.Hex()+ext), []byte("left behind"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	store, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = store.Update(ctx, func(tx *persist.Tx) error {
		a := persist.Agent{SlotID: persist.ID(ended), RequestID: persist.ID(sale.id)}
		if err := tx.Transition(&a, &persist.JournalEntry{To: "ignored", Event: "slot-taken", Time: time.Now()}); err != nil {
			return err
		}
		return tx.PutDownload(persist.Download{SlotID: persist.ID(ended), Size: 11, Path: filepath.Join(dir, "data", "slots", ended.Hex()+".bin")})
	})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}

	h := startHost(t, e, e.Hosts[0], dir)
	waitFor(t, "the ended sale's data deleted", 10*time.Second, func() bool {
		return len(slotFiles(t, dir, ended)) == 0 && !downloadRecord(h.store, ended)
	})
	if len(slotFiles(t, dir, sale.slot)) == 0 {
		t.Fatal("the sweep deleted the data of a slot we prove")
	}
	if len(slotFiles(t, dir, unknown)) != 2 {
		t.Fatal("the sweep deleted data no sale in the store knows of")
	}
}

// TestFailedDeleteOfEndedSaleIsRetried: the disk refuses to delete a lost
// sale's files (a full or read-only data dir; here a directory that is not
// empty stands where the slot's tree goes). Once the disk takes it again,
// the running node deletes the rest within DropRetry; before, only the
// next start's sweep did, and the campaign found slot data left for ended
// sales on hosts that were not restarted.
func TestFailedDeleteOfEndedSaleIsRetried(t *testing.T) {
	l := startLosingDownload(t, 13, func(c *sales.Config) { c.DropRetry = 100 * time.Millisecond })
	defer l.stopMining()
	// Where the tree goes, a directory with a file in it: removing it fails.
	tree := filepath.Join(l.dir, "data", "slots", l.slot.Hex()+".tree")
	if err := os.MkdirAll(filepath.Join(tree, "block"), 0o755); err != nil {
		t.Fatal(err)
	}

	l.loseToAnother(t)
	time.Sleep(500 * time.Millisecond) // deletes fail meanwhile
	if len(slotFiles(t, l.dir, l.slot)) == 0 {
		t.Fatal("the slot's files went although the disk refused: the test needs the delete to fail")
	}
	if err := os.Remove(filepath.Join(tree, "block")); err != nil { // the disk takes deletes again
		t.Fatal(err)
	}
	waitFor(t, "the ended sale's files and progress record deleted without a restart", 10*time.Second, func() bool {
		return len(slotFiles(t, l.dir, l.slot)) == 0 && !downloadRecord(l.h.store, l.slot)
	})
}
