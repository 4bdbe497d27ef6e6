package transfer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Errors that end a transfer for good: the caller should not start the
// same transfer again from the same providers.
var (
	// ErrProvidersFailed: every provider left spent its failure budget
	// (Options.ProviderFailures transient failures, or failing without a
	// success for Options.ProviderStall): the providers are up to no good
	// or down, and retrying them only holds a worker.
	ErrProvidersFailed = errors.New("every provider kept failing")
	// ErrDeadline: the transfer ran past SlotRequest.Deadline (for a host,
	// the time after which its slot is of no use: the request's expiry).
	ErrDeadline = errors.New("transfer deadline passed")
)

// health is one provider's record of transient failures in a session.
type health struct {
	fails int       // since its last success
	since time.Time // first of those failures
}

// failedTransient counts a transient failure of url and reports whether
// url has now spent its budget (and is given up for the session).
func (s *session) failedTransient(url string, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.health[url]
	if h == nil {
		h = &health{since: time.Now()}
		s.health[url] = h
	}
	h.fails++
	if h.fails < s.d.opt.ProviderFailures && time.Since(h.since) < s.d.opt.ProviderStall {
		return false
	}
	if _, ok := s.given[url]; !ok {
		s.given[url] = err
	}
	return true
}

// succeeded resets url's failure budget.
func (s *session) succeeded(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.health, url)
}

// givenUp reports why url was given up for the session (nil if it was not).
func (s *session) givenUp(url string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.given[url]
}

// bound applies req.Deadline to ctx; the context's cause is then ErrDeadline.
func (req SlotRequest) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if req.Deadline.IsZero() {
		return ctx, func() {}
	}
	return context.WithDeadlineCause(ctx, req.Deadline, ErrDeadline)
}

// giveUps remembers provider sets that all failed, so that the same host
// does not try them again (for another slot of the request, or the same
// slot after a retry) until Options.GiveUpFor has passed.
type giveUps struct {
	mu   sync.Mutex
	when map[string]time.Time
}

func providerSetKey(urls []string) string {
	return strings.Join(slices.Sorted(slices.Values(urls)), ",")
}

// check fails with ErrProvidersFailed if urls all failed within for_.
func (g *giveUps) check(urls []string, for_ time.Duration) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := providerSetKey(urls)
	t, ok := g.when[k]
	if !ok {
		return nil
	}
	if ago := time.Since(t); ago < for_ {
		return fmt.Errorf("%w: gave up on %s %s ago; not trying them again for %s", ErrProvidersFailed, k, ago.Round(time.Second), for_)
	}
	delete(g.when, k)
	return nil
}

func (g *giveUps) record(urls []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.when == nil {
		g.when = map[string]time.Time{}
	}
	if len(g.when) > 4096 { // bounded: strangers choose the sets
		clear(g.when)
	}
	g.when[providerSetKey(urls)] = time.Now()
}
