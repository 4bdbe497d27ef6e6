package transfer

import (
	"context"
	"fmt"

	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/datastore"
)

// RepairSlot rebuilds slot req.Index, which no provider need hold, from K
// other slots fetched from providers (each verified chunk by chunk against
// its own tree), stripe by stripe with Reed-Solomon, as a host does for a
// freed slot. Before rebuilding it reads the dataset's trailer through the
// same slots and checks the manifest's coding parameters against it; at the
// end the rebuilt slot's root must be the manifest's root for that index.
// Progress is recorded like DownloadSlot's, at stripe boundaries, and a
// repair resumes from it. The slot ends committed to the store.
func (d *Downloader) RepairSlot(ctx context.Context, req SlotRequest) (*Result, error) {
	if r := d.hosted(req); r != nil {
		return r, nil
	}
	ctx, cancel := req.bound(ctx)
	defer cancel()
	s := d.newSession()
	man, root, err := s.slotManifest(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("repair slot %d: %w", req.Index, err)
	}
	lay, err := man.Layout()
	if err != nil {
		return nil, fmt.Errorf("repair slot %d: %w", req.Index, err)
	}
	remote := &Remote{Manifest: man, s: s}
	res := &Result{Root: root, Size: man.SlotSize}
	fail := func(err error) (*Result, error) {
		res.Fetched, res.Faults = s.fetched.Load(), s.Faults()
		return res, fmt.Errorf("repair slot %d of %s: %w", req.Index, req.CID, err)
	}
	src, err := remote.Sources(ctx, req.Providers, nil, req.Index)
	if err != nil {
		return fail(err)
	}
	t, err := datastore.ReadTrailer(lay, src)
	if err != nil {
		return fail(err)
	}
	if err := man.CheckTrailer(t); err != nil {
		return fail(err)
	}
	sf, err := d.openSlotFile(ctx, req.SlotID, root, man.SlotSize, nil)
	if err != nil {
		return fail(err)
	}
	defer sf.close()
	from := int(sf.verified / lay.Stripe)
	sf.verified = lay.ShardOffset(from) // resume at a stripe boundary
	res.Resumed = sf.verified
	h := proof.NewTreeHasher(lay.Cells(), 0)
	rebuilt := sf.verified // end of the last stripe written
	err = datastore.Rebuild(ctx, lay, src, req.Index, datastore.RebuildOptions{FromStripe: from}, func(j int, shard []byte) error {
		off := lay.ShardOffset(j)
		h.Roots(shard, sf.roots[off/sf.csize:])
		if _, err := sf.f.WriteAt(shard, int64(off)); err != nil {
			return fmt.Errorf("write slot at %d: %w", off, err)
		}
		rebuilt = off + uint64(len(shard))
		if done := off + uint64(len(shard)); done < sf.size && done-sf.verified >= d.opt.SyncBytes {
			return sf.commit(ctx, done)
		}
		return nil
	})
	if err != nil {
		if rebuilt < sf.size {
			// Keep the stripes rebuilt so far (their root is checked at the end).
			sf.commit(context.WithoutCancel(ctx), rebuilt)
		}
		return fail(err)
	}
	err = sf.finish(ctx, &datastore.HostedSlot{SlotID: req.SlotID, CID: req.CID, Index: req.Index, Root: root, Size: man.SlotSize, Manifest: man})
	if err != nil {
		return fail(err)
	}
	res.Fetched, res.Faults = s.fetched.Load(), s.Faults()
	return res, nil
}
