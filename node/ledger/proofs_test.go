package ledger_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/node/ledger"
	"github.com/slotd/slotd/persist"
)

// TestLedgerRecordsOurProofs: the ledger records, per period, each proof
// of a slot our host holds that the chain took or marked missing, and no
// other host's; a reorganisation that takes the event out takes the
// record out with it.
func TestLedgerRecordsOurProofs(t *testing.T) {
	e := ct.NewEnvWith(t, ct.TestConfig(), ct.Options{Hosts: 2})
	start := e.Head().Number.Uint64() + 1
	store, err := persist.Open(filepath.Join(t.TempDir(), "slotd.db"), &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	m := contracts.NewEthMarket(e.Chain, e.Deployer, e.Dep.Marketplace)
	l := ledger.New(m).WithProofs(ledger.Proofs{Store: store, Host: e.Hosts[0].Addr, Headers: e.Chain, Period: e.Cfg.Proofs.Period})
	in, err := chain.New(chain.Config{Client: e.Chain, Store: store, Subscribers: []chain.Subscriber{l},
		Address: e.Dep.Marketplace, StartBlock: start, Recent: 16, MinBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sync := func() {
		t.Helper()
		if err := in.Sync(e.Ctx); err != nil {
			t.Fatal(err)
		}
	}
	const size = 64 * proof.CellSize
	ds := ct.NewDataset(t, 1, 2, size)
	id, _ := e.Request(ds, e.Ask(2, 1, size))
	slots := []contracts.SlotID{contracts.GetSlotID(id, 0), contracts.GetSlotID(id, 1)}
	// Agents for both slots (as a host has for what it reserved), but
	// slot 1 is filled by another host: its proofs are not ours.
	if err := store.Update(e.Ctx, func(tx *persist.Tx) error {
		for i, s := range slots {
			a := &persist.Agent{SlotID: persist.ID(s), RequestID: persist.ID(id), SlotIndex: uint64(i)}
			if err := tx.Transition(a, &persist.JournalEntry{To: "proving", Event: "test"}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	e.MustFill(e.Hosts[0], id, 0, ds)
	e.MustFill(e.Hosts[1], id, 1, ds)
	sync()

	_, end := e.Period()
	e.AdvanceTo(end + 1) // the fill's period needs no proof
	proven, _ := e.Period()
	for i := range 2 {
		if _, err := e.Prove(e.Hosts[i], slots[i], ds.Slots[i]); err != nil {
			t.Fatalf("prove slot %d: %v", i, err)
		}
	}
	sync()
	want := fmt.Sprintf("0:%d:submitted", proven)
	if got := records(t, store); got != want {
		t.Fatalf("records %q, want %q", got, want)
	}

	_, end = e.Period()
	e.AdvanceTo(end + 1)
	missed, end := e.Period()
	if _, err := e.Prove(e.Hosts[1], slots[1], ds.Slots[1]); err != nil {
		t.Fatal(err)
	}
	e.AdvanceTo(end + 1)
	fork := e.Head()
	if _, err := e.Validator.M.MarkProofAsMissing(e.Ctx, slots[0], missed); err != nil {
		t.Fatalf("mark period %d missing: %v", missed, err)
	}
	sync()
	want += fmt.Sprintf(" 0:%d:missed", missed)
	if got := records(t, store); got != want {
		t.Fatalf("records %q, want %q", got, want)
	}

	if err := e.Sim.Fork(fork.Hash()); err != nil {
		t.Fatal(err)
	}
	e.Sim.Rollback() // the mark does not come back
	e.Mine(3)
	sync()
	if in.Stats().Reorgs == 0 {
		t.Fatal("no reorganisation seen")
	}
	want = fmt.Sprintf("0:%d:submitted", proven)
	if got := records(t, store); got != want {
		t.Fatalf("records after the mark was reorganised out %q, want %q", got, want)
	}
}

// records lists the ledger's proof records as index:period:status.
func records(t *testing.T, s *persist.Store) string {
	t.Helper()
	var out []string
	if err := s.View(func(tx *persist.Tx) error {
		return tx.ForEachLedgerProof(persist.ID{}, func(p persist.LedgerProof) error {
			if p.Time == 0 || p.Block == 0 {
				t.Errorf("record %+v without its block or time", p)
			}
			out = append(out, fmt.Sprintf("%d:%d:%s", p.Index, p.Period, p.Status))
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

// TestPrunerDropsOldProofRecords: proof records older than the retention
// leave, newer ones stay; a pruned request takes its records with it.
func TestPrunerDropsOldProofRecords(t *testing.T) {
	store, err := persist.Open(filepath.Join(t.TempDir(), "slotd.db"), &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	const now, retain = 1_000_000, 3600
	live, ended := persist.ID{1}, persist.ID{2}
	ctx := t.Context()
	if err := store.Update(ctx, func(tx *persist.Tx) error {
		if err := tx.SetCursor(persist.Cursor{Number: 100, Time: now}); err != nil {
			return err
		}
		for _, r := range []persist.LedgerRequest{
			{RequestID: live, Fulfilled: true, Expiry: 10, End: now + 5000},
			{RequestID: ended, Fulfilled: true, Expiry: 10, End: now - retain - 1},
		} {
			if err := tx.PutLedgerRequest(r); err != nil {
				return err
			}
		}
		for i, ts := range []uint64{now - retain - 60, now - retain + 60, now - 10} {
			for _, r := range []persist.ID{live, ended} {
				if err := tx.PutLedgerProof(persist.LedgerProof{RequestID: r, Index: 0, Period: uint64(i), Status: persist.ProofSubmitted, Block: 1, Time: ts}); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p := ledger.NewPruner(store, retain*time.Second, 0, nil)
	if n, err := p.Prune(ctx); n != 1 || err != nil {
		t.Fatalf("pruned %d requests (%v), want the ended one", n, err)
	}
	if n, err := p.PruneProofs(ctx); n != 1 || err != nil {
		t.Fatalf("pruned %d proof records (%v), want the live request's oldest", n, err)
	}
	if got := records(t, store); got != "0:1:submitted 0:2:submitted" {
		t.Fatalf("records %q, want the live request's two newer periods", got)
	}
}
