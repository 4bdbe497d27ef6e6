package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDashboardIsServed: / is the dashboard page and its script and style
// come from the node itself (no CDN), under a same-origin-only policy.
// (What the page does in a browser is not tested here: that needs a
// headless browser, see the README.)
func TestDashboardIsServed(t *testing.T) {
	srv := httptest.NewServer((&Server{}).Handler())
	defer srv.Close()
	get := func(path string) (string, *http.Response) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b), resp
	}
	page, resp := get("/")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(page, `<script src="dashboard/app.js">`) || strings.Contains(page, "https://") ||
		resp.Header.Get("Content-Security-Policy") != "default-src 'self'" {
		t.Fatalf("GET /: %d %s %q", resp.StatusCode, resp.Header, page[:min(len(page), 200)])
	}
	js, resp := get("/dashboard/app.js")
	if resp.StatusCode != 200 || !strings.Contains(js, `"Bearer " + t`) || !strings.Contains(js, "api/v1/sales") {
		t.Fatalf("GET /dashboard/app.js: %d", resp.StatusCode)
	}
	if _, resp := get("/dashboard/style.css"); resp.StatusCode != 200 {
		t.Fatalf("style: %d", resp.StatusCode)
	}
	if _, resp := get("/nosuch"); resp.StatusCode != 404 {
		t.Fatalf("GET /nosuch: %d, want 404", resp.StatusCode)
	}
}
