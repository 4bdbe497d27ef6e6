// Package fsm holds the host's sales agents: one state machine per slot
// this node sells or holds, on looplab/fsm (imported as lfsm), with every
// transition journaled in the persist store.
//
// A sale goes Preparing → Downloading → InitialProving → Filling → Filled →
// Proving → Payout → Finished, with side exits to Cancelled, Failed,
// Ignored (end states) and Errored (waits for the operator). Events is the
// one transition table; EventFor maps what a state's side effect found out
// to an event, and Reactions what a chain event does in each state.
//
// The rules that make an agent survive kill -9:
//
//   - A transition commits the new state, its journal entry and what it
//     implies (the reservation taken at the start and released at the end,
//     the queue entry removed, the fault kept in Errored) in one store
//     transaction, and only then moves the in-memory machine. A failed
//     commit changes nothing in memory.
//   - No looplab callback is registered: the machine never runs anything
//     by itself. Side effects (the Effects interface, implemented by the
//     node) are run by the agent's driver goroutine after the state that
//     needs them is durable, so after a crash Restore recreates the machine
//     at the saved state and the driver simply runs that state's side
//     effect again. Side effects are idempotent to make that safe.
//   - Transient errors back off and retry without limit; only a permanent
//     fault moves the agent to Errored, and Retry moves it back.
//
// Agents is the registry (agents.go) that owns the drivers (drive.go),
// creates agents for queue workers (Sell, in sell.go), restores them on
// start, commits their transitions (transition.go), and routes chain events
// to the agent that owns the slot (Dispatch, HandleEvent), and chain facts
// that came with no event, such as a request whose expiry passed (Tell, in
// dispatch.go).
//
// It imports persist, retry, looplab/fsm and the chain's vocabulary
// (contracts/marketplace), nothing that talks to the chain; the node
// implements Effects.
package fsm
