package persist

import (
	"errors"
	"time"
)

// Download is the progress of fetching a slot's data, so that a restarted
// node resumes instead of starting over.
type Download struct {
	SlotID   ID        `json:"slotId,omitzero"` // the key
	Root     ID        `json:"root"`            // slot root the data must match
	Size     uint64    `json:"size"`
	Verified uint64    `json:"verified"` // bytes from the start, all verified
	Path     string    `json:"path"`     // where the data is written
	Updated  time.Time `json:"updated"`
}

// PutDownload stores d under its slot id.
func (tx *Tx) PutDownload(d Download) error {
	if d.SlotID.IsZero() {
		return errors.New("put download: no slot id")
	}
	key := d.SlotID
	d.SlotID = ID{}
	return tx.put(bucketDownloads, key[:], d)
}

// Download returns slot's download progress, or ErrNotFound.
func (tx *Tx) Download(slot ID) (Download, error) {
	var d Download
	if err := tx.get(bucketDownloads, slot[:], &d); err != nil {
		return Download{}, err
	}
	d.SlotID = slot
	return d, nil
}

// DeleteDownload removes slot's download record and reports whether it
// existed.
func (tx *Tx) DeleteDownload(slot ID) (bool, error) {
	return tx.del(bucketDownloads, slot[:])
}

// ForEachDownload streams downloads in slot id order.
func (tx *Tx) ForEachDownload(fn func(Download) error) error {
	return scan(tx, bucketDownloads, nil, func(k []byte, d *Download) error {
		id, err := idFromKey(k)
		if err != nil {
			return err
		}
		d.SlotID = id
		return fn(*d)
	})
}
