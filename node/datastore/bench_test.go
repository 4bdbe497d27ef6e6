package datastore

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
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

// The upload figures of the README:
//
//	go test ./node/datastore -run TestUploadFigures -figures -v
//
// imports a 1 GiB stream (SLOTD_FIGURES_MB to resize) with N=1 M=0, N=4 M=1
// and N=10 M=4, and in the same run copies the same bytes into a file on the
// same disk with an fdatasync at the end, a few times (-figures.runs). It
// prints file bytes per second and upload/plain per run, then the minimum
// and median ratio of each coding.
var (
	figures     = flag.Bool("figures", false, "import a 1 GiB stream and copy it into an fsynced file, and print MB/s and ratios")
	figuresRuns = flag.Int("figures.runs", 3, "repetitions of the -figures measurement")
)

func TestUploadFigures(t *testing.T) {
	if !*figures {
		t.Skip("run with -figures")
	}
	size := uint64(1 << 30)
	if v, err := strconv.Atoi(os.Getenv("SLOTD_FIGURES_MB")); err == nil && v > 0 {
		size = uint64(v) << 20
	}
	dir := t.TempDir()
	mbps := func(d time.Duration) float64 { return float64(size) / d.Seconds() / 1e6 }
	timed := func(f func() error) time.Duration {
		syscall.Sync() // start with no other writes in flight
		t0 := time.Now()
		if err := f(); err != nil {
			t.Fatal(err)
		}
		return time.Since(t0)
	}
	plain := func() error {
		f, err := os.Create(filepath.Join(dir, "plain.bin"))
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		if _, err := io.CopyBuffer(f, &genReader{left: size}, make([]byte, 1<<20)); err != nil {
			return err
		}
		return SyncData(f)
	}
	codings := []struct{ n, m int }{{1, 0}, {4, 1}, {10, 4}}
	ratios := make([][]float64, len(codings))
	fmt.Printf("\n%d MiB file, GOMAXPROCS %d\n", size>>20, runtime.GOMAXPROCS(0))
	fmt.Printf("%-4s %-10s %12s %12s %8s %9s\n", "run", "coding", "plain file", "upload", "ratio", "upl. cores")
	for run := range *figuresRuns {
		for i, c := range codings {
			p := timed(plain)
			s, err := Open(filepath.Join(dir, "store"), nil)
			if err != nil {
				t.Fatal(err)
			}
			cpu0 := cpuTime()
			u := timed(func() error {
				_, err := s.Import(context.Background(), &genReader{left: size}, size, ImportOptions{Slots: c.n, MaxSlotLoss: c.m})
				return err
			})
			cpu := cpuTime() - cpu0
			os.RemoveAll(filepath.Join(dir, "store"))
			ratios[i] = append(ratios[i], p.Seconds()/u.Seconds())
			fmt.Printf("%-4d N=%-2d M=%-2d %7.0f MB/s %7.0f MB/s %8.2f %9.2f\n", run+1, c.n, c.m, mbps(p), mbps(u), ratios[i][run], cpu.Seconds()/u.Seconds())
		}
	}
	for i, c := range codings {
		slices.Sort(ratios[i])
		fmt.Printf("upload ÷ plain copy into an fsynced file, N=%d M=%d: min %.2f, median %.2f (target ≥ 0.6)\n", c.n, c.m, ratios[i][0], ratios[i][len(ratios[i])/2])
	}
}

// cpuTime is the user and system CPU this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
