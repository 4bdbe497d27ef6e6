// Package retry holds the node's one retry policy and its one error
// classifier, so that every loop that waits out trouble waits the same way
// and agrees on what trouble is worth waiting out.
//
// A Policy gives the wait after the n-th failure in a row; a Backoff counts
// a loop's run of failures against one. Errors carry their class: code that
// knows an error marks it with Transient or Permanent (or gives its type a
// `Transient() bool` method, as contracts' revert errors do) and Classify
// reads the first mark in the chain, falling back to what the standard
// library says of networks and deadlines. Callers pick what an unmarked
// error means to them (Unknown): the agents' driver ends a sale on it, a
// read loop waits it out.
//
// It imports only the standard library, so that fsm and queue can use it
// without linking the chain client.
package retry
