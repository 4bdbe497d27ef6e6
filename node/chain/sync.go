package chain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
)

// Sync applies every block from the cursor up to the current head minus the
// confirmation depth, rolling back first if the chain reorganised, and
// returns. It returns the first error it meets (Run retries them); the
// cursor and the handler's effects only ever move together, so a failed Sync
// leaves the store consistent. Do not call it while Run is running.
func (in *Ingestor) Sync(ctx context.Context) error {
	in.pass.Lock()
	defer in.pass.Unlock()
	if err := in.load(ctx); err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		head, err := in.cfg.Client.HeaderByNumber(ctx, nil)
		if err != nil {
			return fmt.Errorf("head: %w", err)
		}
		n := head.Number.Uint64()
		if n < in.cfg.Confirmations {
			return nil
		}
		safe := n - in.cfg.Confirmations
		cur := in.Cursor()
		if cur.Number >= safe {
			// Nothing to apply. If the head changed, make sure what is
			// applied is still canonical: the chain may have been rewound
			// to a shorter branch.
			if head.Hash() == in.lastHead {
				return nil
			}
			ok, _, err := in.canonical(ctx, headOf(cur))
			if err != nil {
				return err
			}
			if !ok {
				if err := in.rewind(ctx, cur); err != nil {
					return err
				}
				continue
			}
			in.lastHead = head.Hash()
			return nil
		}
		in.lastHead = common.Hash{}
		if err := in.advance(ctx, cur, safe); err != nil {
			return err
		}
		// Caught up with the head this pass read: the next poll reads the
		// head again anyway, so reading it and the cursor's block once more
		// now would only add two calls per poll. A cursor on that head
		// itself is canonical while the head stays; below it (with
		// confirmations), the next idle poll checks.
		next := in.Cursor()
		if next.Number < safe {
			continue
		}
		if next.Number == n && common.Hash(next.Hash) == head.Hash() {
			in.lastHead = head.Hash()
		}
		return nil
	}
}

// load reads the cursor, or stores the one StartBlock implies.
func (in *Ingestor) load(ctx context.Context) error {
	in.mu.Lock()
	loaded := in.loaded
	in.mu.Unlock()
	if loaded {
		return nil
	}
	var c persist.Cursor
	err := in.cfg.Store.View(func(tx *persist.Tx) error {
		var err error
		c, err = tx.Cursor()
		return err
	})
	switch {
	case err == nil:
		in.log.Info("resuming chain ingestion", "block", c.Number, "hash", common.Hash(c.Hash))
	case errors.Is(err, persist.ErrNotFound):
		// The cursor sits on the block before the first one to ingest.
		// Genesis holds no logs, so StartBlock 0 starts at block 1.
		at := max(in.cfg.StartBlock, 1) - 1
		h, err := in.cfg.Client.HeaderByNumber(ctx, new(big.Int).SetUint64(at))
		if err != nil {
			return fmt.Errorf("start block %d: %w", at, err)
		}
		c = persist.Cursor{Number: at, Hash: persist.ID(h.Hash()), Time: h.Time}
		if err := in.cfg.Store.Update(ctx, func(tx *persist.Tx) error {
			if _, err := tx.Cursor(); !errors.Is(err, persist.ErrNotFound) {
				if err == nil {
					err = errors.New("a cursor appeared while the ingestor was creating one")
				}
				return err
			}
			return tx.SetCursor(c)
		}); err != nil {
			return fmt.Errorf("store start cursor: %w", err)
		}
		in.log.Info("starting chain ingestion", "block", at+1)
	default:
		return fmt.Errorf("read cursor: %w", err)
	}
	in.setCursor(c, nil)
	return nil
}

// reload makes the next pass read the cursor from the store again. After a
// failed Update the store is the truth: bbolt may report a failure for a
// commit that reached the disk, and the stored cursor always matches the
// effects stored with it.
func (in *Ingestor) reload() {
	in.mu.Lock()
	in.loaded = false
	in.mu.Unlock()
}

// canonical reports whether b is the canonical chain's block at its height,
// and if so its timestamp.
func (in *Ingestor) canonical(ctx context.Context, b BlockRef) (bool, uint64, error) {
	h, err := in.cfg.Client.HeaderByNumber(ctx, new(big.Int).SetUint64(b.Number))
	if errors.Is(err, ethereum.NotFound) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("header %d: %w", b.Number, err)
	}
	return h.Hash() == b.Hash, h.Time, nil
}

