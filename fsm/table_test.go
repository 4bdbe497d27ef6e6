package fsm

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTable spells out the transition table: every (state, event) pair
// that moves an agent and where to. Everything not listed must be refused
// by looplab's Can.
func TestTable(t *testing.T) {
	want := map[string]map[string]string{ // state → event → destination
		"":             {EvStart: Preparing},
		Preparing:      {EvPrepared: Downloading, EvSlotTaken: Ignored, EvRequestCancelled: Cancelled, EvRequestFailed: Failed, EvRequestEnded: Ignored, EvError: Errored},
		Downloading:    {EvDownloaded: InitialProving, EvSlotTaken: Ignored, EvRequestCancelled: Cancelled, EvRequestFailed: Failed, EvRequestEnded: Ignored, EvError: Errored},
		InitialProving: {EvProofReady: Filling, EvSlotTaken: Ignored, EvRequestCancelled: Cancelled, EvRequestFailed: Failed, EvRequestEnded: Ignored, EvError: Errored},
		Filling:        {EvFillMined: Filled, EvSlotTaken: Ignored, EvRequestCancelled: Cancelled, EvRequestFailed: Failed, EvRequestEnded: Ignored, EvError: Errored},
		Filled:         {EvFillConfirmed: Proving, EvSlotTaken: Ignored, EvSlotFreed: Failed, EvRequestCancelled: Payout, EvRequestFailed: Payout, EvRequestEnded: Payout, EvError: Errored},
		Proving:        {EvSlotFreed: Failed, EvRequestCancelled: Payout, EvRequestFailed: Payout, EvRequestEnded: Payout, EvError: Errored},
		Payout:         {EvPaid: Finished, EvPaidCancelled: Cancelled, EvPaidFailed: Failed, EvError: Errored},
		Errored: {"retry-preparing": Preparing, "retry-downloading": Downloading, "retry-initial-proving": InitialProving,
			"retry-filling": Filling, "retry-filled": Filled, "retry-proving": Proving, "retry-payout": Payout},
		Finished:  {EvStart: Preparing},
		Cancelled: {EvStart: Preparing},
		Failed:    {EvStart: Preparing},
		Ignored:   {EvStart: Preparing},
	}
	var events []string
	for _, e := range Events {
		if !slices.Contains(events, e.Name) {
			events = append(events, e.Name)
		}
	}
	states := append([]string{""}, States()...)
	if len(states) != 13 {
		t.Fatalf("states %v", states)
	}
	n := 0
	for _, st := range states {
		for _, ev := range events {
			m := newMachine(st)
			d, ok := Destination(st, ev)
			w, wok := want[st][ev]
			if ok != wok || d != w || m.Can(ev) != wok {
				t.Errorf("%q --%s-->: table %q %v, lfsm Can %v, want %q %v", st, ev, d, ok, m.Can(ev), w, wok)
			}
			if wok {
				n++
			}
		}
	}
	total := 0
	for _, m := range want {
		total += len(m)
	}
	if n != total {
		t.Fatalf("checked %d transitions, want %d", n, total)
	}
}

// TestOutcomes: every outcome of every live state's side effect maps to
// an event the table allows from that state; end states and Errored run
// nothing.
func TestOutcomes(t *testing.T) {
	want := map[string][5]string{ // Done, Lost, Cancelled, Failed, Ended
		Preparing:      {Downloading, Ignored, Cancelled, Failed, Ignored},
		Downloading:    {InitialProving, Ignored, Cancelled, Failed, Ignored},
		InitialProving: {Filling, Ignored, Cancelled, Failed, Ignored},
		Filling:        {Filled, Ignored, Cancelled, Failed, Ignored},
		Filled:         {Proving, Ignored, Payout, Payout, Payout},
		Proving:        {Payout, Failed, Payout, Payout, Payout},
		Payout:         {Finished, Failed, Cancelled, Failed, Finished},
	}
	for _, st := range States() {
		for i, o := range Outcomes() {
			ev, ok := EventFor(st, o)
			if !IsLive(st) {
				if ok {
					t.Errorf("%s has a side effect outcome %v → %s", st, o, ev)
				}
				continue
			}
			d, dok := Destination(st, ev)
			if !ok || !dok || d != want[st][i] {
				t.Errorf("%s %v: event %q (%v) → %q (%v), want → %q", st, o, ev, ok, d, dok, want[st][i])
			}
		}
	}
	if _, ok := EventFor(Proving, Outcome(99)); ok {
		t.Error("unknown outcome mapped")
	}
}

// TestReactions: every reaction to a chain event is Recheck or an event
// the table allows from that state, and none reacts in Payout, Errored or
// an end state (Payout finds out on chain; an Errored agent waits for the
// operator).
func TestReactions(t *testing.T) {
	for kind, m := range Reactions {
		for st, ev := range m {
			if !IsLive(st) || st == Payout {
				t.Errorf("%s reacts in %s", kind, st)
			}
			if ev == Recheck {
				continue
			}
			if _, ok := Destination(st, ev); !ok {
				t.Errorf("%s in %s fires %s, not in the table", kind, st, ev)
			}
		}
	}
	// Before our fill could exist, a fill or a fulfilment means the slot
	// is someone else's; in Filling it may be ours, so the effect decides.
	for _, st := range preFill {
		if Reaction(ChainSlotFilled, st) != EvSlotTaken {
			t.Errorf("SlotFilled in %s", st)
		}
	}
	if Reaction(ChainSlotFilled, Filling) != Recheck || Reaction(ChainSlotFilled, Proving) != "" {
		t.Error("SlotFilled in Filling/Proving")
	}
	if d, _ := Destination(Proving, Reaction(ChainRequestCancelled, Proving)); d != Payout {
		t.Error("a cancelled request we hold a slot of must collect")
	}
}

func TestRetryEvent(t *testing.T) {
	for _, st := range live {
		if d, ok := Destination(Errored, RetryEvent(st)); !ok || d != st {
			t.Errorf("retry from %s → %s %v", st, d, ok)
		}
	}
	for _, st := range []string{"", Errored, Finished, "bogus"} {
		if d, _ := Destination(Errored, RetryEvent(st)); d != Preparing {
			t.Errorf("retry from %q → %s", st, d)
		}
	}
}

func TestTableMarkdown(t *testing.T) {
	md := tableMarkdown()
	if !strings.Contains(md, "| start | (new), finished, cancelled, failed, ignored | preparing |") ||
		!strings.Contains(md, "| retry-payout | errored | payout |") {
		t.Fatal(md)
	}
}

// TestReadmeTable keeps the README's transition table in step with Events.
func TestReadmeTable(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), tableMarkdown()) {
		t.Fatalf("README.md does not hold the transition table; it is:\n%s", tableMarkdown())
	}
}

// tableMarkdown renders Events as a Markdown table (event, from, to), the
// one the README holds.
func tableMarkdown() string {
	var b strings.Builder
	b.WriteString("| event | from | to |\n|---|---|---|\n")
	for _, e := range Events {
		src := make([]string, len(e.Src))
		for i, s := range e.Src {
			if s == "" {
				s = "(new)"
			}
			src[i] = s
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", e.Name, strings.Join(src, ", "), e.Dst)
	}
	return b.String()
}

// Outcomes lists every outcome.
func Outcomes() []Outcome {
	return []Outcome{Done, Lost, RequestCancelled, RequestFailed, RequestEnded}
}
