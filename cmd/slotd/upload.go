package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/persist"
)

func init() {
	register(&command{
		name:    "upload",
		summary: "erasure-code a file into slots in the data dir and print its dataset id",
		run:     runUpload,
	})
}

// dataDirFlagDefault is $SLOTD_DATA_DIR, else ./data (where dump looks for slotd.db).
func dataDirFlagDefault() string {
	if d := os.Getenv("SLOTD_DATA_DIR"); d != "" {
		return d
	}
	return "data"
}

func runUpload(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("upload", flag.ContinueOnError)
	fl.SetOutput(stderr)
	slots := fl.Int("slots", 0, "`N`, the number of slots (1 to 256)")
	loss := fl.Int("max-slot-loss", -1, "`M`, the slots that may be lost: any N-M slots rebuild the file (0 ≤ M < N; required)")
	dataDir := fl.String("data-dir", dataDirFlagDefault(), "node data `dir` ($SLOTD_DATA_DIR when set)")
	asJSON := fl.Bool("json", false, "print the manifest as JSON")
	api := fl.String("api", "", "upload through a running node's API at this `URL` instead (token from DATA_DIR/api-token)")
	const usage = "usage: slotd upload FILE --slots N --max-slot-loss M [--data-dir DIR] [--api URL] [--json]"
	setUsage(fl, stderr, strings.TrimPrefix(usage, "usage: slotd "), "Stores FILE in the data dir as N erasure-coded slots (N-M data, M parity) and prints\nits dataset id (the content root), which `slotd download` and storage requests use.\nWith --api the running node stores it (host:port or URL).")
	pos, err := parseArgs(fl, args)
	if err != nil {
		return flagExit(err)
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "slotd upload: "+format+"\n", a...)
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	switch {
	case len(pos) != 1:
		return usageErr("want exactly one FILE, got %d arguments", len(pos))
	case *slots < 1 || *slots > datastore.MaxSlots:
		return usageErr("--slots must be 1 to %d, got %d", datastore.MaxSlots, *slots)
	case *loss < 0:
		return usageErr("--max-slot-loss is required (0 to %d)", *slots-1)
	case *loss >= *slots:
		return usageErr("--max-slot-loss %d must be less than --slots %d: at least one slot must hold data", *loss, *slots)
	}
	path := pos[0]
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "slotd upload: %v\n", err)
		return exitError
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		fmt.Fprintf(stderr, "slotd upload: %s is not a regular file\n", path)
		return exitError
	}

	if *api != "" {
		return uploadViaAPI(*api, *dataDir, path, f, st.Size(), *slots, *loss, *asJSON, stdout, stderr)
	}

	// Record the dataset in the node's store when no node holds it; a running
	// node picks up datasets written while it runs (it serves from the dir,
	// and records them on its next start).
	opts := &datastore.Options{}
	if err := os.MkdirAll(*dataDir, 0o755); err != nil {
		fmt.Fprintf(stderr, "slotd upload: %v\n", err)
		return exitError
	}
	ps, err := persist.Open(filepath.Join(*dataDir, "slotd.db"), &persist.Options{LockTimeout: 200 * time.Millisecond})
	switch {
	case err == nil:
		defer ps.Close()
		opts.Recorder = datastore.PersistRecorder{Store: ps}
	case errors.Is(err, persist.ErrLocked):
		opts.Shared = true
		fmt.Fprintln(stderr, "slotd upload: a node holds the store; the dataset is served at once and recorded on its next start")
	default:
		fmt.Fprintf(stderr, "slotd upload: %v\n", err)
		return exitError
	}
	ds, err := datastore.Open(*dataDir, opts)
	if err != nil {
		fmt.Fprintf(stderr, "slotd upload: %v\n", err)
		return exitError
	}
	bar := newTransferBar(stderr, "upload", uint64(st.Size()))
	man, err := ds.Import(ctx, f, uint64(st.Size()), datastore.ImportOptions{
		Slots: *slots, MaxSlotLoss: *loss, Name: filepath.Base(path), Progress: bar.update,
	})
	bar.finish(err == nil)
	if err != nil && man == nil {
		fmt.Fprintf(stderr, "slotd upload: %v\n", err)
		return exitError
	}
	if err != nil { // stored, not recorded
		fmt.Fprintf(stderr, "slotd upload: warning: %v\n", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(man)
		return exitOK
	}
	n := len(man.SlotRoots)
	fmt.Fprintf(stdout, "cid:          %s\n", man.CID.Hex())
	fmt.Fprintf(stdout, "content root: %s\n", man.CID.Hex())
	fmt.Fprintf(stdout, "file:         %s, %s (sha256 %x)\n", man.Name, byteSize(man.FileSize), man.FileHash[:])
	fmt.Fprintf(stdout, "slots:        %d (%d data + %d parity), %s each\n", n, man.DataSlots, man.ParitySlots, byteSize(man.SlotSize))
	fmt.Fprintf(stdout, "stored:       %s in %s\n", byteSize(uint64(n)*man.SlotSize), ds.DatasetDir(man.CID))
	return exitOK
}

