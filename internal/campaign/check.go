package campaign

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// violation is a broken promise; who is the node it is about ("" for the
// market as a whole).
type violation struct {
	who, what string
	at        time.Time // when it happened, if known (a missed proof's period)
}

// check reads the chain and every stopped store and lists what is broken.
func (r *run) check(ctx context.Context, t0 time.Time, ups map[string][]span) *Result {
	res := &Result{Hosts: map[string]*HostStats{}, Matrix: map[MatrixKey]int{}}
	var vs []violation
	add := func(who, f string, a ...any) { vs = append(vs, violation{who: who, what: fmt.Sprintf(f, a...)}) }
	m := r.market()
	h, err := m.read(ctx, r.start)
	if err != nil {
		add("", "%v", err)
		h = &history{proofs: map[common.Hash]int{}}
	}
	nameOf := map[common.Address]string{}
	for n, a := range r.addr {
		nameOf[a] = n
	}
	// every slot of every started request filled, never by two hosts at once
	byslot := map[common.Hash][]fill{}
	for _, f := range h.fills {
		byslot[f.slot] = append(byslot[f.slot], f)
	}
	freedAt := map[common.Hash][]uint64{}
	for _, f := range h.freed {
		freedAt[f.slot] = append(freedAt[f.slot], f.block)
	}
	lostBy := map[string]int{}
	notes, none := unstarted(h)
	res.Notes = append(res.Notes, notes...)
	if none != "" {
		add("", "%s", none)
	}
	for req, n := range h.requested {
		if !h.fulfilled[req] {
			continue
		}
		for i := range n {
			s, _ := m.slotID(ctx, req, i)
			fs := byslot[s]
			if len(fs) == 0 {
				add("", "slot %d of started request %s never filled", i, short(req))
				continue
			}
			frees := freedAt[s]
			for j := 1; j < len(fs); j++ {
				between := slices.ContainsFunc(frees, func(b uint64) bool { return b >= fs[j-1].block && b <= fs[j].block })
				if !between {
					add(nameOf[fs[j].host], "slot %d of %s filled by %s at block %d while %s held it (block %d)", i, short(req), nameOf[fs[j].host], fs[j].block, nameOf[fs[j-1].host], fs[j-1].block)
				}
			}
			last := nameOf[fs[len(fs)-1].host]
			if st, err := m.slotState(ctx, s); err != nil || st != 4 /* Paid */ {
				add(last, "slot %d of %s ends in state %d, not Paid (last host %s)", i, short(req), st, last)
			}
			for _, f := range fs[:len(fs)-1] {
				lostBy[nameOf[f.host]]++
			}
		}
	}
	// no proof marked missing in a period its host was up for
	for _, ms := range h.missing {
		host := ""
		for _, f := range byslot[ms.slot] {
			if f.block <= ms.block {
				host = nameOf[f.host]
			}
		}
		st := res.host(host)
		st.Missed++
		from, to := r.clock.wall(ms.period*period), r.clock.wall((ms.period+1)*period)
		if covered(ups[host], from.Add(-2*time.Second), to.Add(2*time.Second)) {
			add(host, "proof of period %d for slot %s marked missing though %s was up all period; faults then: %s", ms.period, short(ms.slot), host, r.faultsDuring(from, to))
			vs[len(vs)-1].at = from
		}
	}
	for s, n := range h.proofs {
		if fs := byslot[s]; len(fs) > 0 {
			res.host(nameOf[fs[len(fs)-1].host]).Sent += n
		}
	}
	// the Marketplace holds nothing after settlement; hosts got their collateral back
	if left, err := m.tokenBalance(ctx, r.dep.Marketplace); err != nil || left.Sign() != 0 {
		add("", "%v tokens left in the Marketplace (%v)", left, err)
	}
	for _, n := range Hosts {
		bal, err := m.tokenBalance(ctx, r.addr[n])
		if err == nil && lostBy[n] == 0 && res.host(n).Missed == 0 && bal.Cmp(new(big.Int).Lsh(big.NewInt(1), 60)) < 0 {
			add(n, "%s lost no slot and missed no proof but holds %s tokens, less than it started with", n, bal)
		}
	}
	// the stores (their ledgers against the chain) and the logs
	r.chainStates = map[string]string{}
	for req := range h.requested {
		if st, err := m.requestState(ctx, req); err == nil && int(st) < len(requestStates) {
			r.chainStates[req.Hex()] = requestStates[st]
		}
	}
	for n := range r.procs {
		for _, v := range r.checkStore(ctx, n, h) {
			add(n, "%s", v)
		}
		for _, v := range scanLog(r.procs[n].log) {
			add(n, "%s", v)
		}
	}
	// per host: periods up, proofs due, sent, missed
	for _, n := range Hosts {
		st := res.host(n)
		st.Restarts = r.procs[n].restarts
		st.Due = st.Sent + st.Missed
		for _, u := range ups[n] {
			st.UpPeriods += wholePeriods(u)
		}
	}
	for _, v := range vs {
		who := v.who
		if who == "" {
			who = "market"
		}
		res.Violations = append(res.Violations, who+": "+v.what)
	}
	r.matrix(res, vs)
	res.Elapsed = time.Since(t0)
	return res
}

