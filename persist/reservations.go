package persist

import (
	"errors"
	"fmt"
)

// Reservation is space of an availability held for one slot.
type Reservation struct {
	SlotID         ID     `json:"slotId,omitzero"` // the key
	AvailabilityID uint64 `json:"availabilityId"`
	Size           uint64 `json:"size"`
}

// Reserve takes size bytes of availability id for slot: it checks and
// decrements FreeSize and records the reservation in the same
// transaction, so concurrent agents can never overbook. It fails with
// ErrInsufficientSpace, ErrNotFound (no such availability) or ErrConflict
// (slot already holds a different reservation); reserving the same again
// is a no-op, so a replayed step is harmless.
func (tx *Tx) Reserve(id uint64, slot ID, size uint64) error {
	if old, err := tx.Reservation(slot); err == nil {
		if old.AvailabilityID == id && old.Size == size {
			return nil
		}
		return fmt.Errorf("reserve %d bytes of availability %d for %s: %w: it holds %d bytes of availability %d",
			size, id, slot, ErrConflict, old.Size, old.AvailabilityID)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	a, err := tx.Availability(id)
	if err != nil {
		return fmt.Errorf("reserve for %s: %w", slot, err)
	}
	return tx.reserveFrom(&a, slot, size)
}

// reserveFrom takes size bytes of a for slot, which holds no reservation,
// and updates a to match what it stores.
func (tx *Tx) reserveFrom(a *Availability, slot ID, size uint64) error {
	if a.FreeSize < size {
		return fmt.Errorf("reserve %d bytes of availability %d for %s: %w: %d free", size, a.ID, slot, ErrInsufficientSpace, a.FreeSize)
	}
	a.FreeSize -= size
	if err := tx.putAvailability(a); err != nil {
		return err
	}
	return tx.put(bucketReservations, slot[:], Reservation{AvailabilityID: a.ID, Size: size})
}

// ReserveMatching reserves size bytes for slot from the first availability
// (in id order) with room for it that fit accepts, and returns that
// availability as it is after the reservation. Finding and reserving are
// one step. It fails with ErrInsufficientSpace when none qualifies. If the
// slot already holds a reservation, that one is returned unchanged.
func (tx *Tx) ReserveMatching(slot ID, size uint64, fit func(Availability) bool) (Availability, error) {
	if old, err := tx.Reservation(slot); err == nil {
		return tx.Availability(old.AvailabilityID)
	} else if !errors.Is(err, ErrNotFound) {
		return Availability{}, err
	}
	errFound := errors.New("found")
	var pick Availability
	err := tx.ForEachAvailability(func(a Availability) error {
		if a.FreeSize >= size && (fit == nil || fit(a)) {
			pick = a
			return errFound
		}
		return nil
	})
	if err == nil {
		return Availability{}, fmt.Errorf("reserve %d bytes for %s: %w: no availability fits", size, slot, ErrInsufficientSpace)
	} else if err != errFound {
		return Availability{}, err
	}
	if err := tx.reserveFrom(&pick, slot, size); err != nil {
		return Availability{}, err
	}
	return pick, nil
}

// Release returns slot's reserved bytes to their availability and
// deletes the reservation. It returns the bytes released; releasing a
// slot that holds nothing returns 0 and no error, so end states can
// release unconditionally.
func (tx *Tx) Release(slot ID) (uint64, error) {
	r, err := tx.Reservation(slot)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	a, err := tx.Availability(r.AvailabilityID)
	switch {
	case err == nil:
		if a.FreeSize+r.Size > a.TotalSize {
			return 0, fmt.Errorf("release %s: %w: availability %d would have %d free of %d",
				slot, ErrCorrupt, a.ID, a.FreeSize+r.Size, a.TotalSize)
		}
		a.FreeSize += r.Size
		if err := tx.putAvailability(&a); err != nil {
			return 0, err
		}
	case !errors.Is(err, ErrNotFound):
		return 0, err
	}
	if _, err := tx.del(bucketReservations, slot[:]); err != nil {
		return 0, err
	}
	return r.Size, nil
}

// Reservation returns slot's reservation, or ErrNotFound.
func (tx *Tx) Reservation(slot ID) (Reservation, error) {
	var r Reservation
	if err := tx.get(bucketReservations, slot[:], &r); err != nil {
		return Reservation{}, err
	}
	r.SlotID = slot
	return r, nil
}

// ForEachReservation streams reservations in slot id order.
func (tx *Tx) ForEachReservation(fn func(Reservation) error) error {
	return scan(tx, bucketReservations, nil, func(k []byte, r *Reservation) error {
		id, err := idFromKey(k)
		if err != nil {
			return err
		}
		r.SlotID = id
		return fn(*r)
	})
}
