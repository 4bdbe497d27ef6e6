package sales

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/persist"
)

// The bytes an ended sale leaves on disk, deleted when it ends and swept
// at start.

// dropSlotData deletes what a sale kept on disk for slot (its data and
// tree, or a partial download and its progress): an ended sale's bytes are
// back in their availability, so they must be back on the disk too. A
// failure is logged and tried again every DropRetry (redrop), and by the
// next start's sweep.
func (s *Sales) dropSlotData(ctx context.Context, slot persist.ID) {
	err := s.cfg.Data.RemoveHostedSlot(proof.Hash(slot))
	if errors.Is(err, datastore.ErrNotFound) {
		err = nil
	}
	if err == nil {
		err = s.cfg.Store.Update(ctx, func(tx *persist.Tx) error {
			_, err := tx.DeleteDownload(slot)
			return err
		})
	}
	s.undroppedMu.Lock()
	if err != nil {
		if s.undropped == nil {
			s.undropped = map[persist.ID]struct{}{}
		}
		s.undropped[slot] = struct{}{}
	} else {
		delete(s.undropped, slot)
	}
	s.undroppedMu.Unlock()
	if err != nil {
		s.log.Warn("could not delete an ended sale's slot data; tried again in a while", "slotId", contracts.SlotID(slot), "err", err)
	}
}

// redropEvery deletes the data that failed deletes left, every interval
// (default 30 s), until ctx ends.
func (s *Sales) redropEvery(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.redrop(ctx)
		}
	}
}

// redrop deletes again the data of each ended sale a delete failed for.
// It holds sellMu, as a sale's start does, so that a new sale of the same
// slot cannot begin between the check that the sale ended and the delete.
func (s *Sales) redrop(ctx context.Context) {
	s.undroppedMu.Lock()
	ids := make([]persist.ID, 0, len(s.undropped))
	for id := range s.undropped {
		ids = append(ids, id)
	}
	s.undroppedMu.Unlock()
	for _, id := range ids {
		s.sellMu.Lock()
		var a persist.Agent
		err := s.cfg.Store.View(func(tx *persist.Tx) (err error) { a, err = tx.Agent(id); return err })
		switch {
		case err == nil && fsm.IsEnd(a.State), errors.Is(err, persist.ErrNotFound):
			s.dropSlotData(ctx, id)
		case err == nil: // sold again: the new sale owns the slot's files
			s.undroppedMu.Lock()
			delete(s.undropped, id)
			s.undroppedMu.Unlock()
		}
		s.sellMu.Unlock()
	}
}

// sweepSlotData deletes the data of every slot whose sale has ended: what
// an ended sale left when the node stopped before deleting it. It runs
// before the workers start, so no new sale of those slots is under way.
// Data of a slot the store has no sale for is left alone and reported: a
// store restored from an older backup does not know its newest sales.
func (s *Sales) sweepSlotData(ctx context.Context) {
	ids, err := s.cfg.Data.HostedSlotIDs()
	if err != nil {
		s.log.Warn("could not list slot data to sweep", "err", err)
		return
	}
	var swept, unknown int
	for _, id := range ids {
		var a persist.Agent
		err := s.cfg.Store.View(func(tx *persist.Tx) (err error) { a, err = tx.Agent(persist.ID(id)); return err })
		switch {
		case errors.Is(err, persist.ErrNotFound):
			unknown++
		case err == nil && fsm.IsEnd(a.State):
			s.dropSlotData(ctx, persist.ID(id))
			swept++
		}
	}
	if swept > 0 {
		s.log.Info("deleted the data of ended sales", "slots", swept)
	}
	if unknown > 0 {
		s.log.Warn("slot data no sale in the store knows of; left alone (a store restored from an older backup?)",
			"slots", unknown, "dir", filepath.Join(s.cfg.Data.Dir(), "slots"))
	}
}