// block is one block's decoded events, and the logs they came from (what
// the store keeps to revert the block later).
type block struct {
	ref    BlockRef
	events []contracts.Event
	logs   []types.Log
}

// advance applies the next batch of blocks after cur, at most up to safe.
func (in *Ingestor) advance(ctx context.Context, cur persist.Cursor, safe uint64) error {
	from := cur.Number + 1
	window := uint64(in.cfg.Recent)
	if safe >= window && from <= safe-window {
		return in.replay(ctx, cur, from, min(safe-window, from+in.cfg.PageSize-1))
	}
	return in.follow(ctx, cur, from, min(safe, from+window-1))
}

// replay applies [from, to], far enough below the head that no reorg is
// expected: one log query per page, one header at each end of a page, one
// transaction per page. The cursor remembers the blocks that had events.
func (in *Ingestor) replay(ctx context.Context, cur persist.Cursor, from, to uint64) error {
	first, err := in.cfg.Client.HeaderByNumber(ctx, new(big.Int).SetUint64(from))
	if err != nil {
		return fmt.Errorf("header %d: %w", from, err)
	}
	if first.ParentHash != common.Hash(cur.Hash) {
		return in.rewind(ctx, cur)
	}
	return in.pastLogs(ctx, from, to, func(last uint64, logs []types.Log) error {
		end, err := in.cfg.Client.HeaderByNumber(ctx, new(big.Int).SetUint64(last))
		if err != nil {
			return fmt.Errorf("header %d: %w", last, err)
		}
		blocks := in.group(logs)
		for _, b := range blocks {
			if b.ref.Number == last && b.ref.Hash != end.Hash() {
				return errChainMoved
			}
		}
		tail := BlockRef{Number: last, Hash: end.Hash()}
		if len(blocks) == 0 || blocks[len(blocks)-1].ref.Number != last {
			blocks = append(blocks, block{ref: tail})
		}
		next, err := in.commit(ctx, cur, blocks, end.Time)
		if err != nil {
			return err
		}
		cur = next
		return nil
	})
}

// follow applies [from, to], near the head: every header is read and linked
// to its parent, and every block joins the cursor's recent hashes.
func (in *Ingestor) follow(ctx context.Context, cur persist.Cursor, from, to uint64) error {
	headers, err := in.headers(ctx, from, to)
	if err != nil {
		return err
	}
	if headers[0].ParentHash != common.Hash(cur.Hash) {
		return in.rewind(ctx, cur)
	}
	for i := 1; i < len(headers); i++ {
		if headers[i].ParentHash != headers[i-1].Hash() {
			return errChainMoved
		}
	}
	var logs []types.Log
	if err := in.pastLogs(ctx, from, to, func(_ uint64, page []types.Log) error {
		logs = append(logs, page...)
		return nil
	}); err != nil {
		return err
	}
	byNumber := map[uint64]block{}
	for _, b := range in.group(logs) {
		if b.ref.Number < from || b.ref.Number > to || b.ref.Hash != headers[b.ref.Number-from].Hash() {
			return errChainMoved
		}
		byNumber[b.ref.Number] = b
	}
	blocks := make([]block, len(headers))
	for i, h := range headers {
		b := byNumber[from+uint64(i)]
		blocks[i] = block{ref: BlockRef{Number: from + uint64(i), Hash: h.Hash()}, events: b.events, logs: b.logs}
	}
	_, err = in.commit(ctx, cur, blocks, headers[len(headers)-1].Time)
	return err
}

// pastLogs is contracts.PastLogs with a page size that outlives the call:
// once the provider has refused a range, later queries start from the
// smaller page instead of failing their way down again (which, with a
// provider that also drops calls now and then, could never get through).
// After a run of successful walks the page grows back.
func (in *Ingestor) pastLogs(ctx context.Context, from, to uint64, fn func(last uint64, logs []types.Log) error) error {
	if in.page == 0 {
		in.page = in.cfg.PageSize
	}
	rec := &rangeRecorder{LogFilterer: in.cfg.Client, to: to}
	err := contracts.PastLogs(ctx, rec, in.cfg.Address, from, to, in.page, fn)
	if rec.page > 0 && rec.page < in.page {
		in.log.Debug("log query page shrunk", "blocks", rec.page)
		in.page, in.pageOK = rec.page, 0
		return err
	}
	if err == nil {
		if in.pageOK++; in.pageOK >= 32 && in.page < in.cfg.PageSize {
			in.page, in.pageOK = min(2*in.page, in.cfg.PageSize), 0
		}
	}
	return err
}

