package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of a transfer. Test for them with errors.Is.
var (
	// ErrNoProviders: every provider was dropped (it served bad data or does
	// not hold what was asked) or none was given.
	ErrNoProviders = errors.New("no provider can serve it")
	// ErrBadData: a provider served bytes, a tree or a manifest that do not
	// verify against the dataset id.
	ErrBadData = errors.New("provider served data that does not verify")
	// errNotHeld: the provider answered that it does not hold the item.
	errNotHeld = errors.New("provider does not hold it")
)

// Fault records a provider dropped for serving data that failed verification.
type Fault struct {
	Provider string
	Err      error
}

// session is the state one transfer shares across its slots and workers:
// providers caught serving bad data are dropped everywhere, and the bytes
// fetched are counted.
type session struct {
	d       *Downloader
	mu      sync.Mutex
	bad     map[string]error
	given   map[string]error // providers that spent their failure budget
	health  map[string]*health
	faults  []Fault
	fetched atomic.Uint64
}

func (d *Downloader) newSession() *session {
	return &session{d: d, bad: map[string]error{}, given: map[string]error{}, health: map[string]*health{}}
}

func (s *session) markBad(url string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.bad[url]; ok {
		return
	}
	s.bad[url] = err
	s.faults = append(s.faults, Fault{Provider: url, Err: err})
	if s.d.opt.OnFault != nil {
		s.d.opt.OnFault(url, err)
	}
}

func (s *session) isBad(url string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.bad[url]
	return ok
}

func (s *session) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Fault(nil), s.faults...)
}

// pool rotates over the providers of one item (a slot, a manifest), so that
// concurrent requests spread over them and a failing one is not asked twice
// in a row. Providers that lack the item are dropped from the pool only.
type pool struct {
	s       *session
	mu      sync.Mutex
	urls    []string
	next    int
	dropped map[string]error // not held here
	last    map[string]error // last transient error, for the final report
}

func (s *session) pool(urls []string) *pool {
	return &pool{s: s, urls: urls, dropped: map[string]error{}, last: map[string]error{}}
}

func (p *pool) pick() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range p.urls {
		u := p.urls[p.next%len(p.urls)]
		p.next++
		if _, gone := p.dropped[u]; !gone && !p.s.isBad(u) && p.s.givenUp(u) == nil {
			return u
		}
	}
	return ""
}

func (p *pool) drop(url string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropped[url] = err
}

func (p *pool) failed(url string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last[url] = err
}

// anyGivenUp reports whether a provider of p spent its failure budget.
func (p *pool) anyGivenUp() bool {
	for _, u := range p.urls {
		if p.s.givenUp(u) != nil {
			return true
		}
	}
	return false
}

// report says why no provider is left.
func (p *pool) report() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.urls) == 0 {
		return "no provider URLs given"
	}
	var parts []string
	for _, u := range p.urls {
		p.s.mu.Lock()
		bad, given := p.s.bad[u], p.s.given[u]
		p.s.mu.Unlock()
		switch {
		case bad != nil:
			parts = append(parts, fmt.Sprintf("%s: %v", u, bad))
		case given != nil:
			parts = append(parts, fmt.Sprintf("%s: given up: %v", u, given))
		case p.dropped[u] != nil:
			parts = append(parts, fmt.Sprintf("%s: %v", u, p.dropped[u]))
		case p.last[u] != nil:
			parts = append(parts, fmt.Sprintf("%s: %v", u, p.last[u]))
		}
	}
	return strings.Join(parts, "; ")
}

