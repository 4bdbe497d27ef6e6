package outage

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

var errFinal = errors.New("refused")

// TestRetry: failures are retried until one works, logged once per run;
// an error final says waiting will not change ends it at once, and so does
// ctx.
func TestRetry(t *testing.T) {
	var buf bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Output: &buf})
	final := func(err error) bool { return errors.Is(err, errFinal) }
	calls := 0
	err := Retry(context.Background(), log, "reading", time.Millisecond, 4*time.Millisecond, final, func(context.Context) error {
		if calls++; calls < 5 {
			return errors.New("connection refused")
		}
		return nil
	})
	if err != nil || calls != 5 {
		t.Fatalf("Retry: %v after %d calls, want success on the 5th", err, calls)
	}
	if out := buf.String(); strings.Count(out, "reading: failed") != 1 || !strings.Contains(out, "reading: working again") {
		t.Errorf("log:\n%s", out)
	}

	calls = 0
	err = Retry(context.Background(), log, "reading", time.Millisecond, time.Millisecond, final, func(context.Context) error {
		calls++
		return errFinal
	})
	if !errors.Is(err, errFinal) || calls != 1 {
		t.Fatalf("final error: %v after %d calls, want it after 1", err, calls)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = Retry(ctx, log, "reading", time.Hour, time.Hour, final, func(context.Context) error { return errors.New("down") })
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "down") {
		t.Fatalf("Retry after ctx ended: %v, want the last error and ctx's", err)
	}
}

// TestRetryNeverWaitsLessThanFirst: a first wait above the cap (a poll
// longer than the cap) stays the wait; it used to drop to the cap after
// the first attempt, reading the chain more often than the poll asked.
func TestRetryNeverWaitsLessThanFirst(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	calls := 0
	_ = Retry(ctx, hclog.NewNullLogger(), "reading", 50*time.Millisecond, time.Millisecond,
		func(error) bool { return false }, func(context.Context) error { calls++; return errors.New("down") })
	// 50 ms apart in 200 ms: at most 5 attempts however slow the machine
	// (a slow one makes fewer); at 1 ms apart it was about 150.
	if calls > 5 {
		t.Fatalf("%d attempts in 200 ms with a 50 ms first wait", calls)
	}
}
