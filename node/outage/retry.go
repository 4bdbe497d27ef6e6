package outage

import (
	"context"
	"fmt"
	"time"
)

// Retry calls try until it succeeds, fails with an error final says waiting
// will not change, or ctx ends. Between attempts it waits first, doubling
// up to max, and logs the run of failures through a Log named what. It
// returns nil, or try's last error (with ctx's when ctx ended the wait).
func Retry(ctx context.Context, log Logger, what string, first, max time.Duration,
	final func(error) bool, try func(context.Context) error, args ...any) error {
	l := Log{What: what}
	wait := first
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
		case <-time.After(wait):
		}
		wait = min(2*wait, max)
	}
}
