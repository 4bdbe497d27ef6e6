package campaign

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Kind names a fault the scheduler injects.
type Kind string

const (
	KillHost      Kind = "kill-host"      // SIGKILL one host, restart after Down
	KillTwoHosts  Kind = "kill-two-hosts" // SIGKILL two hosts at the same moment
	KillValidator Kind = "kill-validator"
	KillClient    Kind = "kill-client"
	Failpoint     Kind = "failpoint"      // restart a host with SLOTD_CRASH_AFTER=State: it kills itself there
	RPCDown       Kind = "rpc-down"       // the node's proxy refuses and cuts connections
	RPCStall      Kind = "rpc-stall"      // the proxy holds every byte for Down
	RPCReset      Kind = "rpc-reset"      // the proxy cuts open connections once (new dials pass)
	RPCLogError   Kind = "rpc-logerr"     // eth_getLogs answers with an error
	RPCTooMany    Kind = "rpc-toomany"    // eth_getLogs answers "query returned more than 10000 results"
	Reorg         Kind = "reorg"          // anvil_reorg of Depth blocks
	DiskFull      Kind = "disk-full"      // the host's data dir (a tmpfs) is filled up for Down
	DiskReadOnly  Kind = "disk-readonly"  // a read-only bind mount covers the host's data dir for Down
	StallProvider Kind = "stall-provider" // SIGSTOP the client (the data's provider) for Down
)

// Failpoints are the states a Failpoint fault stops a host at, in turn:
// the early ones (a sale's way to its fill) armed just before a request
// arrives, the late ones at any time a host proves.
var (
	Failpoints = append(slices.Clone(earlyFailpoints), lateFailpoints...)

	earlyFailpoints = []string{"preparing", "downloading", "initial-proving", "filling", "filled"}
	lateFailpoints  = []string{"proving", "payout"}
)

// Fault is one scheduled injection: at At after the market opens, Kind hits
// Targets for Down (the down time, or how long the fault lasts).
type Fault struct {
	At      time.Duration
	Kind    Kind
	Targets []string
	Down    time.Duration
	State   string // Failpoint: the state
	Depth   int    // Reorg: blocks
}

func (f Fault) String() string {
	s := fmt.Sprintf("%6.1fs %-14s %-16s down %4.1fs", f.At.Seconds(), f.Kind, strings.Join(f.Targets, ","), f.Down.Seconds())
	switch f.Kind {
	case Failpoint:
		s += " at " + f.State
	case Reorg:
		s += fmt.Sprintf(" depth %d", f.Depth)
	}
	return s
}

// Plan is the schedule of faults for a seed: a pure function of its
// arguments (the faulty window and when requests arrive), so a seed replays
// the same faults.
func Plan(seed uint64, window time.Duration, hosts []string, arrivals []time.Duration) []Fault {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	kinds := []Kind{KillHost, KillHost, KillTwoHosts, KillValidator, KillClient, Failpoint, Failpoint,
		RPCDown, RPCStall, RPCReset, RPCLogError, RPCTooMany, Reorg, Reorg, DiskFull, StallProvider}
	nodes := append(slices.Clone(hosts), "validator", "client")
	var out []Fault
	disks := 0
	early, late := r.IntN(len(earlyFailpoints)), r.IntN(len(lateFailpoints))
	// about one fault every 8 s, at least 2 s apart so their effects can be told apart
	for at := 4*time.Second + dur(r, 0, 4); at < window; at += dur(r, 4, 12) {
		f := Fault{At: at, Kind: kinds[r.IntN(len(kinds))]}
		switch f.Kind {
		case KillHost, Failpoint, DiskFull:
			// every other disk fault makes the dir read-only; decided by
			// count, not by a draw, so the other faults of a seed stay
			if f.Kind == DiskFull && disks%2 == 1 {
				f.Kind = DiskReadOnly
			}
			disks++
			f.Targets = []string{hosts[r.IntN(len(hosts))]}
		case KillTwoHosts:
			i := r.IntN(len(hosts))
			f.Targets = []string{hosts[i], hosts[(i+1+r.IntN(len(hosts)-1))%len(hosts)]}
		case KillValidator:
			f.Targets = []string{"validator"}
		case KillClient, StallProvider:
			f.Targets = []string{"client"}
		case RPCDown, RPCStall, RPCReset, RPCLogError, RPCTooMany:
			f.Targets = []string{nodes[r.IntN(len(nodes))]}
		case Reorg:
			f.Targets = []string{"anvil"}
			f.Depth = 1 + r.IntN(3)
		}
		switch f.Kind {
		case KillHost, KillTwoHosts, KillValidator, KillClient, Failpoint:
			f.Down = dur(r, 1, 15)
		case RPCReset, Reorg:
		default:
			// shorter than half a proof period: a node must ride it out
			f.Down = dur(r, 1, 4)
		}
		if f.Kind == Failpoint {
			f.State = lateFailpoints[late%len(lateFailpoints)]
			if i := slices.IndexFunc(arrivals, func(a time.Duration) bool { return a > f.At }); i >= 0 {
				// just before the next request, so its sales pass the state
				f.State, f.At = earlyFailpoints[early%len(earlyFailpoints)], arrivals[i]-time.Second
				early++
			} else {
				late++
			}
		}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b Fault) int { return int(a.At - b.At) })
	return out
}

// dur is a uniform duration in [lo, hi) seconds, in tenths.
func dur(r *rand.Rand, lo, hi int) time.Duration {
	return time.Duration(lo*10+r.IntN((hi-lo)*10)) * 100 * time.Millisecond
}
