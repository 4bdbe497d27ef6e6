package present

import (
	"fmt"
	"strings"
)

// ShortID keeps a hex id's first and last four digits, "0x1a2b…9f0e",
// which is enough to tell a node's few slots and requests apart in a
// table; anything already short is kept whole.
func ShortID(id string) string {
	hex := strings.TrimPrefix(id, "0x")
	if len(hex) <= 12 {
		return id
	}
	prefix := id[:len(id)-len(hex)]
	return prefix + hex[:4] + "…" + hex[len(hex)-4:]
}

// Bytes is a size in binary units with three significant digits at most:
// "0 B", "512 B", "1.5 KiB", "64 MiB".
func Bytes(n uint64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(n) / 1024
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v >= 1023.5 && i < len(units)-1 { // would print as "1024 KiB"
		v /= 1024
		i++
	}
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, units[i])
	case v >= 10:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") + " " + units[i]
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".") + " " + units[i]
}
