package api

import (
	"net/http"
	"strings"
	"testing"
)

// Bodies that could mean two things, or that are too large, are refused:
// a signed amount, a field given twice (at any depth), and a body over the
// limit, however it is made up.
func TestAmbiguousOrOversizedBodiesAreRefused(t *testing.T) {
	srv, _ := newServer(t)
	ok := `{"totalSize":1024,"duration":3600,"minPricePerBytePerSecond":"1","maxCollateralPerByte":"10"}`
	for _, c := range []struct {
		name, body string
		code       int
		want       string
	}{
		{"plus sign", strings.Replace(ok, `"1"`, `"+1"`, 1), http.StatusBadRequest, "non-negative decimal integer"},
		{"minus sign", strings.Replace(ok, `"1"`, `"-1"`, 1), http.StatusBadRequest, "non-negative decimal integer"},
		{"exponent", strings.Replace(ok, `"10"`, `1e3`, 1), http.StatusBadRequest, "non-negative decimal integer"},
		{"spaces", strings.Replace(ok, `"10"`, `" 10"`, 1), http.StatusBadRequest, "non-negative decimal integer"},
		{"duplicate field", strings.Replace(ok, `"duration":3600`, `"duration":3600,"totalSize":1`, 1), http.StatusBadRequest, `totalSize\" appears twice`},
		{"over the limit, trailing spaces", ok + strings.Repeat(" ", maxBody), http.StatusRequestEntityTooLarge, "larger than"},
		{"over the limit, one string", `{"totalSize":1,"x":"` + strings.Repeat("a", maxBody) + `"}`, http.StatusRequestEntityTooLarge, "larger than"},
	} {
		resp, out := do(t, srv, "POST", "/api/v1/availabilities", token, strings.NewReader(c.body))
		if resp.StatusCode != c.code || !strings.Contains(out, c.want) {
			t.Errorf("%s: %d %s, want %d naming %q", c.name, resp.StatusCode, out, c.code, c.want)
		}
	}
	if resp, out := do(t, srv, "POST", "/api/v1/availabilities", token, strings.NewReader(ok)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("a plain body: %d %s", resp.StatusCode, out)
	}
	if got := checkDuplicates([]byte(`{"a":{"b":1,"c":[{"b":2},{"b":3}]},"d":{"b":1}}`)); got != nil {
		t.Fatalf("same names in different objects: %v", got)
	}
	if got := checkDuplicates([]byte(`{"a":[{"b":1,"b":2}]}`)); got == nil {
		t.Fatal("a field twice in a nested object was not found")
	}
}
