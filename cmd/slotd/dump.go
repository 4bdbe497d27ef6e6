package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/slotd/slotd/persist"
)

func init() {
	register(&command{name: "dump", summary: "print what a store holds (offline inspection)", run: runDump})
}

// dumpWhats are the things `slotd dump` can print, in the order `all`
// prints them.
var dumpWhats = []string{"agents", "queue", "journal", "cursor", "txs", "availabilities",
	"reservations", "downloads", "purchases", "datasets", "ledger", "proofs", "validator"}

type dumpOptions struct {
	db        string
	json      bool
	copy      bool
	live      string
	tokenFile string
	timeout   time.Duration
}

// defaultDBPath is $SLOTD_DATA_DIR/slotd.db, else ./data/slotd.db.
func defaultDBPath() string { return filepath.Join(dataDirFlagDefault(), "slotd.db") }

func runDump(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("dump", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var o dumpOptions
	fl.StringVar(&o.db, "db", defaultDBPath(), "store `file` ($SLOTD_DATA_DIR/slotd.db when the variable is set)")
	fl.BoolVar(&o.json, "json", false, `print JSON lines: one object per record, with a "kind" field`)
	fl.BoolVar(&o.copy, "copy", false, "dump a checked temporary copy of the file (works while a node holds it)")
	fl.StringVar(&o.live, "live", "", "dump a live snapshot from the node at `URL` (GET URL/api/v1/backup)")
	fl.StringVar(&o.tokenFile, "token-file", "", "`file` holding the bearer token for --live")
	fl.DurationVar(&o.timeout, "timeout", 200*time.Millisecond, "how long to wait for the store's lock")
	fl.Usage = func() {
		fmt.Fprintf(stderr, `usage: slotd dump [flags] [WHAT]

WHAT is one of %s,
journal SLOTID (one slot's journal; plain "journal" prints every slot's),
all (the default) or check (bbolt's consistency check and slotd's invariants).

Reads the store read-only. When a running node holds it, use --live (the
node's backup endpoint) or --copy.

flags:
`, strings.Join(dumpWhats, ", "))
		fl.PrintDefaults()
	}
	pos, err := parseArgs(fl, args)
	if err != nil {
		return flagExit(err)
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "slotd dump: "+format+"\n", a...)
		fl.Usage()
		return exitUsage
	}
	what := "all"
	if len(pos) > 0 {
		what = pos[0]
	}
	var slot *persist.ID
	switch {
	case what == "journal" && len(pos) == 2:
		id, err := persist.ParseID(pos[1])
		if err != nil {
			return usageErr("bad SLOTID: %v", err)
		}
		slot = &id
	case len(pos) > 1:
		return usageErr("unexpected arguments %q", pos[1:])
	case what != "all" && what != "check" && !slices.Contains(dumpWhats, what):
		return usageErr("unknown WHAT %q", what)
	}
	if o.live != "" && o.copy {
		return usageErr("--live and --copy are alternatives: pick one")
	}

	s, cleanup, err := openDumpSource(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "slotd dump: %v\n", err)
		return exitError
	}
	defer cleanup()

	w := bufio.NewWriterSize(stdout, 64<<10)
	p := &printer{ctx: ctx, w: w, json: o.json}
	if what == "check" {
		code := dumpCheck(s, p)
		if err := w.Flush(); err != nil {
			fmt.Fprintf(stderr, "slotd dump: %v\n", err)
			return exitError
		}
		return code
	}
	err = s.View(func(tx *persist.Tx) error {
		p.release = tx.ReleaseMapped
		if what == "all" {
			return dumpAll(tx, p)
		}
		return dumpOne(tx, p, what, slot)
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "slotd dump: interrupted")
		return exitError
	} else if err != nil {
		fmt.Fprintf(stderr, "slotd dump: %v\n", err)
		return exitError
	}
	return exitOK
}

