package datastore

import (
	"context"
	"fmt"

	"github.com/slotd/slotd/persist"
)

// PersistRecorder records datasets in the node's store (the datasets
// bucket, keyed by the 0x-hex dataset id).
type PersistRecorder struct{ Store *persist.Store }

// RecordDatasets implements Recorder, in one store transaction.
func (r PersistRecorder) RecordDatasets(ctx context.Context, ms []*Manifest, dirOf func(CID) string) error {
	return r.Store.Update(ctx, func(tx *persist.Tx) error {
		for _, m := range ms {
			if err := tx.PutDataset(datasetRecord(m, dirOf(m.CID))); err != nil {
				return fmt.Errorf("record dataset %s: %w", m.CID, err)
			}
		}
		return nil
	})
}

func datasetRecord(m *Manifest, dir string) persist.Dataset {
	d := persist.Dataset{
		CID: m.CID.Hex(), ContentRoot: persist.ID(m.CID), Name: m.Name, Size: m.FileSize,
		FileHash: persist.ID(m.FileHash), Slots: uint64(len(m.SlotRoots)), K: uint64(m.DataSlots),
		M: uint64(m.ParitySlots), SlotSize: m.SlotSize, Dir: dir, Created: m.Created,
	}
	for _, r := range m.SlotRoots {
		d.SlotRoots = append(d.SlotRoots, persist.ID(r))
	}
	return d
}
