package transfer

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Limits on the provider list a request carries on chain: it is paid for in
// calldata and read by every host, so it stays small.
const (
	MaxProviders     = 16
	maxProviderBytes = 4096
)

// ErrProviders reports a provider list that cannot be used.
var ErrProviders = errors.New("invalid provider list")

// EncodeProviders makes the payload of a request's content.cid: the base URLs
// that serve the dataset, as comma-separated UTF-8 (for example
// "http://203.0.113.7:8080,https://mirror.example"). Each URL must be http or
// https with a host and no query, fragment or comma.
func EncodeProviders(urls []string) ([]byte, error) {
	if len(urls) == 0 || len(urls) > MaxProviders {
		return nil, fmt.Errorf("%w: %d URLs (want 1 to %d)", ErrProviders, len(urls), MaxProviders)
	}
	clean := make([]string, len(urls))
	for i, u := range urls {
		c, err := CleanProviderURL(u)
		if err != nil {
			return nil, err
		}
		clean[i] = c
	}
	out := []byte(strings.Join(clean, ","))
	if len(out) > maxProviderBytes {
		return nil, fmt.Errorf("%w: %d bytes (at most %d)", ErrProviders, len(out), maxProviderBytes)
	}
	return out, nil
}

// DecodeProviders reads a request's content.cid payload. It skips entries
// that are not valid provider URLs (a host should use what it can) and fails
// only when none is left.
func DecodeProviders(b []byte) ([]string, error) {
	if len(b) > maxProviderBytes {
		return nil, fmt.Errorf("%w: %d bytes (at most %d)", ErrProviders, len(b), maxProviderBytes)
	}
	var out []string
	var bad []string
	for part := range strings.SplitSeq(string(b), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		c, err := CleanProviderURL(part)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		out = MergeProviders(out, []string{c})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no usable URL in %q (%s)", ErrProviders, b, strings.Join(bad, "; "))
	}
	return out[:min(len(out), MaxProviders)], nil
}

// CleanProviderURL checks a provider base URL and returns it without a
// trailing slash.
func CleanProviderURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	switch {
	case err != nil:
		return "", fmt.Errorf("%w: %q: %v", ErrProviders, s, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("%w: %q: want an http or https URL", ErrProviders, s)
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Contains(s, ","):
		return "", fmt.Errorf("%w: %q: want scheme://host[:port][/path] without credentials, query or comma", ErrProviders, s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// MergeProviders concatenates lists, dropping duplicates and keeping order:
// the request's URLs first, then the operator's peers.
func MergeProviders(lists ...[]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lists {
		for _, u := range l {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	return out
}
