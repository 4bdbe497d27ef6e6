package datastore

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/data/golden-manifest.json")

const goldenManifest = "../../testdata/data/golden-manifest.json"

// TestGoldenFormat pins the dataset format: the layout, the trailer and the
// trees decide every slot root, and slot roots already sit in requests on
// chain, so a change here must be deliberate (run with -update and say so).
func TestGoldenFormat(t *testing.T) {
	s := openStore(t)
	man := importBytes(t, s, randomBytes(42, 100_000), 4, 2, MinStripe)
	got, err := json.MarshalIndent(struct {
		CID       CID    `json:"cid"`
		FileSize  uint64 `json:"fileSize"`
		FileHash  CID    `json:"fileHash"`
		SlotSize  uint64 `json:"slotSize"`
		Stripe    uint64 `json:"stripeSize"`
		SlotRoots []CID  `json:"slotRoots"`
	}{man.CID, man.FileSize, man.FileHash, man.SlotSize, man.StripeSize, man.SlotRoots}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *updateGolden {
		if err := os.WriteFile(goldenManifest, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenManifest)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("dataset format changed:\n%s\nwant:\n%s", got, want)
	}
}

// FuzzReadManifest: manifests come from providers and must never panic a
// node; one that verifies must describe a usable layout.
func FuzzReadManifest(f *testing.F) {
	s := openStore(f)
	man := importBytes(f, s, randomBytes(1, 5000), 3, 1, MinStripe)
	good, _ := json.Marshal(man)
	f.Add(good)
	f.Add([]byte(`{"version":1,"dataSlots":200,"paritySlots":56,"stripeSize":4194304}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadManifest(bytes.NewReader(b), man.CID)
		if err != nil {
			return
		}
		lay, err := m.Layout()
		if err != nil || lay.Slots() != len(m.SlotRoots) || uint64(lay.Slots())*lay.Stripe > maxStripeSet {
			t.Fatalf("verified manifest with a bad layout: %+v %v", lay, err)
		}
	})
}

// FuzzParseTrailer: a trailer is rebuilt from slot bytes; any cell must be
// answered without panicking.
func FuzzParseTrailer(f *testing.F) {
	tb := Trailer{FileSize: 5, K: 3, M: 1, Stripe: MinStripe}.Marshal()
	f.Add(tb[:])
	f.Fuzz(func(t *testing.T, b []byte) {
		if tr, err := ParseTrailer(b); err == nil {
			if back := tr.Marshal(); !bytes.Equal(back[:], b) {
				t.Fatal("trailer does not round-trip")
			}
		}
	})
}
