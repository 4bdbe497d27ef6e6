package chain

import (
	"context"
	"errors"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/slotd/slotd/retry"
)

// Run replays from the cursor and then follows the chain until ctx is
// cancelled, when it returns nil. Errors from the provider or the store are
// logged and retried with backoff; Run only gives up on ErrReorgTooDeep,
// which needs the operator.
func (in *Ingestor) Run(ctx context.Context) error {
	f := follower{in: in, heads: make(chan *types.Header, 64)}
	defer f.unsubscribe()
	_, f.canSubscribe = in.cfg.Client.(HeadSubscriber)
	policy := retry.Policy{Min: in.cfg.MinBackoff, Max: in.cfg.MaxBackoff}
	errBackoff := retry.Backoff{Policy: policy}
	f.subBackoff = retry.Backoff{Policy: policy}
	for {
		f.subscribe(ctx)
		err := in.Sync(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrReorgTooDeep) {
			return err
		}
		wait := in.cfg.PollInterval
		if err != nil {
			wait = errBackoff.Next()
			if errors.Is(err, errChainMoved) {
				in.log.Debug("chain moved during a pass; retrying", "err", err)
			} else {
				in.log.Warn("chain ingestion failed; retrying", "err", err, "in", wait)
			}
		} else {
			errBackoff.Reset()
		}
		if !f.wait(ctx, wait, err != nil) {
			return nil
		}
	}
}

// follower holds Run's head subscription.
type follower struct {
	in           *Ingestor
	canSubscribe bool
	sub          ethereum.Subscription
	heads        chan *types.Header
	subBackoff   retry.Backoff
	resubAt      time.Time
}

func (f *follower) subscribe(ctx context.Context) {
	if !f.canSubscribe || f.sub != nil || time.Now().Before(f.resubAt) {
		return
	}
	sub, err := f.in.cfg.Client.(HeadSubscriber).SubscribeNewHead(ctx, f.heads)
	switch {
	case err == nil:
		f.sub = sub
		f.subBackoff.Reset()
		f.in.log.Debug("subscribed to new heads")
	case errors.Is(err, rpc.ErrNotificationsUnsupported):
		f.canSubscribe = false
		f.in.log.Info("provider cannot push new heads; polling", "every", f.in.cfg.PollInterval)
	default:
		d := f.subBackoff.Next()
		f.resubAt = time.Now().Add(d)
		f.in.log.Warn("head subscription failed; polling meanwhile", "err", err, "retry in", d)
	}
}

func (f *follower) unsubscribe() {
	if f.sub != nil {
		f.sub.Unsubscribe()
		f.sub = nil
	}
}

// wait returns when the next pass is due: a new head (unless the last pass
// failed, whose backoff is respected), the poll interval, or the time to
// resubscribe. It returns false when ctx ends.
func (f *follower) wait(ctx context.Context, d time.Duration, failed bool) bool {
	if f.canSubscribe && f.sub == nil {
		d = max(0, min(d, time.Until(f.resubAt)))
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	var subErr <-chan error
	if f.sub != nil {
		subErr = f.sub.Err()
	}
	for {
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true
		case <-f.heads:
			if !failed {
				drain(f.heads)
				return true
			}
		case err := <-subErr:
			f.unsubscribe()
			d := f.subBackoff.Next()
			f.resubAt = time.Now().Add(d)
			f.in.log.Warn("head subscription dropped; reconnecting, and blocks mined meanwhile will be read from logs",
				"err", err, "retry in", d)
			return true
		}
	}
}

func drain(ch chan *types.Header) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}
