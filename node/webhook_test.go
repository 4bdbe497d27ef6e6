package node

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
)

// TestWebhookPostsRaisedAndCleared: each alert raised and each cleared is
// posted once, a failing receiver is retried, and Run returns on stop.
func TestWebhookPostsRaisedAndCleared(t *testing.T) {
	var mu sync.Mutex
	var got []string
	fails := 1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if fails > 0 {
			fails--
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		var ev AlertEvent
		json.NewDecoder(r.Body).Decode(&ev)
		got = append(got, ev.State+" "+ev.Alert.Kind)
	}))
	defer srv.Close()

	steps := [][]Alert{{{Kind: "a"}}, {{Kind: "a"}, {Kind: "b"}}, {{Kind: "b"}}, {{Kind: "b"}}}
	var step int
	var smu sync.Mutex
	h := &alertHook{url: srv.URL, every: 20 * time.Millisecond, client: srv.Client(), log: hclog.NewNullLogger(), retries: 3, backoff: 10 * time.Millisecond,
		source: func(context.Context) []Alert {
			smu.Lock()
			defer smu.Unlock()
			s := steps[min(step, len(steps)-1)]
			step++
			return s
		}}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	want := []string{"raised a", "raised b", "cleared a"}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // nothing more may come
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("webhook got %v, want %v (the first post failed once and was retried)", got, want)
	}
}

// TestWebhookNeverBlocks: a receiver that never answers does not hold
// Run's loop, and stopping returns promptly.
func TestWebhookNeverBlocks(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hang }))
	defer srv.Close()
	defer close(hang)
	calls := 0
	var mu sync.Mutex
	h := &alertHook{url: srv.URL, every: 5 * time.Millisecond, client: srv.Client(), log: hclog.NewNullLogger(), retries: 1, backoff: time.Millisecond,
		source: func(context.Context) []Alert {
			mu.Lock()
			defer mu.Unlock()
			calls++
			return []Alert{{Kind: string(rune('a' + calls%26))}} // a new alert every tick
		}}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	time.Sleep(300 * time.Millisecond)
	stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after stop while the receiver hung")
	}
	mu.Lock()
	defer mu.Unlock()
	if calls < 10 {
		t.Fatalf("the watcher ticked %d times in 300 ms: the hung receiver held it", calls)
	}
}
