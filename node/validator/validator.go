// Package validator marks missed storage proofs. It watches which slots are
// filled (from SlotFilled/SlotFreed logs) and, after each period ends, asks
// the Marketplace to mark every watched slot whose required proof never came.
//
// It keeps no state of its own: on start it rebuilds the watched set from the
// logs since the marketplace's deployment, and a mark the contract would
// refuse (proof submitted, not required, already marked, slot no longer
// filled) fails at gas estimation and is never sent. So a restart never marks
// twice and never misses a period whose timeout has not passed.
package validator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node/outage"
)

// Chain is what the validator needs of the Marketplace.
type Chain interface {
	CurrentPeriod(ctx context.Context) (uint64, error)
	MarkProofAsMissing(ctx context.Context, slot contracts.SlotID, period uint64) error
	PastEvents(ctx context.Context, from, to uint64, fn func(last uint64, events []contracts.Event) error) error
	Head(ctx context.Context) (uint64, error)
}

// Config tunes the validator.
type Config struct {
	FromBlock     uint64        // where the marketplace was deployed
	Confirmations uint64        // blocks behind the head to read logs
	Poll          time.Duration // how often to look at the chain
	Log           hclog.Logger
	OnMark        func(slot contracts.SlotID, period uint64) // metrics hook, may be nil
}

// Validator is one validator loop; Run owns its goroutine.
type Validator struct {
	chain Chain
	cfg   Config

	mu      sync.Mutex
	watched map[contracts.SlotID]struct{}
	next    uint64                      // first block not yet scanned
	tried   map[contracts.SlotID]uint64 // last period already decided per slot
	marks   int
}

// New returns a validator over chain.
func New(chain Chain, cfg Config) *Validator {
	if cfg.Poll == 0 {
		cfg.Poll = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = hclog.NewNullLogger()
	}
	return &Validator{chain: chain, cfg: cfg, watched: map[contracts.SlotID]struct{}{}, tried: map[contracts.SlotID]uint64{}, next: cfg.FromBlock}
}

// Marks is how many proofs this validator has marked missing since start.
func (v *Validator) Marks() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.marks
}

// Watched is how many slots are being watched.
func (v *Validator) Watched() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.watched)
}

// Run scans and marks until ctx ends. RPC errors are logged and retried on
// the next tick; they never stop the loop.
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
		case <-t.C:
		}
	}
}

// Step reads new logs and marks what the last period missed.
func (v *Validator) Step(ctx context.Context) error {
	if err := v.scan(ctx); err != nil {
		return err
	}
	period, err := v.chain.CurrentPeriod(ctx)
	if err != nil {
		return fmt.Errorf("current period: %w", err)
	}
	if period == 0 {
		return nil
	}
	for _, slot := range v.slots() {
		v.check(ctx, slot, period-1)
	}
	return nil
}

func (v *Validator) scan(ctx context.Context) error {
	head, err := v.chain.Head(ctx)
	if err != nil {
		return fmt.Errorf("head: %w", err)
	}
	if head < v.cfg.Confirmations {
		return nil
	}
	to := head - v.cfg.Confirmations
	if to < v.next {
		return nil
	}
	return v.chain.PastEvents(ctx, v.next, to, func(last uint64, events []contracts.Event) error {
		v.mu.Lock()
		defer v.mu.Unlock()
		for _, ev := range events {
			v.apply(ev)
		}
		v.next = last + 1
		return nil
	})
}

func (v *Validator) apply(ev contracts.Event) {
	switch e := ev.(type) {
	case *contracts.SlotFilled:
		v.watched[contracts.GetSlotID(e.RequestID, e.SlotIndex)] = struct{}{}
	case *contracts.SlotFreed:
		delete(v.watched, contracts.GetSlotID(e.RequestID, e.SlotIndex))
	}
}

func (v *Validator) slots() []contracts.SlotID {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]contracts.SlotID, 0, len(v.watched))
	for s := range v.watched {
		out = append(out, s)
	}
	return out
}

// check decides one slot for one period, once.
func (v *Validator) check(ctx context.Context, slot contracts.SlotID, period uint64) {
	v.mu.Lock()
	done, ok := v.tried[slot]
	v.mu.Unlock()
	if ok && done >= period {
		return
	}
	err := v.chain.MarkProofAsMissing(ctx, slot, period)
	switch {
	case err == nil:
		v.cfg.Log.Info("marked proof missing", "slotId", slot, "period", period)
		v.mu.Lock()
		v.marks++
		v.mu.Unlock()
		if v.cfg.OnMark != nil {
			v.cfg.OnMark(slot, period)
		}
	case errors.Is(err, contracts.ErrSlotNotFilled):
		v.mu.Lock()
		delete(v.watched, slot) // ended, freed or reorged away
		v.mu.Unlock()
	case settled(err):
	default:
		v.cfg.Log.Warn("mark proof missing failed; will retry", "slotId", slot, "period", period, "err", err)
		return // transient: try again next tick, within the timeout
	}
	v.mu.Lock()
	v.tried[slot] = period
	v.mu.Unlock()
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
