package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/transfer"
)

// The data-path figures of the README:
//
//	go test ./cmd/slotd -run TestDataFigures -data-figures -v
//
// builds the slotd binary, uploads a 1 GiB file (SLOTD_FIGURES_MB to change
// it) with --slots 10 --max-slot-loss 4, downloads it back from the local
// slots and then from a provider over loopback HTTP into an empty data dir,
// and prints each run's MB/s and peak RSS (the child's Maxrss).
var dataFigures = flag.Bool("data-figures", false, "upload and download a 1 GiB file with the real binary and print MB/s and peak RSS")

func TestDataFigures(t *testing.T) {
	if !*dataFigures {
		t.Skip("run with -data-figures")
	}
	size := int64(1 << 30)
	if v, err := strconv.Atoi(os.Getenv("SLOTD_FIGURES_MB")); err == nil && v > 0 {
		size = int64(v) << 20
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "slotd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "file.bin")
	sum := writePatternFile(t, file, size)

	type fig struct {
		name    string
		seconds float64
		maxRSS  int64 // bytes
	}
	var figs []fig
	runBin := func(name string, args ...string) string {
		syscall.Sync() // start each run with no other writes in flight
		cmd := exec.Command(bin, args...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		t0 := time.Now()
		if err := cmd.Run(); err != nil {
			t.Fatalf("slotd %v: %v\n%s%s", args, err, out.String(), errOut.String())
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		figs = append(figs, fig{name, time.Since(t0).Seconds(), ru.Maxrss * 1024})
		return out.String()
	}

	data1 := filepath.Join(dir, "data1")
	cid := cidFrom(t, runBin("upload", "upload", file, "--slots", "10", "--max-slot-loss", "4", "--data-dir", data1))
	local := filepath.Join(dir, "local.bin")
	runBin("download (local slots)", "download", cid, local, "--data-dir", data1)
	checkFileHash(t, local, sum)
	os.Remove(local)

	ds, err := datastore.Open(data1, &datastore.Options{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(transfer.Handler(ds))
	defer srv.Close()
	remote := filepath.Join(dir, "remote.bin")
	runBin("download (provider, loopback)", "download", cid, remote, "--data-dir", filepath.Join(dir, "data2"), "--provider", srv.URL)
	checkFileHash(t, remote, sum)

	fmt.Printf("\n%s file, --slots 10 --max-slot-loss 4\n", mibString(uint64(size)))
	fmt.Printf("%-32s %10s %10s %12s\n", "run", "seconds", "MB/s", "peak RSS")
	for _, f := range figs {
		fmt.Printf("%-32s %10.2f %10.1f %9.1f MiB\n", f.name, f.seconds, float64(size)/f.seconds/1e6, float64(f.maxRSS)/(1<<20))
	}
}

// writePatternFile writes size bytes of a random 1 MiB pattern, each
// repetition tagged with its number, and returns their SHA-256.
func writePatternFile(t *testing.T, path string, size int64) [32]byte {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := rand.New(rand.NewPCG(1, 2))
	pat := make([]byte, 1<<20)
	for i := range pat {
		pat[i] = byte(r.Uint32())
	}
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	block := make([]byte, len(pat))
	for off := int64(0); off < size; off += int64(len(pat)) {
		copy(block, pat)
		binary.LittleEndian.PutUint64(block, uint64(off))
		n := min(int64(len(block)), size-off)
		w.Write(block[:n])
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func checkFileHash(t *testing.T, path string, want [32]byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	if [32]byte(h.Sum(nil)) != want {
		t.Fatalf("%s differs from the uploaded file", path)
	}
}
