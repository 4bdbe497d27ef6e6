//go:build linux || darwin

package node

import "syscall"

// diskFree is the bytes an unprivileged user may still write under dir; 0
// if it cannot be read.
func diskFree(dir string) uint64 {
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) != nil {
		return 0
	}
	return st.Bavail * uint64(st.Bsize)
}
