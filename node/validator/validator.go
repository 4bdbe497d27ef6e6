// Package validator marks missed storage proofs. It is a subscriber of the
// node's chain ingestor: the slots it watches (from SlotFilled and
// SlotFreed, and their reverts when the chain reorganises) and the periods
// it has decided live in the store, the watch list committed with the
// cursor. After each period ends it reads the status of every watched slot
// in one batched view call (slotStatuses, chunked by Config.Batch) and
// sends markProofAsMissing only for the slots the contract says are
// markable, so the reads per period do not grow with the slots watched.
// With a Submitter (the node's tx manager) a round's marks go out
// together without waiting to be mined, and each is confirmed by its
// ProofMarkedMissing log in the ingestor's transaction (submit.go), so a
// mark costs about one RPC call, its broadcast.
//
// A restart resumes from the store: the ingestor goes on from its cursor
// (no rescan from the deployment block), and a period already decided is
// not tried again. A slot the contract says needs no mark (proof
// submitted, not required, already marked, too late) is decided without a
// transaction; one no longer filled is dropped from the watch list. "Now"
// is the head block's timestamp, so the period is
// the chain's. With validation groups (Config.Groups) a network splits the
// slots between validators: this one watches the slots whose id mod Groups
// is Group.
package validator

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node/outage"
	"github.com/slotd/slotd/persist"
)

// Chain is what the validator needs of the Marketplace.
type Chain interface {
	// SlotStatuses is one view call; markPeriod is the period whose marks
	// it judges.
	SlotStatuses(ctx context.Context, slots []contracts.SlotID, markPeriod uint64) ([]contracts.SlotStatus, error)
	// MarkProofAsMissing returns the reward the mark paid (nil: unknown).
	MarkProofAsMissing(ctx context.Context, slot contracts.SlotID, period uint64) (reward *big.Int, err error)
}

// DefaultBatch is how many slots one slotStatuses call reads: about 12k gas
// each, so 500 stay near 6M, well inside the eth_call gas caps of geth
// (50M) and hosted providers.
const DefaultBatch = 500

// Config tunes the validator.
type Config struct {
	// Period is the Marketplace's proof period in seconds (required).
	Period uint64
	// Groups and Group pick the slots to watch: those whose id mod Groups
	// is Group. Groups 0 or 1 watches every slot.
	Groups, Group uint64
	Poll          time.Duration // how often to look even without a new head
	Batch         int           // slots per slotStatuses call; DefaultBatch when 0
	Log           hclog.Logger
	// OnMark is a metrics hook, may be nil. Without a Submitter it is
	// called from several goroutines at once, as each mark's receipt
	// comes; with one, from the ingestor's, as each mark's log is
	// committed (again if a reorganisation took the log out and the mark
	// landed anew).
	OnMark func(slot contracts.SlotID, period uint64)

	// Submitter, if set, sends a round's marks together, not waiting for
	// them to be mined: the fees and nonce read once, one gas estimate for
	// the round's plain marks, and each mark then costs its broadcast. Its
	// success is learnt from its ProofMarkedMissing log (the tx manager
	// reads a receipt only if none comes: txmgr.Config.LogConfirmed). Nil:
	// each mark is Chain.MarkProofAsMissing, waiting for its receipt.
	Submitter Submitter
	// Market is the Marketplace's address, where Submitter sends marks.
	Market common.Address
	// Collateral is the Marketplace's collateral config: with a Submitter,
	// the marks that free their slot (estimated on their own) and the
	// reward each mark's log is counted with follow from it.
	Collateral contracts.CollateralConfig
}

// Validator is one validator; Run owns its goroutine, the ingestor calls
// its subscriber methods.
type Validator struct {
	chain Chain
	store *persist.Store
	cfg   Config
	head  atomic.Pointer[persist.Head]
	wake  chan struct{} // a new head (cap 1)

	mu      sync.Mutex
	marks   int
	rewards big.Int // token units the marks since start paid
}

