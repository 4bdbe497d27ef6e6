package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy is a wait that doubles with each failure in a row: Min after the
// first, never more than Max. With Jitter the wait is drawn from the upper
// half of that, so that many workers failing together do not retry in step.
type Policy struct {
	Min, Max time.Duration
	Jitter   bool
}

// Delay is the wait after the n-th failure in a row (n ≥ 1).
func (p Policy) Delay(n int) time.Duration {
	d := p.Min
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if !p.Jitter || d <= 0 {
		return max(d, 0)
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Sleep waits Delay(n), or until ctx ends, when it returns ctx's cause.
func (p Policy) Sleep(ctx context.Context, n int) error {
	t := time.NewTimer(p.Delay(n))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Backoff counts one loop's run of failures against its Policy. The zero
// count is ready; one loop owns it (it is not safe for concurrent use).
type Backoff struct {
	Policy
	n int
}

// Next notes a failure and returns the wait before the next attempt.
func (b *Backoff) Next() time.Duration {
	b.n++
	return b.Delay(b.n)
}

// Reset notes a success: the next failure waits Min again.
func (b *Backoff) Reset() { b.n = 0 }
