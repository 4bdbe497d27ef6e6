package fsm

import (
	"context"
	"time"
)

// Prover is what the proving loop asks of the chain, the tx manager and
// the slot's stored data. The node implements it over contracts.Market
// and the data store. Periods are the chain's (block time), never the
// local clock's.
type Prover interface {
	// Period returns the chain's current period.
	Period(ctx context.Context) (uint64, error)
	// WaitPeriod blocks until the chain's current period is after `after`
	// and returns it (following new heads; it is fine to return a period
	// further on if the node was away).
	WaitPeriod(ctx context.Context, after uint64) (uint64, error)
	// Status reads how the sale stands on chain: running (the request is
	// Started and we host the slot), or over, with the Step the loop
	// returns (RequestEnded, RequestCancelled, RequestFailed or Lost).
	Status(ctx context.Context, a *Agent) (running bool, end Step, err error)
	// ProofRequired asks the chain whether the slot must be proven in
	// period.
	ProofRequired(ctx context.Context, a *Agent, period uint64) (bool, error)
	// SubmitProof builds the proof for period's challenge from the stored
	// slot data and submits it, once: it checks the chain and the tx
	// record (purpose "proof:<slotId>:<period>") first, and a proof the
	// chain already has counts as success.
	SubmitProof(ctx context.Context, a *Agent, period uint64) error
}

// ProvingOptions tune ProvingLoop. The zero value is what a node wants.
type ProvingOptions struct {
	// MinBackoff and MaxBackoff bound the wait between attempts after a
	// failed call (defaults 500ms and 15s: well inside a period).
	MinBackoff, MaxBackoff time.Duration
	// Observe, if set, hears how each period went: required or not, and the
	// error that made the proof miss the period (nil: proven or not
	// required). For metrics.
	Observe func(a *Agent, period uint64, required bool, err error)
	Logger  Logger
}

// ProvingLoop is the Proving state's side effect: each period, ask the
// chain whether a proof is required and, if so, submit it once. A failed
// call is retried within the period (with backoff) and never ends the
// loop: when the period passes without a proof it is logged as missed
// and the loop goes on with the next one. The loop ends only when Status
// says the sale is over (its end Step is returned) or ctx is done. After
// a restart it starts with the current period again; SubmitProof's own
// checks make that harmless.
func ProvingLoop(ctx context.Context, a *Agent, p Prover, opts ProvingOptions) (Step, error) {
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 500 * time.Millisecond
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(15*time.Second, opts.MinBackoff)
	}
	if opts.Logger == nil {
		opts.Logger = nopLogger{}
	}
	l := &prover{a: a, p: p, o: opts}
	var last uint64
	have := false
	fails := 0
	for {
		var period uint64
		var err error
		if have {
			period, err = p.WaitPeriod(ctx, last)
		} else {
			period, err = p.Period(ctx)
		}
		if err == nil {
			var running bool
			var end Step
			running, end, err = p.Status(ctx, a)
			if err == nil && !running {
				return end, nil
			}
		}
		if ctx.Err() != nil {
			return Step{}, ctx.Err()
		}
		if err != nil {
			fails++
			opts.Logger.Warn("proving loop: chain read failed; retrying", "slotId", a.id, "attempt", fails, "error", err)
			l.sleep(ctx, fails)
			continue
		}
		fails = 0
		l.prove(ctx, period)
		last, have = period, true
	}
}

type prover struct {
	a *Agent
	p Prover
	o ProvingOptions
}

// prove handles one period: retry until the proof is in (or not needed),
// the period has passed, or ctx is done.
func (l *prover) prove(ctx context.Context, period uint64) {
	required := false
	for attempt := 1; ; attempt++ {
		var err error
		required, err = l.p.ProofRequired(ctx, l.a, period)
		if err == nil && required {
			err = l.p.SubmitProof(ctx, l.a, period)
		}
		if err == nil {
			l.observe(period, required, nil)
			return
		}
		if ctx.Err() != nil {
			return
		}
		if !IsTransient(err) {
			// Retrying cannot help within this period (say the slot data
			// fails its check); the next period tries again.
			l.o.Logger.Error("proof failed", "slotId", l.a.id, "period", period, "error", err)
			l.observe(period, required, err)
			return
		}
		l.o.Logger.Warn("proof attempt failed; retrying within the period", "slotId", l.a.id, "period", period, "attempt", attempt, "error", err)
		l.sleep(ctx, attempt)
		if cur, perr := l.p.Period(ctx); perr == nil && cur != period {
			l.o.Logger.Error("proof missed: period passed", "slotId", l.a.id, "period", period, "attempts", attempt, "error", err)
			l.observe(period, required, err)
			return
		}
	}
}

func (l *prover) observe(period uint64, required bool, err error) {
	if l.o.Observe != nil {
		l.o.Observe(l.a, period, required, err)
	}
}

func (l *prover) sleep(ctx context.Context, n int) {
	d := l.o.MinBackoff
	for i := 1; i < n && d < l.o.MaxBackoff; i++ {
		d *= 2
	}
	t := time.NewTimer(min(d, l.o.MaxBackoff))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
