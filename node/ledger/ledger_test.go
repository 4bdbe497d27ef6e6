package ledger_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/node/ledger"
	"github.com/slotd/slotd/persist"
)

// TestLedgerFollowsTheChain: the ingestor keeps the ledger from the
// events and one read per request and fill: a request's ask, expiry and
// end, its slots' hosts, its state by the head's time; a reorganisation
// that removes a fill frees the slot again.
func TestLedgerFollowsTheChain(t *testing.T) {
	e := ct.NewEnvWith(t, ct.TestConfig(), ct.Options{Hosts: 1})
	start := e.Head().Number.Uint64() + 1
	store, err := persist.Open(filepath.Join(t.TempDir(), "slotd.db"), &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	m := contracts.NewEthMarket(e.Chain, e.Deployer, e.Dep.Marketplace)
	in, err := chain.New(chain.Config{Client: e.Chain, Store: store, Subscribers: []chain.Subscriber{ledger.New(m)},
		Address: e.Dep.Marketplace, StartBlock: start, Recent: 16, MinBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	const size = 64 * proof.CellSize
	ds := ct.NewDataset(t, 1, 2, size)
	id, req := e.Request(ds, e.Ask(2, 1, size))
	fork := e.Head()
	e.MustFill(e.Hosts[0], id, 0, ds)
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	end, _ := m.RequestEnd(e.Ctx, id)
	expiry, _ := m.RequestExpiry(e.Ctx, id)
	r, slot := read(t, store, id, 0)
	if r.Slots != 2 || r.Duration != req.Ask.Duration || r.Expiry != expiry || r.End != end || r.End == 0 {
		t.Fatalf("ledger request %+v, want 2 slots, duration %d, expiry %d, end %d", r, req.Ask.Duration, expiry, end)
	}
	if !slot.Filled || slot.Host != e.Hosts[0].Addr.Hex() {
		t.Fatalf("slot 0 %+v, want filled by %s", slot, e.Hosts[0].Addr.Hex())
	}
	c := in.Cursor()
	if c.Time != e.Head().Time {
		t.Fatalf("cursor time %d, head's %d", c.Time, e.Head().Time)
	}
	if got := r.State(c.Time); got != persist.LedgerNew {
		t.Fatalf("state %s, want new", got)
	}
	if got := r.State(expiry + 1); got != persist.LedgerCancelled {
		t.Fatalf("state after expiry %s, want cancelled", got)
	}

	if err := e.Sim.Fork(fork.Hash()); err != nil {
		t.Fatal(err)
	}
	e.Sim.Rollback() // the fill does not come back
	e.Mine(3)
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	if in.Stats().Reorgs == 0 {
		t.Fatal("no reorganisation seen")
	}
	if _, slot = read(t, store, id, 0); slot.Filled {
		t.Fatalf("slot 0 %+v after the reorganisation removed its fill, want free", slot)
	}
}

func read(t *testing.T, s *persist.Store, id contracts.RequestID, index uint64) (persist.LedgerRequest, persist.LedgerSlot) {
	t.Helper()
	var r persist.LedgerRequest
	var sl persist.LedgerSlot
	err := s.View(func(tx *persist.Tx) (err error) {
		if r, err = tx.LedgerRequest(persist.ID(id)); err != nil {
			return err
		}
		sl, _ = tx.LedgerSlot(persist.ID(id), index)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return r, sl
}
