package fsm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slotd/slotd/persist"
)

// An agent's driver: the goroutine that runs its state's side effect and
// fires the event that came of it, and the settling of states whose side
// effect runs outside it (Scheduled, Settle).

func (r *Agents) startDriver(a *Agent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.startDriverLocked(a)
}

// startDriverLocked starts a's driver unless it has one, the registry is
// not running, or a has no side effect to run.
func (r *Agents) startDriverLocked(a *Agent) {
	if r.phase != phaseRunning || r.agents[a.id] != a {
		return
	}
	a.mu.Lock()
	if a.driving || !IsLive(a.sm.Current()) || a.parkedLocked() {
		a.mu.Unlock()
		return
	}
	a.driving = true
	a.mu.Unlock()
	r.wg.Add(1)
	go r.drive(a)
}

// keepDriving decides, under a.mu (as startDriver does), whether the
// driver goes on: it stops when the agent has nothing to run.
func (a *Agent) keepDriving(ctx context.Context) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ctx.Err() != nil || !IsLive(a.sm.Current()) || a.parkedLocked() {
		a.driving = false
		return false
	}
	return true
}

// parkedLocked: the agent waits in a Scheduled state with no note to
// react to, so it needs no driver. It runs under a.mu.
func (a *Agent) parkedLocked() bool {
	return len(a.inbox) == 0 && slices.Contains(a.r.sched, a.sm.Current())
}

// Scheduled reports whether state's side effect is run from outside the
// registry (Options.Scheduled).
func (r *Agents) Scheduled(state string) bool { return slices.Contains(r.sched, state) }

// Settle ends the slot's agent's stay in state (one of Options.Scheduled)
// with the outcome its outside driver found, as the driver would for a
// side effect's Step: the event EventFor names is fired and journaled at
// st.Block (0: Head). ErrNoAgent if the slot has no agent; nothing
// happens if it has left state meanwhile.
func (r *Agents) Settle(ctx context.Context, slot persist.ID, state string, st Step) error {
	a := r.Get(slot)
	if a == nil {
		return fmt.Errorf("settle %s: %w", slot, ErrNoAgent)
	}
	ev, ok := EventFor(state, st.Outcome)
	if !ok {
		return fmt.Errorf("settle %s: %w: outcome %v in state %q", slot, ErrInvalidEvent, st.Outcome, state)
	}
	block := st.Block
	if block == 0 {
		block = r.head()
	}
	if err := a.fire(ctx, state, ev, st.Detail, block); err != nil && !errors.Is(err, errStale) {
		return err
	}
	r.startDriver(a)
	return nil
}

// drive runs the agent: the side effect of its state, then the event its
// outcome maps to, until it reaches an end state or Errored, or the
// registry stops.
func (r *Agents) drive(a *Agent) {
	defer r.wg.Done()
	ctx := r.ctx
	for a.keepDriving(ctx) {
		state := a.State()
		if n, ok := a.nextNote(); ok {
			r.react(ctx, a, state, n)
			continue
		}
		ectx, cancel := context.WithCancel(ctx)
		if !a.beginEffect(state, cancel) {
			cancel()
			continue
		}
		step, err := runEffect(ectx, r.fx, state, a)
		cancel()
		if a.endEffect(state) || ctx.Err() != nil {
			continue // a chain event or Fire interrupted it; the loop sees which
		}
		if err != nil {
			if retried(err) || errors.Is(err, context.Canceled) {
				n := a.failed(err)
				r.log.Warn("side effect failed; retrying", "slotId", a.id, "state", state, "attempt", n, "error", err)
				r.wait(ctx, a, n)
				continue
			}
			r.log.Error("side effect failed permanently", "slotId", a.id, "state", state, "error", err)
			r.fireOrWait(ctx, a, state, EvError, err.Error(), r.head())
			continue
		}
		ev, ok := EventFor(state, step.Outcome)
		if !ok {
			r.fireOrWait(ctx, a, state, EvError, fmt.Sprintf("%s side effect returned outcome %v", state, step.Outcome), r.head())
			continue
		}
		block := step.Block
		if block == 0 {
			block = r.head()
		}
		r.fireOrWait(ctx, a, state, ev, step.Detail, block)
	}
}

// react applies a dispatched chain event.
func (r *Agents) react(ctx context.Context, a *Agent, state string, n note) {
	switch ev := Reaction(n.kind, state); ev {
	case "", Recheck:
		// Nothing, or run the side effect again: the loop does.
	default:
		if !r.fireOrWait(ctx, a, state, ev, n.detail, n.block) {
			a.requeueNote(n)
		}
	}
}

// fireOrWait fires and, if the commit failed, logs it and backs off; the
// loop then runs the side effect (or the reaction) again. It reports
// whether the event was fired (or is moot).
func (r *Agents) fireOrWait(ctx context.Context, a *Agent, state, event, detail string, block uint64) bool {
	err := a.fire(ctx, state, event, detail, block)
	if err == nil || errors.Is(err, errStale) {
		return true
	}
	n := a.failed(err)
	r.log.Error("could not commit transition; retrying", "slotId", a.id, "state", state, "event", event, "attempt", n, "error", err)
	r.wait(ctx, a, n)
	return false
}

// wait waits after the n-th failure in a row: MinBackoff doubling up
// to MaxBackoff, drawn from the upper half of that. A chain event for the
// agent or ctx ends the wait early.
func (r *Agents) wait(ctx context.Context, a *Agent, n int) {
	select {
	case <-a.wake: // left by a note the loop has handled already
	default:
	}
	a.mu.Lock()
	waiting := len(a.inbox) > 0
	a.mu.Unlock()
	if waiting {
		return
	}
	t := time.NewTimer(r.backoff.Delay(n))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-a.wake:
	case <-t.C:
	}
}
