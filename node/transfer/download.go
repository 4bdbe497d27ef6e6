package transfer

import (
	"context"
	"fmt"
	"sync"

	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/datastore"
)

// DownloadSlot fetches one slot from its providers into the store, as a host
// does before filling it. It fetches the slot's chunk roots and checks them
// against the slot root from the manifest (itself checked against the dataset
// id), then fetches the rest of the slot in BlockSize ranges, Parallel at a
// time, rotating over providers. Every chunk is verified before it is
// written; a provider that serves a wrong byte is dropped and reported in
// Result.Faults. Progress (the verified prefix) is recorded every SyncBytes,
// after an fsync, so a download killed at any point resumes where its record
// stops. The slot ends on disk, its root recomputed from the bytes written,
// and committed to the store, which then serves it. A slot already in the
// store is not fetched again.
func (d *Downloader) DownloadSlot(ctx context.Context, req SlotRequest) (*Result, error) {
	if h, err := d.store.HostedSlot(req.SlotID); err == nil && h.CID == req.CID && h.Index == req.Index {
		return &Result{Root: h.Root, Size: h.Size, Resumed: h.Size}, nil
	}
	ctx, cancel := req.bound(ctx)
	defer cancel()
	s := d.newSession()
	man, root, err := s.slotManifest(ctx, req)
	if err != nil {
		return nil, err
	}
	cells := man.SlotSize / proof.CellSize
	p := s.pool(req.Providers)
	tree, err := s.fetchTree(ctx, p, req.CID, req.Index, root, cells)
	if err != nil {
		return &Result{Faults: s.Faults()}, err
	}
	sf, err := d.openSlotFile(ctx, req.SlotID, root, man.SlotSize, tree)
	if err != nil {
		return &Result{Faults: s.Faults()}, err
	}
	defer sf.close()
	res := &Result{Root: root, Size: man.SlotSize, Resumed: sf.verified}
	err = s.fetchBlocks(ctx, p, req, sf, tree)
	if err == nil {
		err = sf.finish(ctx, &datastore.HostedSlot{SlotID: req.SlotID, CID: req.CID, Index: req.Index, Root: root, Size: man.SlotSize, Manifest: man})
	}
	res.Fetched, res.Faults = s.fetched.Load(), s.Faults()
	if err != nil {
		return res, fmt.Errorf("download slot %d of %s: %w", req.Index, req.CID, err)
	}
	return res, nil
}

// slotManifest gets and checks the manifest for req and returns the slot's root.
func (s *session) slotManifest(ctx context.Context, req SlotRequest) (*datastore.Manifest, proof.Hash, error) {
	man, err := s.manifest(ctx, req.CID, req.Providers, req.Manifest)
	if err != nil {
		return nil, proof.Hash{}, err
	}
	if req.Index < 0 || req.Index >= len(man.SlotRoots) {
		return nil, proof.Hash{}, fmt.Errorf("slot %d: dataset %s has %d slots", req.Index, req.CID, len(man.SlotRoots))
	}
	if req.SlotSize != 0 && req.SlotSize != man.SlotSize {
		return nil, proof.Hash{}, fmt.Errorf("dataset %s: manifest slot size %d, the request says %d", req.CID, man.SlotSize, req.SlotSize)
	}
	return man, man.SlotRoots[req.Index], nil
}

// fetchBlocks fetches everything after sf's verified prefix. Workers take
// blocks in order and may finish out of order; the verified prefix advances
// over finished blocks, and no block more than a window past it is handed
// out, so at most a window of verified data is ever refetched after a crash.
func (s *session) fetchBlocks(ctx context.Context, p *pool, req SlotRequest, sf *slotFile, tree *proof.SlotTree) error {
	opt := s.d.opt
	start := sf.verified
	bs := opt.BlockSize
	nblocks := int((sf.size - start + bs - 1) / bs)
	if nblocks == 0 {
		return nil
	}
	blockAt := func(k int) (off, n uint64) {
		off = start + uint64(k)*bs
		return off, min(bs, sf.size-off)
	}
	window := 4 * opt.Parallel
	jobs := make(chan int, window)
	dones := make(chan int, window)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range min(opt.Parallel, nblocks) {
		wg.Go(func() {
			h := proof.NewChunkHasher(sf.size / proof.CellSize)
			buf := make([]byte, bs)
			for k := range jobs {
				off, n := blockAt(k)
				b := buf[:n]
				err := s.try(ctx, p, fmt.Sprintf("slot %d bytes %d-%d", req.Index, off, off+n-1), func(ctx context.Context, base string) error {
					if err := s.d.getRange(ctx, slotURL(base, req.CID, req.Index), off, b); err != nil {
						return err
					}
					s.fetched.Add(n)
					return verifyChunks(h, tree, off/sf.csize, b, sf.roots)
				})
				if err == nil {
					if _, werr := sf.f.WriteAt(b, int64(off)); werr != nil {
						err = fmt.Errorf("write slot at %d: %w", off, werr)
					} else {
						datastore.StartWriteback(sf.f, int64(off), int64(n))
					}
				}
				if err != nil {
					cancel(err)
					return
				}
				select {
				case dones <- k:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	// The committer: hand out blocks, advance the prefix, record it.
	finished := make([]bool, nblocks)
	next, prefix := 0, 0
	feed := func() {
		for next < nblocks && next < prefix+window {
			jobs <- next
			next++
		}
	}
	feed()
	var err error
loop:
	for prefix < nblocks {
		select {
		case k := <-dones:
			finished[k] = true
			for prefix < nblocks && finished[prefix] {
				prefix++
			}
			feed()
			done := start + min(uint64(prefix)*bs, sf.size-start)
			if prefix == nblocks || done-sf.verified >= opt.SyncBytes {
				if err = sf.commit(ctx, done); err != nil {
					cancel(err)
					break loop
				}
			}
		case <-ctx.Done():
			break loop
		}
	}
	close(jobs)
	wg.Wait()
	for drained := false; !drained; { // blocks finished while we stopped
		select {
		case k := <-dones:
			finished[k] = true
		default:
			drained = true
		}
	}
	for prefix < nblocks && finished[prefix] {
		prefix++
	}
	if prefix == nblocks && err == nil {
		return nil
	}
	if err == nil {
		err = context.Cause(ctx)
	}
	// Keep what is verified: record the prefix reached, even when cancelled.
	done := start + min(uint64(prefix)*bs, sf.size-start)
	if cerr := sf.commit(context.WithoutCancel(ctx), done); cerr != nil {
		err = fmt.Errorf("%w (and recording progress failed: %v)", err, cerr)
	}
	return err
}
