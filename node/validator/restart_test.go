package validator_test

import (
	"context"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/validator"
)

// TestRestartAfterReorgMarksNothing: the validator sees a silent host's
// fill, stops; the chain reorganises the fill away (it never comes back);
// the restarted validator follows the reorganisation from its stored
// cursor and never tries to mark that slot, in any later period. (Before,
// the watch list lived in memory with no reorg handling, and a slot whose
// fill left the chain stayed watched.)
func TestRestartAfterReorgMarksNothing(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	const size = 64 * 256
	ds := ct.NewDataset(t, 1, 2, size)
	id, _ := e.Request(ds, e.Ask(2, 1, size))
	e.StartPeriod()
	fork := e.Head()
	e.MustFill(e.Hosts[1], id, 1, ds)
	slot := contracts.GetSlotID(id, 1)
	store := tempStore(t)
	c := &countingChain{Chain: validator.MarketChain{Market: e.Validator.M}, tries: map[contracts.SlotID]int{}}
	ctx := context.Background()
	v := newValidator(t, e, c, store, validator.Config{})
	if err := v.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if v.Watched() != 1 {
		t.Fatalf("watching %d slots after the fill, want 1", v.Watched())
	}

	// Stopped. The chain drops the fill and moves on without it.
	if err := e.Sim.Fork(fork.Hash()); err != nil {
		t.Fatal(err)
	}
	e.Sim.Rollback()
	e.Mine(3)
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		e.Sim.Rollback() // the pool may re-inject the fill in the background
		time.Sleep(20 * time.Millisecond)
	}

	clear(c.tries) // count from the restart
	again := newValidator(t, e, c, store, validator.Config{})
	for range 3 {
		_, end := e.Period()
		e.AdvanceTo(end + 1)
		if err := again.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if host, _ := e.Validator.M.GetHost(ctx, slot); host != ([20]byte{}) {
		t.Fatalf("the fill came back (host %s): the test needs it gone", host)
	}
	if again.Watched() != 0 || c.tries[slot] != 0 || again.Marks() != 0 {
		t.Fatalf("after the reorg: watching %d, %d mark attempts on the slot, %d marks; want none", again.Watched(), c.tries[slot], again.Marks())
	}
}

// TestRestartReadsLogsFromItsCursor: a validator restarted on a long chain
// asks for no log below the cursor it stored, and still marks a proof
// missed after the restart.
func TestRestartReadsLogsFromItsCursor(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	const size = 64 * 256
	ds := ct.NewDataset(t, 1, 2, size)
	id, _ := e.Request(ds, e.Ask(2, 1, size))
	e.StartPeriod()
	e.MustFill(e.Hosts[0], id, 0, ds)
	e.MustFill(e.Hosts[1], id, 1, ds)
	store := tempStore(t)
	ctx := context.Background()
	chain := validator.MarketChain{Market: e.Validator.M}
	v := newValidator(t, e, chain, store, validator.Config{})
	e.Mine(300)
	if err := v.Step(ctx); err != nil {
		t.Fatal(err)
	}
	stopped := v.in.Cursor().Number
	if stopped < 300 {
		t.Fatalf("cursor at %d, want the head", stopped)
	}

	e.Mine(5)
	counted := &logRanges{Client: e.Chain}
	again := newValidatorOn(t, e, counted, chain, store, validator.Config{})
	_, end := e.Period()
	e.AdvanceTo(end + 1)
	if err := again.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if counted.queries.Load() == 0 || counted.lowest.Load() <= stopped {
		t.Fatalf("%d log queries, lowest from block %d; want some, all above the stored cursor %d", counted.queries.Load(), counted.lowest.Load(), stopped)
	}
	if again.Watched() != 2 {
		t.Fatalf("restarted validator watches %d slots, want 2", again.Watched())
	}
}

// TestValidationGroups: two validators in two groups watch disjoint sets
// of slots that together are every filled slot.
func TestValidationGroups(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	const size = 64 * 256
	ds := ct.NewDataset(t, 3, 4, size)
	id, _ := e.Request(ds, e.Ask(4, 1, size))
	for i := range uint64(4) {
		e.MustFill(e.Hosts[i%uint64(len(e.Hosts))], id, i, ds)
	}
	ctx := context.Background()
	chain := validator.MarketChain{Market: e.Validator.M}
	total := 0
	for g := range uint64(2) {
		v := newValidator(t, e, chain, tempStore(t), validator.Config{Groups: 2, Group: g})
		if err := v.Step(ctx); err != nil {
			t.Fatal(err)
		}
		want := 0
		for i := range uint64(4) {
			s := contracts.GetSlotID(id, i)
			if s[31]%2 == byte(g) { // id mod 2 is its last bit
				want++
			}
		}
		if v.Watched() != want {
			t.Fatalf("group %d watches %d slots, want %d", g, v.Watched(), want)
		}
		total += v.Watched()
	}
	if total != 4 {
		t.Fatalf("the groups watch %d slots together, want 4", total)
	}
	if _, err := validator.New(chain, tempStore(t), validator.Config{Period: 1, Groups: 2, Group: 2}); err == nil {
		t.Fatal("group 2 of 2 accepted")
	}
}
