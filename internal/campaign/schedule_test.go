package campaign

import (
	"slices"
	"testing"
	"time"
)

var arrivals = []time.Duration{0, 20 * time.Second, 40 * time.Second, 60 * time.Second, 80 * time.Second}

// A seed replays: the plan is a pure function of the seed.
func TestPlanIsAFunctionOfTheSeed(t *testing.T) {
	a, b := Plan(7, 3*time.Minute, Hosts, arrivals), Plan(7, 3*time.Minute, Hosts, arrivals)
	if PlanString(a) != PlanString(b) || len(a) < 10 {
		t.Fatalf("seed 7 gave two plans (or too few faults):\n%s\n%s", PlanString(a), PlanString(b))
	}
	if PlanString(Plan(8, 3*time.Minute, Hosts, arrivals)) == PlanString(a) {
		t.Fatal("seeds 7 and 8 gave the same plan")
	}
}

// Over a few seeds every fault kind and every failpoint comes up, and two
// hosts killed at once are two different hosts.
func TestPlanCoversEveryFault(t *testing.T) {
	kinds, states := map[Kind]bool{}, map[string]bool{}
	for seed := range uint64(40) {
		for _, f := range Plan(seed, 3*time.Minute, Hosts, arrivals) {
			kinds[f.Kind] = true
			if f.Kind == Failpoint {
				states[f.State] = true
				if slices.Contains(earlyFailpoints, f.State) && !slices.Contains(arrivals, f.At+time.Second) {
					t.Fatalf("seed %d: %s is not armed just before a request arrives", seed, f)
				}
			}
			if f.Kind == KillTwoHosts && (len(f.Targets) != 2 || f.Targets[0] == f.Targets[1]) {
				t.Fatalf("seed %d: %s", seed, f)
			}
			if f.At >= 3*time.Minute {
				t.Fatalf("seed %d: %s past the window", seed, f)
			}
		}
	}
	for _, k := range []Kind{KillHost, KillTwoHosts, KillValidator, KillClient, Failpoint, RPCDown, RPCStall, RPCReset, RPCLogError, RPCTooMany, Reorg, DiskFull, DiskReadOnly, StallProvider} {
		if !kinds[k] {
			t.Errorf("no seed of 40 plans a %s", k)
		}
	}
	for _, s := range Failpoints {
		if !states[s] {
			t.Errorf("no seed of 40 stops a host at %s", s)
		}
	}
	if !slices.Equal(Hosts, []string{"host-1", "host-2", "host-3"}) {
		t.Fatal(Hosts)
	}
}
