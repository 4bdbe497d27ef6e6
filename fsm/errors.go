package fsm

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

var (
	// ErrInvalidEvent: the event has no transition from the agent's state.
	ErrInvalidEvent = errors.New("event not allowed in the agent's state")
	// ErrSelling: the slot already has a live (or Errored) agent.
	ErrSelling = errors.New("slot already has an agent")
	// ErrNoAgent: no agent in memory for the slot.
	ErrNoAgent = errors.New("no agent for slot")
	// ErrNotErrored: Retry of an agent that is not Errored.
	ErrNotErrored = errors.New("agent is not errored")
	// ErrNotRunning: the registry has not been started, or was stopped.
	ErrNotRunning = errors.New("agents not running")
)

// errStale: the agent moved on while a side effect ran; its result is
// dropped.
var errStale = errors.New("agent state changed meanwhile")

// transientError marks an error worth retrying.
type transientError struct{ err error }

func (e transientError) Error() string   { return e.err.Error() }
func (e transientError) Unwrap() error   { return e.err }
func (e transientError) Transient() bool { return true }

// permanentError marks an error no retry will cure.
type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() error   { return e.err }
func (e permanentError) Transient() bool { return false }

// Transient marks err as transient: the driver backs off and runs the
// side effect again, however often it takes. nil stays nil.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return transientError{err}
}

// Permanent marks err as permanent: the agent goes to Errored with err's
// text as the reason. nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsTransient reports whether the driver retries err rather than moving
// the agent to Errored. The first mark in err's chain wins: Transient,
// Permanent, or any error with a `Transient() bool` method. Unmarked,
// network errors, timeouts, connection resets and refusals, unexpected
// EOFs and context deadlines are transient; anything else is permanent,
// so an Effects implementation should mark what it knows.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var m interface{ Transient() bool }
	if errors.As(err, &m) {
		return m.Transient()
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
		return true
	}
	return false
}
