package fsm

import (
	"context"
	"fmt"

	"github.com/slotd/slotd/retry"
)

// Step is what a side effect reports when its work is over.
type Step struct {
	Outcome Outcome
	// Block is the chain block at which the outcome was seen (0: the
	// registry's Head, if it has one). It goes into the journal entry.
	Block uint64
	// Detail goes into the journal entry: a tx hash, bytes verified, why
	// the slot was lost...
	Detail string
}

// Effects are the side effects of the live states, one method per state.
// The node implements them over the chain, the tx manager and the data
// store; tests use a scripted fake.
//
// The contract: each method may be run again from the start after a crash
// at any point, or after the driver interrupted it (its ctx is cancelled
// when a chain event needs the agent, or on Stop), so it must be
// idempotent. It reads the chain and the persisted tx record before it
// sends anything, and resumes persisted progress rather than restarting
// it. It returns when its state's work is over, with the outcome, or with
// an error: one retry.Classify calls transient is retried with backoff
// (never ending the agent), any other moves the agent to Errored with the error as reason.
// It returns ctx.Err() promptly once ctx is done. It trusts the chain's
// state and block time, never the local clock, for anything that ends a
// sale.
type Effects interface {
	// Prepare checks the slot is still free and the request open (New or
	// Started, not expired). The agent's bytes are already reserved.
	Prepare(ctx context.Context, a *Agent) (Step, error)
	// Download fetches the slot's data, resuming persisted progress and
	// verifying every block.
	Download(ctx context.Context, a *Agent) (Step, error)
	// InitialProve checks that the slot's verified data is held and
	// readable, so that Fill can prove it. It builds no proof: the one
	// fillSlot carries answers the challenge current when Fill sends, so
	// Fill builds it then.
	InitialProve(ctx context.Context, a *Agent) (Step, error)
	// Fill approves the collateral and sends fillSlot (once: it checks the
	// slot on chain and the tx record "fill:<slotId>" first), and waits for
	// the receipt. Done means our fill is mined; Lost, RequestCancelled,
	// RequestFailed or RequestEnded mean it did not land and why.
	Fill(ctx context.Context, a *Agent) (Step, error)
	// ConfirmFill checks on chain, after the receipt, that we host the
	// slot (Done) or not (Lost). It does not wait for SlotFilled.
	ConfirmFill(ctx context.Context, a *Agent) (Step, error)
	// Prove answers every period's challenge that needs a proof (a failed
	// proof is retried, never ends the sale) until the chain says
	// the request ended (Done or RequestEnded), was cancelled or failed,
	// or the slot was freed from us (Lost).
	Prove(ctx context.Context, a *Agent) (Step, error)
	// Payout frees the slot and collects what is due, once, and reports
	// how the request ended: Done (finished), RequestCancelled,
	// RequestFailed, or Lost (nothing due: the slot is not ours).
	Payout(ctx context.Context, a *Agent) (Step, error)
}

// runEffect runs state's side effect, turning a panic into a permanent
// error.
func runEffect(ctx context.Context, fx Effects, state string, a *Agent) (st Step, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = retry.MarkFinal(fmt.Errorf("%s side effect panicked: %v", state, p))
		}
	}()
	switch state {
	case Preparing:
		return fx.Prepare(ctx, a)
	case Downloading:
		return fx.Download(ctx, a)
	case InitialProving:
		return fx.InitialProve(ctx, a)
	case Filling:
		return fx.Fill(ctx, a)
	case Filled:
		return fx.ConfirmFill(ctx, a)
	case Proving:
		return fx.Prove(ctx, a)
	case Payout:
		return fx.Payout(ctx, a)
	}
	return Step{}, retry.MarkFinal(fmt.Errorf("state %q has no side effect", state))
}
