package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/slotd/slotd/node/api"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/persist"
)

func TestClientCommandsTalkToTheAPI(t *testing.T) {
	dir := t.TempDir()
	store, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	token, _ := api.LoadOrCreateToken(filepath.Join(dir, "api-token"))
	data, err := datastore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&api.Server{Store: store, Data: data, Token: token}).Handler())
	defer srv.Close()
	cmd := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append(args, "--api", srv.URL, "--data-dir", dir), &out, &errb)
		return code, out.String(), errb.String()
	}
	// add prints the new availability as the list's table, or with
	// --json the API's answer.
	if code, out, errs := cmd("availability", "add", "--size", "4096", "--duration", "60", "--min-price", "1", "--max-collateral", "5"); code != 0 ||
		!regexp.MustCompile(`(?m)^ID +TOTAL +FREE.*\n +1 +4 KiB +4 KiB +1m00s `).MatchString(out) {
		t.Fatalf("add: %d %s %s", code, out, errs)
	}
	if code, out, errs := cmd("availability", "add", "--size", "4096", "--duration", "60", "--min-price", "1", "--max-collateral", "5", "--json"); code != 0 || !strings.Contains(out, `"totalSize": 4096`) {
		t.Fatalf("add --json: %d %s %s", code, out, errs)
	}
	file := filepath.Join(t.TempDir(), "f.bin")
	os.WriteFile(file, bytes.Repeat([]byte("slotd"), 10000), 0o600)
	// Through the API: progress as plain lines (stderr is no terminal), the
	// summary a local upload prints, or the manifest with --json.
	if code, out, errs := cmd("upload", file, "--slots", "3", "--max-slot-loss", "1"); code != 0 || !strings.HasPrefix(out, "cid:          0x") ||
		!regexp.MustCompile(`(?m)^upload: 100% \(0\.0 MiB of 0\.0 MiB\)`).MatchString(errs) || strings.Contains(errs, "\r") {
		t.Fatalf("upload through the API: %d %s %q", code, out, errs)
	}
	if code, out, errs := cmd("upload", file, "--slots", "3", "--max-slot-loss", "1", "--json"); code != 0 || !strings.Contains(out, `"cid"`) {
		t.Fatalf("upload --json through the API: %d %s %s", code, out, errs)
	}
	// --api takes host:port as well as a URL.
	if code, out, errs := cmd("availability", "list", "--json", "--api", strings.TrimPrefix(srv.URL, "http://")); code != 0 || !strings.Contains(out, `"freeSize": 4096`) {
		t.Fatalf("list --api host:port: %d %s %s", code, out, errs)
	}
	if code, out, _ := cmd("availability", "list", "--json"); code != 0 || !strings.Contains(out, `"freeSize": 4096`) {
		t.Fatalf("list --json: %d %s", code, out)
	}
	if code, out, _ := cmd("availability", "list"); code != 0 || !regexp.MustCompile(`(?m)^ID +TOTAL +FREE.*\n +1 +4 KiB +4 KiB +1m00s `).MatchString(out) {
		t.Fatalf("list: %d %s, want a table", code, out)
	}
	os.WriteFile(filepath.Join(dir, "api-token"), []byte("not-the-token-not-the-token"), 0o600)
	if code, _, errs := cmd("availability", "remove", "1"); code != 1 || !strings.Contains(errs, "401") || !strings.Contains(errs, "refused the token in "+dir) {
		t.Fatalf("remove with a wrong token: %d %s", code, errs)
	}
	os.Remove(filepath.Join(dir, "api-token"))
	if code, _, errs := cmd("availability", "remove", "1"); code != 1 || !strings.Contains(errs, "no API token at "+dir) {
		t.Fatalf("remove without a token: %d %s", code, errs)
	}
	os.WriteFile(filepath.Join(dir, "api-token"), []byte(token), 0o600)
	for _, args := range [][]string{{"sales", "retry"}, {"status", "now"}, {"availability", "grow"}, {"request"}} {
		if code, _, errs := cmd(args...); code != 2 || !strings.Contains(errs, "usage: slotd "+args[0]) {
			t.Fatalf("%v: %d %s, want its usage line", args, code, errs)
		}
	}
	if code, _, errs := cmd("request", "-h"); code != 0 || !strings.Contains(errs, "usage: slotd request --cid CID") || !strings.Contains(errs, "-proof-probability") {
		t.Fatalf("request -h: %d %s, want the usage line and the flags", code, errs)
	}
	if code, _, errs := cmd("request", "--cid", "0x01", "--duration", "10", "--expiry", "5", "--price", "1"); code != 1 || !strings.Contains(errs, "503") {
		t.Fatalf("request on a node without the client role: %d %s", code, errs)
	}
}

// TestRequestPrintsWhatToDoNext: slotd request prints the request id and
// where to follow it, or with --json the API's answer for scripts.
func TestRequestPrintsWhatToDoNext(t *testing.T) {
	const id = "0x9c236ff96cd7658bed61c223a3874de63a985c00ac6b86a237944271481dad89"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/api/v1/purchases" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"requestId":%q}`, id)
	}))
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "api-token"), []byte("t"), 0o600)
	for _, tc := range []struct {
		json bool
		want string
	}{
		{false, "requested:  " + id + "\nfollow it:  slotd purchases"},
		{true, `"requestId":"` + id + `"`},
	} {
		args := []string{"request", "--cid", "0x01", "--duration", "600", "--expiry", "300", "--price", "1", "--api", srv.URL, "--data-dir", dir}
		if tc.json {
			args = append(args, "--json")
		}
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 0 || !strings.Contains(out.String(), tc.want) {
			t.Errorf("slotd %v: exit %d, %q %s; want %q", args, code, out.String(), errb.String(), tc.want)
		}
	}
}
