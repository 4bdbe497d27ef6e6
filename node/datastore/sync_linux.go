//go:build linux

package datastore

import (
	"os"
	"syscall"
)

// StartWriteback asks the kernel to start writing a just-written range of f
// to disk without waiting for it, so that the fsync that later makes it
// durable finds little left to do: streaming writers (uploads, downloads)
// then overlap disk writes with hashing instead of stalling at each fsync.
// It is advice; errors are ignored.
func StartWriteback(f *os.File, off, n int64) {
	const syncFileRangeWrite = 2 // SYNC_FILE_RANGE_WRITE
	syscall.SyncFileRange(int(f.Fd()), off, n, syncFileRangeWrite)
}

// SyncData makes f's data durable (fdatasync: the file's size is fixed
// before it is written, so its metadata need not be flushed each time).
func SyncData(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: err}
			}
			return nil
		}
	}
}
