package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestProgressBarOnlyOnATerminal: on a terminal the bar redraws one line
// in place (\r); to a pipe, a file or /dev/null it prints plain lines,
// one per tenth, that logs can keep.
func TestProgressBarOnlyOnATerminal(t *testing.T) {
	var plain bytes.Buffer
	b := newTransferBar(&plain, "upload", 100<<20)
	for done := uint64(0); done <= 100<<20; done += 1 << 20 {
		b.update(done)
	}
	b.finish(true)
	out := plain.String()
	if strings.Contains(out, "\r") || strings.Count(out, "\n") != 12 || !strings.Contains(out, "upload:  50% (50.0 MiB of 100.0 MiB)") {
		t.Errorf("to a buffer: want 11 plain progress lines and the summary, got:\n%q", out)
	}

	var tty bytes.Buffer
	b = newTransferBar(&tty, "download", 10<<20)
	b.terminal = true // what isTerminalWriter says of a terminal
	b.update(5 << 20)
	b.finish(true)
	if out := tty.String(); !strings.HasPrefix(out, "\rdownload [===============               ]  50.0%") {
		t.Errorf("on a terminal: %q", out)
	}

	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	if isTerminalWriter(devnull) || isTerminalWriter(&tty) {
		t.Error("/dev/null or a buffer taken for a terminal")
	}
}
