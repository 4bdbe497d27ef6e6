//go:build linux

package datastore

import (
	"io"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
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

// pwritev writes bufs one after another from off in as few system calls
// as the kernel allows. It leaves bufs as it found them, so that a caller
// can write them again another way.
func pwritev(f *os.File, bufs [][]byte, off int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	bufs = append([][]byte(nil), bufs...)
	for len(bufs) > 0 {
		var n int
		var werr error
		if err := rc.Write(func(fd uintptr) bool {
			n, werr = unix.Pwritev(int(fd), bufs, off)
			return true
		}); err != nil {
			return err
		}
		if werr == syscall.EINTR {
			continue
		}
		if werr != nil {
			return &os.PathError{Op: "pwritev", Path: f.Name(), Err: werr}
		}
		if n == 0 {
			return &os.PathError{Op: "pwritev", Path: f.Name(), Err: io.ErrShortWrite}
		}
		// A short write: go on from where it stopped.
		off += int64(n)
		for n > 0 && len(bufs) > 0 {
			k := min(n, len(bufs[0]))
			bufs[0], n = bufs[0][k:], n-k
			if len(bufs[0]) == 0 {
				bufs = bufs[1:]
			}
		}
	}
	return nil
}
