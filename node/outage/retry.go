package outage

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/retry"
)

// Retry calls try until it succeeds, fails with an error final says waiting
// will not change, or ctx ends. Between attempts it waits first, doubling
// up to maxWait but never below first (a retry.Policy), and logs the run
// of failures through a Log named what. It returns nil, or try's last
// error (with ctx's when ctx ended the wait).
func Retry(ctx context.Context, log hclog.Logger, what string, first, maxWait time.Duration,
	final func(error) bool, try func(context.Context) error, args ...any) error {
	l := Log{What: what}
	b := retry.Backoff{Policy: retry.Policy{Min: first, Max: max(first, maxWait)}}
	for {
		err := try(ctx)
		if err == nil {
			l.Note(log, nil, args...)
			return nil
		}
		if ctx.Err() != nil || final(err) {
			return err
		}
		l.Note(log, err, args...)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (stopped waiting: %w)", err, ctx.Err())
		case <-time.After(b.Next()):
		}
	}
}
