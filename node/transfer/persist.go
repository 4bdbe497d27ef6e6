package transfer

import (
	"context"
	"errors"
	"fmt"

	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/persist"
)

// PersistProgress keeps download progress in the node's store (the
// downloads bucket), where it commits with the node's other state.
type PersistProgress struct{ Store *persist.Store }

// LoadProgress implements ProgressStore.
func (p PersistProgress) LoadProgress(_ context.Context, id proof.Hash) (Progress, error) {
	var d persist.Download
	err := p.Store.View(func(tx *persist.Tx) (err error) {
		d, err = tx.Download(persist.ID(id))
		return err
	})
	if errors.Is(err, persist.ErrNotFound) {
		return Progress{}, ErrNoProgress
	} else if err != nil {
		return Progress{}, fmt.Errorf("load progress: %w", err)
	}
	return Progress{SlotID: proof.Hash(d.SlotID), Root: proof.Hash(d.Root), Size: d.Size,
		Verified: d.Verified, Path: d.Path, Updated: d.Updated}, nil
}

// SaveProgress implements ProgressStore; it returns once the record is
// committed to disk.
func (p PersistProgress) SaveProgress(ctx context.Context, pr Progress) error {
	d := persist.Download{SlotID: persist.ID(pr.SlotID), Root: persist.ID(pr.Root), Size: pr.Size,
		Verified: pr.Verified, Path: pr.Path, Updated: pr.Updated}
	if err := p.Store.Update(ctx, func(tx *persist.Tx) error { return tx.PutDownload(d) }); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	return nil
}

// DeleteProgress implements ProgressStore.
func (p PersistProgress) DeleteProgress(ctx context.Context, id proof.Hash) error {
	err := p.Store.Update(ctx, func(tx *persist.Tx) error {
		_, err := tx.DeleteDownload(persist.ID(id))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete progress: %w", err)
	}
	return nil
}
