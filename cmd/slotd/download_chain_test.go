package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/transfer"
)

// TestDownloadFindsHostsOnChain: with the client's node gone, a download
// given only the request id (or the CID) finds the slots' hosts and their
// URLs on chain and rebuilds the file; with one host stopped too, it
// rebuilds it from the other two slots.
func TestDownloadFindsHostsOnChain(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ctx := context.Background()
	clientData, err := datastore.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	file := make([]byte, 150_000)
	rand.Read(file)
	m, err := clientData.Import(ctx, bytes.NewReader(file), uint64(len(file)), datastore.ImportOptions{Slots: 3, MaxSlotLoss: 1})
	if err != nil {
		t.Fatal(err)
	}
	client := httptest.NewServer(transfer.Handler(clientData))
	named, _ := transfer.EncodeProviders([]string{client.URL})
	req := contracts.Request{Client: e.Client.Addr, Expiry: 200, Nonce: [32]byte{5},
		Ask: contracts.Ask{Slots: 3, SlotSize: m.SlotSize, Duration: 400, MaxSlotLoss: 1, ProofProbability: big.NewInt(1),
			PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(10)},
		Content: contracts.Content{Cid: named, MerkleRoot: m.CID}}
	id, _, err := e.Client.M.RequestStorage(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// Each host serves only its own slot, and records its URL on chain.
	hosts := make([]*httptest.Server, 3)
	for i, h := range e.Hosts {
		hosts[i] = httptest.NewServer(onlySlot(transfer.Handler(clientData), i))
		defer hosts[i].Close()
		if _, err := h.M.SetHostURL(ctx, hosts[i].URL); err != nil {
			t.Fatal(err)
		}
		fillFromStore(t, e, h, id, uint64(i), clientData, m)
	}
	client.Close() // the client's node is gone

	download := func(arg [32]byte) ([]byte, error) {
		head, _ := e.Chain.BlockNumber(ctx)
		cid, providers, err := chainProviders(ctx, e.Client.M, arg, 0, head)
		if err != nil {
			return nil, err
		}
		local, err := datastore.Open(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		// The hosts serve on loopback: --allow-private-providers.
		_, _, err = transfer.NewDownloader(local, nil, &transfer.Options{AllowPrivate: true}).DownloadFile(ctx, cid, providers, &out, nil)
		return out.Bytes(), err
	}
	for name, arg := range map[string][32]byte{"request id": id, "cid": m.CID} {
		got, err := download(arg)
		if err != nil || !bytes.Equal(got, file) {
			t.Fatalf("download by %s with the client gone: %d bytes, %v", name, len(got), err)
		}
	}
	hosts[0].Close()
	got, err := download(id)
	if err != nil || !bytes.Equal(got, file) {
		t.Fatalf("download with the client and host 0 gone: %d bytes, %v", len(got), err)
	}
}

// onlySlot serves the manifest and slot i of any dataset, and 404 for the
// other slots, as a host holding slot i does.
func onlySlot(h http.Handler, i int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/slots/") && !strings.Contains(r.URL.Path, fmt.Sprintf("/slots/%d", i)) {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// fillFromStore reserves and fills slot index of id as host a, proving
// from the dataset's copy of the slot in data.
func fillFromStore(t *testing.T, e *ct.Env, a ct.Actor, id contracts.RequestID, index uint64, data *datastore.Store, m *datastore.Manifest) {
	t.Helper()
	sl, err := data.DatasetSlot(m.CID, int(index))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Clean(sl.DataPath))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tree, err := proof.BuildSlotTree(f, sl.Size)
	if err != nil {
		t.Fatal(err)
	}
	path, _ := proof.ContentPath(m.SlotRoots, index)
	slot := contracts.GetSlotID(id, index)
	if err := e.Reserve(a, id, index); err != nil {
		t.Fatal(err)
	}
	_, err = ct.RetryChallenge(func() (*types.Receipt, error) {
		c, err := a.M.GetChallenge(context.Background(), slot)
		if err != nil {
			return nil, err
		}
		p, err := proof.Prove(tree, f, c, proof.Hash(slot), int(e.Cfg.Proofs.Samples))
		if err != nil {
			return nil, err
		}
		return a.M.FillSlot(context.Background(), id, index, tree.Root(), path, contracts.ToContractProof(p))
	})
	if err != nil {
		t.Fatalf("fill slot %d: %v", index, err)
	}
}
