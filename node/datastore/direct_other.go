//go:build !linux

package datastore

import "os"

// openDirect returns nil: off Linux every write goes through the page cache.
func openDirect(path string) *os.File { return nil }
