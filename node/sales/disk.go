package sales

import (
	"errors"
	"fmt"
	"math"

	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/persist"
)

// diskRoom checks, before a slot of size bytes is reserved, that the data
// dir's disk holds it beside the slots reserved and not yet held (their
// files are sparse until downloaded), with datastore.SpaceMargin to spare.
// An availability promises space; the disk may have filled since.
func (s *Sales) diskRoom(size uint64) error {
	free := s.cfg.FreeSpace
	if free == nil {
		free = s.cfg.Data.FreeSpace
	}
	n, err := free()
	if errors.Is(err, errors.ErrUnsupported) {
		return nil
	} else if err != nil {
		return err
	}
	var pending uint64
	err = s.cfg.Store.View(func(tx *persist.Tx) error {
		return tx.ForEachReservation(func(r persist.Reservation) error {
			if _, err := s.cfg.Data.HostedSlot(proof.Hash(r.SlotID)); err != nil {
				pending += min(r.Size, math.MaxUint64-pending)
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("read reservations: %w", err)
	}
	return datastore.CheckRoom(n, pending, size, "the slot")
}
