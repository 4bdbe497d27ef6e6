package node

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// redacted stands for a credential taken out of a URL.
const redacted = "REDACTED"

// urlSecrets lists the parts of an RPC URL that are credentials: the user
// and password, every query value (API keys), and long path segments
// (providers put keys there too, as in /v3/<key>). Short ones are left:
// replacing "1" everywhere would garble the logs, and hide nothing.
func urlSecrets(raw string) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 4 {
			out = append(out, s, url.QueryEscape(s), url.PathEscape(s))
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Unparseable, yet it may hold "scheme://user:pass@": hide that part.
		if _, rest, ok := strings.Cut(raw, "://"); ok {
			if creds, _, ok := strings.Cut(rest, "@"); ok {
				add(creds)
			}
		}
		return out
	}
	if u.User != nil {
		add(u.User.Username())
		if p, ok := u.User.Password(); ok {
			add(p)
		}
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			add(v)
		}
	}
	for seg := range strings.SplitSeq(u.Path, "/") {
		if len(seg) >= 16 {
			add(seg)
		}
	}
	// Longest first, so that a secret containing another goes whole.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

// RedactURL is raw with its credentials replaced, for logs and errors.
func RedactURL(raw string) string { return newRedactor(raw).redact(raw) }

// redactor takes the credentials of one URL out of text.
type redactor struct{ r *strings.Replacer }

func newRedactor(rawURL string) redactor {
	var pairs []string
	for _, s := range urlSecrets(rawURL) {
		pairs = append(pairs, s, redacted)
	}
	if len(pairs) == 0 {
		return redactor{}
	}
	return redactor{strings.NewReplacer(pairs...)}
}

func (r redactor) redact(s string) string {
	if r.r == nil {
		return s
	}
	return r.r.Replace(s)
}

// err wraps e so that its text is redacted; errors.Is and As still see e.
func (r redactor) err(e error) error {
	if e == nil || r.r == nil {
		return e
	}
	return &redactedError{e, r}
}

type redactedError struct {
	err error
	r   redactor
}

func (e *redactedError) Error() string { return e.r.redact(e.err.Error()) }
func (e *redactedError) Unwrap() error { return e.err }

// args redacts log arguments: strings, errors and Stringers.
func (r redactor) args(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case string:
			out[i] = r.redact(a)
		case error:
			out[i] = r.redact(a.Error())
		case fmt.Stringer:
			out[i] = r.redact(a.String())
		default:
			out[i] = a
		}
	}
	return out
}

// redactLogger is a logger that never writes the RPC URL's credentials,
// whoever logs (the roles log errors from the chain client, which quote
// the URL they failed to reach).
type redactLogger struct {
	hclog.Logger
	r redactor
}

func redactLogs(l hclog.Logger, rawURL string) hclog.Logger {
	r := newRedactor(rawURL)
	if r.r == nil {
		return l
	}
	return &redactLogger{l, r}
}

func (l *redactLogger) Log(level hclog.Level, msg string, args ...any) {
	l.Logger.Log(level, l.r.redact(msg), l.r.args(args)...)
}
func (l *redactLogger) Trace(msg string, args ...any) { l.Log(hclog.Trace, msg, args...) }
func (l *redactLogger) Debug(msg string, args ...any) { l.Log(hclog.Debug, msg, args...) }
func (l *redactLogger) Info(msg string, args ...any)  { l.Log(hclog.Info, msg, args...) }
func (l *redactLogger) Warn(msg string, args ...any)  { l.Log(hclog.Warn, msg, args...) }
func (l *redactLogger) Error(msg string, args ...any) { l.Log(hclog.Error, msg, args...) }
func (l *redactLogger) With(args ...any) hclog.Logger {
	return &redactLogger{l.Logger.With(l.r.args(args)...), l.r}
}
func (l *redactLogger) Named(name string) hclog.Logger {
	return &redactLogger{l.Logger.Named(name), l.r}
}
func (l *redactLogger) ResetNamed(name string) hclog.Logger {
	return &redactLogger{l.Logger.ResetNamed(name), l.r}
}
