//go:build unix

package persist

import (
	"errors"
	"os"
	"syscall"
	"time"

	berrors "go.etcd.io/bbolt/errors"
)

// lockFile takes bbolt's kind of lock (flock: exclusive for a writer,
// shared for a reader) on f, polling until timeout like bbolt does, and
// fails with bbolt's ErrTimeout.
func lockFile(f *os.File, exclusive bool, timeout time.Duration) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return err
		}
		if timeout > 0 && time.Now().After(deadline) {
			return berrors.ErrTimeout
		}
		time.Sleep(20 * time.Millisecond)
	}
}