// openDumpSource opens what the flags name and returns a cleanup that
// closes it and removes any temporary file.
func openDumpSource(ctx context.Context, o dumpOptions, stderr io.Writer) (*persist.Store, func(), error) {
	switch {
	case o.live != "":
		tmp, err := fetchLive(ctx, o.live, o.tokenFile)
		if err != nil {
			return nil, nil, err
		}
		return openTempCopy(tmp, false)
	case o.copy:
		tmp, err := copyToTemp(o.db)
		if err != nil {
			return nil, nil, err
		}
		s, cleanup, err := openTempCopy(tmp, true)
		if err != nil {
			return nil, nil, fmt.Errorf("the copy of %s is unusable (a node may have written while it was copied; try again, or use --live): %w", o.db, err)
		}
		fmt.Fprintf(stderr, "slotd dump: note: dumping a copy of %s; it passed its consistency check\n", o.db)
		return s, cleanup, nil
	}
	s, err := persist.OpenReadOnly(o.db, o.timeout)
	switch {
	case err == nil:
		return s, func() { s.Close() }, nil
	case errors.Is(err, persist.ErrLocked):
		return nil, nil, fmt.Errorf("%w\n  a live snapshot: slotd dump --live URL --token-file FILE (the node's backup endpoint)\n  a checked copy of the file: slotd dump --copy --db %s", err, o.db)
	case errors.Is(err, persist.ErrOldSchema):
		fmt.Fprintf(stderr, "slotd dump: note: %s has an older schema; dumping a migrated temporary copy (the file itself is not changed)\n", o.db)
		tmp, err := copyToTemp(o.db)
		if err != nil {
			return nil, nil, err
		}
		return openTempCopy(tmp, false)
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("no store at %s (set --db or SLOTD_DATA_DIR)", o.db)
	default:
		return nil, nil, err
	}
}

// openTempCopy opens a temporary copy of a store read-write (which
// migrates an older schema; nothing else writes to it), optionally checks
// it, and arranges for its removal.
func openTempCopy(path string, check bool) (*persist.Store, func(), error) {
	s, err := persist.Open(path, &persist.Options{NoSync: true})
	if err == nil && check {
		if err = s.Check(); err != nil {
			s.Close()
		}
	}
	if err != nil {
		os.Remove(path)
		return nil, nil, err
	}
	return s, func() { s.Close(); os.Remove(path) }, nil
}

// copyToTemp copies a store file to a new temporary file. It reads the
// file without its lock: a node writing meanwhile can tear the copy,
// which is why --copy checks it.
func copyToTemp(path string) (string, error) {
	src, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("no store at %s (set --db or SLOTD_DATA_DIR)", path)
	} else if err != nil {
		return "", err
	}
	defer src.Close()
	dst, err := os.CreateTemp("", "slotd-dump-*.db")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(dst.Name())
		return "", fmt.Errorf("copy %s: %w", path, err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(dst.Name())
		return "", err
	}
	return dst.Name(), nil
}

func dumpCheck(s *persist.Store, p *printer) int {
	err := s.Check()
	var ce *persist.CheckError
	if err != nil && !errors.As(err, &ce) {
		fmt.Fprintf(p.w, "check failed: %v\n", err)
		return exitError
	}
	problems := []string{}
	if ce != nil {
		for _, e := range ce.Problems {
			problems = append(problems, e.Error())
		}
	}
	switch {
	case p.json:
		p.jsonRecord("check", struct {
			OK       bool     `json:"ok"`
			Problems []string `json:"problems"`
		}{len(problems) == 0, problems})
	case len(problems) == 0:
		fmt.Fprintln(p.w, "ok: page structure, bbolt consistency check and slotd invariants")
	default:
		fmt.Fprintf(p.w, "FAILED: %d problem(s)\n", len(problems))
		for _, pr := range problems {
			fmt.Fprintf(p.w, "  %s\n", pr)
		}
	}
	if len(problems) > 0 {
		return exitError
	}
	return exitOK
}
