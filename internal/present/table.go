package present

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Width is the terminal width tables are made to fit.
const Width = 100

// Table is rows of cells under a header, written with the columns
// aligned and two spaces between them, never wider than Width. If a row
// would be wider, the last column (where free text such as a reason goes)
// is cut to fit and ends in "…", or with Wrap continues on the lines
// below, under its column. The other columns are kept whole unless they
// alone would leave the last fewer than minLast columns: then the widest
// of them are cut too (a last resort for data no table is made for).
type Table struct {
	Header []string
	rows   [][]string
	// Right lists the columns aligned right (amounts, counts).
	Right map[int]bool
	// Wrap keeps the whole last cell, over as many lines as it takes.
	Wrap bool
}

// Row adds one row; missing cells are blank.
func (t *Table) Row(cells ...string) { t.rows = append(t.rows, cells) }

// Len is the number of rows added.
func (t *Table) Len() int { return len(t.rows) }

// Write writes the table to w.
func (t *Table) Write(w io.Writer) error {
	n := len(t.Header)
	widths := make([]int, n)
	for _, r := range append([][]string{t.Header}, t.rows...) {
		for i := 0; i < n && i < len(r); i++ {
			widths[i] = max(widths[i], width(r[i]))
		}
	}
	floor := min(widths[n-1], max(minLast, width(t.Header[n-1])))
	used := 0
	for _, wd := range widths[:n-1] {
		used += wd + 2
	}
	for used+floor > Width && n > 1 {
		widest := 0
		for i := range n - 1 {
			if widths[i] > widths[widest] {
				widest = i
			}
		}
		if widths[widest] <= 1 {
			break
		}
		widths[widest]--
		used--
	}
	widths[n-1] = min(widths[n-1], max(Width-used, floor))
	var b strings.Builder
	for _, r := range append([][]string{t.Header}, t.rows...) {
		var line strings.Builder
		var more []string // the last cell's continuation lines
		for i := range n {
			cell := ""
			if i < len(r) {
				cell = r[i]
			}
			if i == n-1 && t.Wrap {
				parts := wrap(cell, widths[i])
				cell, more = parts[0], parts[1:]
			} else {
				cell = cut(cell, widths[i])
			}
			pad := strings.Repeat(" ", widths[i]-width(cell))
			if i > 0 {
				line.WriteString("  ")
			}
			if t.Right[i] {
				line.WriteString(pad + cell)
			} else {
				line.WriteString(cell + pad)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
		for _, m := range more {
			b.WriteString(strings.Repeat(" ", used) + m + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// minLast is the narrowest the last column is squeezed to before the
// others are cut.
const minLast = 16

func width(s string) int { return utf8.RuneCountInString(s) }

// cut shortens s to n runes, the last one "…".
func cut(s string, n int) string {
	if width(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-1, 0)]) + "…"
}

// wrap splits s into lines of at most n runes, at spaces where it can.
func wrap(s string, n int) []string {
	n = max(n, 1)
	var out []string
	r := []rune(s)
	for len(r) > n {
		at := n // a word longer than the line is split
		for i := n; i > 0; i-- {
			if r[i] == ' ' {
				at = i
				break
			}
		}
		out = append(out, strings.TrimRight(string(r[:at]), " "))
		r = []rune(strings.TrimLeft(string(r[at:]), " "))
	}
	return append(out, strings.TrimRight(string(r), " "))
}
