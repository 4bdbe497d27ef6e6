package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/internal/present"
	"github.com/slotd/slotd/node"
	"github.com/slotd/slotd/persist"
)

// view is what the tables need besides the records: the token to show
// amounts in, the downloads in progress and the time "ago" counts from.
type view struct {
	token     present.Token
	downloads map[persist.ID]node.DownloadProgress
	now       time.Time
}

// viewOf takes the token and downloads from a status document; without
// one amounts show in base units.
func viewOf(st *node.Status, now time.Time) view {
	v := view{now: now, downloads: map[persist.ID]node.DownloadProgress{}}
	if st == nil {
		return v
	}
	if st.Token != nil {
		v.token = present.Token{Symbol: st.Token.Symbol, Decimals: st.Token.Decimals}
	}
	if st.Host != nil {
		for _, d := range st.Host.Downloads {
			v.downloads[d.SlotID] = d
		}
	}
	return v
}

func writeSales(w io.Writer, v view, agents []persist.Agent) error {
	if len(agents) == 0 {
		_, err := fmt.Fprintln(w, "no sales yet (add an availability: slotd availability add -h)")
		return err
	}
	agents = slices.Clone(agents)
	sort.SliceStable(agents, func(i, j int) bool { return agents[i].Updated.After(agents[j].Updated) })
	t := present.Table{Header: []string{"SLOT", "REQUEST", "#", "STATE", "RESERVED", "UPDATED", "NOTE"}, Right: map[int]bool{2: true, 4: true}}
	for _, a := range agents {
		note := a.Reason
		if d, ok := v.downloads[a.SlotID]; ok && a.State == fsm.Downloading {
			note = downloadNote(d)
		}
		t.Row(present.ShortID(a.SlotID.String()), present.ShortID(a.RequestID.String()), fmt.Sprint(a.SlotIndex), a.State,
			present.Bytes(a.Reserved), present.Ago(a.Updated, v.now), note)
	}
	return t.Write(w)
}

// downloadNote is a fetch's progress: "downloading 42% of 64 MiB".
func downloadNote(d node.DownloadProgress) string {
	if d.Size == 0 {
		return "downloading"
	}
	pct := float64(d.Verified) * 100 / float64(d.Size) // as floats: Verified×100 overflows a uint64 past 184 PB
	note := fmt.Sprintf("downloading %d%% of %s", int(min(pct, 100)), present.Bytes(d.Size))
	if d.BytesPerSecond > 0 {
		note += " at " + present.Bytes(uint64(d.BytesPerSecond)) + "/s"
	}
	return note
}

func writeSale(w io.Writer, v view, doc saleDoc) error {
	a := doc.Agent
	var s present.Section
	s.Title = "Sale " + a.SlotID.String()
	s.Add("request", a.RequestID.String())
	s.Add("slot index", fmt.Sprint(a.SlotIndex))
	s.Add("state", a.State)
	s.Add("reason", a.Reason)
	s.Add("reserved", present.Bytes(a.Reserved))
	s.Add("availability", fmt.Sprint(a.AvailabilityID))
	s.Add("updated", present.Date(a.Updated)+" ("+present.Ago(a.Updated, v.now)+") at block "+fmt.Sprint(a.Block))
	if d, ok := v.downloads[a.SlotID]; ok {
		s.Add("download", downloadNote(d)+", last "+present.Ago(d.Updated, v.now))
	}
	if err := s.Write(w); err != nil {
		return err
	}
	// The journal in full: a line per transition, its detail below it.
	fmt.Fprintln(w, "\nJournal")
	for _, e := range doc.Journal {
		fmt.Fprintf(w, "%4d  %s  block %-6d  %-17s  %s\n", e.Seq, present.Date(e.Time), e.Block, e.Event, arrow(e.From, e.To))
		if e.Detail != "" {
			fmt.Fprintf(w, "      %s\n", e.Detail)
		}
	}
	return nil
}

func arrow(from, to string) string {
	if from == "" {
		return to
	}
	return from + " → " + to
}

// saleDoc is GET /api/v1/sales/{slotId}.
type saleDoc struct {
	Agent   persist.Agent          `json:"agent"`
	Journal []persist.JournalEntry `json:"journal"`
}

