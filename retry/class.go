package retry

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

// Class is what waiting can do about an error.
type Class int

const (
	// Unknown: nothing in the error says; the caller's default applies.
	Unknown Class = iota
	// Transient: the same attempt may succeed later (an outage, a timeout,
	// a mark).
	Transient
	// Final: an answer waiting will not change (a revert, a refusal, a
	// mark).
	Final
)

func (c Class) String() string {
	switch c {
	case Transient:
		return "transient"
	case Final:
		return "final"
	}
	return "unknown"
}

type marked struct {
	err       error
	transient bool
}

func (e marked) Error() string   { return e.err.Error() }
func (e marked) Unwrap() error   { return e.err }
func (e marked) Transient() bool { return e.transient }

// MarkTransient marks err as worth trying again, whatever it wraps. nil
// stays nil.
func MarkTransient(err error) error {
	if err == nil {
		return nil
	}
	return marked{err, true}
}

// MarkFinal marks err as an answer no retry will change, whatever it
// wraps. nil stays nil.
func MarkFinal(err error) error {
	if err == nil {
		return nil
	}
	return marked{err, false}
}

// Classify reads err's class. The first mark in err's chain wins:
// MarkTransient, MarkFinal, or any error with a `Transient() bool` method.
// Unmarked, network errors, timeouts, connection resets and refusals,
// broken pipes, unexpected EOFs and context deadlines are Transient;
// anything else (nil too) is Unknown.
func Classify(err error) Class {
	if err == nil {
		return Unknown
	}
	var m interface{ Transient() bool }
	if errors.As(err, &m) {
		if m.Transient() {
			return Transient
		}
		return Final
	}
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ETIMEDOUT):
		return Transient
	}
	return Unknown
}

// IsFinal reports whether err is an answer waiting will not change: for
// loops that wait out everything else.
func IsFinal(err error) bool { return Classify(err) == Final }
