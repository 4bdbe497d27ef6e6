//go:build !linux

package persist

func prefetch(string) {}