// requestStates are the contract's RequestState names as the ledger spells them.
var requestStates = []string{"new", "started", "cancelled", "finished", "failed"}

func short(h common.Hash) string { return h.Hex()[:10] }

// covered says whether the spans cover [from, to].
func covered(ups []span, from, to time.Time) bool {
	for _, u := range ups {
		if !u.from.After(from) && !u.to.Before(to) {
			return true
		}
	}
	return false
}

func wholePeriods(u span) int {
	first := (u.from.Unix() + period - 1) / period
	last := u.to.Unix() / period
	if last <= first {
		return 0
	}
	return int(last - first)
}

// faultsDuring lists the faults applied in [from-period, to].
func (r *run) faultsDuring(from, to time.Time) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []string
	for _, a := range r.events {
		if a.when.After(from.Add(-period*time.Second)) && a.when.Before(to) {
			s = append(s, a.Fault.String())
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "; ")
}

// checkStore reads node n's stopped store with `slotd dump --json`, and
// compares its ledger and queue with the replay of h.
func (r *run) checkStore(ctx context.Context, n string, h *history) []string {
	dir := filepath.Join(r.cfg.Dir, n)
	db := filepath.Join(dir, "slotd.db")
	out, err := exec.CommandContext(ctx, r.cfg.Bin, "dump", "--json", "--db", db, "all").Output()
	os.WriteFile(filepath.Join(r.cfg.Dir, n+".dump.jsonl"), out, 0o600)
	if err != nil {
		return []string{fmt.Sprintf("slotd dump --json --db %s: %v", db, err)}
	}
	chk, err := exec.CommandContext(ctx, r.cfg.Bin, "dump", "--json", "--db", db, "check").Output()
	if err != nil {
		return []string{fmt.Sprintf("slotd dump --json --db %s check: %v: %s", db, err, chk)}
	}
	bad := r.checkReplay(ctx, n, out, h)
	out = append(out, chk...)
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			bad = append(bad, "dump line is not JSON: "+sc.Text())
			continue
		}
		kind, _ := rec["kind"].(string)
		switch {
		case kind == "agent" && rec["state"] == "errored":
			bad = append(bad, fmt.Sprintf("agent for slot %v errored: %v", rec["slotId"], rec["reason"]))
		case kind == "agent" && !slices.Contains([]any{"finished", "cancelled", "failed", "ignored"}, rec["state"]):
			bad = append(bad, fmt.Sprintf("agent for slot %v still %v after every request ended", rec["slotId"], rec["state"]))
		case kind == "agent" && rec["reserved"] != nil && rec["reserved"] != float64(0):
			bad = append(bad, fmt.Sprintf("ended agent for slot %v still reserves %v bytes", rec["slotId"], rec["reserved"]))
		case kind == "reservation":
			bad = append(bad, fmt.Sprintf("reservation left: %s", sc.Text()))
		case kind == "availability" && rec["freeSize"] != rec["totalSize"]:
			bad = append(bad, fmt.Sprintf("availability %v: %v of %v bytes free after every sale ended", rec["id"], rec["freeSize"], rec["totalSize"]))
		case kind == "ledger-request":
			id, _ := rec["requestId"].(string)
			if want, ok := r.chainStates[id]; ok && rec["state"] != want {
				bad = append(bad, fmt.Sprintf("ledger has request %s %v, the chain %s", id[:10], rec["state"], want))
			}
		case kind == "check" && rec["ok"] == false:
			bad = append(bad, fmt.Sprintf("store check: %v", rec["problems"]))
		}
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "slots"))
	var names []string
	for _, e := range ents {
		// The data store's index of hosted slots stays (an entry counts only
		// while its slot's record exists): it is no slot's data.
		if e.Name() != ".index" {
			names = append(names, e.Name())
		}
	}
	if len(names) > 0 {
		bad = append(bad, fmt.Sprintf("slot data left after every sale ended: %v", names))
	}
	return bad
}

