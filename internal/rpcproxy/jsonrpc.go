package rpcproxy

import (
	"encoding/json"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Fault is what a JSONRPC proxy does to the traffic it relays.
type Fault int

const (
	Pass     Fault = iota
	Down           // cut every connection and refuse new ones
	Stall          // hold every message (both ways) until the fault ends
	LogError       // answer eth_getLogs with a server error
	TooMany        // answer eth_getLogs with "query returned more than 10000 results"
)

// JSONRPC is a websocket JSON-RPC forwarder on 127.0.0.1 that reads the
// messages it relays, so it can fail log queries as a provider does (an
// error, or a range with too many results) besides cutting and stalling
// connections. Close it when done.
type JSONRPC struct {
	srv    *http.Server
	l      net.Listener
	target string // ws://host:port

	mu    sync.Mutex
	fault Fault
	conns map[*websocket.Conn]struct{}
	wake  chan struct{} // closed when a Stall ends
	count *Counter      // nil until Count
	wg    sync.WaitGroup
}

// StartJSONRPC listens on a free port and relays websocket JSON-RPC to
// target (a ws:// URL).
func StartJSONRPC(target string) (*JSONRPC, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &JSONRPC{l: l, target: target, conns: map[*websocket.Conn]struct{}{}, wake: make(chan struct{})}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 5 * time.Second}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.srv.Serve(l)
	}()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *JSONRPC) Addr() string { return p.l.Addr().String() }

// SetFault switches what the proxy does; Down cuts every open connection.
func (p *JSONRPC) SetFault(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fault == Stall && f != Stall {
		close(p.wake)
		p.wake = make(chan struct{})
	}
	p.fault = f
	if f == Down {
		p.cutLocked()
	}
}

// Reset cuts every open connection once; new ones pass.
func (p *JSONRPC) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutLocked()
}

func (p *JSONRPC) cutLocked() {
	for c := range p.conns {
		c.Close()
	}
}

// Count turns on counting the calls the node sends from now on (parsing
// every message costs the relay, so it is off unless asked for) and
// returns the counter.
func (p *JSONRPC) Count() *Counter {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.count == nil {
		p.count = newCounter()
	}
	return p.count
}

// Close stops the proxy and waits for its goroutines.
func (p *JSONRPC) Close() {
	p.srv.Close()
	p.SetFault(Down)
	p.wg.Wait()
}

var upgrader = websocket.Upgrader{ReadBufferSize: 1 << 16, WriteBufferSize: 1 << 16}

func (p *JSONRPC) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	down := p.fault == Down
	p.mu.Unlock()
	if down {
		http.Error(w, "proxy down", http.StatusServiceUnavailable)
		return
	}
	up, _, err := websocket.DefaultDialer.Dial(p.target, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		up.Close()
		return
	}
	c.SetReadLimit(128 << 20)
	up.SetReadLimit(128 << 20)
	p.mu.Lock()
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.wg.Add(2)
	if p.count != nil {
		p.count.conn()
	}
	p.mu.Unlock()
	var wmu sync.Mutex // c is written by both relays
	go p.relay(c, up, &wmu, true)
	go p.relay(up, c, &wmu, false)
}

// relay copies messages from src to dst; from the node's side (fromNode) it
// answers log queries itself while a log fault is on.
func (p *JSONRPC) relay(src, dst *websocket.Conn, nodeMu *sync.Mutex, fromNode bool) {
	defer p.wg.Done()
	defer func() {
		src.Close()
		dst.Close()
		p.mu.Lock()
		delete(p.conns, src)
		delete(p.conns, dst)
		p.mu.Unlock()
	}()
	for {
		typ, msg, err := src.ReadMessage()
		if err != nil {
			return
		}
		p.mu.Lock()
		f, wake, count := p.fault, p.wake, p.count
		p.mu.Unlock()
		if fromNode && count != nil {
			count.message(msg)
		}
		if f == Stall {
			<-wake
		}
		if fromNode && (f == LogError || f == TooMany) {
			if reply, ok := failLogs(msg, f); ok {
				nodeMu.Lock()
				err := src.WriteMessage(websocket.TextMessage, reply)
				nodeMu.Unlock()
				if err != nil {
					return
				}
				continue
			}
		}
		if !fromNode {
			nodeMu.Lock()
		}
		err = dst.WriteMessage(typ, msg)
		if !fromNode {
			nodeMu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

type rpcCall struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
}

type rpcErr struct {
	Version string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// failLogs answers msg with errors if it is (or its batch holds) an
// eth_getLogs call.
func failLogs(msg []byte, f Fault) ([]byte, bool) {
	calls, batch, ok := parseCalls(msg)
	if !ok {
		return nil, false
	}
	hit := false
	for _, c := range calls {
		hit = hit || c.Method == "eth_getLogs"
	}
	if !hit {
		return nil, false
	}
	out := make([]rpcErr, len(calls))
	for i, c := range calls {
		out[i].Version, out[i].ID = "2.0", c.ID
		out[i].Error.Code, out[i].Error.Message = -32000, "proxy: log query failed"
		if f == TooMany {
			out[i].Error.Code, out[i].Error.Message = -32005, "query returned more than 10000 results"
		}
	}
	var b []byte
	if batch {
		b, _ = json.Marshal(out)
	} else {
		b, _ = json.Marshal(out[0])
	}
	return b, true
}
