package node

import (
	"testing"
	"time"

	"github.com/slotd/slotd/persist"
)

// TestDownloadRates: the rate is measured between status requests at
// least a second apart; the first sight of a download has none.
func TestDownloadRates(t *testing.T) {
	var r reporter
	t0 := time.Unix(1000, 0)
	slot := persist.ID{1}
	ds := []DownloadProgress{{SlotID: slot, Size: 100 << 20, Verified: 10 << 20}}
	r.rates(ds, t0)
	if ds[0].BytesPerSecond != 0 {
		t.Fatalf("first sight: rate %v, want none", ds[0].BytesPerSecond)
	}
	ds[0].Verified = 30 << 20
	r.rates(ds, t0.Add(2*time.Second))
	if ds[0].BytesPerSecond != 10<<20 {
		t.Fatalf("20 MiB in 2 s: rate %v, want 10 MiB/s", ds[0].BytesPerSecond)
	}
	ds[0].Verified, ds[0].BytesPerSecond = 31<<20, 0
	r.rates(ds, t0.Add(2500*time.Millisecond)) // against the 2 s sample, kept
	if ds[0].BytesPerSecond != 2<<20 {
		t.Fatalf("1 MiB in 0.5 s: rate %v, want 2 MiB/s", ds[0].BytesPerSecond)
	}
	r.rates(nil, t0.Add(3*time.Second))
	if len(r.seen) != 0 {
		t.Fatalf("a finished download's sample is kept: %v", r.seen)
	}
}