// rangeRecorder notes the block range of the last log query that was not
// cut short by the end of the walk: the page size PastLogs had arrived at.
type rangeRecorder struct {
	contracts.LogFilterer
	to   uint64
	page uint64
}

func (r *rangeRecorder) FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error) {
	if q.FromBlock != nil && q.ToBlock != nil && q.ToBlock.Uint64() < r.to {
		r.page = q.ToBlock.Uint64() - q.FromBlock.Uint64() + 1
	}
	return r.LogFilterer.FilterLogs(ctx, q)
}

// headers fetches the headers of [from, to], a few at a time in parallel.
func (in *Ingestor) headers(ctx context.Context, from, to uint64) ([]*types.Header, error) {
	out := make([]*types.Header, to-from+1)
	errs := make([]error, len(out))
	const workers = 8
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(workers, len(out)) {
		wg.Go(func() {
			for i := range next {
				out[i], errs[i] = in.cfg.Client.HeaderByNumber(ctx, new(big.Int).SetUint64(from+uint64(i)))
			}
		})
	}
	for i := range out {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if errors.Is(err, ethereum.NotFound) {
			return nil, fmt.Errorf("header %d: %w", from+uint64(i), errChainMoved)
		}
		if err != nil {
			return nil, fmt.Errorf("header %d: %w", from+uint64(i), err)
		}
	}
	return out, nil
}

// group decodes logs (in chain order) into blocks that have events. Logs
// that are none of the Marketplace's events are skipped.
func (in *Ingestor) group(logs []types.Log) []block {
	var blocks []block
	for i := range logs {
		l := &logs[i]
		ev, err := contracts.DecodeLog(l)
		if err != nil {
			if !errors.Is(err, contracts.ErrUnknownEvent) {
				in.log.Error("skipping undecodable marketplace log", "block", l.BlockNumber, "tx", l.TxHash, "index", l.Index, "err", err)
			}
			continue
		}
		if n := len(blocks); n == 0 || blocks[n-1].ref.Hash != l.BlockHash {
			blocks = append(blocks, block{ref: BlockRef{Number: l.BlockNumber, Hash: l.BlockHash}})
		}
		b := &blocks[len(blocks)-1]
		b.events, b.logs = append(b.events, ev), append(b.logs, *l)
	}
	return blocks
}

// commit applies blocks (in order, the last one becoming the cursor, whose
// timestamp is at) and moves the cursor from cur in one transaction, and
// returns the new cursor.
func (in *Ingestor) commit(ctx context.Context, cur persist.Cursor, blocks []block, at uint64) (persist.Cursor, error) {
	last := blocks[len(blocks)-1].ref
	recent := append(slices.Clone(cur.Recent), persist.BlockRef{Number: cur.Number, Hash: cur.Hash})
	for _, b := range blocks[:len(blocks)-1] {
		recent = append(recent, fromRef(b.ref))
	}
	if n := len(recent) - in.cfg.Recent; n > 0 {
		recent = slices.Delete(recent, 0, n)
	}
	next := persist.Cursor{Number: last.Number, Hash: persist.ID(last.Hash), Recent: recent, Time: at}
	events := 0
	if err := in.store(ctx, cur, next, blocks, false); err != nil {
		return cur, err
	}
	for _, b := range blocks {
		events += len(b.events)
	}
	in.setCursor(next, func(s *Stats) {
		s.Blocks += last.Number - cur.Number
		s.Events += uint64(events)
	})
	in.log.Debug("applied blocks", "from", cur.Number+1, "to", last.Number, "events", events)
	return next, nil
}

