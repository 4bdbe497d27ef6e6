package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
)

type answer struct{}

func (answer) Error() string   { return "refused" }
func (answer) Transient() bool { return false }

func TestClassify(t *testing.T) {
	plain := errors.New("bad input")
	for _, c := range []struct {
		err  error
		want Class
	}{
		{nil, Unknown},
		{plain, Unknown},
		{fmt.Errorf("call: %w", context.DeadlineExceeded), Transient},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, Transient},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), Transient},
		{syscall.EPIPE, Transient},
		{MarkTransient(plain), Transient},
		{MarkFinal(context.DeadlineExceeded), Final},
		{fmt.Errorf("send: %w", answer{}), Final},
		// The first mark wins: a retry marked around a refusal retries.
		{MarkTransient(fmt.Errorf("moved: %w", answer{})), Transient},
		{MarkFinal(MarkTransient(plain)), Final},
	} {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if MarkTransient(nil) != nil || MarkFinal(nil) != nil {
		t.Error("marking nil made an error")
	}
	if !errors.Is(MarkFinal(plain), plain) {
		t.Error("a mark hides what it wraps")
	}
}
