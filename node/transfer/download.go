package transfer

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/datastore"
)

// hosted is the result of fetching a slot the store already holds as req
// names it (the same dataset and index): nothing to fetch. Nil if it does
// not.
func (d *Downloader) hosted(req SlotRequest) *Result {
	h, err := d.store.HostedSlot(req.SlotID)
	if err != nil || h.CID != req.CID || h.Index != req.Index {
		return nil
	}
	return &Result{Root: h.Root, Size: h.Size, Resumed: h.Size}
}

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
	if r := d.hosted(req); r != nil {
		return r, nil
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
	err = s.fetchBlocks(ctx, p, req, tree, sf.verified, sf.size, sf.roots, sf)
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

// blockSink receives a slot's verified blocks: a slotFile, or memory in the
// benchmarks.
type blockSink interface {
	// writeBlock stores verified bytes at off; b is reused after it returns.
	writeBlock(off uint64, b []byte) error
	// commit makes the first done bytes durable and records them.
	commit(ctx context.Context, done uint64) error
}

// fetched is a block read from base, not yet verified.
type fetched struct {
	k    int
	b    []byte
	base string
}

// fetchBlocks fetches bytes [start, size) of a slot in BlockSize blocks and
// hands each, verified, to sink, storing its chunk roots in roots. Three
// stages run at once so none waits on another: Parallel fetchers read from
// the network, one verifier per core hashes and writes, and the committer
// hands out blocks, advances the verified prefix over finished blocks and
// commits it every SyncBytes, in the background. A fetcher takes its next block as soon as it
// has handed one on. No block more than a window past the prefix is handed
// out, so at most a window of verified data is refetched after a crash, and
// the block buffers in flight are bounded: memory is about
// (Parallel + 2·cores) · BlockSize. A block that fails verification marks
// its provider bad for the session and is fetched again from another.
func (s *session) fetchBlocks(ctx context.Context, p *pool, req SlotRequest, tree *proof.SlotTree, start, size uint64, roots []proof.Hash, sink blockSink) error {
	opt := s.d.opt
	bs := opt.BlockSize
	nblocks := int((size - start + bs - 1) / bs)
	if nblocks == 0 {
		return nil
	}
	blockAt := func(k int) (off, n uint64) {
		off = start + uint64(k)*bs
		return off, min(bs, size-off)
	}
	verifiers := runtime.GOMAXPROCS(0)
	// The window lets fetchers run SyncBytes ahead of a commit in flight.
	window := 4*opt.Parallel + int(2*opt.SyncBytes/bs)
	jobs := make(chan int, window)
	retry := make(chan int, window)
	toVerify := make(chan fetched, verifiers)
	dones := make(chan int, window)
	free := make(chan []byte, opt.Parallel+2*verifiers)
	for range cap(free) {
		free <- make([]byte, bs)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var fetchers, verifying sync.WaitGroup
	for range min(opt.Parallel, nblocks) {
		fetchers.Go(func() {
			for {
				k, ok := nextBlock(ctx, retry, jobs)
				if !ok {
					return
				}
				var buf []byte
				select {
				case buf = <-free:
				case <-ctx.Done():
					return
				}
				off, n := blockAt(k)
				b := buf[:n]
				var from string
				err := s.try(ctx, p, fmt.Sprintf("slot %d bytes %d-%d", req.Index, off, off+n-1), func(ctx context.Context, base string) error {
					if err := s.d.getRange(ctx, slotURL(base, req.CID, req.Index), off, b); err != nil {
						return err
					}
					s.fetched.Add(n)
					from = base
					return nil
				})
				if err != nil {
					cancel(err)
					return
				}
				select {
				case toVerify <- fetched{k: k, b: b, base: from}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	for range verifiers {
		verifying.Go(func() {
			h := proof.NewChunkHasher(tree.Cells())
			for fb := range toVerify {
				if ctx.Err() != nil {
					continue // drain so the fetchers can finish
				}
				off, _ := blockAt(fb.k)
				err := verifyChunks(h, tree, off/uint64(h.ChunkSize()), fb.b, roots)
				if errors.Is(err, ErrBadData) {
					s.markBad(fb.base, err)
					free <- fb.b[:cap(fb.b)]
					retry <- fb.k // never blocks: at most a window of blocks is out
					continue
				}
				if err == nil {
					err = sink.writeBlock(off, fb.b)
				}
				free <- fb.b[:cap(fb.b)]
				if err != nil {
					cancel(err)
					continue
				}
				dones <- fb.k // never blocks, likewise
			}
		})
	}

	// The committer: hand out blocks, advance the prefix, and record it
	// from a goroutine of its own, so blocks keep flowing while an fsync
	// runs; one commit is in flight at a time.
	finished := make([]bool, nblocks)
	next, prefix := 0, 0
	feed := func() {
		for next < nblocks && next < prefix+window {
			jobs <- next
			next++
		}
	}
	feed()
	advance := func() {
		for prefix < nblocks && finished[prefix] {
			prefix++
		}
	}
	prefixBytes := func() uint64 { return start + min(uint64(prefix)*bs, size-start) }
	committed, committing, pending := start, false, uint64(0)
	commitDone := make(chan error, 1)
	var err error
	// startCommit makes the verified prefix durable in the background once
	// SyncBytes of it wait, one commit at a time.
	startCommit := func() {
		if done := prefixBytes(); !committing && prefix < nblocks && done-committed >= opt.SyncBytes {
			committing, pending = true, done
			go func() { commitDone <- sink.commit(ctx, done) }()
		}
	}
loop:
	for prefix < nblocks {
		select {
		case k := <-dones:
			finished[k] = true
			advance()
			feed()
			startCommit()
		case cerr := <-commitDone:
			committing = false
			committed = pending
			if cerr != nil {
				err = cerr
				cancel(err)
				break loop
			}
			// Blocks that finished during that commit are committed now:
			// no later block may come (a stalled provider) to do it.
			startCommit()
		case <-ctx.Done():
			break loop
		}
	}
	if committing {
		if cerr := <-commitDone; cerr != nil && err == nil {
			err = cerr
			cancel(err)
		}
	}
	close(jobs)
	fetchers.Wait()
	close(toVerify)
	verifying.Wait()
	for drained := false; !drained; { // blocks finished while we stopped
		select {
		case k := <-dones:
			finished[k] = true
		default:
			drained = true
		}
	}
	advance()
	if prefix == nblocks && err == nil {
		return sink.commit(ctx, prefixBytes())
	}
	if err == nil {
		err = context.Cause(ctx)
	}
	// Keep what is verified: record the prefix reached, even when cancelled.
	if cerr := sink.commit(context.WithoutCancel(ctx), prefixBytes()); cerr != nil {
		err = fmt.Errorf("%w (and recording progress failed: %v)", err, cerr)
	}
	return err
}

// nextBlock is a fetcher's next block: one to fetch again first, then the
// next new one; false once there are none or ctx is done.
func nextBlock(ctx context.Context, retry, jobs <-chan int) (int, bool) {
	select {
	case k := <-retry:
		return k, true
	default:
	}
	select {
	case k := <-retry:
		return k, true
	case k, ok := <-jobs:
		return k, ok
	case <-ctx.Done():
		return 0, false
	}
}