// checkCursor makes sure nobody else moved the stored cursor: one ingestor
// per store.
func checkCursor(tx *persist.Tx, want persist.Cursor) error {
	got, err := tx.Cursor()
	if err != nil {
		return fmt.Errorf("read cursor: %w", err)
	}
	if got.Number != want.Number || got.Hash != want.Hash {
		return fmt.Errorf("stored cursor is at block %d (%s), the ingestor expected %d (%s): is a second ingestor writing this store? %w",
			got.Number, got.Hash, want.Number, want.Hash, persist.ErrConflict)
	}
	return nil
}

// rewind rolls the cursor back to the newest remembered block that is still
// canonical, reverting the events of the blocks above it.
func (in *Ingestor) rewind(ctx context.Context, cur persist.Cursor) error {
	chain := append(slices.Clone(cur.Recent), persist.BlockRef{Number: cur.Number, Hash: cur.Hash})
	ancestor := -1
	var at uint64
	for i := len(chain) - 1; i >= 0; i-- {
		ok, t, err := in.canonical(ctx, toRef(chain[i]))
		if err != nil {
			return err
		}
		if ok {
			ancestor, at = i, t
			break
		}
	}
	if ancestor < 0 {
		oldest := chain[0].Number
		in.log.Error("chain reorganised below the oldest remembered block; stopping ingestion",
			"oldest", oldest, "cursor", cur.Number)
		return fmt.Errorf("%w: none of the %d blocks it remembers (%d–%d) is canonical any more, so the events applied from them cannot be rolled back. "+
			"Stop the node and restore a store backup taken before block %d (or start from an empty store), then restart; "+
			"raise the chain Recent setting to survive deeper reorganisations",
			ErrReorgTooDeep, len(chain), oldest, cur.Number, oldest)
	}
	orphans := chain[ancestor+1:]
	reverts, err := in.orphaned(ctx, orphans)
	if err != nil {
		return err
	}
	events := 0
	for _, b := range reverts {
		events += len(b.events)
	}
	to := chain[ancestor]
	next := persist.Cursor{Number: to.Number, Hash: to.Hash, Recent: chain[:ancestor], Time: at}
	if err := in.store(ctx, cur, next, reverts, true); err != nil {
		return err
	}
	in.setCursor(next, func(s *Stats) {
		s.Reorgs++
		s.Reverted += uint64(events)
	})
	in.log.Warn("chain reorganised: rolled back to the common ancestor",
		"from", cur.Number, "to", to.Number, "ancestor", common.Hash(to.Hash), "reverted", events)
	return nil
}

// store runs the subscribers' Apply (or Revert) over the blocks that hold
// events and moves the cursor from cur to next, in one transaction: the
// events' effects and the cursor commit together or not at all. Each
// subscriber prepares first, outside it. On failure the in-memory view is
// reloaded from the store.
func (in *Ingestor) store(ctx context.Context, cur, next persist.Cursor, blocks []block, revert bool) error {
	verb := "apply"
	if revert {
		verb = "revert"
	}
	var events []contracts.Event
	for _, b := range blocks {
		events = append(events, b.events...)
	}
	subs := in.cfg.Subscribers
	prepared := make([]any, len(subs))
	update := in.cfg.Store.Update
	for i, s := range subs {
		p, err := s.Prepare(ctx, events, revert)
		if err != nil {
			return fmt.Errorf("prepare to %s blocks %d–%d: %w", verb, cur.Number, next.Number, err)
		}
		prepared[i] = p
		if j, ok := p.(Joiner); ok {
			inner := update
			update = func(ctx context.Context, fn func(*persist.Tx) error) error { return j.Join(ctx, inner, fn) }
		}
	}
	err := update(ctx, func(tx *persist.Tx) error {
		if err := checkCursor(tx, cur); err != nil {
			return err
		}
		for _, b := range blocks {
			if len(b.events) == 0 {
				continue
			}
			ref := fromRef(b.ref)
			for k := range subs {
				i, fn := k, subs[k].Apply
				if revert {
					i = len(subs) - 1 - k
					fn = subs[i].Revert
				}
				if err := fn(tx, ref, b.events, prepared[i]); err != nil {
					return fmt.Errorf("%s block %d (%s): %w", verb, b.ref.Number, b.ref.Hash, err)
				}
			}
		}
		if err := keepApplied(tx, next, blocks, revert); err != nil {
			return err
		}
		return tx.SetCursor(next)
	})
	if err != nil {
		in.reload()
	}
	return err
}
