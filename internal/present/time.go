package present

import (
	"fmt"
	"time"
)

// Duration is d in at most two units, largest first: "45s", "2m05s",
// "3h20m", "4d06h". Negative durations get a leading "-".
func Duration(d time.Duration) string {
	if d < 0 {
		return "-" + Duration(-d)
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}

// Seconds is a count of seconds as a Duration.
func Seconds(s uint64) string {
	if s > uint64(1<<63-1)/uint64(time.Second) {
		return fmt.Sprintf("%ds", s)
	}
	return Duration(time.Duration(s) * time.Second)
}

// Date is t in UTC to the second; the zero time is "-".
func Date(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// Ago is how long before now t was, "3m10s ago", or "in 5s" for a time
// still ahead; the zero time is "-".
func Ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	if d < 0 {
		return "in " + Duration(-d)
	}
	return Duration(d) + " ago"
}

// Unix is a chain timestamp (seconds) as a Date; 0 is "-".
func Unix(s uint64) string {
	if s == 0 || s > 1<<62 {
		return "-"
	}
	return Date(time.Unix(int64(s), 0))
}
