package transfer

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// getRanges sends one data request with the Range header h and returns the
// status and the bytes of the reply's body.
func getRanges(t *testing.T, url, h string) (int, int64) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Range", h)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, _ := io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, n
}

// A request for thousands of one-byte ranges must not get a reply many
// times the bytes it asked for; overlapping and out-of-order sets, which
// repeat bytes, are refused too; a few ascending ranges still work.
func TestRangeAmplificationIsRefused(t *testing.T) {
	s, man := upload(t, randomBytes(31, 300_000), 2, 1, 0)
	p := newProvider(t, s)
	url := slotURL(p.URL, man.CID, 0)
	var b strings.Builder
	b.WriteString("bytes=")
	const asked = 20_000
	for i := range asked {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d-%d", 2*i, 2*i)
	}
	code, n := getRanges(t, url, b.String())
	if code != http.StatusRequestedRangeNotSatisfiable || n > 1024 {
		t.Fatalf("%d one-byte ranges: status %d, %d bytes (%.0fx the bytes asked)", asked, code, n, float64(n)/asked)
	}
	for _, h := range []string{"bytes=0-99,50-149", "bytes=100-199,0-99", "bytes=0-,0-", "bytes=-100,0-9"} {
		if code, _ := getRanges(t, url, h); code != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("Range %s: status %d, want 416", h, code)
		}
	}
	if code, n := getRanges(t, url, "bytes=0-9,100-109,1000-1009"); code != http.StatusPartialContent || n < 30 {
		t.Errorf("three ascending ranges: status %d, %d bytes", code, n)
	}
	if code, n := getRanges(t, url, "bytes=0-9"); code != http.StatusPartialContent || n != 10 {
		t.Errorf("one range: status %d, %d bytes", code, n)
	}
}

// FuzzRangeReply: whatever Range header a stranger sends, the reply is not
// a 5xx and not much larger than the slot itself: at most MaxRanges parts'
// headers beyond it.
func FuzzRangeReply(f *testing.F) {
	s, man := upload(f, randomBytes(32, 40_000), 2, 1, 0)
	h := Handler(s)
	url := "http://x/api/v1/data/" + man.CID.Hex() + "/slots/0"
	for _, seed := range []string{"bytes=0-0,2-2,4-4", "bytes=0-99,50-149", "bytes=-1,0-", "bytes=0-", "bytes=5-1", "bytes=99999999-", "bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,10-10,11-11,12-12,13-13,14-14,15-15"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, rng string) {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Range", rng)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("Range %q: %d %s", rng, w.Code, w.Body.String())
		}
		if limit := int(man.SlotSize) + MaxRanges*256; w.Body.Len() > limit {
			t.Fatalf("Range %q: %d-byte reply for a %d-byte slot", rng, w.Body.Len(), man.SlotSize)
		}
	})
}
