package main

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// seedLimit bounds the seeding of one row: requests, reservations and
// fills of up to 500 slots at a block every 250 ms.
const seedLimit = 10 * time.Minute

// devnetSeeder fills slots for a host on a running devnet: the client's
// requests (up to 250 slots of one dataset each), the host's reservations
// and fills sent in batches through a tx manager of the host's key, and
// then the host's data dir as the node keeps it (every slot's data and
// tree, its agent in Proving), so that `slotd run` starts holding them.
type devnetSeeder struct {
	t      *testing.T
	ctx    context.Context
	eth    *ethclient.Client
	info   DevnetInfo
	host   *ecdsa.PrivateKey
	client *ecdsa.PrivateKey
	tm     *txmgr.Manager
	store  *persist.Store // the seeding tx manager's, not the host's
}

type seededSlot struct {
	req   contracts.RequestID
	index uint64
}

func (s seededSlot) id() contracts.SlotID { return contracts.GetSlotID(s.req, s.index) }

// seedDevnetHost fills n slots of probability for host on the devnet and
// writes hostDir; it returns the slots' ids.
func seedDevnetHost(t *testing.T, eth *ethclient.Client, info DevnetInfo, host, client *ecdsa.PrivateKey, n int, probability int64, hostDir string) []contracts.SlotID {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), seedLimit)
	defer cancel()
	per := min(n, 250)
	if n%per != 0 {
		t.Fatalf("%d slots do not split into requests of %d", n, per)
	}
	layout, err := datastore.NewLayout(uint64(per)*datastore.StripeUnit, per, 0, datastore.StripeUnit)
	if err != nil {
		t.Fatal(err)
	}
	size := int(layout.SlotSize) // one stripe unit per slot
	ds := ct.NewDataset(t, 11, per, size)

	store, err := persist.Open(filepath.Join(t.TempDir(), "seed.db"), &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	tm, err := txmgr.New(txmgr.Config{Client: eth, Store: store, Key: host, PollInterval: 100 * time.Millisecond, RebroadcastInterval: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer tm.Stop()
	s := &devnetSeeder{t: t, ctx: ctx, eth: eth, info: info, host: host, client: client, tm: tm, store: store}

	market, token := info.Marketplace, info.Token
	abi := bindings.NewMarketplace()
	huge := new(big.Int).Lsh(big.NewInt(1), 200)
	if _, err := tm.Send(ctx, "approve", &token, bindings.NewTestToken().PackApprove(market, huge)); err != nil {
		t.Fatalf("host's approve: %v", err)
	}
	sender, err := contracts.NewKeySender(ctx, eth, client)
	if err != nil {
		t.Fatal(err)
	}
	buyer := contracts.NewEthMarket(eth, sender, market)
	var slots []seededSlot
	for r := 0; r*per < n; r++ {
		req := contracts.Request{
			Client: crypto.PubkeyToAddress(client.PublicKey),
			Ask: contracts.Ask{Slots: uint64(per), SlotSize: uint64(size), Duration: 1_000_000, ProofProbability: big.NewInt(probability),
				PricePerBytePerSecond: big.NewInt(3), CollateralPerByte: big.NewInt(1000)},
			Content: contracts.Content{Cid: []byte("http://127.0.0.1:1"), MerkleRoot: ds.Content},
			Expiry:  3000, Nonce: [32]byte{byte(r), byte(n), byte(n >> 8)},
		}
		id, _, err := buyer.RequestStorage(ctx, req)
		if err != nil {
			t.Fatalf("request %d: %v", r, err)
		}
		calls := make([]txmgr.Call, per)
		for i := range per {
			calls[i] = txmgr.Call{Purpose: fmt.Sprintf("reserve:%s:%d", id.Hex(), i), To: &market, Data: abi.PackReserveSlot(id, uint64(i))}
			slots = append(slots, seededSlot{id, uint64(i)})
		}
		s.submitAndWait(calls)
	}
	s.fill(slots, ds, abi)
	return writeHostDir(t, hostDir, slots, ds, layout)
}

// submitAndWait sends calls and waits until each is settled (mined,
// reverted or refused at estimation: a refused fill is tried again).
func (s *devnetSeeder) submitAndWait(calls []txmgr.Call) {
	s.t.Helper()
	errs := s.tm.SubmitAll(s.ctx, calls)
	for i, c := range calls {
		if errs[i] != nil {
			continue
		}
		for {
			var r persist.TxRecord
			err := s.store.View(func(tx *persist.Tx) (err error) { r, err = tx.TxRecord(c.Purpose); return err })
			if err != nil {
				s.t.Fatalf("%s: %v", c.Purpose, err)
			}
			if r.Status != persist.TxPending {
				break
			}
			select {
			case <-s.ctx.Done():
				s.t.Fatalf("%s still pending: %v", c.Purpose, s.ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// fill fills every slot for the host, trying again those whose challenge
// moved before the fill landed, until the chain says the host holds all.
func (s *devnetSeeder) fill(slots []seededSlot, ds ct.Dataset, abi *bindings.Marketplace) {
	s.t.Helper()
	market := s.info.Marketplace
	reader := contracts.NewEthMarket(s.eth, s.tm, market)
	samples := int(devMarketConfig().Proofs.Samples)
	hostAddr := crypto.PubkeyToAddress(s.host.PublicKey)
	left := slots
	for attempt := 0; len(left) > 0; attempt++ {
		if attempt > 20 {
			s.t.Fatalf("%d slots still unfilled after %d attempts", len(left), attempt)
		}
		for i := 0; i < len(left); i += 100 {
			batch := left[i:min(i+100, len(left))]
			calls := make([]txmgr.Call, 0, len(batch))
			for _, sl := range batch {
				c, err := reader.GetChallenge(s.ctx, sl.id())
				if err != nil {
					s.t.Fatal(err)
				}
				p, err := proof.Prove(ds.Slots[sl.index].Tree, ds.Slots[sl.index].Data, c, proof.Hash(sl.id()), samples)
				if err != nil {
					s.t.Fatal(err)
				}
				path, err := proof.ContentPath(ds.Roots, sl.index)
				if err != nil {
					s.t.Fatal(err)
				}
				rootPath := make([][32]byte, len(path))
				for j, h := range path {
					rootPath[j] = h
				}
				calls = append(calls, txmgr.Call{Purpose: fmt.Sprintf("fill:%s:%d", sl.id().Hex(), attempt), To: &market,
					Data: abi.PackFillSlot(sl.req, sl.index, ds.Roots[sl.index], rootPath, contracts.BindingProof(contracts.ToContractProof(p)))})
			}
			s.submitAndWait(calls)
		}
		var still []seededSlot
		for i := 0; i < len(left); i += 500 {
			part := left[i:min(i+500, len(left))]
			ids := make([]contracts.SlotID, len(part))
			for j, sl := range part {
				ids[j] = sl.id()
			}
			st, err := reader.SlotStatuses(s.ctx, ids, 0)
			if err != nil {
				s.t.Fatal(err)
			}
			for j, x := range st {
				if contracts.SlotState(x.State) != contracts.SlotStateFilled || x.Host != hostAddr {
					still = append(still, part[j])
				}
			}
		}
		left = still
	}
}

// writeHostDir writes the host's store and data as the node keeps them:
// each slot's data and tree, and its agent in Proving.
func writeHostDir(t *testing.T, dir string, slots []seededSlot, ds ct.Dataset, layout datastore.Layout) []contracts.SlotID {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	store, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	data, err := datastore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	per := len(ds.Roots)
	roots := make([]datastore.CID, per)
	for i, r := range ds.Roots {
		roots[i] = datastore.CID(r)
	}
	manifest := &datastore.Manifest{Version: 1, CID: datastore.CID(ds.Content), FileSize: layout.FileSize, DataSlots: per,
		SlotSize: layout.SlotSize, StripeSize: layout.Stripe, SlotRoots: roots}
	bufs := make([][]byte, per)
	for i := range per {
		bufs[i] = make([]byte, layout.SlotSize)
		if _, err := ds.Slots[i].Data.ReadAt(bufs[i], 0); err != nil && err != io.EOF {
			t.Fatal(err)
		}
	}
	var ids []contracts.SlotID
	err = store.Update(context.Background(), func(tx *persist.Tx) error {
		for _, s := range slots {
			slot := s.id()
			dataPath, _ := data.HostedSlotPaths(proof.Hash(slot))
			if err := os.WriteFile(dataPath, bufs[s.index], 0o600); err != nil {
				return err
			}
			h := &datastore.HostedSlot{SlotID: proof.Hash(slot), CID: manifest.CID, Index: int(s.index), Root: ds.Roots[s.index],
				Size: layout.SlotSize, Manifest: manifest}
			if err := data.CommitHostedSlot(h, ds.Slots[s.index].Tree); err != nil {
				return err
			}
			a := persist.Agent{SlotID: persist.ID(slot), RequestID: persist.ID(s.req), SlotIndex: s.index}
			if err := tx.Transition(&a, &persist.JournalEntry{To: fsm.Proving, Event: "seeded", Time: time.Now()}); err != nil {
				return err
			}
			ids = append(ids, slot)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
