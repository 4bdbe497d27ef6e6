//go:build linux || darwin || freebsd || netbsd || openbsd

package api

import "syscall"

// fileLimit is the process's soft limit on open files (0 if unknown).
func fileLimit() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur > 1<<30 {
		return 0
	}
	return int(r.Cur)
}
