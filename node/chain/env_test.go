package chain_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/persist"
)

const slotSize = 64 * proof.CellSize

// envOptions: the chain tests' env has a client and two hosts.
var envOptions = ct.Options{Hosts: 2}

// newEnv is a simulated chain with the Marketplace deployed.
func newEnv(t testing.TB) *ct.Env {
	t.Helper()
	return ct.NewEnvWith(t, ct.TestConfig(), envOptions)
}

// newEnvNoCleanup is newEnv for fixtures that outlive one test.
func newEnvNoCleanup(t testing.TB) *ct.Env {
	t.Helper()
	o := envOptions
	o.NoCleanup = true
	return ct.NewEnvWith(t, ct.TestConfig(), o)
}

func newDataset(t testing.TB, seed uint64, n int) ct.Dataset {
	return ct.NewDataset(t, seed, n, slotSize)
}

// request publishes a storage request for ds, one slot per root, and returns
// its id.
func request(e *ct.Env, ds ct.Dataset) contracts.RequestID {
	e.T.Helper()
	id, _ := e.Request(ds, e.Ask(uint64(len(ds.Roots)), 1, slotSize))
	return id
}

func openStore(t testing.TB, path string) *persist.Store {
	t.Helper()
	s, err := persist.Open(path, &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tempStore(t testing.TB) (*persist.Store, string) {
	path := filepath.Join(t.TempDir(), "slotd.db")
	s := openStore(t, path)
	t.Cleanup(func() { s.Close() })
	return s, path
}

// handler is what the tests' models implement; subs adapts one to the
// ingestor's Subscriber (with Prepare if it has one).
type handler interface {
	Apply(tx *persist.Tx, b chain.BlockRef, evs []contracts.Event) error
	Revert(tx *persist.Tx, b chain.BlockRef, evs []contracts.Event) error
}

type preparer interface {
	Prepare(ctx context.Context, evs []contracts.Event, revert bool) error
}

type adapted struct{ h handler }

func subs(h handler) []chain.Subscriber { return []chain.Subscriber{adapted{h}} }

func (a adapted) Prepare(ctx context.Context, evs []contracts.Event, revert bool) (any, error) {
	if p, ok := a.h.(preparer); ok {
		return nil, p.Prepare(ctx, evs, revert)
	}
	return nil, nil
}

func (a adapted) Apply(tx *persist.Tx, b persist.BlockRef, evs []contracts.Event, _ any) error {
	return a.h.Apply(tx, chain.BlockRef{Number: b.Number, Hash: common.Hash(b.Hash)}, evs)
}

func (a adapted) Revert(tx *persist.Tx, b persist.BlockRef, evs []contracts.Event, _ any) error {
	return a.h.Revert(tx, chain.BlockRef{Number: b.Number, Hash: common.Hash(b.Hash)}, evs)
}

func (adapted) Committed(persist.Head) {}

// model is a test Handler that keeps, in the store (persist has no generic
// bucket, so it borrows two):
//   - a ledger of applied events, one purchases record per log, keyed by
//     hash(block hash, log index): applying one twice or reverting one that
//     is not there is an error, so a test can prove exactly-once delivery;
//   - the set of filled slots, as queue items keyed by slot id (SlotFilled
//     adds, SlotFreed removes), standing in for what the queue and the
//     sales agents will track.
//
// It also records the calls it got, for assertions; those in-memory records
// are only exact when no Update is retried, which holds in these tests.
type model struct {
	mu    sync.Mutex
	calls []call
	// failAt makes the n-th Apply (counting from 1) fail, to simulate a
	// crash in the middle of a transaction.
	failAt int
	applys int
}

type call struct {
	revert bool
	block  chain.BlockRef
	events []contracts.Event
}

var errCrash = errors.New("simulated crash")

func ledgerKey(ev contracts.Event) persist.ID {
	w := ev.Where()
	return persist.ID(crypto.Keccak256Hash(w.BlockHash[:], new(big.Int).SetUint64(uint64(w.Index)).Bytes()))
}

func kind(ev contracts.Event) string { return reflect.TypeOf(ev).Elem().Name() }

func (m *model) Apply(tx *persist.Tx, b chain.BlockRef, evs []contracts.Event) error {
	m.mu.Lock()
	m.applys++
	fail := m.failAt > 0 && m.applys == m.failAt
	m.calls = append(m.calls, call{block: b, events: evs})
	m.mu.Unlock()
	for _, ev := range evs {
		if w := ev.Where(); w.BlockHash != b.Hash || w.Block != b.Number {
			return fmt.Errorf("event of block %d handed over with block %d", w.Block, b.Number)
		}
		key := ledgerKey(ev)
		if _, err := tx.Purchase(key); err == nil {
			return fmt.Errorf("%s at %d/%d applied twice", kind(ev), ev.Where().Block, ev.Where().Index)
		}
		if err := tx.PutPurchase(persist.Purchase{RequestID: key, State: kind(ev), Block: b.Number}); err != nil {
			return err
		}
		switch ev := ev.(type) {
		case *contracts.SlotFilled:
			slot := persist.ID(contracts.GetSlotID(ev.RequestID, ev.SlotIndex))
			if _, err := tx.QueueItem(slot); err == nil {
				return fmt.Errorf("slot %s filled twice", slot)
			}
			if err := tx.PutQueueItem(&persist.QueueItem{SlotID: slot, RequestID: persist.ID(ev.RequestID), SlotIndex: ev.SlotIndex}); err != nil {
				return err
			}
		case *contracts.SlotFreed:
			if _, err := tx.DeleteQueueItem(persist.ID(contracts.GetSlotID(ev.RequestID, ev.SlotIndex))); err != nil {
				return err
			}
		}
	}
	if fail {
		return errCrash
	}
	return nil
}

func (m *model) Revert(tx *persist.Tx, b chain.BlockRef, evs []contracts.Event) error {
	m.mu.Lock()
	m.calls = append(m.calls, call{revert: true, block: b, events: evs})
	m.mu.Unlock()
	for _, ev := range evs {
		if ok, err := tx.DeletePurchase(ledgerKey(ev)); err != nil || !ok {
			return fmt.Errorf("revert of %s at %d/%d that was never applied (%v)", kind(ev), ev.Where().Block, ev.Where().Index, err)
		}
		switch ev := ev.(type) {
		case *contracts.SlotFilled:
			if ok, err := tx.DeleteQueueItem(persist.ID(contracts.GetSlotID(ev.RequestID, ev.SlotIndex))); err != nil || !ok {
				return fmt.Errorf("revert of a fill of slot %d that is not filled (%v)", ev.SlotIndex, err)
			}
		case *contracts.SlotFreed:
			slot := persist.ID(contracts.GetSlotID(ev.RequestID, ev.SlotIndex))
			if err := tx.PutQueueItem(&persist.QueueItem{SlotID: slot, RequestID: persist.ID(ev.RequestID), SlotIndex: ev.SlotIndex}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *model) reverts() []call {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []call
	for _, c := range m.calls {
		if c.revert {
			out = append(out, c)
		}
	}
	return out
}

// ledger is the model's applied events, keyed as ledgerKey does.
func ledger(t testing.TB, s *persist.Store) map[persist.ID]persist.Purchase {
	t.Helper()
	out := map[persist.ID]persist.Purchase{}
	if err := s.View(func(tx *persist.Tx) error {
		return tx.ForEachPurchase(func(p persist.Purchase) error {
			out[p.RequestID] = p
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// filled is the model's set of filled slots.
func filled(t testing.TB, s *persist.Store) []persist.ID {
	t.Helper()
	var out []persist.ID
	if err := s.View(func(tx *persist.Tx) error {
		return tx.ForEachQueueItem(func(q persist.QueueItem) error {
			out = append(out, q.SlotID)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// wantLedger checks that the model applied exactly the events in want.
func wantLedger(t testing.TB, s *persist.Store, want []contracts.Event) {
	t.Helper()
	got := ledger(t, s)
	for _, ev := range want {
		p, ok := got[ledgerKey(ev)]
		if !ok {
			t.Errorf("%s at block %d index %d missed", kind(ev), ev.Where().Block, ev.Where().Index)
			continue
		}
		if p.State != kind(ev) || p.Block != ev.Where().Block {
			t.Errorf("ledger has %s at %d for %s at %d", p.State, p.Block, kind(ev), ev.Where().Block)
		}
		delete(got, ledgerKey(ev))
	}
	for _, p := range got {
		t.Errorf("applied %s at block %d, which is not on the canonical chain", p.State, p.Block)
	}
}

func wantFilled(t testing.TB, s *persist.Store, slots ...contracts.SlotID) {
	t.Helper()
	var want []persist.ID
	for _, sl := range slots {
		want = append(want, persist.ID(sl))
	}
	got := filled(t, s)
	slices.SortFunc(want, func(a, b persist.ID) int { return bytes.Compare(a[:], b[:]) })
	if !slices.Equal(got, want) {
		t.Fatalf("filled slots %v, want %v", got, want)
	}
}

func newIngestor(t testing.TB, cfg chain.Config) *chain.Ingestor {
	t.Helper()
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 5 * time.Millisecond
		cfg.MaxBackoff = 50 * time.Millisecond
	}
	in, err := chain.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// clientOnly hides everything but chain.Client, so the ingestor must poll.
type clientOnly struct{ chain.Client }

// flaky wraps a client: FilterLogs says "too many results" for ranges wider
// than maxRange, and fails every failEvery-th call with a transient error.
type flaky struct {
	simulated.Client
	mu        sync.Mutex
	maxRange  uint64
	failEvery int
	calls     int
	ranges    []uint64
}

func (f *flaky) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	f.mu.Lock()
	f.calls++
	n := f.calls
	if q.FromBlock != nil {
		f.ranges = append(f.ranges, q.ToBlock.Uint64()-q.FromBlock.Uint64()+1)
	}
	f.mu.Unlock()
	if f.failEvery > 0 && n%f.failEvery == 0 {
		return nil, errors.New("dial tcp 127.0.0.1:8545: connect: connection refused")
	}
	if f.maxRange > 0 && q.FromBlock != nil && q.ToBlock.Uint64()-q.FromBlock.Uint64()+1 > f.maxRange {
		return nil, errors.New("query returned more than 10000 results")
	}
	return f.Client.FilterLogs(ctx, q)
}