// New returns a validator over chain, keeping its state in store.
func New(chain Chain, store *persist.Store, cfg Config) (*Validator, error) {
	switch {
	case cfg.Period == 0:
		return nil, errors.New("validator: Config.Period is required")
	case cfg.Groups > 1 && cfg.Group >= cfg.Groups:
		return nil, fmt.Errorf("validator: group %d is not below the %d groups", cfg.Group, cfg.Groups)
	case cfg.Submitter != nil && cfg.Market == (common.Address{}):
		return nil, errors.New("validator: Config.Market is required with a Submitter")
	}
	if cfg.Poll == 0 {
		cfg.Poll = time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Log == nil {
		cfg.Log = hclog.NewNullLogger()
	}
	return &Validator{chain: chain, store: store, cfg: cfg, wake: make(chan struct{}, 1)}, nil
}

// Marks is how many proofs this validator has marked missing since start.
func (v *Validator) Marks() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.marks
}

// Rewards is what the marks since start paid, in token units.
func (v *Validator) Rewards() *big.Int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return new(big.Int).Set(&v.rewards)
}

// Period is the proof period, in seconds.
func (v *Validator) Period() uint64 { return v.cfg.Period }

// Watched is how many slots are being watched.
func (v *Validator) Watched() int {
	n := 0
	v.store.View(func(tx *persist.Tx) error {
		return tx.ForEachWatchedSlot(func(persist.WatchedSlot) error { n++; return nil })
	})
	return n
}

// watches reports whether slot is in this validator's group.
func (v *Validator) watches(slot contracts.SlotID) bool {
	if v.cfg.Groups <= 1 {
		return true
	}
	var m big.Int
	m.Mod(new(big.Int).SetBytes(slot[:]), new(big.Int).SetUint64(v.cfg.Groups))
	return m.Uint64() == v.cfg.Group
}

// Prepare reads nothing: the events say what the validator needs. A batch
// with ProofMarkedMissing logs, which may confirm marks of ours, gets a
// markLogs to count them by once it has committed.
func (v *Validator) Prepare(_ context.Context, events []contracts.Event, _ bool) (any, error) {
	if v.cfg.Submitter == nil {
		return nil, nil
	}
	for _, ev := range events {
		if _, ok := ev.(*contracts.ProofMarkedMissing); ok {
			return &markLogs{v: v}, nil
		}
	}
	return nil, nil
}

// Apply starts watching a filled slot of its group, stops watching a
// freed one, and settles the marks of ours the block's logs confirm.
func (v *Validator) Apply(tx *persist.Tx, block persist.BlockRef, events []contracts.Event, prepared any) error {
	for _, ev := range events {
		var err error
		switch e := ev.(type) {
		case *contracts.SlotFilled:
			err = v.watch(tx, e.RequestID, e.SlotIndex, block.Number)
		case *contracts.SlotFreed:
			_, err = tx.DeleteWatchedSlot(persist.ID(contracts.GetSlotID(e.RequestID, e.SlotIndex)))
		case *contracts.ProofMarkedMissing:
			err = v.ownMark(tx, e, prepared, false)
		}
		if err != nil {
			return fmt.Errorf("validator: %w", err)
		}
	}
	return nil
}

// Revert undoes Apply: a fill that left the chain is not watched, a slot
// whose freeing left it is watched again, and a mark of ours whose log
// left it is pending again (the tx manager sends it again).
func (v *Validator) Revert(tx *persist.Tx, block persist.BlockRef, events []contracts.Event, prepared any) error {
	for _, ev := range events {
		var err error
		switch e := ev.(type) {
		case *contracts.SlotFilled:
			_, err = tx.DeleteWatchedSlot(persist.ID(contracts.GetSlotID(e.RequestID, e.SlotIndex)))
		case *contracts.SlotFreed:
			err = v.watch(tx, e.RequestID, e.SlotIndex, block.Number)
		case *contracts.ProofMarkedMissing:
			err = v.ownMark(tx, e, prepared, true)
		}
		if err != nil {
			return fmt.Errorf("validator: revert: %w", err)
		}
	}
	return nil
}

