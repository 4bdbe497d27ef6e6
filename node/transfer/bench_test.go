package transfer

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts/proof"
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

// The download figures of the README:
//
//	go test ./node/transfer -run TestDownloadFigures -figures -v
//
// serves one 1 GiB slot (SLOTD_FIGURES_MB to resize) over loopback HTTP and,
// in each of a few runs (-figures.runs), fetches it four ways: a plain GET
// copied into memory (io.Copy to io.Discard), the same GET into a file on the
// test's disk with an fdatasync at the end, the verified block pipeline into
// memory (every chunk hashed and checked, nothing written), and DownloadSlot
// into a store on the same disk (verified, written, fsynced, progress
// recorded, root recomputed, committed). It prints MB/s and the two ratios
// verified/plain per run, then their minimum and median. "verif. cores" is
// the CPU this process (client and server) used over the two verified runs
// divided by their time: well under 2 on this 2-core machine means other
// work had the CPU.
var (
	figures     = flag.Bool("figures", false, "download a 1 GiB slot verified and plain over loopback and print MB/s and ratios")
	figuresRuns = flag.Int("figures.runs", 3, "repetitions of the -figures measurement")
)

func TestDownloadFigures(t *testing.T) {
	if !*figures {
		t.Skip("run with -figures")
	}
	size := uint64(1 << 30)
	if v, err := strconv.Atoi(os.Getenv("SLOTD_FIGURES_MB")); err == nil && v > 0 {
		size = uint64(v) << 20
	}
	ctx := context.Background()
	dir := t.TempDir()
	src, err := datastore.Open(filepath.Join(dir, "provider"), nil)
	if err != nil {
		t.Fatal(err)
	}
	man, err := src.Import(ctx, &patternReader{left: size - datastore.TrailerSize}, size-datastore.TrailerSize,
		datastore.ImportOptions{Slots: 1, MaxSlotLoss: 0})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(src))
	defer srv.Close()
	url := slotURL(srv.URL, man.CID, 0)
	mbps := func(d time.Duration) float64 { return float64(man.SlotSize) / d.Seconds() / 1e6 }
	timed := func(f func() error) time.Duration {
		syscall.Sync() // start with no other writes in flight
		t0 := time.Now()
		if err := f(); err != nil {
			t.Fatal(err)
		}
		return time.Since(t0)
	}
	get := func(w io.Writer) error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		n, err := io.Copy(w, resp.Body)
		if err == nil && uint64(n) != man.SlotSize {
			err = fmt.Errorf("plain GET: %d bytes of %d", n, man.SlotSize)
		}
		return err
	}
	fmt.Printf("\n%d MiB slot over loopback HTTP, GOMAXPROCS %d\n", man.SlotSize>>20, runtime.GOMAXPROCS(0))
	fmt.Printf("%-4s %12s %12s %12s %12s %10s %10s %10s\n", "run", "plain mem", "plain file", "verif. mem", "verif. file", "file ratio", "mem ratio", "verif. cores")
	var fileRatios, memRatios []float64
	for run := range *figuresRuns {
		plainMem := timed(func() error { return get(io.Discard) })
		plainFile := timed(func() error {
			f, err := os.Create(filepath.Join(dir, "plain.bin"))
			if err != nil {
				return err
			}
			defer os.Remove(f.Name())
			defer f.Close()
			if err := get(f); err != nil {
				return err
			}
			return datastore.SyncData(f)
		})
		host, err := datastore.Open(filepath.Join(dir, "host"), nil)
		if err != nil {
			t.Fatal(err)
		}
		d := NewDownloader(host, &MemProgress{}, &Options{AllowPrivate: true})
		cpu0 := cpuTime()
		verifiedMem := timed(func() error { return verifiedIntoMemory(ctx, d, man, srv.URL) })
		id := slotIDFor(man.CID, 0)
		verifiedFile := timed(func() error {
			_, err := d.DownloadSlot(ctx, SlotRequest{SlotID: id, CID: man.CID, Index: 0, Providers: []string{srv.URL}})
			return err
		})
		cores := (cpuTime() - cpu0).Seconds() / (verifiedMem + verifiedFile).Seconds()
		host.RemoveHostedSlot(id)
		d.CloseIdleConnections()
		fileRatios = append(fileRatios, plainFile.Seconds()/verifiedFile.Seconds())
		memRatios = append(memRatios, plainMem.Seconds()/verifiedMem.Seconds())
		fmt.Printf("%-4d %7.0f MB/s %7.0f MB/s %7.0f MB/s %7.0f MB/s %10.2f %10.2f %10.2f\n", run+1,
			mbps(plainMem), mbps(plainFile), mbps(verifiedMem), mbps(verifiedFile), fileRatios[run], memRatios[run], cores)
	}
	slices.Sort(fileRatios)
	slices.Sort(memRatios)
	fmt.Printf("verified ÷ plain into an fsynced file: min %.2f, median %.2f (target ≥ 0.8)\n", fileRatios[0], fileRatios[len(fileRatios)/2])
	fmt.Printf("verified ÷ plain io.Copy into memory:  min %.2f, median %.2f (target ≥ 0.5)\n", memRatios[0], memRatios[len(memRatios)/2])
}

// memSink drops verified blocks: the download pipeline without a disk.
type memSink struct{}

func (memSink) writeBlock(uint64, []byte) error      { return nil }
func (memSink) commit(context.Context, uint64) error { return nil }

// verifiedIntoMemory runs DownloadSlot's fetch-and-verify pipeline for slot 0
// of man from provider into memory and checks that the chunk roots it
// computed add up to the slot root.
func verifiedIntoMemory(ctx context.Context, d *Downloader, man *datastore.Manifest, provider string) error {
	s := d.newSession()
	p := s.pool([]string{provider})
	cells := man.SlotSize / proof.CellSize
	tree, err := s.fetchTree(ctx, p, man.CID, 0, man.SlotRoots[0], cells)
	if err != nil {
		return err
	}
	roots := make([]proof.Hash, len(tree.Chunks()))
	req := SlotRequest{CID: man.CID, Index: 0, Providers: []string{provider}}
	if err := s.fetchBlocks(ctx, p, req, tree, 0, man.SlotSize, roots, memSink{}); err != nil {
		return err
	}
	got, err := proof.NewSlotTree(cells, roots)
	if err != nil {
		return err
	}
	if got.Root() != man.SlotRoots[0] {
		return fmt.Errorf("verified into memory: root %s, want %s", got.Root(), man.SlotRoots[0])
	}
	return nil
}

// cpuTime is the user and system CPU this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
