//go:build !linux

package datastore

import "os"

// StartWriteback is a no-op off Linux; see sync_linux.go.
func StartWriteback(f *os.File, off, n int64) {}

// SyncData makes f's data durable.
func SyncData(f *os.File) error { return f.Sync() }
