package transfer

import (
	"fmt"
	"io"
	"net/http"
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
