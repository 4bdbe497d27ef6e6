package main

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"
)

// TestEveryHelpHasOneForm: each subcommand's -h exits 0
// and prints "usage: slotd NAME", then its flags under "flags:"; `slotd
// help NAME` prints the same, and an unknown name exits 2.
func TestEveryHelpHasOneForm(t *testing.T) {
	for name := range commands {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{name, "-h"}, &out, &errb)
		h := errb.String()
		if code != exitOK || !strings.HasPrefix(h, "usage: slotd "+name) || !strings.Contains(h, "\nflags:\n  -") {
			t.Errorf("slotd %s -h: exit %d, want 0 and the usage form:\n%s", name, code, h)
		}
		var viaHelp bytes.Buffer
		if code := run(context.Background(), []string{"help", name}, &out, &viaHelp); code != exitOK || viaHelp.String() != h {
			t.Errorf("slotd help %s: exit %d, output differs from -h", name, code)
		}
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"help", "nosuch"}, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), `unknown command "nosuch"`) {
		t.Errorf("slotd help nosuch: exit %d %q, want 2 and the reason", code, errb.String())
	}
}

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	v := out.String()
	if !strings.HasPrefix(v, "slotd ") || !strings.Contains(v, "go:          "+runtime.Version()) || !strings.Contains(v, "commit:") ||
		!strings.Contains(v, "marketplace: keccak256 0x") || codeHash("0x00") == codeHash("0x01") {
		t.Fatalf("version:\n%s", v)
	}
}

func TestAPIAddressForms(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080", "http://127.0.0.1:8080/": "http://127.0.0.1:8080",
		"https://node.example:443": "https://node.example:443", " localhost:1 ": "http://localhost:1",
	} {
		if got := apiBase(in); got != want {
			t.Errorf("apiBase(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCommandListLinesUp: in `slotd help`, every command's summary starts
// in one column (availability, longer than the rest, once pushed its own
// out of line).
func TestCommandListLinesUp(t *testing.T) {
	var b bytes.Buffer
	usage(&b)
	col := -1
	for _, line := range strings.Split(b.String(), "\n") {
		name, _, ok := strings.Cut(strings.TrimPrefix(line, "  "), " ")
		if !strings.HasPrefix(line, "  ") || !ok || commands[name].summary == "" {
			continue
		}
		at := strings.Index(line, commands[name].summary)
		if col < 0 {
			col = at
		}
		if at != col {
			t.Errorf("%q: summary at column %d, the first at %d", line, at, col)
		}
	}
	if col < 0 {
		t.Fatalf("no command listed:\n%s", b.String())
	}
}
