package transfer

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzHandler sends arbitrary paths and Range headers to the data routes:
// no panic, and never a 5xx for a request that is merely wrong.
func FuzzHandler(f *testing.F) {
	s, man := upload(f, randomBytes(11, 40_000), 3, 1, 0)
	h := Handler(s)
	base := "/api/v1/data/" + man.CID.Hex()
	f.Add(base+"/slots/1", "bytes=0-99")
	f.Add(base+"/slots/1/tree", "bytes=-5")
	f.Add(base+"/manifest", "")
	f.Add("/api/v1/hosted/0x00/tree", "bytes=99999999-")
	f.Fuzz(func(t *testing.T, path, rng string) {
		req, err := http.NewRequest(http.MethodGet, "http://x"+path, nil)
		if err != nil {
			return
		}
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("GET %q Range %q: %d %s", path, rng, w.Code, w.Body.String())
		}
	})
}
