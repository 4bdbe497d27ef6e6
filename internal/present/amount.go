package present

import (
	"math/big"
	"strings"
)

// Token formats amounts of one ERC20: Decimals and Symbol are the
// token's own (read once from the contract). The zero Token shows raw
// base units.
type Token struct {
	Symbol   string `json:"symbol"`
	Decimals uint8  `json:"decimals"`
}

// Exact is v in whole tokens with every significant digit:
// 1 base unit of an 18-decimal token is "0.000000000000000001 SLOT".
// A nil v is "-".
func (t Token) Exact(v *big.Int) string {
	if v == nil {
		return "-"
	}
	return t.withSymbol(decimalString(v, t.Decimals, -1))
}

// Short is v for tables and logs: rounded down to 4 decimals, or below
// one whole token to 4 significant digits (so 1 base unit still shows,
// "0.000000000000000001 SLOT"); with more than 12 integer digits it is
// written in e-notation so a column stays narrow. Exact and the JSON keep
// the exact figure.
func (t Token) Short(v *big.Int) string {
	if v == nil {
		return "-"
	}
	s := decimalString(v, t.Decimals, -1)
	neg := v.Sign() < 0
	mag := strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(mag, ".")
	switch {
	case len(whole) > 12:
		return t.withSymbol(sign(neg) + eNotation(mag))
	case whole == "0" && frac != "":
		first := len(frac) - len(strings.TrimLeft(frac, "0"))
		frac = frac[:min(len(frac), first+4)]
	default:
		frac = frac[:min(len(frac), 4)]
	}
	if frac = strings.TrimRight(frac, "0"); frac != "" {
		whole += "." + frac
	}
	return t.withSymbol(sign(neg) + whole)
}

// Compact is v for a table cell, without the symbol (the column's header
// carries it): at most 10 characters and a sign, rounded toward zero.
// Four decimals at most, fewer as the whole part grows; more than nine
// whole digits, or a nonzero amount below 0.0001 token that would need
// more than four zeros after the point, in e-notation: 2^256-1 base units
// of an 18-decimal token is "1.157e+59", 1 base unit "1e-18".
func (t Token) Compact(v *big.Int) string {
	if v == nil {
		return "-"
	}
	s := decimalString(v, t.Decimals, -1)
	neg := v.Sign() < 0
	mag := strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(mag, ".")
	switch {
	case len(whole) > 9:
		return sign(neg) + eNotation(mag)
	case whole == "0" && frac != "":
		zeros := len(frac) - len(strings.TrimLeft(frac, "0"))
		if zeros > 4 {
			return sign(neg) + smallENotation(frac[zeros:], zeros+1)
		}
		frac = frac[:min(len(frac), zeros+4)]
	default:
		frac = frac[:min(len(frac), max(0, min(4, 9-len(whole))))]
	}
	if frac = strings.TrimRight(frac, "0"); frac != "" {
		whole += "." + frac
	}
	return sign(neg) + whole
}

// smallENotation writes 0.000…digits, with the first digit exp places
// after the point, as d.ddde-exp.
func smallENotation(digits string, exp int) string {
	out := digits[:1]
	if mant := strings.TrimRight(digits[1:min(4, len(digits))], "0"); mant != "" {
		out += "." + mant
	}
	return out + "e-" + itoa(exp)
}

// Header is a column title for Compact amounts: "DEPOSIT SLOT", or
// "DEPOSIT UNITS" for the zero Token. A symbol longer than 8 characters
// is cut (a token names itself; it may be anything).
func (t Token) Header(title string) string {
	sym := t.Symbol
	if sym == "" {
		sym = "UNITS"
	} else if width(sym) > 8 {
		sym = cut(sym, 8)
	}
	return title + " " + sym
}

func (t Token) withSymbol(s string) string {
	if t.Symbol == "" {
		return s
	}
	return s + " " + t.Symbol
}

// decimalString writes v / 10^dec with at most keep fraction digits
// (rounded toward zero; keep < 0 keeps them all) and no trailing zeros.
func decimalString(v *big.Int, dec uint8, keep int) string {
	neg := v.Sign() < 0
	digits := new(big.Int).Abs(v).String()
	d := int(dec)
	if len(digits) <= d {
		digits = strings.Repeat("0", d-len(digits)+1) + digits
	}
	whole, frac := digits[:len(digits)-d], digits[len(digits)-d:]
	if keep >= 0 && len(frac) > keep {
		frac = frac[:keep]
	}
	frac = strings.TrimRight(frac, "0")
	s := whole
	if frac != "" {
		s += "." + frac
	}
	if neg && strings.Trim(s, "0.") != "" {
		s = "-" + s
	}
	return s
}

func intDigits(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return i
	}
	return len(s)
}

// eNotation writes a plain decimal with many integer digits as d.ddde+N.
func eNotation(s string) string {
	whole := s[:intDigits(s)]
	mant := strings.TrimRight(whole[1:min(4, len(whole))], "0")
	out := whole[:1]
	if mant != "" {
		out += "." + mant
	}
	return out + "e+" + itoa(len(whole)-1)
}

func sign(neg bool) string {
	if neg {
		return "-"
	}
	return ""
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }
