package node

import "testing"

// TestPayoutAmountIsReadExactly: the journal's payout detail gives back
// the base units it was written from, at the token's decimals, and a
// detail without a paid amount is not priced.
func TestPayoutAmountIsReadExactly(t *testing.T) {
	for _, c := range []struct {
		detail   string
		decimals uint8
		want     string
	}{
		{"freeSlot tx 0xab: 6.71 TST paid, 0.067 TST collateral back", 18, "6710000000000000000"},
		{"freeSlot tx 0xab: 0.000000000000000001 TST paid, 0 TST collateral back", 18, "1"},
		{"freeSlot tx 0xab: 1152921504606846976 base units paid, 3 base units collateral back", 18, "1152921504606846976"},
		{"freeSlot tx 0xab: 12 TST paid, 1 TST collateral back", 0, "12"},
		{"freeSlot tx 0xab: 6.71 TST received", 18, ""},
		{"paid (freed before a restart: the amounts are in that freeSlot's receipt)", 18, ""},
		{"freeSlot tx 0xab: 0.5 TST paid, 1 TST collateral back", 0, ""}, // more digits than decimals
	} {
		v, ok := parsePayout(c.detail, c.decimals)
		got := ""
		if ok {
			got = v.String()
		}
		if got != c.want {
			t.Errorf("%q at %d decimals: %q, want %q", c.detail, c.decimals, got, c.want)
		}
	}
}
