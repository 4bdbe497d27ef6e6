package transfer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// adminServer stands for a service on the host's own machine that a
// stranger's provider URL should never reach: it counts the requests it
// gets and answers with a secret.
func adminServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "ADMIN-SECRET-REPLY", http.StatusServiceUnavailable)
	}))
	t.Cleanup(s.Close)
	return s, &hits
}

// A request naming a loopback provider, by address or by a name that
// resolves to loopback, is refused by a downloader with default options:
// nothing is dialled.
func TestLoopbackProviderIsRefusedByDefault(t *testing.T) {
	s, man := upload(t, randomBytes(21, 100_000), 2, 1, 0)
	p := newProvider(t, s)
	admin, hits := adminServer(t)
	u, _ := url.Parse(admin.URL)
	byName := "http://localhost:" + u.Port()
	opt := fastOptions()
	opt.AllowPrivate = false
	for _, base := range []string{p.URL, admin.URL, byName} {
		d := NewDownloader(openStore(t), &MemProgress{}, opt)
		_, err := d.DownloadSlot(context.Background(), SlotRequest{SlotID: slotIDFor(man.CID, 0), CID: man.CID, Index: 0, Providers: []string{base}})
		if !errors.Is(err, ErrNoProviders) || !strings.Contains(err.Error(), ErrPrivateAddress.Error()) {
			t.Errorf("download from %s: %v, want %v naming %v", base, err, ErrNoProviders, ErrPrivateAddress)
		}
	}
	if n, r := hits.Load(), p.takeRanges(); n != 0 || len(r) != 0 {
		t.Fatalf("the loopback services got %d requests and %d ranges", n, len(r))
	}
	// --allow-private-providers lifts it.
	opt.AllowPrivate = true
	if _, err := NewDownloader(openStore(t), &MemProgress{}, opt).DownloadSlot(context.Background(),
		SlotRequest{SlotID: slotIDFor(man.CID, 0), CID: man.CID, Index: 0, Providers: []string{p.URL}}); err != nil {
		t.Fatalf("with AllowPrivate: %v", err)
	}
}

// A provider the policy allows (standing in for a public one) that
// redirects to a loopback service does not get it fetched.
func TestRedirectToPrivateIsNotFollowed(t *testing.T) {
	admin, hits := adminServer(t)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, admin.URL+"/admin/reset", http.StatusFound)
	}))
	t.Cleanup(origin.Close)
	ou, _ := url.Parse(origin.URL)
	originPort, _ := strconv.Atoi(ou.Port())
	d := NewDownloader(openStore(t), &MemProgress{}, fastOptions())
	d.client = newClient(func(ap netip.AddrPort) bool { return int(ap.Port()) == originPort })
	_, man := upload(t, randomBytes(22, 50_000), 2, 1, 0)
	_, err := d.DownloadSlot(context.Background(), SlotRequest{SlotID: slotIDFor(man.CID, 0), CID: man.CID, Index: 0, Providers: []string{origin.URL}})
	if !errors.Is(err, ErrNoProviders) || !strings.Contains(err.Error(), ErrPrivateAddress.Error()) {
		t.Fatalf("download through a redirect to loopback: %v", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the redirect was followed: %d requests reached the loopback service", hits.Load())
	}
}

// What a provider answers with an error status never reaches the error
// (and so the log): it is a stranger's text.
func TestProviderErrorBodyIsNotReported(t *testing.T) {
	admin, hits := adminServer(t)
	opt := fastOptions()
	opt.MaxAttempts = 2
	d := NewDownloader(openStore(t), &MemProgress{}, opt)
	_, man := upload(t, randomBytes(23, 50_000), 2, 1, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := d.DownloadSlot(ctx, SlotRequest{SlotID: slotIDFor(man.CID, 0), CID: man.CID, Index: 0, Providers: []string{admin.URL}})
	if err == nil || hits.Load() == 0 {
		t.Fatalf("download from a 503 server: %v after %d requests", err, hits.Load())
	}
	if strings.Contains(err.Error(), "ADMIN-SECRET") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("error %q carries the reply's body, or lacks its status", err)
	}
}
