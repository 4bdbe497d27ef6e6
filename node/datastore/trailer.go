package datastore

import (
	"encoding/binary"
	"fmt"
)

// trailerMagic starts the trailer; the 8th byte is its version.
var trailerMagic = [8]byte{'s', 'l', 'o', 't', 'd', 'd', 's', 1}

// Trailer is the last cell of a dataset's encoded stream. It travels inside
// the slots, so the content root commits to it: whoever rebuilds a file from
// verified slots learns its true size and hash without trusting a manifest.
type Trailer struct {
	FileSize uint64
	FileHash [32]byte // SHA-256 of the file
	K, M     int
	Stripe   uint64
}

// Marshal encodes t as one cell:
//
//	magic(8) fileSize(8) sha256(32) k(2) m(2) stripe(4) zeros
func (t Trailer) Marshal() [TrailerSize]byte {
	var b [TrailerSize]byte
	copy(b[:8], trailerMagic[:])
	binary.BigEndian.PutUint64(b[8:16], t.FileSize)
	copy(b[16:48], t.FileHash[:])
	binary.BigEndian.PutUint16(b[48:50], uint16(t.K))
	binary.BigEndian.PutUint16(b[50:52], uint16(t.M))
	binary.BigEndian.PutUint32(b[52:56], uint32(t.Stripe))
	return b
}

// ParseTrailer decodes a cell written by Marshal.
func ParseTrailer(b []byte) (Trailer, error) {
	if len(b) != TrailerSize {
		return Trailer{}, fmt.Errorf("%w: trailer of %d bytes", ErrLayout, len(b))
	}
	if [8]byte(b[:8]) != trailerMagic {
		return Trailer{}, fmt.Errorf("%w: no dataset trailer (magic %x)", ErrLayout, b[:8])
	}
	for _, c := range b[56:] {
		if c != 0 {
			return Trailer{}, fmt.Errorf("%w: trailer has non-zero padding", ErrLayout)
		}
	}
	t := Trailer{
		FileSize: binary.BigEndian.Uint64(b[8:16]),
		FileHash: [32]byte(b[16:48]),
		K:        int(binary.BigEndian.Uint16(b[48:50])),
		M:        int(binary.BigEndian.Uint16(b[50:52])),
		Stripe:   uint64(binary.BigEndian.Uint32(b[52:56])),
	}
	return t, nil
}
