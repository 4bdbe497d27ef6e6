package chain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
)

// keepApplied records, in the transaction that moves the cursor to next,
// the logs of the blocks just applied (every block, empty ones included,
// so that a missing record means "applied before the store kept them"),
// and forgets the blocks next no longer remembers; a rollback forgets the
// blocks it reverted. The store then holds at most the cursor's Recent
// depth of blocks.
func keepApplied(tx *persist.Tx, next persist.Cursor, blocks []block, revert bool) error {
	if revert {
		for _, b := range blocks {
			if _, err := tx.DeleteAppliedBlock(fromRef(b.ref)); err != nil {
				return err
			}
		}
		return nil
	}
	for _, b := range blocks {
		if err := tx.PutAppliedBlock(appliedOf(b)); err != nil {
			return err
		}
	}
	oldest := next.Number
	if len(next.Recent) > 0 {
		oldest = next.Recent[0].Number
	}
	return tx.PruneAppliedBlocks(oldest)
}

func appliedOf(b block) persist.AppliedBlock {
	out := persist.AppliedBlock{Number: b.ref.Number, Hash: persist.ID(b.ref.Hash)}
	for _, l := range b.logs {
		topics := make([]persist.ID, len(l.Topics))
		for i, t := range l.Topics {
			topics[i] = persist.ID(t)
		}
		out.Logs = append(out.Logs, persist.AppliedLog{Topics: topics, Data: l.Data, TxHash: persist.ID(l.TxHash), TxIndex: l.TxIndex, Index: l.Index})
	}
	return out
}

// logsOf turns a stored block back into the logs it was applied from.
func (in *Ingestor) logsOf(a persist.AppliedBlock) []types.Log {
	logs := make([]types.Log, len(a.Logs))
	for i, l := range a.Logs {
		topics := make([]common.Hash, len(l.Topics))
		for j, t := range l.Topics {
			topics[j] = common.Hash(t)
		}
		logs[i] = types.Log{Address: in.cfg.Address, Topics: topics, Data: l.Data, BlockNumber: a.Number,
			TxHash: common.Hash(l.TxHash), TxIndex: l.TxIndex, BlockHash: common.Hash(a.Hash), Index: l.Index}
	}
	return logs
}

// orphaned returns the blocks to revert for orphans (oldest first), newest
// block first with each block's events in reverse order. A block's events
// come from the store, which kept what was applied; a block applied before
// the store kept them (a store from before schema 5) is asked of the
// provider by hash. When the provider no longer knows that block either
// (anvil and most nodes stop serving orphaned blocks), the block is rolled
// back without reverting its events, with an error logged: its effects
// stay until the new branch's events overwrite them, which is less harm
// than a node that retries forever and stops proving.
func (in *Ingestor) orphaned(ctx context.Context, orphans []persist.BlockRef) ([]block, error) {
	stored := make([]*persist.AppliedBlock, len(orphans))
	err := in.cfg.Store.View(func(tx *persist.Tx) error {
		for i, o := range orphans {
			a, err := tx.AppliedBlock(o)
			if errors.Is(err, persist.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			stored[i] = &a
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the applied logs of orphaned blocks: %w", err)
	}
	reverts := make([]block, 0, len(orphans))
	for i := len(orphans) - 1; i >= 0; i-- {
		ref := toRef(orphans[i])
		var logs []types.Log
		if stored[i] != nil {
			logs = in.logsOf(*stored[i])
		} else {
			logs, err = in.cfg.Client.FilterLogs(ctx, ethereum.FilterQuery{BlockHash: &ref.Hash, Addresses: []common.Address{in.cfg.Address}})
			switch {
			case err != nil && unknownBlock(err):
				in.log.Error("orphaned block applied by an older slotd is gone from the provider: rolling it back without reverting its events; "+
					"what they changed stays until the new branch overwrites it (check the store with `slotd dump check`; resync from an empty store if the node misbehaves)",
					"block", ref.Number, "hash", ref.Hash, "err", err)
				in.mu.Lock()
				in.stats.Unreverted++
				in.mu.Unlock()
			case err != nil:
				return nil, fmt.Errorf("logs of orphaned block %d (%s), needed to roll it back: %w", ref.Number, ref.Hash, err)
			}
		}
		var evs []contracts.Event
		for _, b := range in.group(logs) {
			evs = append(evs, b.events...)
		}
		slices.Reverse(evs)
		reverts = append(reverts, block{ref: ref, events: evs})
	}
	return reverts, nil
}

// unknownBlock recognises a provider's answer that it does not know a block
// hash (geth and anvil: "unknown block"), as opposed to a failure worth
// retrying.
func unknownBlock(err error) bool {
	if errors.Is(err, ethereum.NotFound) {
		return true
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "unknown block") || strings.Contains(msg, "block not found")
}
