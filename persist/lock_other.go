//go:build !unix

package persist

import (
	"os"
	"time"
)

// lockFile leaves locking to bbolt where flock does not exist; the file is
// then validated before bbolt locks it.
func lockFile(*os.File, bool, time.Duration) error { return nil }
