package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"
)

// LoadOrCreateToken reads the API token at path, creating a random one
// (mode 0600) on first start.
func LoadOrCreateToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		tok := strings.TrimSpace(string(b))
		if len(tok) < 16 {
			return "", fmt.Errorf("api token in %s is too short: delete the file to get a new one", path)
		}
		return tok, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read api token: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("make api token: %w", err)
	}
	tok := hex.EncodeToString(raw[:])
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write api token: %w", err)
	}
	return tok, nil
}

// authorized reports whether r carries the bearer token.
func (s *Server) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && s.Token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.Token)) == 1
}

// guard wraps a state-changing handler with the token check.
func (s *Server) guard(h http.HandlerFunc) http.HandlerFunc {
	return s.needToken("this route changes state", h)
}

// read wraps a handler that exposes the node's state: with PrivateReads
// it needs the token too.
func (s *Server) read(h http.HandlerFunc) http.HandlerFunc {
	if !s.PrivateReads {
		return h
	}
	return s.needToken("this API is reachable beyond this machine, so its reads need the token too (start the node with --public-reads to open them)", h)
}

func (s *Server) needToken(why string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="slotd"`)
			writeError(w, http.StatusUnauthorized, why+": send 'Authorization: Bearer <token>' (the token is in the node's data dir, file api-token)")
			return
		}
		h(w, r)
	}
}
