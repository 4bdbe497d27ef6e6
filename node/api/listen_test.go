package api

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// serveLimited serves s's routes as the node does, within lim.
func serveLimited(t *testing.T, lim Limits, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, l := NewHTTPServer(ln, h, lim)
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// dialFrom connects to addr from the loopback address from (127.0.0.x:
// another "client" on the same machine).
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// idleConn makes one request on a new connection and leaves it open, idle.
func idleConn(t *testing.T, from, addr string) net.Conn {
	c := dialFrom(t, from, addr)
	c.Write([]byte("GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err == nil {
		resp.Body.Close()
	}
	return c
}

// closed reports whether the server has closed c (reading gets EOF or a
// reset rather than a timeout).
func closed(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	var b [512]byte
	for {
		_, err := c.Read(b[:])
		if err == nil {
			continue // a 503 or a reply still in the socket
		}
		return !errors.Is(err, os.ErrDeadlineExceeded)
	}
}

func operatorStatus(t *testing.T, addr string) int {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/api/v1/status")
	if err != nil {
		t.Fatalf("operator request: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Many idle keep-alive connections from one client: the client keeps at
// most its cap open, a fresh operator request answers, and the idle ones
// are closed after the idle timeout.
func TestIdleConnectionsCannotExhaustTheAPI(t *testing.T) {
	lim := Limits{MaxConns: 40, MaxConnsPerClient: 8, IdleTimeout: 400 * time.Millisecond}
	addr := serveLimited(t, lim, (&Server{Token: token}).Handler())
	var conns []net.Conn
	for range 60 {
		conns = append(conns, idleConn(t, "127.0.0.2", addr))
	}
	if code := operatorStatus(t, addr); code != http.StatusOK {
		t.Fatalf("operator status while 60 idle connections are held: %d", code)
	}
	open := 0
	for _, c := range conns {
		if !closed(c) {
			open++
		}
	}
	if open > lim.MaxConnsPerClient {
		t.Fatalf("%d of the client's idle connections are open, cap %d", open, lim.MaxConnsPerClient)
	}
	time.Sleep(lim.IdleTimeout + 500*time.Millisecond)
	for i, c := range conns {
		if !closed(c) {
			t.Fatalf("idle connection %d still open after the idle timeout", i)
		}
	}
}

// Strangers holding every place with busy connections (slow downloads)
// do not lock out the operator's own machine.
func TestBusyConnectionsLeaveTheOperatorAPlace(t *testing.T) {
	lim := Limits{MaxConns: 12, MaxConnsPerClient: 4}
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/", (&Server{Token: token}).Handler())
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) { <-release })
	addr := serveLimited(t, lim, mux)
	defer close(release)
	var refused int
	for _, from := range []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"} {
		for range 5 {
			c := dialFrom(t, from, addr)
			c.Write([]byte("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"))
			if closed(c) {
				refused++
			}
		}
	}
	if refused != 20-lim.MaxConns {
		t.Fatalf("%d of 20 busy connections were turned away with %d places, want %d", refused, lim.MaxConns, 20-lim.MaxConns)
	}
	if code := operatorStatus(t, addr); code != http.StatusOK {
		t.Fatalf("operator status while strangers hold every place: %d", code)
	}
}
