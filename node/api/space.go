package api

import (
	"math"

	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/persist"
)

// freeSpace is the data dir's free disk space, and whether it is known.
func (s *Server) freeSpace() (uint64, bool) {
	f := s.FreeSpace
	if f == nil && s.Data != nil {
		f = s.Data.FreeSpace
	}
	if f == nil {
		return 0, false
	}
	free, err := f()
	if err != nil {
		if s.Log != nil {
			s.Log.Warn("free disk space unknown; availabilities are not checked against it", "err", err)
		}
		return 0, false
	}
	return free, true
}

// checkOffer refuses an availability of size bytes that, with the space
// the other availabilities still offer, does not fit on the disk.
func checkOffer(tx *persist.Tx, free, size uint64) error {
	var offered uint64
	err := tx.ForEachAvailability(func(a persist.Availability) error {
		offered += min(a.FreeSize, math.MaxUint64-offered) // saturating
		return nil
	})
	if err != nil {
		return err
	}
	return datastore.CheckRoom(free, offered, size, "the availability")
}