// checkReplay compares the dump of n's store with the replay of the
// chain's logs up to its cursor, which must sit on the chain.
func (r *run) checkReplay(ctx context.Context, n string, out []byte, h *history) []string {
	d, err := parseDump(out)
	if err != nil {
		return []string{err.Error()}
	}
	if d.cursor == nil {
		return []string{"replay from genesis: the store has no cursor"}
	}
	hd, err := r.eth.HeaderByNumber(ctx, new(big.Int).SetUint64(d.cursor.Number))
	switch {
	case err != nil:
		return []string{fmt.Sprintf("replay from genesis: block %d of the store's cursor not read: %v", d.cursor.Number, err)}
	case hd.Hash() != d.cursor.Hash:
		return []string{fmt.Sprintf("replay from genesis: the store's cursor is block %d %s, which the chain replaced with %s", d.cursor.Number, d.cursor.Hash, hd.Hash())}
	}
	role := strings.TrimRight(n, "-123")
	return compareReplay(d, replay(h.events, d.cursor.Number, period, h.slotOf), r.addr[n], role == "host")
}

// scanLog finds panics and data races in a node's log.
func scanLog(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return []string{err.Error()}
	}
	defer f.Close()
	var bad []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for line := 1; sc.Scan(); line++ {
		t := sc.Text()
		for _, s := range []string{"panic:", "WARNING: DATA RACE", "fatal error:"} {
			if strings.Contains(t, s) {
				bad = append(bad, fmt.Sprintf("%s:%d: %s", filepath.Base(path), line, t))
			}
		}
	}
	return bad
}

// fired says whether the node's log shows its failpoint at state firing
// after when.
func fired(log, state string, when time.Time) bool {
	b, err := os.ReadFile(log)
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, "failpoint: killing the process") || !strings.Contains(l, "state="+state) {
			continue
		}
		stamp, _, _ := strings.Cut(l, " ")
		if t, err := time.Parse(time.RFC3339Nano, stamp); err == nil && t.After(when) {
			return true
		}
	}
	return false
}

// unstarted notes each request that never started: not a broken promise by
// itself, since under faults no host may have made it in time. A run in
// which no request started at all is a violation (its what): the market
// never worked, and every other invariant then holds vacuously.
func unstarted(h *history) (notes []string, none string) {
	started := 0
	for req := range h.requested {
		if h.fulfilled[req] {
			started++
			continue
		}
		notes = append(notes, fmt.Sprintf("request %s never started (%s)", short(req), h.ended[req]))
	}
	slices.Sort(notes)
	if started == 0 {
		none = fmt.Sprintf("none of the %d requests started: no slot was ever filled to the end, so the other checks prove nothing", len(h.requested))
	}
	return notes, none
}
