package sales

import (
	"context"
	"time"

	"github.com/slotd/slotd/node/outage"
	"github.com/slotd/slotd/retry"
)

// Work sales runs beside its Run (re-queueing, look-backs), retried
// until it works, and stopped with Run.

// background runs fn in a goroutine Run owns: under Run's context, and
// waited for before Run returns. Outside Run it does nothing.
func (s *Sales) background(fn func(ctx context.Context)) {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	ctx := s.bgCtx
	if ctx == nil || ctx.Err() != nil {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn(ctx)
	}()
}

// retryWaitMax caps the wait between attempts of a background retry.
const retryWaitMax = 30 * time.Second

// retry runs fn in the background until it works, the chain refuses for
// good (a contract error), or the node stops; in between it waits from one
// poll up to retryWaitMax. What reads the chain can fail while the RPC is
// down, and giving up would cost a sale.
func (s *Sales) retry(what string, fn func(ctx context.Context) error, args ...any) {
	s.background(func(ctx context.Context) {
		err := outage.Retry(ctx, s.log, what, s.cfg.Poll, retryWaitMax, retry.IsFinal, fn, args...)
		if err != nil && ctx.Err() == nil {
			s.log.Warn(what+": the chain refused; not trying again", append(args, "err", err)...)
		}
	})
}