func writePurchases(w io.Writer, v view, ps []persist.Purchase) error {
	if len(ps) == 0 {
		_, err := fmt.Fprintln(w, "no purchases yet (slotd request -h)")
		return err
	}
	ps = slices.Clone(ps)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Created.After(ps[j].Created) })
	// Every column but NOTE has a bounded width (amounts are Compact, the
	// symbol is in the header), which leaves NOTE at least 20 columns.
	t := present.Table{Header: []string{"REQUEST", "STATE", "CID", "SLOTS", "DURATION", v.token.Header("DEPOSIT"), "CREATED", "NOTE"},
		Right: map[int]bool{3: true, 4: true, 5: true}, Wrap: true}
	for _, p := range ps {
		slots, dur, deposit := "?", "?", "?"
		if r, err := contracts.DecodeRequest(p.Request); err == nil {
			slots = fmt.Sprintf("%d×%s", r.Ask.Slots, present.Bytes(r.Ask.SlotSize))
			dur = present.Seconds(r.Ask.Duration)
			deposit = v.token.Compact(contracts.Deposit(r.Ask))
		}
		note := p.Reason
		if p.Withdrawn {
			note = strings.TrimPrefix(note+"; funds withdrawn", "; ")
		}
		t.Row(present.ShortID(p.RequestID.String()), p.State, present.ShortID(p.CID), slots, dur, deposit, present.Ago(p.Created, v.now), note)
	}
	return t.Write(w)
}

func writeAvailabilities(w io.Writer, v view, as []persist.Availability) error {
	if len(as) == 0 {
		_, err := fmt.Fprintln(w, "no availabilities (slotd availability add -h)")
		return err
	}
	t := present.Table{Header: []string{"ID", "TOTAL", "FREE", "MAX DURATION", v.token.Header("MIN PRICE") + "/B/s", v.token.Header("MAX COLLATERAL") + "/B", "CREATED"},
		Right: map[int]bool{0: true, 1: true, 2: true, 3: true, 4: true, 5: true}}
	for _, a := range as {
		t.Row(fmt.Sprint(a.ID), present.Bytes(a.TotalSize), present.Bytes(a.FreeSize), present.Seconds(a.Duration),
			v.token.Compact(a.MinPricePerBytePerSecond), v.token.Compact(a.MaxCollateralPerByte), present.Ago(a.Created, v.now))
	}
	return t.Write(w)
}

// gasToken shows gas balances in ether's 18 decimals.
var gasToken = present.Token{Symbol: "ETH", Decimals: 18}

func writeStatus(w io.Writer, v view, st node.Status) error {
	var sections []*present.Section
	add := func(title string) *present.Section {
		s := &present.Section{Title: title}
		sections = append(sections, s)
		return s
	}
	s := add("Alerts")
	for _, a := range st.Alerts {
		s.Add(strings.ToUpper(a.Level), a.Message+" ("+a.Kind+")")
	}
	s = add("Node")
	s.Add("account", st.Account.Hex())
	s.Add("roles", strings.Join(st.Roles, ", "))
	s.Add("marketplace", st.Marketplace.Hex())
	if st.Token != nil {
		s.Add("token", fmt.Sprintf("%s (%d decimals) at %s", st.Token.Symbol, st.Token.Decimals, st.Token.Address.Hex()))
	}
	s.Add("serves data at", st.DataURL)
	if st.RewardAddress != (common.Address{}) && st.Host != nil { // only a host is paid or posts collateral
		s.Add("earnings paid to", st.RewardAddress.Hex())
		s.Add("collateral returned to", st.CollateralAddress.Hex())
	}
	if b := st.Balances; b != nil {
		s = add("Balances")
		s.Add("gas", gasToken.Short(b.Gas.Int))
		s.Add("token", v.token.Short(b.Token.Int))
	}
	s = add("Chain")
	c := st.Chain
	if c.RPCOK {
		s.Add("rpc", fmt.Sprintf("ok, %d ms", c.RPCLatencyMS))
	} else {
		s.Add("rpc", "UNREACHABLE: "+c.RPCError)
	}
	s.Add("head", fmt.Sprint(st.Head))
	if c.Cursor != 0 {
		s.Add("events applied to", fmt.Sprintf("block %d (%d behind)", c.Cursor, c.CursorLag))
	}
	if c.PeriodSec != 0 {
		s.Add("proof period", fmt.Sprintf("%d (%s each)", c.Period, present.Seconds(c.PeriodSec)))
	}
	if h := st.Host; h != nil {
		writeHost(add("Host"), v, h)
	}
	if cl := st.Client; cl != nil {
		s = add("Client")
		s.Add("purchases", byState(cl.PurchasesByState, nil))
		s.Add("deposited", v.token.Short(cl.Deposited.Int))
		withdrawn := fmt.Sprintf("%d purchases", cl.Withdrawn)
		if cl.Refunded.Int != nil { // a node from before the figure sends none
			withdrawn += ", " + v.token.Short(cl.Refunded.Int) + " back"
			if cl.RefundUnknown > 0 {
				withdrawn += fmt.Sprintf(" (and %d withdrawn by an older slotd, amount not kept)", cl.RefundUnknown)
			}
		}
		s.Add("withdrawn", withdrawn)
	}
	if val := st.Validator; val != nil {
		s = add("Validator")
		s.Add("slots watched", fmt.Sprint(val.Watched))
		s.Add("proofs marked missing", fmt.Sprintf("%d since start", val.Marks))
		if r, ok := new(big.Int).SetString(val.Rewards, 10); ok {
			s.Add("rewards", v.token.Short(r)+" for those marks")
		}
		if val.Due > 0 {
			s.Add("periods to decide", fmt.Sprintf("%d watched slots have an ended period not yet decided", val.Due))
		}
	}
	if len(st.Errors) > 0 {
		s = add("Not read")
		for i, e := range st.Errors {
			s.Add(fmt.Sprint(i+1), e)
		}
	}
	written := false
	for _, s := range sections {
		if s.Len() == 0 {
			continue // an empty section (no alerts) writes nothing, not even the gap
		}
		if written {
			fmt.Fprintln(w)
		}
		if err := s.Write(w); err != nil {
			return err
		}
		written = true
	}
	return nil
}

