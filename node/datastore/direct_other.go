//go:build !linux

package datastore

import (
	"os"
	"syscall"
)

// openDirect returns nil: off Linux every write goes through the page cache.
func openDirect(path string) *os.File { return nil }

// pwritev is never called off Linux, where there is no direct descriptor to
// write to; EINVAL would send the writes through the page cache.
func pwritev(f *os.File, bufs [][]byte, off int64) error { return syscall.EINVAL }
