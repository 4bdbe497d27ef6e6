package rpcproxy

import (
	"bytes"
	"encoding/json"
	"maps"
	"sync"
)

// Counts is what a counting proxy saw the node send.
type Counts struct {
	// Messages is HTTP requests (or websocket messages) carrying calls.
	Messages int
	// Calls is JSON-RPC calls by method; a batch of n counts n.
	Calls map[string]int
	// Batches is batch messages by their size; a single call is no batch.
	Batches map[int]int
	// Conns is TCP connections the node opened to the proxy.
	Conns int
	// Unparsed is messages that were not JSON-RPC (relayed all the same).
	Unparsed int
}

// Total is the number of calls of every method.
func (c Counts) Total() int {
	n := 0
	for _, v := range c.Calls {
		n += v
	}
	return n
}

// Sub is what was counted since prev, an earlier snapshot of the same
// counter: figures measure a window, not the node's start.
func (c Counts) Sub(prev Counts) Counts {
	d := Counts{Messages: c.Messages - prev.Messages, Conns: c.Conns - prev.Conns, Unparsed: c.Unparsed - prev.Unparsed,
		Calls: map[string]int{}, Batches: map[int]int{}}
	for m, v := range c.Calls {
		if v -= prev.Calls[m]; v != 0 {
			d.Calls[m] = v
		}
	}
	for s, v := range c.Batches {
		if v -= prev.Batches[s]; v != 0 {
			d.Batches[s] = v
		}
	}
	return d
}

// Counter counts the calls, batches and connections a proxy relays.
// Safe for concurrent use.
type Counter struct {
	mu sync.Mutex
	c  Counts
}

func newCounter() *Counter {
	return &Counter{c: Counts{Calls: map[string]int{}, Batches: map[int]int{}}}
}

// Snapshot is a copy of the counts so far.
func (k *Counter) Snapshot() Counts {
	k.mu.Lock()
	defer k.mu.Unlock()
	c := k.c
	c.Calls, c.Batches = maps.Clone(k.c.Calls), maps.Clone(k.c.Batches)
	return c
}

func (k *Counter) conn() {
	k.mu.Lock()
	k.c.Conns++
	k.mu.Unlock()
}

// message counts one message from the node: a call or a batch of them.
func (k *Counter) message(msg []byte) {
	calls, batch, ok := parseCalls(msg)
	k.mu.Lock()
	defer k.mu.Unlock()
	if !ok {
		k.c.Unparsed++
		return
	}
	k.c.Messages++
	if batch {
		k.c.Batches[len(calls)]++
	}
	for _, c := range calls {
		k.c.Calls[orUnnamed(c.Method)]++
	}
}

func orUnnamed(m string) string {
	if m == "" {
		return "(no method)"
	}
	return m
}

// parseCalls reads msg as one JSON-RPC call or a batch of them.
func parseCalls(msg []byte) (calls []rpcCall, batch, ok bool) {
	msg = bytes.TrimSpace(msg)
	if len(msg) > 0 && msg[0] == '[' {
		if json.Unmarshal(msg, &calls) != nil {
			return nil, true, false
		}
		return calls, true, true
	}
	var c rpcCall
	if json.Unmarshal(msg, &c) != nil {
		return nil, false, false
	}
	return []rpcCall{c}, false, true
}
