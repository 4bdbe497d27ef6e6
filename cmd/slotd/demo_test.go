package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestDemo runs `slotd demo` as the README says and checks its summary.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo runs a whole request lifetime (about a minute)")
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"demo", "--keep", t.TempDir()}, &out, &errb)
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"request started: every slot is filled", "stopping host-", "restarting host-", ": Finished", "the market behaved",
		"validator marked a proof of slot 0 missing (3 of 3)", "slot 0 repaired (rebuilt from the other slots) and filled again by host-",
		"SLOT collateral back", "of the request: 3 proofs", "client withdrew "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}
