package campaign

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/internal/rpcproxy"
)

// PlanString prints a plan one fault a line.
func PlanString(plan []Fault) string {
	var b strings.Builder
	for _, f := range plan {
		b.WriteString("  " + f.String() + "\n")
	}
	return b.String()
}

// inject applies the plan's faults at their times until ctx ends.
func (r *run) inject(ctx context.Context, t0 time.Time, plan []Fault) {
	for _, f := range plan {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(t0.Add(f.At))):
		}
		a := applied{Fault: f, when: time.Now(), states: map[string]string{}}
		for _, t := range f.Targets {
			a.states[t] = r.stateOf(t)
		}
		a.note = r.apply(ctx, f)
		if f.Kind == Reorg {
			a.states["anvil"] = r.lastReorged // what the reorg dropped
		}
		r.mu.Lock()
		r.events = append(r.events, a)
		r.mu.Unlock()
		r.cfg.Logf("%6.1fs %s [%s] %s", time.Since(t0).Seconds(), f, statesString(a.states), a.note)
	}
}

// apply injects f and arranges its end; the note says what did not happen.
func (r *run) apply(ctx context.Context, f Fault) string {
	switch f.Kind {
	case KillHost, KillTwoHosts, KillValidator, KillClient:
		for _, t := range f.Targets {
			r.procs[t].kill9(f.Down)
		}
	case Failpoint:
		r.procs[f.Targets[0]].armFailpoint(f.State, f.Down)
	case RPCDown, RPCStall, RPCLogError, RPCTooMany:
		px := r.proxies[f.Targets[0]]
		px.SetFault(map[Kind]rpcproxy.Fault{RPCDown: rpcproxy.Down, RPCStall: rpcproxy.Stall, RPCLogError: rpcproxy.LogError, RPCTooMany: rpcproxy.TooMany}[f.Kind])
		time.AfterFunc(f.Down, func() { px.SetFault(rpcproxy.Pass) })
	case RPCReset:
		r.proxies[f.Targets[0]].Reset()
	case Reorg:
		return r.reorg(ctx, f.Depth)
	case DiskFull:
		free, err := r.disks[f.Targets[0]].fill()
		if err != nil {
			return "skipped: " + err.Error()
		}
		time.AfterFunc(f.Down, free)
	case DiskReadOnly:
		writable, err := r.disks[f.Targets[0]].readOnly()
		if err != nil {
			return "skipped: " + err.Error()
		}
		time.AfterFunc(f.Down, writable)
	case StallProvider:
		p := r.procs[f.Targets[0]]
		p.signal(syscall.SIGSTOP)
		time.AfterFunc(f.Down, func() { p.signal(syscall.SIGCONT) })
	}
	return ""
}

// stateOf is a node's agents' live states, "idle" with none, or "down".
func (r *run) stateOf(n string) string {
	if n == "anvil" {
		return "-"
	}
	if !r.procs[n].alive() {
		return "down"
	}
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get("http://" + r.api[n] + "/api/v1/sales")
	if err != nil {
		return "unreachable"
	}
	defer resp.Body.Close()
	var agents []struct {
		State string `json:"state"`
	}
	if json.NewDecoder(resp.Body).Decode(&agents) != nil {
		return "unreadable"
	}
	var live []string
	for _, a := range agents {
		switch a.State {
		case "finished", "cancelled", "failed", "ignored":
		default:
			if !slices.Contains(live, a.State) {
				live = append(live, a.State)
			}
		}
	}
	if len(live) == 0 {
		return "idle"
	}
	slices.Sort(live)
	return strings.Join(live, "+")
}

func statesString(m map[string]string) string {
	var s []string
	for k, v := range m {
		s = append(s, fmt.Sprintf("%s:%s", k, v))
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

// reorg waits up to a period for the next Marketplace log (a fill, proof,
// free or end) and then replaces the blocks from it to the head with empty
// ones: at least depth blocks, and always the block with the log.
func (r *run) reorg(ctx context.Context, depth int) string {
	head, err := r.eth.BlockNumber(ctx)
	if err != nil {
		return "skipped: reorg: " + err.Error()
	}
	note := "no market log within a period"
	r.lastReorged = "no-event"
	for deadline := time.Now().Add(period * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		logs, err := r.eth.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(head + 1), Addresses: []common.Address{r.dep.Marketplace}})
		if err == nil && len(logs) > 0 {
			now, _ := r.eth.BlockNumber(ctx)
			depth = max(depth, int(now-logs[0].BlockNumber)+1)
			r.lastReorged = r.eventName(logs[0])
			note = fmt.Sprintf("drops block %d with %s", logs[0].BlockNumber, r.lastReorged)
			break
		}
	}
	if ctx.Err() != nil {
		// The faults stopped while it waited. Called with a cancelled
		// context the request may still reach anvil, so that the skipped
		// reorg happens after all, as the nodes stop.
		return "skipped: the faults stopped"
	}
	if err := r.eth.Client().CallContext(context.WithoutCancel(ctx), nil, "anvil_reorg", depth, []any{}); err != nil {
		return "skipped: reorg: " + err.Error()
	}
	return fmt.Sprintf("(depth %d, %s)", depth, note)
}

func (r *run) eventName(l types.Log) string { return r.market().eventName(l) }

func (m *market) eventName(l types.Log) string {
	for n, ev := range m.mp.GetABI().Events {
		if len(l.Topics) > 0 && ev.ID == l.Topics[0] {
			return n
		}
	}
	return "?"
}
