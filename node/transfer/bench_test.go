package transfer

import (
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/slotd/slotd/node/datastore"
)

// benchBytes is the slot size of the download benchmark: 256 MiB, or
// SLOTD_BENCH_MB MiB.
func benchBytes() uint64 {
	if v, err := strconv.Atoi(os.Getenv("SLOTD_BENCH_MB")); err == nil && v > 0 {
		return uint64(v) << 20
	}
	return 256 << 20
}

// patternReader yields n bytes of a random 1 MiB pattern, each repetition's
// first word xored with its number, without holding them.
type patternReader struct{ left, pos uint64 }

var pattern = randomBytes(99, 1<<20)

func (g *patternReader) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && g.left > 0 {
		off := g.pos % uint64(len(pattern))
		k := copy(p[n:min(uint64(len(p)), uint64(n)+g.left)], pattern[off:])
		if off == 0 && k >= 8 {
			binary.LittleEndian.PutUint64(p[n:], binary.LittleEndian.Uint64(pattern)^(g.pos>>20+1))
		}
		n += k
		g.pos += uint64(k)
		g.left -= uint64(k)
	}
	return n, nil
}

// BenchmarkDownload compares, in the same run and over the same loopback
// HTTP server, a host's verified slot download (DownloadSlot: range
// requests, every chunk hashed and checked, written, fsynced, progress
// recorded, root recomputed) with a plain GET of the same slot copied with
// io.Copy to io.Discard:
//
//	go test ./node/transfer -run '^$' -bench Download -benchtime 3x
//
// Metrics are slot bytes per second; ratio is verified/plain.
// plain-to-file is the same GET written to a file and fdatasynced, for scale.
func BenchmarkDownload(b *testing.B) {
	size := benchBytes()
	ctx := context.Background()
	src, err := datastore.Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	// One data slot of `size` bytes: N=1, M=0 makes the slot the file.
	man, err := src.Import(ctx, &patternReader{left: size - datastore.TrailerSize}, size-datastore.TrailerSize,
		datastore.ImportOptions{Slots: 1, MaxSlotLoss: 0})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(Handler(src))
	defer srv.Close()
	url := slotURL(srv.URL, man.CID, 0)

	var plain, plainFile, verified time.Duration
	for b.Loop() {
		// The same GET into a file with one fdatasync at the end: the
		// disk's share of the verified download's cost.
		t2 := time.Now()
		f, err := os.Create(b.TempDir() + "/plain.bin")
		if err != nil {
			b.Fatal(err)
		}
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.Copy(f, resp.Body)
		resp.Body.Close()
		if err == nil {
			err = datastore.SyncData(f)
		}
		f.Close()
		os.Remove(f.Name())
		if err != nil {
			b.Fatal(err)
		}
		plainFile += time.Since(t2)

		t0 := time.Now()
		resp, err = http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || uint64(n) != man.SlotSize {
			b.Fatalf("plain copy: %d bytes, %v", n, err)
		}
		plain += time.Since(t0)

		host, err := datastore.Open(b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		d := NewDownloader(host, &MemProgress{}, &Options{AllowPrivate: true})
		id := slotIDFor(man.CID, 0)
		t1 := time.Now()
		if _, err := d.DownloadSlot(ctx, SlotRequest{SlotID: id, CID: man.CID, Index: 0, Providers: []string{srv.URL}}); err != nil {
			b.Fatal(err)
		}
		verified += time.Since(t1)
		host.RemoveHostedSlot(id)
	}
	mb := float64(man.SlotSize) * float64(b.N) / 1e6
	b.ReportMetric(mb/plain.Seconds(), "plain-MB/s")
	b.ReportMetric(mb/plainFile.Seconds(), "plain-to-file-MB/s")
	b.ReportMetric(mb/verified.Seconds(), "verified-MB/s")
	b.ReportMetric(plain.Seconds()/verified.Seconds(), "ratio")
}
