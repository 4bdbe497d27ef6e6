//go:build !(linux || darwin || freebsd)

package datastore

import "errors"

// FreeSpace is unknown on this system: callers skip their checks.
func (s *Store) FreeSpace() (uint64, error) {
	return 0, errors.ErrUnsupported
}
