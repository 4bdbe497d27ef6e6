package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotd/slotd/internal/rpcproxy"
	"github.com/slotd/slotd/node/devchain"
)

// The devnet RPC figures of #10:
//
//	go test ./cmd/slotd -run TestRPCLoadFigures -rpc-figures -v -timeout 60m
//
// For each row it boots a devnet (as `slotd devnet` does, a block every
// 250 ms), fills N slots for a host on it, starts the real binary as that
// host (default poll) and as a validator, each through its own counting
// HTTP proxy, and prints their RPC calls over whole proving periods
// beside the before-figures.
var (
	rpcFigures        = flag.Bool("rpc-figures", false, "run hosts holding 10 to 500 slots on a devnet through a counting proxy and print their RPC load")
	rpcFiguresN       = flag.String("rpc-figures.n", "10,50,500", "slot counts of the rows")
	rpcFiguresPeriods = flag.Int("rpc-figures.periods", 6, "proving periods measured per row (after a warm-up of two)")
	rpcFiguresProb    = flag.Int64("rpc-figures.probability", 20, "the requests' proof probability (a proof every that many periods, on average)")
)

// rpcBefore is the measurement before the redesign: calls per
// held slot per second, and the host's calls per second.
var rpcBefore = map[int]struct{ perSlot, total float64 }{10: {7.2, 72}, 50: {6.4, 320}, 500: {6.0, 3010}}

const rpcFigTick = 250 * time.Millisecond // slotd devnet's default

type rpcRow struct {
	n              int
	secs, blocks   float64
	periods        float64
	host, valid    rpcproxy.Counts
	proofs, marked float64 // from the nodes' metrics, over the window
	missed         float64
	watched        int // by the validator
	// The validator's window after the host was stopped, marking its
	// missed proofs.
	marking               rpcproxy.Counts
	markSecs, markPeriods float64
	marks                 float64
}

func TestRPCLoadFigures(t *testing.T) {
	if !*rpcFigures {
		t.Skip("run with -rpc-figures")
	}
	var ns []int
	for _, f := range strings.Split(*rpcFiguresN, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			t.Fatalf("-rpc-figures.n: %q is not a slot count", f)
		}
		ns = append(ns, n)
	}
	bin := filepath.Join(t.TempDir(), "slotd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var rows []rpcRow
	for _, n := range ns {
		rows = append(rows, rpcLoadRow(t, bin, n))
	}
	printRPCRows(rows)
}