func (v *Validator) watch(tx *persist.Tx, request contracts.RequestID, index, block uint64) error {
	slot := contracts.GetSlotID(request, index)
	if !v.watches(slot) {
		return nil
	}
	if _, err := tx.WatchedSlot(persist.ID(slot)); err == nil {
		return nil // keeps the periods decided
	} else if !errors.Is(err, persist.ErrNotFound) {
		return err
	}
	// Periods before the last head's need no decision: the slot was not
	// filled then.
	var next uint64
	if h := v.head.Load(); h != nil {
		next = h.Time / v.cfg.Period
	}
	return tx.PutWatchedSlot(persist.WatchedSlot{SlotID: persist.ID(slot), RequestID: persist.ID(request), Index: index, Next: next, Block: block})
}

// Committed takes the new head and wakes Run.
func (v *Validator) Committed(head persist.Head) {
	v.head.Store(&head)
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// Run decides on every new head (and every Poll) until ctx ends. RPC
// errors are logged and retried on the next round; they never stop it.
func (v *Validator) Run(ctx context.Context) error {
	t := time.NewTicker(v.cfg.Poll)
	defer t.Stop()
	trouble := outage.Log{What: "validator"}
	for {
		if err := v.Step(ctx); ctx.Err() == nil {
			trouble.Note(v.cfg.Log, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-v.wake:
		case <-t.C:
		}
	}
}

// Step marks what the last period missed, as of the head the ingestor
// committed last (or the store's cursor, before it has).
func (v *Validator) Step(ctx context.Context) error {
	head, err := v.currentHead()
	if err != nil {
		return err
	}
	period := head.Time / v.cfg.Period
	if period == 0 {
		return nil
	}
	var due []persist.WatchedSlot
	if err := v.store.View(func(tx *persist.Tx) error {
		return tx.ForEachWatchedSlot(func(w persist.WatchedSlot) error {
			if w.Next < period {
				due = append(due, w)
			}
			return nil
		})
	}); err != nil {
		return fmt.Errorf("validator: watched slots: %w", err)
	}
	decided, err := v.decide(ctx, due, period-1)
	if len(decided) == 0 {
		return err
	}
	return errors.Join(err, v.store.Update(ctx, func(tx *persist.Tx) error {
		for slot, keep := range decided {
			w, err := tx.WatchedSlot(slot)
			if errors.Is(err, persist.ErrNotFound) {
				continue // freed meanwhile
			} else if err != nil {
				return err
			}
			if !keep {
				if _, err := tx.DeleteWatchedSlot(slot); err != nil {
					return err
				}
				continue
			}
			w.Next = max(w.Next, period)
			if err := tx.PutWatchedSlot(w); err != nil {
				return err
			}
		}
		return nil
	}))
}

// decide reads the due slots' statuses for period in batches and marks the
// markable ones, all together once every batch is read. The map says, per
// slot decided, whether to keep watching it; a slot left out is tried
// again on the next round. A failed read stops the reading; what was
// read is still decided.
func (v *Validator) decide(ctx context.Context, due []persist.WatchedSlot, period uint64) (map[persist.ID]bool, error) {
	decided := make(map[persist.ID]bool, len(due))
	var cands []candidate
	var readErr error
	for len(due) > 0 {
		n := min(len(due), v.cfg.Batch)
		ids := make([]contracts.SlotID, n)
		for i, w := range due[:n] {
			ids[i] = contracts.SlotID(w.SlotID)
		}
		due = due[n:]
		statuses, err := v.chain.SlotStatuses(ctx, ids, period)
		if err == nil && len(statuses) != n {
			err = fmt.Errorf("%d statuses for %d slots", len(statuses), n)
		}
		if err != nil {
			readErr = fmt.Errorf("validator: slot statuses: %w", err)
			break
		}
		for i, st := range statuses {
			switch {
			case contracts.SlotState(st.State) != contracts.SlotStateFilled:
				decided[persist.ID(ids[i])] = false // ended, or freed
			case !st.Markable:
				decided[persist.ID(ids[i])] = true
			default:
				cands = append(cands, candidate{slot: ids[i], frees: v.frees(st)})
			}
		}
	}
	var marked map[contracts.SlotID]bool
	if v.cfg.Submitter != nil {
		marked = v.submitMarks(ctx, cands, period)
	} else {
		slots := make([]contracts.SlotID, len(cands))
		for i, c := range cands {
			slots[i] = c.slot
		}
		marked = v.markAll(ctx, slots, period)
	}
	for slot, keep := range marked {
		decided[persist.ID(slot)] = keep
	}
	return decided, readErr
}

// markWorkers bounds the marks in flight at once.
const markWorkers = 32

// markAll marks slots at once and returns the decided ones (see mark).
// Each mark waits until its transaction is mined: one after another, only
// about Timeout ÷ block time of them fit in the window the contract allows
// (two or three per period on the default config at 12 s blocks), and the
// rest of a period's missed proofs timed out unmarked.
func (v *Validator) markAll(ctx context.Context, slots []contracts.SlotID, period uint64) map[contracts.SlotID]bool {
	decided := make(map[contracts.SlotID]bool, len(slots))
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan contracts.SlotID)
	for range min(markWorkers, len(slots)) {
		wg.Go(func() {
			for slot := range next {
				if keep, ok := v.mark(ctx, slot, period); ok {
					mu.Lock()
					decided[slot] = keep
					mu.Unlock()
				}
			}
		})
	}
	for _, slot := range slots {
		next <- slot
	}
	close(next)
	wg.Wait()
	return decided
}

func (v *Validator) currentHead() (persist.Head, error) {
	if h := v.head.Load(); h != nil {
		return *h, nil
	}
	var c persist.Cursor
	err := v.store.View(func(tx *persist.Tx) (err error) { c, err = tx.Cursor(); return err })
	if errors.Is(err, persist.ErrNotFound) {
		return persist.Head{}, nil
	}
	if err != nil {
		return persist.Head{}, fmt.Errorf("validator: cursor: %w", err)
	}
	return c.Head(), nil
}

// mark sends the mark of a slot the status read found markable: ok
// reports a decision (keep false: the slot is no longer filled, stop
// watching it); !ok means a transient failure, to try again within the
// timeout. The contract may still refuse at gas estimation if the chain
// moved since the read; its reason settles the period the same way.
func (v *Validator) mark(ctx context.Context, slot contracts.SlotID, period uint64) (keep, ok bool) {
	reward, err := v.chain.MarkProofAsMissing(ctx, slot, period)
	switch {
	case err == nil:
		v.cfg.Log.Info("marked proof missing", "slotId", slot, "period", period, "reward", reward)
		v.mu.Lock()
		v.marks++
		if reward != nil {
			v.rewards.Add(&v.rewards, reward)
		}
		v.mu.Unlock()
		if v.cfg.OnMark != nil {
			v.cfg.OnMark(slot, period)
		}
		return true, true
	}
	if keep, ok := verdict(err); ok {
		return keep, true
	}
	v.cfg.Log.Warn("mark proof missing failed; will retry", "slotId", slot, "period", period, "err", err)
	return false, false
}

// settled errors mean the contract has decided this slot and period.
func settled(err error) bool {
	for _, e := range []error{contracts.ErrProofWasSubmitted, contracts.ErrProofNotRequired, contracts.ErrProofAlreadyMarked, contracts.ErrValidationTimedOut} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
