package persist

import (
	"errors"
	"time"
)

// Dataset is a file this node uploaded as a client and serves to hosts:
// how it was erasure-coded and where its slot files are.
type Dataset struct {
	CID         string    `json:"cid,omitzero"` // the key
	ContentRoot ID        `json:"contentRoot"`  // content.merkleRoot
	Name        string    `json:"name"`
	Size        uint64    `json:"size"` // of the original file
	FileHash    ID        `json:"fileHash"`
	Slots       uint64    `json:"slots"` // K + M
	K           uint64    `json:"k"`
	M           uint64    `json:"m"`
	SlotSize    uint64    `json:"slotSize"`
	SlotRoots   []ID      `json:"slotRoots"`
	Dir         string    `json:"dir"`
	Created     time.Time `json:"created"`
}

// PutDataset stores d under its CID.
func (tx *Tx) PutDataset(d Dataset) error {
	if d.CID == "" {
		return errors.New("put dataset: empty cid")
	}
	key := []byte(d.CID)
	d.CID = ""
	return tx.put(bucketDatasets, key, d)
}

// Dataset returns the dataset with cid, or ErrNotFound.
func (tx *Tx) Dataset(cid string) (Dataset, error) {
	var d Dataset
	if err := tx.get(bucketDatasets, []byte(cid), &d); err != nil {
		return Dataset{}, err
	}
	d.CID = cid
	return d, nil
}

// ForEachDataset streams datasets in CID order.
func (tx *Tx) ForEachDataset(fn func(Dataset) error) error {
	return scan(tx, bucketDatasets, nil, func(k []byte, d *Dataset) error {
		d.CID = string(k)
		return fn(*d)
	})
}
