package datastore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/klauspost/reedsolomon"

	"github.com/slotd/slotd/contracts/proof"
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
// and N=10 M=4 (-figures.codings to choose), and in the same run copies the same bytes into a file on the
// same disk with an fdatasync at the end, a few times (-figures.runs):
// through the page cache (the baseline, what cp and sync do; the
// faster of two copies in a row, see below) and with O_DIRECT (the way the
// upload writes, where the file system allows). It prints file bytes per
// second and upload ÷ plain per run, then the minimum and median ratio of
// each coding.
//
// It also prints two ceilings, what the upload could reach on GOMAXPROCS
// cores with every stage overlapped and no core idle, as ratios to the
// plain copy. "stages" adds up each stage's CPU cost per file byte measured
// on its own in the same run (process CPU time, so other processes' load
// does not inflate it): the source, SHA-256 of the file, Reed-Solomon, the
// tree over N/K times the file's bytes, and the O_DIRECT writes of N/K
// times the bytes; the reader (source, SHA-256, parity) is one goroutine,
// so it bounds the upload on its own too. "own" divides the cores by the
// CPU per file byte this upload spent, which is more than the stages' sum
// (cache misses between stages, scheduling, the syscalls): it is the most
// this pipeline can reach, where "stages" is the most any pipeline built
// on these primitives can. Both are capped by the disk: N/K times the bytes
// at the O_DIRECT copy's rate.
//
// The last columns: idle is the share of the Go scheduler's P-time during
// the upload that had no goroutine to run (stages starving each other, the
// fsyncs at the end; a P held by a goroutine blocked in a write counts as
// busy), cores the cores the upload got, and ns/B its CPU per file byte
// (core-ns), which other processes' load changes least.
var (
	figures        = flag.Bool("figures", false, "import a 1 GiB stream and copy it into an fsynced file, and print MB/s and ratios")
	figuresRuns    = flag.Int("figures.runs", 3, "repetitions of the -figures measurement")
	figuresCodings = flag.String("figures.codings", "1+0,3+1,6+4", "the codings (data+parity slots) that -figures measures")
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
	procs := runtime.GOMAXPROCS(0)
	codings := parseCodings(t, *figuresCodings)
	ratios := make([][]float64, len(codings))
	directRatios := make([][]float64, len(codings))
	ceilings := make([][]float64, len(codings))
	owns := make([][]float64, len(codings))
	fmt.Printf("\n%d MiB file, GOMAXPROCS %d; plain: through a warm page cache, direct: O_DIRECT; ceiling: on %d free cores\n", size>>20, procs, procs)
	fmt.Printf("%-4s %-10s %10s %10s %10s %7s %7s %17s %5s %6s %6s\n", "run", "coding", "plain", "direct", "upload", "÷plain", "÷direct", "ceiling stages/own", "idle", "cores", "ns/B")
	for run := range *figuresRuns {
		st := measureStages(t, dir, codings)
		for i, c := range codings {
			// The faster of two back-to-back copies: the second reuses the
			// pages the first freed before the VM hands them back to the
			// host, and faulting in fresh memory can slow a cold copy 3×,
			// so the baseline is at its best and the ratio not flattered.
			p := min(timed(func() error { return plainCopy(dir, size, false) }), timed(func() error { return plainCopy(dir, size, false) }))
			var pd time.Duration
			var directCPU time.Duration
			if st.direct {
				cpu0 := cpuTime()
				pd = timed(func() error { return plainCopy(dir, size, true) })
				directCPU = cpuTime() - cpu0
			}
			s, err := Open(filepath.Join(dir, "store"), nil)
			if err != nil {
				t.Fatal(err)
			}
			idle0 := schedTimes() // before cpu0: it runs a collection
			cpu0 := cpuTime()
			u := timed(func() error {
				_, err := s.Import(context.Background(), &genReader{left: size}, size, ImportOptions{Slots: c.n, MaxSlotLoss: c.m})
				return err
			})
			cpu, idle := cpuTime()-cpu0, schedTimes().idleSince(idle0)
			os.RemoveAll(filepath.Join(dir, "store"))
			disk := 0.0 // the O_DIRECT copy's rate, in file bytes of this coding
			if st.direct {
				disk = mbps(pd) * float64(c.n-c.m) / float64(c.n)
			}
			ceil := capped(st.ceiling(c.n, c.m, procs, directCPU.Seconds()/float64(size)), disk)
			own := capped(float64(procs)/(cpu.Seconds()/float64(size))/1e6, disk)
			owns[i] = append(owns[i], own/mbps(p))
			ratios[i] = append(ratios[i], p.Seconds()/u.Seconds())
			ceilings[i] = append(ceilings[i], ceil/mbps(p))
			dr, pdRate := 0.0, 0.0
			if st.direct {
				dr, pdRate = pd.Seconds()/u.Seconds(), mbps(pd)
				directRatios[i] = append(directRatios[i], dr)
			}
			fmt.Printf("%-4d N=%-2d M=%-2d %5.0f MB/s %5.0f MB/s %5.0f MB/s %7.2f %7.2f %8.2f %8.2f %5.2f %6.2f %6.2f\n", run+1, c.n, c.m,
				mbps(p), pdRate, mbps(u), ratios[i][run], dr, ceilings[i][run], owns[i][run], idle, cpu.Seconds()/u.Seconds(), cpu.Seconds()*1e9/float64(size))
		}
		fmt.Printf("     stage cost, core-ns per byte: source %.2f, sha256 %.2f, tree %.2f (per slot byte), RS per file byte %s\n",
			st.gen*1e9, st.sha*1e9, st.tree*1e9, st.rsString(codings))
	}
	for i, c := range codings {
		med := func(v []float64) float64 { v = slices.Sorted(slices.Values(v)); return v[len(v)/2] }
		line := fmt.Sprintf("upload ÷ plain copy into an fsynced file, N=%d M=%d: min %.2f, median %.2f (target ≥ 0.6)", c.n, c.m, slices.Min(ratios[i]), med(ratios[i]))
		if len(directRatios[i]) > 0 {
			line += fmt.Sprintf("; ÷ O_DIRECT copy: median %.2f", med(directRatios[i]))
		}
		line += fmt.Sprintf("; ceiling on %d cores ÷ plain: stages median %.2f, own CPU median %.2f", procs, med(ceilings[i]), med(owns[i]))
		if med(ceilings[i]) < 0.6 {
			line += fmt.Sprintf(", so ≥ 0.6 is out of reach on %d cores", procs)
		}
		fmt.Println(line)
	}
}

