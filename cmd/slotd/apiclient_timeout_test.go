package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A node that takes a call but does not answer in time (its request waits
// on a stuck transaction) is running: the message says so, and does not
// send the operator to check --api.
func TestSlowNodeIsNotBlamedOnTheAPI(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	c := newAPIClient(srv.URL, t.TempDir(), "", io.Discard)
	c.http.Timeout = 100 * time.Millisecond
	err := requestCmdBody(c)
	if err == nil || strings.Contains(err.Error(), "is a node running") || !strings.Contains(err.Error(), "transaction") ||
		!strings.Contains(err.Error(), "it is running") {
		t.Fatalf("timed-out request: %v, want it to name the node's pending transaction, not the API address", err)
	}

	close(release)
	srv.Close() // nothing listens: now the hint about --api is right
	if err := requestCmdBody(c); err == nil || !strings.Contains(err.Error(), "is a node running") {
		t.Fatalf("request to no node: %v", err)
	}
}

func requestCmdBody(c *apiClient) error {
	return c.print("POST", "/api/v1/purchases", map[string]any{"cid": "0x00"})
}
