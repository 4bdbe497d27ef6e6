package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// backupPath is where a node serves persist.BackupHandler.
const backupPath = "/api/v1/backup"

// fetchLive downloads a live snapshot from a running node (GET
// URL/api/v1/backup with a bearer token) into a temporary file and
// returns its name. A snapshot shorter than the Content-Length the node
// announced is an error, not a silently truncated store.
func fetchLive(ctx context.Context, base, tokenFile string) (string, error) {
	url := apiBase(base)
	if !strings.HasSuffix(url, backupPath) {
		url += backupPath
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("--live %s: %w", base, err)
	}
	if tokenFile != "" {
		tok, err := os.ReadFile(tokenFile)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	}
	client := &http.Client{Timeout: 10 * time.Minute}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("live snapshot: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden:
		return "", fmt.Errorf("live snapshot from %s: %s (check --token-file)", url, resp.Status)
	default:
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return "", fmt.Errorf("live snapshot from %s: %s: %s", url, resp.Status, strings.TrimSpace(string(msg)))
	}
	f, err := os.CreateTemp("", "slotd-live-*.db")
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("got %d of %d bytes", n, resp.ContentLength)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("live snapshot from %s: %w", url, err)
	}
	return f.Name(), nil
}
