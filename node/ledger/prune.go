package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/persist"
)

// DefaultRetain is how long, in chain time, an ended request stays in the
// ledger after its end: far beyond any reorg the ingestor survives and the
// payouts, withdrawals and last judgements the roles make right at the end.
const DefaultRetain = 24 * time.Hour

const (
	pruneScan  = 10_000 // requests one pass collects: a backlog is worked off over passes
	pruneBatch = 500    // requests one transaction deletes
)

var errScanFull = errors.New("ledger prune scan full")

// Pruner deletes from the ledger the requests that ended (finished,
// cancelled or failed) more than Retain of chain time ago, with their
// slots and proof records, and the proof records of live requests older
// than Retain, so the ledger holds the live requests and a day of history
// rather than every request and period ever seen. "Now" is the cursor's block time. Run
// owns its goroutine.
type Pruner struct {
	store  *persist.Store
	retain uint64 // seconds
	every  time.Duration
	log    hclog.Logger
}

// NewPruner prunes store's ledger every interval (a minute when 0),
// keeping ended requests for retain (DefaultRetain when 0).
func NewPruner(store *persist.Store, retain, every time.Duration, log hclog.Logger) *Pruner {
	if retain <= 0 {
		retain = DefaultRetain
	}
	if every <= 0 {
		every = time.Minute
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Pruner{store: store, retain: uint64(retain / time.Second), every: every, log: log}
}

// Run prunes until ctx ends; a failed pass is logged and tried again.
func (p *Pruner) Run(ctx context.Context) error {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		if n, err := p.Prune(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("pruning the ledger failed; will retry", "err", err)
		} else if n > 0 {
			p.log.Info("pruned ended requests from the ledger", "requests", n)
		}
		if n, err := p.PruneProofs(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("pruning the ledger's proof records failed; will retry", "err", err)
		} else if n > 0 {
			p.log.Debug("pruned old proof records from the ledger", "records", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Prune deletes the requests that ended more than retain before the
// cursor's block time, and returns how many.
func (p *Pruner) Prune(ctx context.Context) (int, error) {
	var now uint64
	var old []persist.ID
	err := p.scanAtCursor("ended requests", func(tx *persist.Tx, at uint64) error {
		now = at
		return tx.ForEachLedgerRequest(upTo(&old, func(r persist.LedgerRequest) (persist.ID, bool) {
			return r.RequestID, p.ended(r, now)
		}))
	})
	if err != nil {
		return 0, err
	}
	return deleteInBatches(ctx, p.store, old, "ended requests", func(tx *persist.Tx, id persist.ID) (bool, error) {
		r, err := tx.LedgerRequest(id)
		if errors.Is(err, persist.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !p.ended(r, now) { // a reorg revived it meanwhile
			return false, nil
		}
		return tx.DeleteLedgerRequest(id)
	})
}

// ended: r ended more than retain before now. A cancelled request ended
// at its expiry; a finished or failed one counts from its end (a failed
// request's moment is not recorded, and its end bounds it).
func (p *Pruner) ended(r persist.LedgerRequest, now uint64) bool {
	if now == 0 {
		return false
	}
	var at uint64
	switch r.State(now) {
	case persist.LedgerCancelled:
		at = r.Expiry
	case persist.LedgerFinished, persist.LedgerFailed:
		if r.End == 0 {
			return false // never read: no end to count from
		}
		at = r.End
	default:
		return false
	}
	return now >= at+p.retain
}

// PruneProofs deletes the proof records older than retain before the
// cursor's block time, and returns how many.
func (p *Pruner) PruneProofs(ctx context.Context) (int, error) {
	var old []persist.LedgerProof
	err := p.scanAtCursor("old proof records", func(tx *persist.Tx, now uint64) error {
		if now < p.retain {
			return nil
		}
		return tx.ForEachLedgerProof(persist.ID{}, upTo(&old, func(r persist.LedgerProof) (persist.LedgerProof, bool) {
			return r, r.Time+p.retain <= now
		}))
	})
	if err != nil {
		return 0, err
	}
	return deleteInBatches(ctx, p.store, old, "old proof records", func(tx *persist.Tx, r persist.LedgerProof) (bool, error) {
		return tx.DeleteLedgerProof(r.RequestID, r.Index, r.Period)
	})
}

// scanAtCursor runs scan in one read of the store, with the block time
// of the ingestor's cursor (before its first block there is nothing to
// prune, and scan does not run). A scan stopped at pruneScan is not an
// error: the next pass goes on.
func (p *Pruner) scanAtCursor(what string, scan func(tx *persist.Tx, now uint64) error) error {
	err := p.store.View(func(tx *persist.Tx) error {
		c, err := tx.Cursor()
		if errors.Is(err, persist.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return scan(tx, c.Time)
	})
	if err != nil && !errors.Is(err, errScanFull) {
		return fmt.Errorf("ledger: scan for %s: %w", what, err)
	}
	return nil
}

// upTo is a scan's callback that appends to out what pick keeps of each
// record, and stops the scan with errScanFull at pruneScan of them: one
// pass deletes at most that many, and the next pass the rest.
func upTo[T, K any](out *[]K, pick func(T) (K, bool)) func(T) error {
	return func(r T) error {
		k, ok := pick(r)
		if !ok {
			return nil
		}
		*out = append(*out, k)
		if len(*out) == pruneScan {
			return errScanFull
		}
		return nil
	}
}

// deleteInBatches deletes what a scan found, pruneBatch items per store
// transaction so no write holds the store long; del says whether it
// deleted the item (it may find it gone or revived since the scan). It
// returns how many were deleted, those of a failed batch excepted.
func deleteInBatches[T any](ctx context.Context, store *persist.Store, items []T, what string, del func(*persist.Tx, T) (bool, error)) (int, error) {
	deleted := 0
	for len(items) > 0 {
		batch := items[:min(len(items), pruneBatch)]
		items = items[len(batch):]
		n := 0
		err := store.Update(ctx, func(tx *persist.Tx) error {
			n = 0 // Update may run this more than once
			for _, it := range batch {
				ok, err := del(tx, it)
				if err != nil {
					return err
				}
				if ok {
					n++
				}
			}
			return nil
		})
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("ledger: delete %s: %w", what, err)
		}
	}
	return deleted, nil
}
