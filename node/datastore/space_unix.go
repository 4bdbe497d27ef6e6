//go:build linux || darwin || freebsd

package datastore

import (
	"fmt"
	"syscall"
)

// FreeSpace is the bytes an unprivileged process can still write on the
// file system of the store's directory.
func (s *Store) FreeSpace() (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(s.dir, &st); err != nil {
		return 0, fmt.Errorf("free space of %s: %w", s.dir, err)
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
