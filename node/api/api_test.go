package api

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/metrics"
	"github.com/slotd/slotd/persist"
)

const token = "0123456789abcdef0123456789abcdef"

func newServer(t testing.TB) (*httptest.Server, *persist.Store) {
	dir := t.TempDir()
	store, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	data, err := datastore.Open(filepath.Join(dir, "data"), &datastore.Options{Recorder: datastore.PersistRecorder{Store: store}})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Store: store, Data: data, Token: token, Metrics: metrics.New(store)}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, store
}

func do(t testing.TB, srv *httptest.Server, method, path, tok string, body io.Reader) (*http.Response, string) {
	req, _ := http.NewRequest(method, srv.URL+path, body)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestStateChangesNeedTheToken(t *testing.T) {
	srv, _ := newServer(t)
	body := `{"totalSize":1048576,"duration":3600,"minPricePerBytePerSecond":"1","maxCollateralPerByte":"10"}`
	for _, tok := range []string{"", "wrong-token-wrong-token-wrong-token"} {
		if resp, _ := do(t, srv, "POST", "/api/v1/availabilities", tok, strings.NewReader(body)); resp.StatusCode != 401 {
			t.Fatalf("token %q: %d, want 401", tok, resp.StatusCode)
		}
	}
	resp, out := do(t, srv, "POST", "/api/v1/availabilities", token, strings.NewReader(body))
	if resp.StatusCode != 201 || !strings.Contains(out, `"freeSize": 1048576`) {
		t.Fatalf("add: %d %s", resp.StatusCode, out)
	}
	if resp, out := do(t, srv, "GET", "/api/v1/availabilities", "", nil); resp.StatusCode != 200 || !strings.Contains(out, `"totalSize": 1048576`) {
		t.Fatalf("list: %d %s", resp.StatusCode, out)
	}
	if resp, _ := do(t, srv, "DELETE", "/api/v1/availabilities/1", "", nil); resp.StatusCode != 401 {
		t.Fatalf("delete without token: %d", resp.StatusCode)
	}
	if resp, _ := do(t, srv, "DELETE", "/api/v1/availabilities/1", token, nil); resp.StatusCode != 204 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if resp, _ := do(t, srv, "DELETE", "/api/v1/availabilities/1", token, nil); resp.StatusCode != 404 {
		t.Fatalf("delete again: %d", resp.StatusCode)
	}
	if resp, _ := do(t, srv, "GET", "/api/v1/backup", "", nil); resp.StatusCode != 401 {
		t.Fatalf("backup without token: %d", resp.StatusCode)
	}
}

func TestBadBodiesGetClear4xx(t *testing.T) {
	srv, _ := newServer(t)
	for name, tc := range map[string]struct {
		body string
		code int
		says string
	}{
		"unknown field":  {`{"totalSize":1,"duration":1,"minPricePerBytePerSecond":"1","maxCollateralPerByte":"1","color":"red"}`, 400, "unknown field"},
		"wrong type":     {`{"totalSize":"big","duration":1}`, 400, "totalSize"},
		"bad amount":     {`{"totalSize":1,"duration":1,"minPricePerBytePerSecond":"1.5","maxCollateralPerByte":"1"}`, 400, "decimal"},
		"missing amount": {`{"totalSize":1,"duration":1}`, 400, "minPricePerBytePerSecond"},
		"zero size":      {`{"totalSize":0,"duration":1,"minPricePerBytePerSecond":"1","maxCollateralPerByte":"1"}`, 400, "totalSize"},
		"two objects":    {`{"totalSize":1,"duration":1,"minPricePerBytePerSecond":"1","maxCollateralPerByte":"1"}{}`, 400, "more than one"},
		"empty":          {``, 400, "empty body"},
		"huge":           {`{"x":"` + strings.Repeat("a", maxBody) + `"}`, 413, "larger than"},
	} {
		resp, out := do(t, srv, "POST", "/api/v1/availabilities", token, strings.NewReader(tc.body))
		if resp.StatusCode != tc.code || !strings.Contains(out, tc.says) {
			t.Errorf("%s: %d %s, want %d mentioning %q", name, resp.StatusCode, out, tc.code, tc.says)
		}
	}
	if resp, _ := do(t, srv, "GET", "/api/v1/sales/0x12", "", nil); resp.StatusCode != 400 {
		t.Errorf("bad slot id: %d", resp.StatusCode)
	}
	if resp, _ := do(t, srv, "GET", "/api/v1/sales/0x"+strings.Repeat("ab", 32), "", nil); resp.StatusCode != 404 {
		t.Errorf("unknown slot: %d", resp.StatusCode)
	}
	if resp, _ := do(t, srv, "POST", "/api/v1/purchases", token, strings.NewReader(`{}`)); resp.StatusCode != 503 {
		t.Errorf("purchase without client role: %d", resp.StatusCode)
	}
	cancel := "/api/v1/purchases/0x" + strings.Repeat("ab", 32) + "/cancel"
	if resp, _ := do(t, srv, "POST", cancel, "", nil); resp.StatusCode != 401 {
		t.Errorf("cancel without the token: %d, want 401", resp.StatusCode)
	}
	if resp, _ := do(t, srv, "POST", cancel, token, nil); resp.StatusCode != 503 {
		t.Errorf("cancel without client role: %d", resp.StatusCode)
	}
}

func TestUploadServeAndBackup(t *testing.T) {
	srv, _ := newServer(t)
	file := make([]byte, 100_000)
	rand.Read(file)
	resp, out := do(t, srv, "POST", "/api/v1/datasets?slots=3&maxSlotLoss=1&name=f.bin", token, bytes.NewReader(file))
	if resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, out)
	}
	var m datastore.Manifest
	json.Unmarshal([]byte(out), &m)
	if m.FileSize != uint64(len(file)) || m.DataSlots != 2 {
		t.Fatalf("manifest: %+v", m)
	}
	if resp, out := do(t, srv, "GET", "/api/v1/data/"+m.CID.Hex()+"/manifest", "", nil); resp.StatusCode != 200 || !strings.Contains(out, m.CID.Hex()) {
		t.Fatalf("served manifest: %d %s", resp.StatusCode, out)
	}
	if resp, _ := do(t, srv, "POST", "/api/v1/datasets?slots=2&maxSlotLoss=2", token, bytes.NewReader(file)); resp.StatusCode != 400 {
		t.Fatalf("maxSlotLoss ≥ slots: %d", resp.StatusCode)
	}
	resp, snap := do(t, srv, "GET", "/api/v1/backup", token, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("backup: %d", resp.StatusCode)
	}
	path := filepath.Join(t.TempDir(), "snap.db")
	os.WriteFile(path, []byte(snap), 0o600)
	s, err := persist.OpenReadOnly(path, 0)
	if err != nil {
		t.Fatalf("backup is not a store: %v", err)
	}
	defer s.Close()
	n := 0
	s.View(func(tx *persist.Tx) error { return tx.ForEachDataset(func(persist.Dataset) error { n++; return nil }) })
	if n != 1 {
		t.Fatalf("backup holds %d datasets, want the uploaded one", n)
	}
	if resp, out := do(t, srv, "GET", "/metrics", "", nil); resp.StatusCode != 200 || !strings.Contains(out, "slotd_queue_length") {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
}

func TestTokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api-token")
	a, err := LoadOrCreateToken(path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := LoadOrCreateToken(path)
	if a != b || len(a) != 64 {
		t.Fatalf("token not stable: %q %q", a, b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v", st.Mode().Perm())
	}
}

// FuzzAPIBodies: whatever a caller sends to a JSON route, the answer is a
// status below 500 and a JSON body.
func FuzzAPIBodies(f *testing.F) {
	srv, _ := newServer(f)
	f.Add("/api/v1/availabilities", `{"totalSize":1,"duration":1,"minPricePerBytePerSecond":"1","maxCollateralPerByte":"1"}`)
	f.Add("/api/v1/purchases", `{"cid":"0x00","duration":1}`)
	f.Add("/api/v1/availabilities", `[`)
	f.Add("/api/v1/availabilities", `{"totalSize":1,"totalSize":2,"duration":1,"minPricePerBytePerSecond":"+1","maxCollateralPerByte":"1"}`)
	f.Add("/api/v1/availabilities", `{"totalSize":18446744073709551615,"duration":1,"minPricePerBytePerSecond":"1","maxCollateralPerByte":1e3}`)
	f.Add("/api/v1/purchases", `{"a":[{"b":1,"b":2}],"cid":"0x00"}`)
	f.Fuzz(func(t *testing.T, path, body string) {
		if path != "/api/v1/availabilities" && path != "/api/v1/purchases" {
			return
		}
		resp, out := do(t, srv, "POST", path, token, strings.NewReader(body))
		if resp.StatusCode >= 500 && resp.StatusCode != 503 {
			t.Fatalf("%s %q: %d %s", path, body, resp.StatusCode, out)
		}
		if !json.Valid([]byte(out)) {
			t.Fatalf("%s %q: body is not JSON: %s", path, body, out)
		}
	})
}