// try runs attempt against providers from p until one succeeds. Bad data
// drops the provider for the whole session, a 404 drops it from this pool,
// anything else is transient: back off and rotate, up to MaxAttempts
// transient failures, and give a provider up for the session once it has
// spent its failure budget. When none is left the error is ErrNoProviders,
// or ErrProvidersFailed if any was given up for failing.
func (s *session) try(ctx context.Context, p *pool, what string, attempt func(ctx context.Context, base string) error) error {
	if err := s.d.gaveUp.check(p.urls, s.d.opt.GiveUpFor); len(p.urls) > 0 && err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	failures := 0
	for {
		base := p.pick()
		if base == "" {
			if p.anyGivenUp() {
				s.d.gaveUp.record(p.urls)
				return fmt.Errorf("%s: %w (%s)", what, ErrProvidersFailed, p.report())
			}
			return fmt.Errorf("%s: %w (%s)", what, ErrNoProviders, p.report())
		}
		err := attempt(ctx, base)
		switch {
		case err == nil:
			s.succeeded(base)
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("%s: %w", what, context.Cause(ctx))
		case errors.Is(err, ErrBadData):
			s.markBad(base, err)
		case errors.Is(err, errNotHeld), errors.Is(err, ErrPrivateAddress):
			p.drop(base, err)
		default:
			p.failed(base, err)
			failures++
			if s.failedTransient(base, err) {
				continue // the next pick finds another provider, or none
			}
			if failures >= s.d.opt.MaxAttempts {
				return fmt.Errorf("%s: giving up after %d failed attempts (%s): %w: %w", what, failures, p.report(), ErrProvidersFailed, err)
			}
			if err := sleep(ctx, s.d.backoff(failures)); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		}
	}
}

// backoff is the wait after the n-th transient failure: exponential from
// BackoffMin to BackoffMax, with jitter so that workers do not retry in step.
func (d *Downloader) backoff(n int) time.Duration {
	b := d.opt.BackoffMin << min(n-1, 20)
	if b <= 0 || b > d.opt.BackoffMax {
		b = d.opt.BackoffMax
	}
	return b/2 + rand.N(b/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// statusError is a provider's unwanted status. It holds no part of the
// body: a provider's reply is a stranger's text, and errors reach the log.
type statusError struct{ code int }

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.code, http.StatusText(e.code))
}

// checkStatus accepts the wanted statuses and turns the others into
// errNotHeld (the provider has no such item) or a transient error.
func checkStatus(resp *http.Response, want ...int) error {
	for _, w := range want {
		if resp.StatusCode == w {
			return nil
		}
	}
	err := &statusError{code: resp.StatusCode}
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusGone, http.StatusBadRequest, http.StatusMethodNotAllowed:
		return fmt.Errorf("%w: %w", errNotHeld, err)
	}
	return err
}

func (d *Downloader) newRequest(ctx context.Context, url string) (*http.Request, context.CancelFunc, error) {
	ctx, cancel := context.WithTimeout(ctx, d.opt.RequestTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("%w: %w", errNotHeld, err)
	}
	return req, cancel, nil
}

// getSmall fetches a small document (a manifest, a tree) of at most limit bytes.
func (d *Downloader) getSmall(ctx context.Context, url string, limit int64) ([]byte, error) {
	req, cancel, err := d.newRequest(ctx, url)
	if err != nil {
		return nil, err
	}
	defer cancel()
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := checkStatus(resp, http.StatusOK); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", url, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrBadData, url, limit)
	}
	return b, nil
}

// getRange reads exactly len(dst) bytes at off of the resource at url.
func (d *Downloader) getRange(ctx context.Context, url string, off uint64, dst []byte) error {
	req, cancel, err := d.newRequest(ctx, url)
	if err != nil {
		return err
	}
	defer cancel()
	end := off + uint64(len(dst)) - 1
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, end))
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return fmt.Errorf("%w: it ignored the Range header", errNotHeld)
	}
	if err := checkStatus(resp, http.StatusPartialContent); err != nil {
		return err
	}
	if cr := resp.Header.Get("Content-Range"); !rangeMatches(cr, off, end) {
		return fmt.Errorf("%w: asked for bytes %d-%d, got Content-Range %q", ErrBadData, off, end, cr)
	}
	if _, err := io.ReadFull(resp.Body, dst); err != nil {
		return fmt.Errorf("read %s bytes %d-%d: %w", url, off, end, err)
	}
	return nil
}

// rangeMatches checks a Content-Range header "bytes a-b/size" against a-b.
func rangeMatches(cr string, a, b uint64) bool {
	r, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return false
	}
	r, _, ok = strings.Cut(r, "/")
	if !ok {
		return false
	}
	lo, hi, ok := strings.Cut(r, "-")
	x, err1 := strconv.ParseUint(lo, 10, 64)
	y, err2 := strconv.ParseUint(hi, 10, 64)
	return ok && err1 == nil && err2 == nil && x == a && y == b
}
