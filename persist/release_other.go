//go:build !linux

package persist

// ReleaseMapped is a no-op on platforms other than Linux.
func (tx *Tx) ReleaseMapped() {}
