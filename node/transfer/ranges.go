package transfer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxRanges bounds the ranges of one data request. Each part of a
// multipart reply costs its own headers, so many tiny ranges would make a
// reply many times larger than the bytes asked for; hosts ask for one
// range at a time.
const MaxRanges = 16

// errRanges: a Range header this server refuses to serve as asked.
var errRanges = errors.New("range set refused")

// checkRanges refuses a Range header for a resource of size bytes that
// holds more than MaxRanges ranges, or ranges that are not in ascending
// order without overlap (which would repeat bytes in the reply). Headers
// it cannot read are left to http.ServeContent, which answers them itself.
func checkRanges(h string, size int64) error {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || size <= 0 {
		return nil
	}
	n := strings.Count(spec, ",") + 1
	if n > MaxRanges {
		return fmt.Errorf("%w: %d ranges, at most %d per request", errRanges, n, MaxRanges)
	}
	prevEnd := int64(-1) // last byte of the previous range
	for part := range strings.SplitSeq(spec, ",") {
		start, end, ok := parseRange(strings.TrimSpace(part), size)
		if !ok {
			return nil
		}
		if start > end { // starts past the end: ServeContent says 416
			continue
		}
		if start <= prevEnd {
			return fmt.Errorf("%w: range %q overlaps or precedes the one before it: send ranges in ascending order without overlap", errRanges, part)
		}
		prevEnd = end
	}
	return nil
}

// parseRange reads one "a-b", "a-" or "-n" range as first and last byte
// offsets clamped to size; ok is false for anything else.
func parseRange(r string, size int64) (start, end int64, ok bool) {
	a, b, found := strings.Cut(r, "-")
	if !found {
		return 0, 0, false
	}
	if a == "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, false
		}
		return max(size-n, 0), size - 1, true
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, false
	}
	end = size - 1
	if b != "" {
		if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < start {
			return 0, 0, false
		}
		end = min(end, size-1)
	}
	return start, end, true
}
