package transfer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// brokenProvider redirects every request once, then answers 503 forever:
// it never serves a byte.
func brokenProvider(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Query().Get("again") == "" {
			http.Redirect(w, r, r.URL.Path+"?again=1", http.StatusFound)
			return
		}
		http.Error(w, "try later", http.StatusServiceUnavailable)
	}))
	t.Cleanup(s.Close)
	return s, &hits
}

// A provider that never serves is given up after its failure budget, and
// the same downloader does not try that provider set again.
func TestProviderThatNeverServesIsGivenUp(t *testing.T) {
	_, man := upload(t, randomBytes(41, 100_000), 2, 1, 0)
	p, hits := brokenProvider(t)
	opt := fastOptions()
	opt.MaxAttempts, opt.ProviderFailures, opt.ProviderStall = 1_000_000, 1_000_000, 300*time.Millisecond
	d := NewDownloader(openStore(t), &MemProgress{}, opt)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	_, err := d.DownloadSlot(ctx, SlotRequest{SlotID: slotIDFor(man.CID, 0), CID: man.CID, Index: 0, Providers: []string{p.URL}})
	if !errors.Is(err, ErrProvidersFailed) {
		t.Fatalf("download from a provider that never serves, after %s: %v, want %v", time.Since(start).Round(time.Millisecond), err, ErrProvidersFailed)
	}
	before := hits.Load()
	_, err = d.DownloadSlot(ctx, SlotRequest{SlotID: slotIDFor(man.CID, 1), CID: man.CID, Index: 1, Providers: []string{p.URL}})
	if !errors.Is(err, ErrProvidersFailed) || hits.Load() != before {
		t.Fatalf("second slot from the same failed provider: %v after %d more requests", err, hits.Load()-before)
	}
}

// A provider that accepts and then sends nothing holds a download no
// longer than the request's deadline.
func TestDownloadEndsAtItsDeadline(t *testing.T) {
	_, man := upload(t, randomBytes(42, 100_000), 2, 1, 0)
	hang := make(chan struct{})
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(p.Close)
	defer close(hang)
	opt := fastOptions()
	opt.RequestTimeout = time.Hour
	d := NewDownloader(openStore(t), &MemProgress{}, opt)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := d.DownloadSlot(ctx, SlotRequest{SlotID: slotIDFor(man.CID, 0), CID: man.CID, Index: 0, Providers: []string{p.URL},
		Deadline: time.Now().Add(300 * time.Millisecond)})
	if !errors.Is(err, ErrDeadline) {
		t.Fatalf("download from a silent provider: %v, want %v", err, ErrDeadline)
	}
	if _, err := d.RepairSlot(ctx, SlotRequest{SlotID: slotIDFor(man.CID, 0), CID: man.CID, Index: 0, Providers: []string{p.URL},
		Deadline: time.Now().Add(300 * time.Millisecond)}); !errors.Is(err, ErrDeadline) {
		t.Fatalf("repair from a silent provider: %v, want %v", err, ErrDeadline)
	}
}