func writeHost(s *present.Section, v view, h *node.HostReport) {
	s.Add("slots", byState(h.SlotsByState, fsm.States()))
	held := fmt.Sprint(h.Held)
	if h.Partial {
		held += " (too many to read each: the sums below leave some out)"
	}
	s.Add("held", held)
	s.Add("earned so far", v.token.Short(h.Accruing.Int)+" in held slots")
	s.Add("payout at end", v.token.Short(h.PayoutAtEnd.Int))
	records := h.Paid.Int != nil && h.Forfeited.Int != nil
	if records {
		s.Add("earnings", fmt.Sprintf("%s paid, %s forfeited to slashes", v.token.Short(h.Paid.Int), v.token.Short(h.Forfeited.Int)))
	}
	coll := v.token.Short(h.CollateralLocked.Int)
	if h.Slashes > 0 {
		coll += fmt.Sprintf(", slashed %d×", h.Slashes)
	}
	s.Add("collateral locked", coll)
	s.Add("proofs due now", fmt.Sprintf("%d this period, %d sent", h.ProofsDue, h.ProofsProven))
	s.Add("proofs", fmt.Sprintf("%d submitted, %d missed since start", h.ProofsSubmitted, h.ProofsMissed))
	if records { // a node from before the proof records sends neither
		last := fmt.Sprintf("%d submitted, %d missed", h.ProofsSubmitted24h, h.ProofsMissed24h)
		if h.SlotsLost24h > 0 {
			last += fmt.Sprintf("; %d slots lost to missed proofs", h.SlotsLost24h)
		}
		s.Add("proofs, last 24 h", last)
	}
	s.Add("storage", fmt.Sprintf("%s offered, %s reserved, %s unreserved", present.Bytes(h.Offered), present.Bytes(h.Reserved), present.Bytes(h.Free)))
	if h.DiskFree > 0 {
		s.Add("disk free", present.Bytes(h.DiskFree))
	}
	s.Add("queue", fmt.Sprintf("%d slots waiting", h.Queued))
	for _, d := range h.Downloads {
		s.Add("download "+present.ShortID(d.SlotID.String()), downloadNote(d))
	}
}

// byState is "2 proving, 1 errored", in order's order first, then the
// rest by name; "none" when empty.
func byState(counts map[string]int, order []string) string {
	var parts []string
	seen := map[string]bool{}
	for _, st := range order {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
		seen[st] = true
	}
	var rest []string
	for st := range counts {
		if !seen[st] && counts[st] > 0 {
			rest = append(rest, st)
		}
	}
	sort.Strings(rest)
	for _, st := range rest {
		parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// decodeInto is json.Unmarshal with the route named in the error.
func decodeInto(path string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("GET %s: the node's answer is not what this slotd reads (%w); try --json", path, err)
	}
	return nil
}