// plainCopy copies size source bytes into a new file in dir in 1 MiB writes
// and fdatasyncs it: through the page cache, or with O_DIRECT.
func plainCopy(dir string, size uint64, direct bool) error {
	name := filepath.Join(dir, "plain.bin")
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer os.Remove(name)
	defer f.Close()
	w := io.Writer(f)
	if direct {
		d := openDirect(name)
		if d == nil {
			return fmt.Errorf("no O_DIRECT in %s", dir)
		}
		defer d.Close()
		w = d
	}
	if _, err := io.CopyBuffer(onlyWriter{w}, &genReader{left: size}, alignedBytes(1<<20)); err != nil {
		return err
	}
	return SyncData(f)
}

// onlyWriter hides ReadFrom, so that io.CopyBuffer writes from the aligned
// buffer it is given.
type onlyWriter struct{ io.Writer }

// stageCosts are CPU seconds per byte of the upload's stages, on one core.
type stageCosts struct {
	gen, sha, tree float64
	rs             map[[2]int]float64
	direct         bool // the file system takes O_DIRECT
}

// stageBytes is how much each stage is measured on.
const stageBytes = 64 << 20

func measureStages(t *testing.T, dir string, codings []struct{ n, m int }) stageCosts {
	buf := make([]byte, stageBytes)
	per := func(f func()) float64 {
		c0 := cpuTime()
		f()
		return (cpuTime() - c0).Seconds() / stageBytes
	}
	var st stageCosts
	clear(buf) // fault it in before anything is timed
	st.gen = per(func() { io.ReadFull(&genReader{left: stageBytes}, buf) })
	st.sha = per(func() { sha256.Sum256(buf) })
	c := proof.NewChunkHasher(1 << 30)
	roots := make([]proof.Hash, stageBytes/c.ChunkSize())
	st.tree = per(func() { c.Roots(buf, roots) })
	st.rs = map[[2]int]float64{}
	for _, c := range codings {
		if c.m == 0 {
			continue
		}
		nm := [2]int{c.n, c.m}
		k := nm[0] - nm[1]
		enc, err := reedsolomon.New(k, nm[1])
		if err != nil {
			t.Fatal(err)
		}
		stripe := int(AutoStripe(nm[0]))
		shards := make([][]byte, nm[0])
		for i := range shards {
			shards[i] = make([]byte, stripe)
		}
		st.rs[nm] = per(func() {
			for off := 0; off+k*stripe <= stageBytes; off += k * stripe {
				for d := range k {
					copy(shards[d], buf[off+d*stripe:])
				}
				enc.Encode(shards)
			}
		})
	}
	if w, err := createSlot(filepath.Join(dir, "probe")); err == nil {
		st.direct = w.direct != nil
		w.close()
		os.Remove(filepath.Join(dir, "probe"))
	}
	return st
}

