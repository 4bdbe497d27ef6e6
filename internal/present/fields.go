package present

import (
	"io"
	"strings"
)

// Section is a titled list of label: value lines, the labels padded to
// one width, for screens like `slotd status`; a value too long for Width
// wraps under itself.
type Section struct {
	Title string
	lines [][2]string
}

// Add adds one line; an empty value is skipped, so a section lists only
// what the node reported.
func (s *Section) Add(label, value string) {
	if value != "" {
		s.lines = append(s.lines, [2]string{label, value})
	}
}

// Len is the number of lines added.
func (s *Section) Len() int { return len(s.lines) }

// Write writes the title and the lines indented under it; an empty
// section writes nothing.
func (s *Section) Write(w io.Writer) error {
	if len(s.lines) == 0 {
		return nil
	}
	wd := 0
	for _, l := range s.lines {
		wd = max(wd, width(l[0]))
	}
	var b strings.Builder
	b.WriteString(s.Title + "\n")
	indent := 2 + wd + 2
	for _, l := range s.lines {
		parts := wrap(l[1], max(Width-indent, 20)) // long values go on under themselves
		b.WriteString("  " + l[0] + ":" + strings.Repeat(" ", wd-width(l[0])+1) + parts[0] + "\n")
		for _, p := range parts[1:] {
			b.WriteString(strings.Repeat(" ", indent) + p + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
