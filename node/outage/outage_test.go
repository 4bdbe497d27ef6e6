package outage

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// TestOneLinePerOutage: a loop that fails every poll writes one warning
// when it starts failing and one line when it works again, not a line per
// poll.
func TestOneLinePerOutage(t *testing.T) {
	var buf bytes.Buffer
	log := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Info})
	l := Log{What: "proving"}
	down := errors.New("read request state: connection refused")
	for range 2 {
		for range 50 {
			l.Note(log, down, "slotId", "0x01")
		}
		l.Note(log, nil, "slotId", "0x01")
		l.Note(log, nil, "slotId", "0x01")
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines for two outages of 50 polls, want 4:\n%s", len(lines), buf.String())
	}
	for i, want := range []string{"[WARN]  proving: failed", "[INFO]  proving: working again", "[WARN]", "[INFO]"} {
		if !strings.Contains(lines[i], want) || !strings.Contains(lines[i], "slotId=0x01") {
			t.Errorf("line %d %q, want %q with the slot", i, lines[i], want)
		}
	}
	if !strings.Contains(lines[0], "connection refused") || !strings.Contains(lines[1], "failedAttempts=50") {
		t.Errorf("lines lack the error or the count:\n%s", buf.String())
	}
}
