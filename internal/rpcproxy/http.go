package rpcproxy

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// maxBody bounds a relayed request or reply: a log page of a busy chain
// is large, but not this large.
const maxBody = 128 << 20

// HTTP is a counting JSON-RPC forwarder over HTTP on 127.0.0.1: it counts
// every call by method, every batch by its size, and every TCP connection
// the node opens to it, the way a counting proxy in front of a hosted RPC
// sees a node's load. Close it when done.
type HTTP struct {
	srv    *http.Server
	l      net.Listener
	target string // http://host:port
	up     *http.Client
	count  *Counter
	wg     sync.WaitGroup
}

// StartHTTP listens on a free port and relays HTTP JSON-RPC to target (an
// http:// URL), counting what passes.
func StartHTTP(target string) (*HTTP, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("rpcproxy: listen: %w", err)
	}
	// The proxy's own side keeps plenty of idle connections, so that what
	// it counts is the node's connection habits, not its own.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 1024, 1024
	p := &HTTP{l: l, target: target, up: &http.Client{Transport: tr}, count: newCounter()}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 5 * time.Second,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				p.count.conn()
			}
		}}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.srv.Serve(l)
	}()
	return p, nil
}

// URL is the proxy's http:// address.
func (p *HTTP) URL() string { return "http://" + p.l.Addr().String() }

// Counter is what the proxy has counted since it started.
func (p *HTTP) Counter() *Counter { return p.count }

// Close stops the proxy, cutting open connections, and waits for it.
func (p *HTTP) Close() {
	p.srv.Close()
	p.wg.Wait()
	p.up.CloseIdleConnections()
}

func (p *HTTP) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		http.Error(w, "rpcproxy: reading the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > maxBody {
		http.Error(w, "rpcproxy: request too large", http.StatusRequestEntityTooLarge)
		return
	}
	p.count.message(body)
	req, err := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, "rpcproxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := p.up.Do(req)
	if err != nil {
		http.Error(w, "rpcproxy: upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, io.LimitReader(resp.Body, maxBody))
}
