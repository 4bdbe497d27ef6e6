//go:build linux

package datastore

import (
	"os"
	"syscall"
)

// openDirect opens path for O_DIRECT writes, or returns nil where the file
// system does not offer them (tmpfs, for one).
func openDirect(path string) *os.File {
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_DIRECT, 0)
	if err != nil {
		return nil
	}
	return f
}
