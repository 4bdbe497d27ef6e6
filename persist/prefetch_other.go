//go:build !linux

package persist

import "os"

func prefetch(*os.File) {}
