package campaign

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Result is what a campaign found.
type Result struct {
	Seed       uint64
	Dir        string // logs and stores
	Plan       []Fault
	Violations []string
	Notes      []string // what happened that breaks no promise
	Matrix     map[MatrixKey]int
	Hosts      map[string]*HostStats
	Elapsed    time.Duration
}

// MatrixKey is a cell of the faults × state → outcome matrix.
type MatrixKey struct {
	Kind    Kind
	State   string // of the target's agents when the fault hit
	Outcome string // ok, violation (an invariant about the target broke), skipped
}

// HostStats is one host's run: whole proof periods it was up, proofs due
// (sent or marked missing), sent and missed.
type HostStats struct {
	UpPeriods, Due, Sent, Missed, Restarts int
}

func (res *Result) host(n string) *HostStats {
	if res.Hosts[n] == nil {
		res.Hosts[n] = &HostStats{}
	}
	return res.Hosts[n]
}

func (r *run) matrix(res *Result, vs []violation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.events {
		for _, t := range a.Targets {
			out := "ok"
			if strings.HasPrefix(a.note, "skipped") {
				out = "skipped"
			} else if slices.ContainsFunc(vs, func(v violation) bool { return blames(a, t, v) }) {
				out = "violation"
			}
			kind := a.Kind
			if a.Kind == Failpoint {
				kind = Kind(fmt.Sprintf("%s@%s", a.Kind, a.State))
				if !fired(r.procs[t].log, a.State, a.when) {
					out += ",not-reached"
				}
			}
			res.Matrix[MatrixKey{kind, a.states[t], out}]++
		}
	}
}

// String is the report: the matrix, the hosts, the violations.
func (res *Result) String() string {
	var b strings.Builder
	if res.Dir == "" {
		fmt.Fprintf(&b, "campaign, all seeds (%s)\n", res.Elapsed.Round(time.Second))
	} else {
		fmt.Fprintf(&b, "campaign seed %d (%s, logs in %s)\n", res.Seed, res.Elapsed.Round(time.Second), res.Dir)
	}
	keys := make([]MatrixKey, 0, len(res.Matrix))
	for k := range res.Matrix {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b MatrixKey) int {
		return strings.Compare(string(a.Kind)+a.State+a.Outcome, string(b.Kind)+b.State+b.Outcome)
	})
	fmt.Fprintf(&b, "%-26s %-28s %-22s %s\n", "fault", "target's state", "outcome", "count")
	for _, k := range keys {
		fmt.Fprintf(&b, "%-26s %-28s %-22s %d\n", k.Kind, k.State, k.Outcome, res.Matrix[k])
	}
	fmt.Fprintf(&b, "%-8s %10s %5s %5s %7s %9s\n", "host", "up-periods", "due", "sent", "missed", "restarts")
	for _, n := range Hosts {
		if s := res.Hosts[n]; s != nil {
			fmt.Fprintf(&b, "%-8s %10d %5d %5d %7d %9d\n", n, s.UpPeriods, s.Due, s.Sent, s.Missed, s.Restarts)
		}
	}
	for _, n := range res.Notes {
		b.WriteString("note: " + n + "\n")
	}
	if len(res.Violations) == 0 {
		b.WriteString("invariants: all hold\n")
	}
	for _, v := range res.Violations {
		b.WriteString("VIOLATION " + v + "\n")
	}
	return b.String()
}

// Merge adds another seed's matrix and host figures into res's totals.
func (res *Result) Merge(o *Result) {
	for k, v := range o.Matrix {
		res.Matrix[k] += v
	}
	for n, s := range o.Hosts {
		t := res.host(n)
		t.UpPeriods += s.UpPeriods
		t.Due += s.Due
		t.Sent += s.Sent
		t.Missed += s.Missed
		t.Restarts += s.Restarts
	}
	res.Violations = append(res.Violations, o.Violations...)
}

// blames says whether violation v may be fault a's doing on target t: a
// node's fault answers for that node's violations, the chain's (a reorg)
// for the market's; a violation with a time only for faults in the two
// periods before it up to its end.
func blames(a applied, t string, v violation) bool {
	if v.who != t && !(t == "anvil" && v.who == "") {
		if t != "anvil" || v.at.IsZero() {
			return false
		}
	}
	if v.at.IsZero() {
		return true
	}
	return a.when.After(v.at.Add(-2*period*time.Second)) && a.when.Before(v.at.Add(period*time.Second))
}
