package datastore

import (
	"errors"
	"fmt"
)

// SpaceMargin is the free disk space kept for the store (slotd.db and its
// growth, slot trees, temporary files) when space is promised or taken.
const SpaceMargin = 64 << 20

// ErrDiskSpace: the data dir's disk has not the room asked for.
var ErrDiskSpace = errors.New("not enough free disk space in the data dir")

// CheckRoom fails with ErrDiskSpace, giving the figures, unless free
// (FreeSpace's answer) holds promised more bytes beyond what is already
// promised elsewhere, with SpaceMargin to spare. what names the promise.
func CheckRoom(free, already, promised uint64, what string) error {
	room := uint64(0)
	if free > SpaceMargin {
		room = free - SpaceMargin
	}
	room -= min(room, already)
	if promised <= room {
		return nil
	}
	return fmt.Errorf("%w: %s needs %d bytes (%s), but the disk has %d bytes free (%s), %d of them already promised and %d kept for the store: at most %d bytes (%s) fit; free disk space or ask for less",
		ErrDiskSpace, what, promised, sizeOf(promised), free, sizeOf(free), already, uint64(SpaceMargin), room, sizeOf(room))
}

// sizeOf writes n in binary units for people.
func sizeOf(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