// capped is mbps, or limit where that is lower; a limit of 0 is none.
func capped(mbps, limit float64) float64 {
	if limit > 0 {
		return min(mbps, limit)
	}
	return mbps
}

// ceiling is the upload's best MB/s on procs cores for coding n/m, given
// the CPU per byte that an O_DIRECT plain copy spent (source included).
func (st stageCosts) ceiling(n, m, procs int, directCPU float64) float64 {
	expand := float64(n) / float64(n-m)
	write := max(directCPU-st.gen, 0)
	reader := st.gen + st.sha + st.rs[[2]int{n, m}]
	total := reader + expand*(st.tree+write)
	perByte := max(total/float64(procs), reader)
	return 1 / perByte / 1e6
}

func (st stageCosts) rsString(codings []struct{ n, m int }) string {
	var s string
	for _, c := range codings {
		if c.m > 0 {
			s += fmt.Sprintf("%d+%d %.2f ", c.n-c.m, c.m, st.rs[[2]int{c.n, c.m}]*1e9)
		}
	}
	return s
}

// parseCodings reads "K+M,K+M,…" into codings of N = K+M slots.
func parseCodings(t *testing.T, s string) []struct{ n, m int } {
	var out []struct{ n, m int }
	for _, f := range strings.Split(s, ",") {
		var k, m int
		if _, err := fmt.Sscanf(f, "%d+%d", &k, &m); err != nil || k < 1 || m < 0 {
			t.Fatalf("coding %q: want data+parity slots, as 4+1", f)
		}
		out = append(out, struct{ n, m int }{k + m, m})
	}
	return out
}

// schedSample is the scheduler's idle and total P-time so far.
type schedSample struct{ idle, total float64 }

func schedTimes() schedSample {
	runtime.GC() // the runtime adds up these classes at each collection
	s := []metrics.Sample{{Name: "/cpu/classes/idle:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"}}
	metrics.Read(s)
	return schedSample{s[0].Value.Float64(), s[1].Value.Float64()}
}

// idleSince is the share of P-time since s0 that was idle.
func (s schedSample) idleSince(s0 schedSample) float64 {
	if s.total <= s0.total {
		return 0
	}
	return (s.idle - s0.idle) / (s.total - s0.total)
}

// cpuTime is the user and system CPU this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