// rpcLoadRow measures one row on a devnet of its own.
func rpcLoadRow(t *testing.T, bin string, n int) rpcRow {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chain, info, err := startDevnet(ctx, filepath.Join(dir, "devnet"), 3, devchain.Config{Tick: rpcFigTick, ServeRPC: true})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	hostKey, err := devKey(1)
	if err != nil {
		t.Fatal(err)
	}
	clientKey, err := devKey(2)
	if err != nil {
		t.Fatal(err)
	}
	seedAt := time.Now()
	hostDir := filepath.Join(dir, "host")
	seedDevnetHost(t, chain.Client(), info, hostKey, clientKey, n, *rpcFiguresProb, hostDir)
	t.Logf("N=%d: %d slots filled and written in %s", n, n, time.Since(seedAt).Round(time.Second))

	hp, err := rpcproxy.StartHTTP(info.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	defer hp.Close()
	vp, err := rpcproxy.StartHTTP(info.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	defer vp.Close()
	run := func(name, role, data, rpc string, account int) (*proc, string) {
		api := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		p := &proc{name: name, log: filepath.Join(dir, name+".log"), args: []string{"run", "--roles", role, "--data-dir", data,
			"--api", api, "--rpc", rpc, "--start-block", strconv.FormatUint(info.StartBlock, 10), "--marketplace", info.Marketplace.Hex(),
			"--key", info.Accounts[account].KeyFile, "--password-file", info.PasswordFile, "--allow-private-providers"}}
		p.start(t, bin)
		t.Cleanup(p.kill)
		return p, api
	}
	host, hostAPI := run("host", "host", hostDir, hp.URL(), 0)
	_, validAPI := run("validator", "validator", filepath.Join(dir, "validator"), vp.URL(), 2)

	period := time.Duration(info.Config.Proofs.Period) * rpcFigTick
	time.Sleep(2 * period) // start, catch up with the chain from the deployment block
	head := func() uint64 {
		b, err := chain.Client().BlockNumber(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// The nodes' metrics and status are read outside the window: a scrape
	// may read the chain itself.
	m0, mv0 := metricsOf(t, hostAPI), metricsOf(t, validAPI)
	h0, v0, b0, at := hp.Counter().Snapshot(), vp.Counter().Snapshot(), head(), time.Now()
	time.Sleep(time.Duration(*rpcFiguresPeriods) * period)
	h1, v1, b1, secs := hp.Counter().Snapshot(), vp.Counter().Snapshot(), head(), time.Since(at).Seconds()
	m1, mv1 := metricsOf(t, hostAPI), metricsOf(t, validAPI)
	watched := validatorWatched(t, validAPI)

	// The host gone, its proofs are missed: the validator's load while it
	// marks them, after a period for the first misses to come due.
	host.kill()
	time.Sleep(period)
	mo0 := metricsOf(t, validAPI)
	o0, ob0, oat := vp.Counter().Snapshot(), head(), time.Now()
	time.Sleep(time.Duration(*rpcFiguresPeriods) * period)
	o1, ob1, osecs := vp.Counter().Snapshot(), head(), time.Since(oat).Seconds()
	mo1 := metricsOf(t, validAPI)
	if testing.Verbose() {
		t.Logf("host log tail:\n%s", host.tail())
	}
	blocks := float64(b1 - b0)
	return rpcRow{n: n, secs: secs, blocks: blocks, periods: blocks / float64(info.Config.Proofs.Period),
		host: h1.Sub(h0), valid: v1.Sub(v0),
		proofs: m1["slotd_proofs_submitted_total"] - m0["slotd_proofs_submitted_total"],
		missed: m1["slotd_proofs_missed_total"] - m0["slotd_proofs_missed_total"],
		marked: mv1["slotd_proofs_marked_total"] - mv0["slotd_proofs_marked_total"], watched: watched,
		marking: o1.Sub(o0), markSecs: osecs, markPeriods: float64(ob1-ob0) / float64(info.Config.Proofs.Period),
		marks: mo1["slotd_proofs_marked_total"] - mo0["slotd_proofs_marked_total"]}
}

// validatorWatched is how many slots the validator node watches, from its
// status.
func validatorWatched(t *testing.T, api string) int {
	t.Helper()
	resp, err := http.Get("http://" + api + "/api/v1/status")
	if err != nil {
		t.Fatalf("status of %s: %v", api, err)
	}
	defer resp.Body.Close()
	var st struct {
		Validator *struct {
			Watched int `json:"watched"`
		} `json:"validator"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Validator == nil {
		t.Fatalf("status of %s: %v (validator %v)", api, err, st.Validator)
	}
	return st.Validator.Watched
}

// metricsOf reads a node's unlabelled Prometheus counters and gauges.
func metricsOf(t *testing.T, api string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + api + "/metrics")
	if err != nil {
		t.Fatalf("metrics of %s: %v", api, err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, v, ok := strings.Cut(line, " ")
		if !ok || strings.Contains(name, "{") {
			continue
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			out[name] = f
		}
	}
	return out
}

func printRPCRows(rows []rpcRow) {
	fmt.Printf("\n#10 on a devnet (a block every %s, period %d blocks, proof probability %d, default poll): the real binary through a counting HTTP proxy\n\n",
		rpcFigTick, devMarketConfig().Proofs.Period, *rpcFiguresProb)
	fmt.Println("| N slots | host calls/s: before → after | per slot/s: before → after | new TCP conns/s | proofs sent/s | host calls/s less 2 per proof (target ≤ 20) | validator calls/s | marked/s | validator calls/s less 1 per mark (target ≤ 10) | window |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		b, ok := rpcBefore[r.n]
		before, perBefore := "—", "—"
		if ok {
			before, perBefore = fmt.Sprintf("%.0f", b.total), fmt.Sprintf("%.1f", b.perSlot)
		}
		hs, vs := float64(r.host.Total())/r.secs, float64(r.valid.Total())/r.secs
		fmt.Printf("| %d | %s → %.2f | %s → %.4f | %.3f (%d of %d requests) | %.2f | %.2f | %.2f | %.3f | %.2f | %.0f s, %.0f blocks, %.1f periods |\n",
			r.n, before, hs, perBefore, hs/float64(r.n), float64(r.host.Conns)/r.secs, r.host.Conns, r.host.Messages,
			r.proofs/r.secs, hs-2*r.proofs/r.secs, vs, r.marked/r.secs, vs-r.marked/r.secs, r.secs, r.blocks, r.periods)
	}
	fmt.Println("\nThe validator after the host was stopped (its proofs missed and marked):")
	fmt.Println("\n| N slots | validator calls/s | marks/s | calls/s less 1 per mark (target ≤ 10) | calls per mark, beyond the base | eth_call per period | window |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range rows {
		vs, base := float64(r.marking.Total())/r.markSecs, float64(r.valid.Total())/r.secs
		perMark := math.NaN()
		if r.marks > 0 {
			perMark = (vs - base) * r.markSecs / r.marks
		}
		fmt.Printf("| %d | %.2f | %.2f | %.2f | %.2f | %.1f | %.0f s, %.1f periods |\n", r.n, vs, r.marks/r.markSecs, vs-r.marks/r.markSecs,
			perMark, float64(r.marking.Calls["eth_call"])/r.markPeriods, r.markSecs, r.markPeriods)
	}
	for _, r := range rows {
		fmt.Printf("\nN=%d host, calls/s by method: %s\n", r.n, perSecond(r.host.Calls, r.secs))
		fmt.Printf("N=%d host batches (size: count): %s; proofs sent %.0f, of ours marked missing %.0f\n", r.n, sizes(r.host.Batches), r.proofs, r.missed)
		fmt.Printf("N=%d validator, calls/s by method: %s\n", r.n, perSecond(r.valid.Calls, r.secs))
		fmt.Printf("N=%d validator watching %d slots: eth_call per period %.1f, eth_estimateGas %d, batches %s, marked %.0f\n",
			r.n, r.watched, float64(r.valid.Calls["eth_call"])/r.periods, r.valid.Calls["eth_estimateGas"], sizes(r.valid.Batches), r.marked)
		fmt.Printf("N=%d validator marking, calls/s by method: %s\n", r.n, perSecond(r.marking.Calls, r.markSecs))
	}
}

func perSecond(calls map[string]int, secs float64) string {
	var out []string
	for m, v := range calls {
		out = append(out, fmt.Sprintf("%s=%.2f", m, float64(v)/secs))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func sizes(b map[int]int) string {
	if len(b) == 0 {
		return "none"
	}
	var ks []int
	for k := range b {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	var out []string
	for _, k := range ks {
		out = append(out, fmt.Sprintf("%d: %d", k, b[k]))
	}
	return strings.Join(out, ", ")
}
