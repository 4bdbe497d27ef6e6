// Package marketplace is the Marketplace contract's vocabulary as the rest of
// the node speaks it: the request and its ask, ids, the contract's states,
// events and custom errors, id derivation, amounts, bounds and proof timing.
//
// It is a leaf: it may import go-ethereum's common, crypto and accounts/abi,
// never the bindings or anything that links go-ethereum's RPC stack, so that
// queue, fsm and the node's roles can speak of requests and slots without
// linking a chain client. Package contracts talks to the chain and converts
// these types to and from the generated bindings; its struct types mirror the
// bindings field for field, which a test in contracts checks.
package marketplace
