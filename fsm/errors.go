package fsm

import (
	"errors"

	"github.com/slotd/slotd/retry"
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

// retried reports whether the driver retries err rather than moving the
// agent to Errored: what retry.Classify calls transient. An unmarked error
// it knows nothing of is permanent, so an Effects implementation should
// mark what it knows (retry.MarkTransient, retry.MarkFinal).
func retried(err error) bool { return retry.Classify(err) == retry.Transient }
