package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/persist"
)

func offer(t *testing.T, srv *httptest.Server, size uint64) (int, string) {
	t.Helper()
	body := fmt.Sprintf(`{"totalSize":%d,"duration":3600,"minPricePerBytePerSecond":"1","maxCollateralPerByte":"10"}`, size)
	resp, out := do(t, srv, "POST", "/api/v1/availabilities", token, strings.NewReader(body))
	return resp.StatusCode, out
}

// An availability larger than the disk (2^64-1 bytes) is refused, with
// the figures.
func TestAvailabilityLargerThanTheDiskIsRefused(t *testing.T) {
	srv, _ := newServer(t)
	code, out := offer(t, srv, 1<<64-1)
	if code != http.StatusInsufficientStorage || !strings.Contains(out, "bytes free") || !strings.Contains(out, "18446744073709551615") {
		t.Fatalf("availability of 2^64-1 bytes: %d %s", code, out)
	}
}

// On a disk with 2 MiB to spare, 5 MiB is refused, 1 MiB is accepted,
// and then 1.5 MiB more is refused: offers add up.
func TestAvailabilitiesAddUpAgainstTheDisk(t *testing.T) {
	dir := t.TempDir()
	store, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s := &Server{Store: store, Token: token, FreeSpace: func() (uint64, error) { return datastore.SpaceMargin + 2<<20, nil }}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	if code, out := offer(t, srv, 5<<20); code != http.StatusInsufficientStorage || !strings.Contains(out, "at most 2097152 bytes (2.0 MiB) fit") {
		t.Fatalf("5 MiB on a disk with 2 MiB to spare: %d %s", code, out)
	}
	if code, out := offer(t, srv, 1<<20); code != http.StatusCreated {
		t.Fatalf("1 MiB: %d %s", code, out)
	}
	if code, out := offer(t, srv, 3<<19); code != http.StatusInsufficientStorage || !strings.Contains(out, "1048576 of them already promised") {
		t.Fatalf("1.5 MiB more: %d %s", code, out)
	}
}
