// Package present turns the node's numbers into what a person reads: token
// amounts in the token's units with its symbol, times as dates and
// durations, long ids shortened, and aligned tables that fit a terminal.
// It only formats; scripts read the API's JSON, which keeps every number
// exact.
package present
