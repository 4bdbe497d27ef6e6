// Package outage keeps a loop that retries every poll from logging every
// poll. During an RPC outage a host with many slots would otherwise write a
// warning per slot per poll; with a Log it writes one when the failures
// start, a reminder every Every while they last, and one line when they
// end. Retry is the loop for work that backs off rather than polls.
package outage

import (
	"time"

	"github.com/hashicorp/go-hclog"
)

// Every is how often a failure that keeps recurring is logged again.
const Every = 30 * time.Second

// Log follows one loop's run of failures. The zero value is ready; it is
// not safe for concurrent use (one loop owns it).
type Log struct {
	What string // what the loop does, e.g. "proving"; starts each line

	count  int
	since  time.Time
	logged time.Time
}

// Note records one pass of the loop: err is its failure, or nil.
func (l *Log) Note(log hclog.Logger, err error, args ...any) {
	now := time.Now()
	if err == nil {
		if l.count > 0 {
			log.Info(l.What+": working again", append(args, "failedAttempts", l.count, "for", now.Sub(l.since).Round(time.Millisecond))...)
		}
		l.count = 0
		return
	}
	l.count++
	if l.count == 1 {
		l.since = now
	}
	if l.count > 1 && now.Sub(l.logged) < Every {
		return
	}
	l.logged = now
	log.Warn(l.What+": failed; trying again", append(args, "failedAttempts", l.count, "err", err)...)
}
