package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// Values that make no sense are refused with the range they must be in.
func TestRunRefusesSenselessValues(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--poll", "1ns"}, "--poll must be between 10ms and 10m0s (got 1ns)"},
		{[]string{"--poll", "1000h"}, "--poll must be between 10ms and 10m0s"},
		{[]string{"--config", writeConfig(t, `{"poll": 1e300}`)}, "out of range"},
		{[]string{"--config", writeConfig(t, `{"txRetain": -1e300}`)}, "out of range"},
		{[]string{"--tx-retain", "100000h"}, "--tx-retain must be at least 1m and at most 8760h0m0s"},
		{[]string{"--queue-size", "1000000000"}, "--queue-size must be 1..1048576"},
		{[]string{"--confirmations", "18446744073709551615"}, "--confirmations must be 0..10000"},
		{[]string{"--max-conns", "-1"}, "--max-conns must be 0"},
	} {
		var stderr bytes.Buffer
		_, code := loadNodeConfig(append(c.args, required...), &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want exit %d naming %q", c.args, code, stderr.String(), exitUsage, c.want)
		}
	}
}

// `slotd run -h` prints the usage with the defaults and exits 0, without
// validating anything.
func TestRunHelpExitsZero(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := runNode(context.Background(), []string{"-h"}, &stdout, &stderr)
	out := stdout.String() + stderr.String()
	if code != exitOK || !strings.Contains(out, "usage: slotd run") || !strings.Contains(out, "default 1s") || strings.Contains(out, "must be") {
		t.Fatalf("slotd run -h: exit %d\n%s", code, out)
	}
}

// The dev chain commands bound their block time too.
func TestDevChainTickIsBounded(t *testing.T) {
	for name, run := range map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"--dir": runDevnet, "--keep": runDemo} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{name, t.TempDir(), "--tick", "1ns"}, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "--tick") {
			t.Errorf("%s ... --tick 1ns: exit %d %s", name, code, stderr.String())
		}
	}
}