func byteSize(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%d bytes (%.2f GiB)", n, float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d bytes (%.2f MiB)", n, float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d bytes (%.1f KiB)", n, float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// transferBar draws a bar that redraws itself in place on a terminal, and
// prints a plain line every 10% (or every 10 s) otherwise, so logs and CI
// stay readable.
type transferBar struct {
	w        io.Writer
	label    string
	total    uint64
	terminal bool
	start    time.Time

	mu        sync.Mutex
	last      time.Time
	lastTenth uint64
	drawn     bool
}

func newTransferBar(w io.Writer, label string, total uint64) *transferBar {
	return &transferBar{w: w, label: label, total: total, terminal: isTerminalWriter(w), start: time.Now()}
}

// isTerminalWriter reports whether w is a terminal: not a file, a pipe or
// /dev/null (a character device, but no one to redraw a bar for).
func isTerminalWriter(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func (b *transferBar) update(done uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	frac := 1.0
	if b.total > 0 {
		frac = float64(done) / float64(b.total)
	}
	rate := float64(done) / max(now.Sub(b.start).Seconds(), 1e-3) / 1e6
	if b.terminal {
		if now.Sub(b.last) < 100*time.Millisecond && done < b.total {
			return
		}
		b.last = now
		const width = 30
		fill := int(frac * width)
		bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
		fmt.Fprintf(b.w, "\r%s [%s] %5.1f%%  %s / %s  %.1f MB/s ", b.label, bar, 100*frac,
			mibString(done), mibString(b.total), rate)
		b.drawn = true
		return
	}
	tenth := uint64(frac * 10)
	if tenth <= b.lastTenth && now.Sub(b.last) < 10*time.Second {
		return
	}
	b.lastTenth, b.last = tenth, now
	fmt.Fprintf(b.w, "%s: %3.0f%% (%s of %s) %.1f MB/s\n", b.label, 100*frac, mibString(done), mibString(b.total), rate)
}

func (b *transferBar) finish(ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprintln(b.w)
	}
	if ok {
		el := time.Since(b.start)
		fmt.Fprintf(b.w, "%s: %s in %.2fs (%.1f MB/s)\n", b.label, mibString(b.total), el.Seconds(),
			float64(b.total)/max(el.Seconds(), 1e-3)/1e6)
	}
}

func mibString(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// uploadViaAPI streams the file to a node's POST /api/v1/datasets, with
// the same progress bar and summary as a local upload.
func uploadViaAPI(api, dataDir, path string, f *os.File, size int64, slots, loss int, asJSON bool, stdout, stderr io.Writer) int {
	c := newAPIClient(api, dataDir, "", stdout)
	c.http.Timeout = 0 // a large file takes as long as it takes
	q := fmt.Sprintf("/api/v1/datasets?slots=%d&maxSlotLoss=%d&name=%s", slots, loss, url.QueryEscape(filepath.Base(path)))
	bar := newTransferBar(stderr, "upload", uint64(size))
	out, err := c.send("POST", q, &countingReader{r: f, update: bar.update}, size)
	bar.finish(err == nil)
	if err != nil {
		fmt.Fprintln(stderr, "slotd upload:", err)
		return exitError
	}
	var man datastore.Manifest
	if asJSON || json.Unmarshal(out, &man) != nil {
		stdout.Write(out)
		return exitOK
	}
	n := len(man.SlotRoots)
	fmt.Fprintf(stdout, "cid:          %s\n", man.CID.Hex())
	fmt.Fprintf(stdout, "file:         %s, %s (sha256 %x)\n", man.Name, byteSize(man.FileSize), man.FileHash[:])
	fmt.Fprintf(stdout, "slots:        %d (%d data + %d parity), %s each\n", n, man.DataSlots, man.ParitySlots, byteSize(man.SlotSize))
	fmt.Fprintf(stdout, "stored by:    the node at %s\n", c.base)
	return exitOK
}

// countingReader reports how many bytes were read so far.
type countingReader struct {
	r      io.Reader
	n      uint64
	update func(uint64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += uint64(n)
	c.update(c.n)
	return n, err
}
