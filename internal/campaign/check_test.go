package campaign

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// A host counts as up for a period only if one run of its process spans it:
// a restart inside the period excuses a missed proof.
func TestCoveredNeedsOneSpanOverThePeriod(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(int64(1000+s), 0) }
	ups := []span{{at(0), at(14)}, {at(16), at(40)}}
	if !covered(ups, at(20), at(30)) || covered(ups, at(10), at(20)) || covered(ups, at(35), at(45)) {
		t.Fatal("covered is wrong")
	}
	if n := wholePeriods(span{at(0), at(40)}); n != 4 {
		t.Fatalf("40 s from a period start: %d whole periods, want 4", n)
	}
}

// A reorg answers for the market's violations and for timed ones near it; a
// host's kill only for that host's.
func TestBlames(t *testing.T) {
	now := time.Unix(5000, 0)
	kill := applied{Fault: Fault{Kind: KillHost, Targets: []string{"host-1"}}, when: now}
	reorg := applied{Fault: Fault{Kind: Reorg, Targets: []string{"anvil"}}, when: now}
	missed := violation{who: "host-1", at: now.Add(5 * time.Second)}
	late := violation{who: "host-1", at: now.Add(time.Hour)}
	market := violation{}
	if !blames(kill, "host-1", missed) || blames(kill, "host-1", late) || blames(kill, "host-2", missed) || blames(kill, "host-1", market) {
		t.Fatal("a kill's blame is wrong")
	}
	if !blames(reorg, "anvil", market) || !blames(reorg, "anvil", missed) || blames(reorg, "anvil", late) {
		t.Fatal("a reorg's blame is wrong")
	}
}

// After a reorg the chain lags the wall clock; a period is found by when
// the head reached it.
func TestChainClockFollowsTheHead(t *testing.T) {
	w := time.Unix(2000, 0)
	c := chainClock{samples: []clockSample{{w, 1000}, {w.Add(time.Second), 1000}, {w.Add(2 * time.Second), 1001}}}
	if got := c.wall(1001); !got.Equal(w.Add(2 * time.Second)) {
		t.Fatalf("wall(1001) = %v, want the third sample", got)
	}
	if got := c.wall(5000); !got.Equal(time.Unix(5000, 0)) {
		t.Fatalf("past the samples: %v", got)
	}
}

// A failpoint counts as reached only when its kill line comes after the
// fault and names the state.
func TestFired(t *testing.T) {
	log := t.TempDir() + "/host.log"
	os.WriteFile(log, []byte("2026-12-03T14:51:40.601Z [WARN]  slotd: failpoint: killing the process: slotId=0x1 state=filling\n"), 0o600)
	at := time.Date(2026, 12, 3, 14, 51, 0, 0, time.UTC)
	if !fired(log, "filling", at) || fired(log, "filled", at) || fired(log, "filling", at.Add(time.Minute)) {
		t.Fatal("fired is wrong")
	}
}

// TestNoRequestStartedIsAViolation: one request that never started is a
// note; a run in which none did (or none was made) is a violation.
func TestNoRequestStartedIsAViolation(t *testing.T) {
	a, b := common.Hash{1}, common.Hash{2}
	h := &history{requested: map[common.Hash]uint64{a: 2, b: 2}, fulfilled: map[common.Hash]bool{a: true}, ended: map[common.Hash]string{b: "cancelled"}}
	notes, none := unstarted(h)
	if len(notes) != 1 || !strings.Contains(notes[0], "never started (cancelled)") || none != "" {
		t.Fatalf("one of two started: notes %q, violation %q", notes, none)
	}
	h.fulfilled = map[common.Hash]bool{}
	if notes, none = unstarted(h); len(notes) != 2 || !strings.Contains(none, "none of the 2 requests started") {
		t.Fatalf("none started: notes %q, violation %q", notes, none)
	}
	if _, none = unstarted(&history{}); none == "" {
		t.Fatal("a run without requests is no violation")
	}
}
