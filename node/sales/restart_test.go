package sales_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/persist"
)

// TestJournalCarriesTheCursorAfterRestart: right after a start, before
// the ingestor has made a pass, what an agent journals carries the block
// the store's cursor had reached, not block 0.
func TestJournalCarriesTheCursorAfterRestart(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	dir := t.TempDir()
	store, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	slot := persist.ID(contracts.GetSlotID(contracts.RequestID{7}, 0))
	const cursor = 4242
	err = store.Update(context.Background(), func(tx *persist.Tx) error {
		if err := tx.SetCursor(persist.Cursor{Number: cursor, Hash: persist.ID{1}, Time: 1_800_000_000}); err != nil {
			return err
		}
		a := persist.Agent{SlotID: slot, RequestID: persist.ID{7}}
		if err := tx.Transition(&a, &persist.JournalEntry{To: fsm.Preparing, Event: fsm.EvStart, Block: 4000}); err != nil {
			return err
		}
		return tx.Transition(&a, &persist.JournalEntry{From: fsm.Preparing, To: fsm.Errored, Event: fsm.EvError, Block: 4001, Detail: "test fault"})
	})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := datastore.Open(filepath.Join(dir, "data"), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	market := contracts.NewEthMarket(e.Chain, e.Deployer, e.Dep.Marketplace)
	s, err := sales.New(ctx, sales.Config{Store: store, Market: market, Client: e.Chain, Data: data, Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }() // no ingestor: the cursor is only in the store
	defer func() { cancel(); <-done }()
	waitFor(t, "the errored agent restored", 10*time.Second, func() bool { return len(s.Agents()) == 1 })
	if err := s.Retry(ctx, slot); err != nil {
		t.Fatal(err)
	}
	var retried persist.JournalEntry
	store.View(func(tx *persist.Tx) error {
		return tx.Journal(slot, func(e persist.JournalEntry) error {
			if e.Seq == 3 {
				retried = e
			}
			return nil
		})
	})
	if retried.Event != fsm.RetryEvent(fsm.Preparing) || retried.Block != cursor {
		t.Fatalf("the retry journaled %+v, want event %s at block %d", retried, fsm.RetryEvent(fsm.Preparing), cursor)
	}
}
