package present

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestAmountsAtTheEdges(t *testing.T) {
	max256 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	e18 := new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)
	amounts := []struct {
		name string
		v    *big.Int
	}{
		{"nil", nil},
		{"0", big.NewInt(0)},
		{"1 unit", big.NewInt(1)},
		{"99 units", big.NewInt(99)},
		{"10^14 units", new(big.Int).Exp(big.NewInt(10), big.NewInt(14), nil)},
		{"1 token", e18},
		{"6.71 tokens", new(big.Int).Mul(big.NewInt(671), new(big.Int).Exp(big.NewInt(10), big.NewInt(16), nil))},
		{"2^60", new(big.Int).Lsh(big.NewInt(1), 60)},
		{"10^30 units", new(big.Int).Exp(big.NewInt(10), big.NewInt(30), nil)},
		{"10^31 units", new(big.Int).Exp(big.NewInt(10), big.NewInt(31), nil)},
		{"-1 unit", big.NewInt(-1)},
		{"-2.5 tokens", new(big.Int).Div(new(big.Int).Mul(big.NewInt(-5), e18), big.NewInt(2))},
		{"2^256-1", max256},
		{"-(2^256-1)", new(big.Int).Neg(max256)},
		{"0.00001234", big.NewInt(12345678901234)},
		{"0.000001234", big.NewInt(1234567890123)},
		{"123456789.9", new(big.Int).Add(new(big.Int).Mul(big.NewInt(123456789), e18), big.NewInt(9e17))},
		{"1234567890", new(big.Int).Mul(big.NewInt(1234567890), e18)},
	}
	tokens := []Token{{Symbol: "SLOT", Decimals: 18}, {Symbol: "USDC", Decimals: 6}, {Symbol: "WHOLE", Decimals: 0}, {}}
	var b strings.Builder
	for _, tok := range tokens {
		fmt.Fprintf(&b, "# %q, %d decimals\n", tok.Symbol, tok.Decimals)
		for _, a := range amounts {
			c := tok.Compact(a.v)
			if n := width(strings.TrimPrefix(c, "-")); n > 10 {
				t.Errorf("%s of %q: compact %q is %d wide, over 10", a.name, tok.Symbol, c, n)
			}
			fmt.Fprintf(&b, "%-12s short=%-28s compact=%-11s exact=%s\n", a.name, tok.Short(a.v), c, tok.Exact(a.v))
		}
	}
	golden(t, "amounts.golden", b.String())

	// What the golden file shows, stated outright for the cases a
	// reader would check first.
	slot := tokens[0]
	for v, want := range map[*big.Int]string{big.NewInt(0): "0 SLOT", big.NewInt(1): "0.000000000000000001 SLOT"} {
		if got := slot.Exact(v); got != want {
			t.Errorf("Exact(%v) = %q, want %q", v, got, want)
		}
	}
	if got, _ := new(big.Int).SetString(strings.ReplaceAll(strings.TrimSuffix(slot.Exact(max256), " SLOT"), ".", ""), 10); got.Cmp(max256) != 0 {
		t.Errorf("Exact(2^256-1) lost digits: %s", slot.Exact(max256))
	}
	if got := slot.Short(big.NewInt(1)); got != "0.000000000000000001 SLOT" {
		t.Errorf("Short(1 unit) = %q: a positive amount must not show as 0", got)
	}
}

func TestDurationsDatesAndSizes(t *testing.T) {
	now := time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)
	var b strings.Builder
	for _, d := range []time.Duration{0, 999 * time.Millisecond, time.Second, 59 * time.Second, time.Minute, 125 * time.Second,
		time.Hour, 3*time.Hour + 20*time.Minute + 59*time.Second, 24 * time.Hour, 4*24*time.Hour + 6*time.Hour, 400 * 24 * time.Hour, -90 * time.Second} {
		fmt.Fprintf(&b, "duration %-14v %s\n", d, Duration(d))
	}
	fmt.Fprintf(&b, "seconds max-uint64 %s\n", Seconds(^uint64(0)))
	for _, at := range []time.Time{{}, now.Add(-75 * time.Second), now.Add(5 * time.Second), now.In(time.FixedZone("X", 3600))} {
		fmt.Fprintf(&b, "date %-20s ago %s\n", Date(at), Ago(at, now))
	}
	fmt.Fprintf(&b, "unix 0 %s, unix 1796302800 %s\n", Unix(0), Unix(1796302800))
	for _, n := range []uint64{0, 1, 1023, 1024, 1536, 10 * 1024, 1<<20 - 1, 64 << 20, 1 << 30, 1<<40 + 1<<39, ^uint64(0)} {
		fmt.Fprintf(&b, "bytes %-20d %s\n", n, Bytes(n))
	}
	for _, id := range []string{"", "0x01", "0x0123456789ab", "0x0123456789abc", "0x" + strings.Repeat("ab", 32), "zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA"} {
		fmt.Fprintf(&b, "id %q -> %q\n", id, ShortID(id))
	}
	golden(t, "times_sizes_ids.golden", b.String())
}

func TestTableFitsTheTerminal(t *testing.T) {
	tb := Table{Header: []string{"SLOT", "STATE", "SIZE", "REASON"}, Right: map[int]bool{2: true}}
	tb.Row(ShortID("0x"+strings.Repeat("12", 32)), "Proving", Bytes(1<<20))
	tb.Row(ShortID("0x"+strings.Repeat("34", 32)), "Errored", Bytes(512), "fill: "+strings.Repeat("the chain said no; ", 10))
	tb.Row("short", "Ünïcode", "1 B", "ok")
	var b strings.Builder
	if err := tb.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if width(line) > Width {
			t.Errorf("line of %d columns, over %d: %q", width(line), Width, line)
		}
	}
	tb.Wrap = true
	tb.Write(&b)
	// Columns that alone fill the width: the widest are cut, and the
	// last keeps minLast columns; a long word wraps only where it must.
	wide := Table{Header: []string{"A", "B", "NOTE"}, Wrap: true}
	wide.Row(strings.Repeat("a", 60), strings.Repeat("b", 50), "too many slots lost; withdrawn")
	wide.Row("x", "y", strings.Repeat("z", 40))
	var w strings.Builder
	if err := wide.Write(&w); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.String(), "withdrawn\n") || strings.Contains(w.String(), "withdraw\n") {
		t.Errorf("the last word is split:\n%s", w.String())
	}
	b.WriteString(w.String())
	var s Section
	s.Title = "Host"
	s.Add("slots", "3 Proving, 1 Errored")
	s.Add("not reported", "")
	s.Add("collateral locked", "1.5 SLOT")
	s.Add("reason", strings.Repeat("a long explanation that goes on ", 5))
	s.Write(&b)
	for _, line := range strings.Split(b.String(), "\n") {
		if width(line) > Width {
			t.Errorf("section line of %d columns: %q", width(line), line)
		}
	}
	golden(t, "table.golden", b.String())
}
