package persist

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Availability is space the operator offers for sale, with the terms it
// accepts. FreeSize is TotalSize minus the bytes reserved from it; the two
// only change together with a reservation, in one transaction.
type Availability struct {
	ID                       uint64    `json:"id,omitzero"` // the key
	TotalSize                uint64    `json:"totalSize"`
	FreeSize                 uint64    `json:"freeSize"`
	Duration                 uint64    `json:"duration"` // longest request it accepts, seconds
	MinPricePerBytePerSecond *big.Int  `json:"minPricePerBytePerSecond"`
	MaxCollateralPerByte     *big.Int  `json:"maxCollateralPerByte"`
	Created                  time.Time `json:"created"`
	// LookedBack: the sales engine has looked back through the requests
	// open when it was added. Until then a starting node looks back again,
	// so a look-back cut short by a crash or a stop is not lost.
	LookedBack bool `json:"lookedBack,omitempty"`
}

// MarshalJSON writes the amounts as decimal strings.
func (a Availability) MarshalJSON() ([]byte, error) {
	type plain Availability
	return json.Marshal(struct {
		plain
		MinPrice      *decimal `json:"minPricePerBytePerSecond"`
		MaxCollateral *decimal `json:"maxCollateralPerByte"`
	}{plain(a), dec(a.MinPricePerBytePerSecond), dec(a.MaxCollateralPerByte)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (a *Availability) UnmarshalJSON(b []byte) error {
	type plain Availability
	var v struct {
		plain
		MinPrice      *decimal `json:"minPricePerBytePerSecond"`
		MaxCollateral *decimal `json:"maxCollateralPerByte"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*a = Availability(v.plain)
	a.MinPricePerBytePerSecond, a.MaxCollateralPerByte = bigOf(v.MinPrice), bigOf(v.MaxCollateral)
	return nil
}

// AddAvailability stores a new availability with the next id and all of
// its space free; on return a holds the id and FreeSize.
func (tx *Tx) AddAvailability(a *Availability) error {
	b, err := tx.bucket(bucketAvailabilities)
	if err != nil {
		return err
	}
	id, err := b.NextSequence()
	if err != nil {
		return writeError(bucketAvailabilities, nil, err)
	}
	a.ID, a.FreeSize = id, a.TotalSize
	return tx.putAvailability(a)
}

// UpdateAvailability changes an availability's size and terms, keeping
// the bytes already reserved from it: FreeSize becomes TotalSize minus
// them. A TotalSize below the reserved bytes is ErrInsufficientSpace.
func (tx *Tx) UpdateAvailability(a *Availability) error {
	old, err := tx.Availability(a.ID)
	if err != nil {
		return err
	}
	reserved := old.TotalSize - old.FreeSize
	if a.TotalSize < reserved {
		return fmt.Errorf("availability %d: %w: %d bytes are reserved, new size %d", a.ID, ErrInsufficientSpace, reserved, a.TotalSize)
	}
	a.FreeSize = a.TotalSize - reserved
	if a.Created.IsZero() {
		a.Created = old.Created
	}
	return tx.putAvailability(a)
}

func (tx *Tx) putAvailability(a *Availability) error {
	v := *a
	v.ID = 0
	return tx.put(bucketAvailabilities, u64key(a.ID), v)
}

// Availability returns availability id, or ErrNotFound.
func (tx *Tx) Availability(id uint64) (Availability, error) {
	var a Availability
	if err := tx.get(bucketAvailabilities, u64key(id), &a); err != nil {
		return Availability{}, err
	}
	a.ID = id
	return a, nil
}

// DeleteAvailability removes an availability none of whose bytes are
// reserved (ErrConflict otherwise) and reports whether it existed.
func (tx *Tx) DeleteAvailability(id uint64) (bool, error) {
	a, err := tx.Availability(id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if a.FreeSize != a.TotalSize {
		return false, fmt.Errorf("delete availability %d: %w: %d bytes are still reserved", id, ErrConflict, a.TotalSize-a.FreeSize)
	}
	return tx.del(bucketAvailabilities, u64key(id))
}

// ForEachAvailability streams availabilities in id order.
func (tx *Tx) ForEachAvailability(fn func(Availability) error) error {
	return scan(tx, bucketAvailabilities, nil, func(k []byte, a *Availability) error {
		if len(k) != 8 {
			return fmt.Errorf("%w: availability key %x is not 8 bytes", ErrCorrupt, k)
		}
		a.ID = binary.BigEndian.Uint64(k)
		return fn(*a)
	})
}
