package datastore

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
)

// benchBytes is the file size of the upload benchmark: 256 MiB, or
// SLOTD_BENCH_MB MiB.
func benchBytes() uint64 {
	if v, err := strconv.Atoi(os.Getenv("SLOTD_BENCH_MB")); err == nil && v > 0 {
		return uint64(v) << 20
	}
	return 256 << 20
}

// genReader yields n pseudo-random bytes without holding them, so the
// benchmark measures the pipeline rather than a file read: a fixed random
// 1 MiB pattern whose first word is xored with the block number, so that no
// two chunks of the stream are equal.
type genReader struct {
	left, pos uint64
}

var genPattern = randomBytes(99, 1<<20)

func (g *genReader) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && g.left > 0 {
		off := g.pos % uint64(len(genPattern))
		k := copy(p[n:min(uint64(len(p)), uint64(n)+g.left)], genPattern[off:])
		if off == 0 && k >= 8 {
			binary.LittleEndian.PutUint64(p[n:], binary.LittleEndian.Uint64(genPattern)^(g.pos>>20+1))
		}
		n += k
		g.pos += uint64(k)
		g.left -= uint64(k)
	}
	return n, nil
}

// BenchmarkUpload measures the whole upload pipeline (read, Reed-Solomon,
// cell trees of all N slots, writes, fsyncs) on a 256 MiB file against the
// raw speed of keccak256 over the same bytes on one core, in the same run:
//
//	go test ./node/datastore -run '^$' -bench Upload -benchtime 1x
//
// Metrics: upload-MB/s and keccak-MB/s are file bytes per second; ratio is
// upload/keccak.
func BenchmarkUpload(b *testing.B) {
	size := benchBytes()
	for _, c := range []struct{ n, m int }{{1, 0}, {4, 1}, {10, 4}} {
		b.Run(fmt.Sprintf("N=%d,M=%d", c.n, c.m), func(b *testing.B) {
			var keccakTime, uploadTime time.Duration
			buf := make([]byte, 1<<20)
			for b.Loop() {
				t0 := time.Now()
				h := crypto.NewKeccakState()
				if _, err := io.CopyBuffer(h, &genReader{left: size}, buf); err != nil {
					b.Fatal(err)
				}
				var out [32]byte
				h.Read(out[:])
				keccakTime += time.Since(t0)

				dir := b.TempDir()
				s, err := Open(dir, nil)
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := s.Import(context.Background(), &genReader{left: size}, size,
					ImportOptions{Slots: c.n, MaxSlotLoss: c.m}); err != nil {
					b.Fatal(err)
				}
				uploadTime += time.Since(t1)
				os.RemoveAll(dir)
			}
			mb := float64(size) * float64(b.N) / 1e6
			b.ReportMetric(mb/uploadTime.Seconds(), "upload-MB/s")
			b.ReportMetric(mb/keccakTime.Seconds(), "keccak-MB/s")
			b.ReportMetric(keccakTime.Seconds()/uploadTime.Seconds(), "ratio")
		})
	}
}
