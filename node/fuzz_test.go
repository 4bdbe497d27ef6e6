package node_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slotd/slotd/node"
)

// FuzzConfig: whatever a config file holds, loading and validating it
// does not panic, and a config that passes is within every bound.
func FuzzConfig(f *testing.F) {
	f.Add(`{"poll": "1s", "txRetain": "2h", "workers": 3}`)
	f.Add(`{"poll": 1e300}`)
	f.Add(`{"poll": -1, "queueSize": 0}`)
	f.Add(`{"rpc": "https://u:secretpw@h/?apikey=abcdef", "marketplace": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "keyFile": "k", "passwordFile": "p"}`)
	f.Add(`{"apiAddr": "0.0.0.0:1", "publicReads": true, "maxConns": 5}`)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, file string) {
		path := filepath.Join(dir, "c.json")
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		c := node.Defaults()
		if err := c.LoadFile(path); err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			return
		}
		if c.Poll < node.MinPoll || c.Poll > node.MaxPoll || c.Workers < 1 || c.QueueSize < 1 || c.MaxConns < 0 {
			t.Fatalf("accepted out of bounds: %+v", c)
		}
	})
}

// FuzzRedactURL: a password of four or more characters in an RPC URL never
// survives redaction.
func FuzzRedactURL(f *testing.F) {
	f.Add("https", "alice", "hunter22", "h.example:8545", "/v3/0123456789abcdef0123", "apikey=K3Y0123")
	f.Add("ws", "a", "pass", "127.0.0.1", "", "")
	f.Fuzz(func(t *testing.T, scheme, user, pass, host, path, query string) {
		if len(pass) < 4 || strings.ContainsAny(pass, "@/?#:%") || strings.ContainsAny(user, "@/?#:%") {
			return
		}
		raw := scheme + "://" + user + ":" + pass + "@" + host + path
		if query != "" {
			raw += "?" + query
		}
		u, err := url.Parse(raw)
		if err != nil || u.User == nil {
			return
		}
		if p, _ := u.User.Password(); p != pass || strings.Contains("REDACTED", pass) {
			return
		}
		if got := node.RedactURL(raw); strings.Contains(got, pass) {
			t.Fatalf("RedactURL(%q) = %q keeps the password", raw, got)
		}
	})
}
