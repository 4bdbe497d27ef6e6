package chain_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/persist"
)

// forgetful is a provider that, like anvil and most nodes, no longer serves
// blocks that left its canonical chain: logs and headers asked by the hash
// of an orphaned block fail with "unknown block". (The simulated backend
// keeps side chains and would serve them.)
type forgetful struct{ simulated.Client }

func (f forgetful) orphaned(ctx context.Context, hash [32]byte) error {
	h, err := f.Client.HeaderByHash(ctx, hash)
	if err != nil {
		return err
	}
	canon, err := f.Client.HeaderByNumber(ctx, h.Number)
	if err != nil || canon.Hash() != h.Hash() {
		return fmt.Errorf("unknown block %x", hash)
	}
	return nil
}

func (f forgetful) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if q.BlockHash != nil {
		if err := f.orphaned(ctx, *q.BlockHash); err != nil {
			return nil, err
		}
	}
	return f.Client.FilterLogs(ctx, q)
}

func (f forgetful) HeaderByHash(ctx context.Context, hash [32]byte) (*types.Header, error) {
	if err := f.orphaned(ctx, hash); err != nil {
		return nil, err
	}
	return f.Client.HeaderByHash(ctx, hash)
}

// restartOnOrphan applies a fill of slot 0, stops the ingestor and closes
// its store, reorganises the chain so that the cursor's block (and the
// fill's) is orphaned, fills slot 1 on the new branch, and reopens the
// store. It returns the store, the orphaned fill and the canonical one.
func restartOnOrphan(t *testing.T, e *ct.Env, start uint64, forget func(*persist.Store)) (s *persist.Store, orphan, canon *types.Receipt) {
	ds := newDataset(t, 2, 2)
	id := request(e, ds)
	s, path := tempStore(t)
	in := newIngestor(t, chain.Config{Client: forgetful{e.Chain}, Store: s, Subscribers: subs(&model{}), Address: e.Dep.Marketplace, StartBlock: start, Recent: 16})
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	fork := e.Head()
	orphan = e.MustFill(e.Hosts[0], id, 0, ds)
	e.Mine(1)
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatal(err)
	}
	wantFilled(t, s, contracts.GetSlotID(id, 0))
	if forget != nil {
		forget(s)
	}
	oldHead := e.Head().Number.Uint64()
	s.Close()

	if err := e.Sim.Fork(fork.Hash()); err != nil {
		t.Fatal(err)
	}
	dropPool(t, e)
	canon = e.MustFill(e.Hosts[1], id, 1, ds)
	for e.Head().Number.Uint64() <= oldHead {
		e.Mine(1)
	}
	s = openStore(t, path)
	t.Cleanup(func() { s.Close() })
	return s, orphan, canon
}

// TestRestartOnOrphanRollsBackFromStore is the fault campaign's seed
// 1713804290: a host down during a reorg restarts with its cursor on an
// orphaned block, and the provider no longer serves that block. The
// ingestor reverts what it applied from the blocks it stored, and follows
// the new branch.
func TestRestartOnOrphanRollsBackFromStore(t *testing.T) {
	e := newEnv(t)
	start := e.Head().Number.Uint64() + 1
	s, orphan, canon := restartOnOrphan(t, e, start, nil)

	m := &model{}
	in := newIngestor(t, chain.Config{Client: forgetful{e.Chain}, Store: s, Subscribers: subs(m), Address: e.Dep.Marketplace, StartBlock: start, Recent: 16})
	if err := in.Sync(e.Ctx); err != nil {
		t.Fatalf("Sync after the restart: %v", err)
	}
	reverts := m.reverts()
	if len(reverts) != 1 || reverts[0].block.Hash != orphan.BlockHash || len(reverts[0].events) != 1 {
		t.Fatalf("reverts %+v, want one of block %s", reverts, orphan.BlockHash)
	}
	if f, ok := reverts[0].events[0].(*contracts.SlotFilled); !ok || f.SlotIndex != 0 || f.Where().BlockHash != orphan.BlockHash || f.Where().TxHash != orphan.TxHash {
		t.Fatalf("reverted %#v, want the SlotFilled of slot 0 as applied", reverts[0].events[0])
	}
	id := reverts[0].events[0].(*contracts.SlotFilled).RequestID
	wantFilled(t, s, contracts.GetSlotID(id, 1))
	wantLedger(t, s, e.Events(start, e.Head().Number.Uint64()))
	last := m.calls[len(m.calls)-1]
	if last.revert || last.block.Hash != canon.BlockHash {
		t.Fatalf("last call %+v, want the canonical fill's block %s", last, canon.BlockHash)
	}
	if c := in.Cursor(); c.Hash != persist.ID(e.Head().Hash()) {
		t.Fatalf("cursor at %d, want the new head %d", c.Number, e.Head().Number)
	}
	if st := in.Stats(); st.Reorgs != 1 || st.Reverted != 1 || st.Unreverted != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestRestartOnOrphanWithoutStoredLogs: a store written before the applied
// logs were kept (schema 4) has none for the orphaned blocks, and the
// provider no longer serves them. The ingestor rolls them back without
// their events, counts them, and follows the new branch instead of
// retrying forever.
func TestRestartOnOrphanWithoutStoredLogs(t *testing.T) {
	e := newEnv(t)
	start := e.Head().Number.Uint64() + 1
	s, _, canon := restartOnOrphan(t, e, start, func(s *persist.Store) {
		err := s.Update(e.Ctx, func(tx *persist.Tx) error {
			c, err := tx.Cursor()
			if err != nil {
				return err
			}
			for _, b := range append(c.Recent, persist.BlockRef{Number: c.Number, Hash: c.Hash}) {
				if _, err := tx.DeleteAppliedBlock(b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	m := &model{}
	in := newIngestor(t, chain.Config{Client: forgetful{e.Chain}, Store: s, Subscribers: subs(m), Address: e.Dep.Marketplace, StartBlock: start, Recent: 16})
	err := in.Sync(e.Ctx)
	if errors.Is(err, chain.ErrReorgTooDeep) || err != nil {
		t.Fatalf("Sync after the restart: %v", err)
	}
	if c := in.Cursor(); c.Hash != persist.ID(e.Head().Hash()) {
		t.Fatalf("cursor at %d, want the new head %d", c.Number, e.Head().Number)
	}
	if st := in.Stats(); st.Reorgs != 1 || st.Unreverted == 0 {
		t.Fatalf("stats %+v, want one reorg with unreverted blocks", st)
	}
	last := m.calls[len(m.calls)-1]
	if last.revert || last.block.Hash != canon.BlockHash {
		t.Fatalf("last call %+v, want the canonical fill's block %s", last, canon.BlockHash)
	}
}
