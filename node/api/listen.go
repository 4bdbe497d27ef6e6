package api

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Limits bound what the API's clients can hold open. Zero fields take the
// defaults in parentheses.
type Limits struct {
	MaxConns          int           // connections open at once, all clients together (1024, and at most half the file limit)
	MaxConnsPerClient int           // connections open at once from one IP address (64)
	IdleTimeout       time.Duration // a keep-alive connection waiting for its next request (60 s)
	// ReadTimeout and WriteTimeout bound reading one request and writing
	// its reply (30 s each). Slot data replies get more time in proportion
	// to their size, and the token-holding operator's uploads and backups
	// are not bound.
	ReadTimeout, WriteTimeout time.Duration
}

// Default limits.
const (
	DefaultMaxConns          = 1024
	DefaultMaxConnsPerClient = 64
)

func (l Limits) withDefaults() Limits {
	if l.MaxConns <= 0 {
		l.MaxConns = DefaultMaxConns
		if fl := fileLimit(); fl > 0 {
			// The store, slots and outgoing downloads need descriptors too.
			l.MaxConns = min(l.MaxConns, max(fl/2, 16))
		}
	}
	if l.MaxConnsPerClient <= 0 {
		l.MaxConnsPerClient = DefaultMaxConnsPerClient
	}
	l.MaxConnsPerClient = min(l.MaxConnsPerClient, l.MaxConns)
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = time.Minute
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = 30 * time.Second
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = 30 * time.Second
	}
	return l
}

// NewHTTPServer serves h on ln within lim: it returns the server and the
// listener to pass to its Serve. When a client or the node is at its
// connection cap, a new connection takes the place of the longest idle one
// (of that client, or of anyone): connections that wait for nothing cannot
// lock the operator out. Only when every connection is busy is a new one
// turned away, with a 503.
func NewHTTPServer(ln net.Listener, h http.Handler, lim Limits) (*http.Server, net.Listener) {
	lim = lim.withDefaults()
	cl := &capListener{Listener: ln, lim: lim, conns: map[*capConn]*connState{}, perIP: map[string]int{}}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: lim.ReadTimeout,
		WriteTimeout: lim.WriteTimeout, IdleTimeout: lim.IdleTimeout, MaxHeaderBytes: 64 << 10, ConnState: cl.track}
	return srv, cl
}

// capListener admits connections within Limits, evicting idle ones.
type capListener struct {
	net.Listener
	lim   Limits
	mu    sync.Mutex
	conns map[*capConn]*connState
	perIP map[string]int
}

// connState is what the listener knows of an open connection.
type connState struct {
	ip    string
	idle  bool      // between requests, or connected and no request yet
	since time.Time // when it became idle
}

// capConn is an admitted connection; closing it frees its place.
type capConn struct {
	net.Conn
	l    *capListener
	once sync.Once
}

func (c *capConn) Close() error {
	c.once.Do(func() { c.l.release(c) })
	return c.Conn.Close()
}

// busy is what a client turned away reads before the connection closes.
const busy = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 46\r\n\r\ntoo many connections: retry in a few seconds\r\n"

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		cc := &capConn{Conn: c, l: l}
		if l.admit(cc) {
			return cc, nil
		}
		c.SetWriteDeadline(time.Now().Add(time.Second))
		c.Write([]byte(busy))
		c.Close()
	}
}

// unbounded lifts the server's read and write timeouts for one request of
// the token-holding operator (an upload, a backup), which may take long.
func unbounded(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
}

func remoteIP(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// admit registers c, evicting the longest idle connection of its client
// or of anyone when a cap is reached; false when nothing can make room.
// Victims are closed outside the lock (their Close comes back to it).
func (l *capListener) admit(c *capConn) bool {
	victims, ok := l.makeRoom(remoteIP(c), c)
	for _, v := range victims {
		v.Close()
	}
	return ok
}

func (l *capListener) makeRoom(ip string, c *capConn) (victims []*capConn, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perIP[ip] >= l.lim.MaxConnsPerClient {
		v := l.oldestIdle(ip)
		if v == nil {
			return nil, false
		}
		victims = append(victims, v)
		l.forget(v)
	}
	if len(l.conns) >= l.lim.MaxConns {
		switch v := l.oldestIdle(""); {
		case v != nil:
			victims = append(victims, v)
			l.forget(v)
		case isOperator(ip) && len(l.conns) < l.lim.MaxConns+operatorReserve:
			// the operator's place is kept
		default:
			return victims, false
		}
	}
	l.conns[c] = &connState{ip: ip, idle: true, since: time.Now()}
	l.perIP[ip]++
	return victims, true
}

// operatorReserve is how many connections beyond MaxConns the operator's
// own machine may open when strangers hold every place with busy ones.
const operatorReserve = 16

// isOperator reports whether ip is the local machine's loopback address,
// where the operator's CLI connects from; no remote client can send from it.
func isOperator(ip string) bool { return ip == "127.0.0.1" || ip == "::1" }

// oldestIdle is the connection idle longest, of ip ("" for any client).
func (l *capListener) oldestIdle(ip string) *capConn {
	var best *capConn
	var bestSince time.Time
	for c, st := range l.conns {
		if st.idle && (ip == "" || st.ip == ip) && (best == nil || st.since.Before(bestSince)) {
			best, bestSince = c, st.since
		}
	}
	return best
}

// forget drops c from the counts; l.mu is held.
func (l *capListener) forget(c *capConn) {
	st, ok := l.conns[c]
	if !ok {
		return
	}
	delete(l.conns, c)
	if l.perIP[st.ip]--; l.perIP[st.ip] <= 0 {
		delete(l.perIP, st.ip)
	}
}

func (l *capListener) release(c *capConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forget(c)
}

// track follows the server's view of each connection (http.Server.ConnState).
func (l *capListener) track(nc net.Conn, s http.ConnState) {
	c, ok := nc.(*capConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.conns[c]
	switch {
	case !ok:
	case s == http.StateActive:
		st.idle = false
	case s == http.StateIdle:
		st.idle, st.since = true, time.Now()
	case s == http.StateHijacked || s == http.StateClosed:
		l.forget(c)
	}
}
