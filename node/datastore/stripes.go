package datastore

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// Sources are readers of a dataset's slots, indexed by slot; nil marks a
// slot that is unavailable. A source must return verified bytes: a local
// file of this node, or a transfer.RemoteSlot that checks every chunk it
// fetches against the slot's tree.
type Sources []io.ReaderAt

// pick chooses k available slots, data slots first (so that a complete set
// of data slots needs no decoding), skipping exclude.
func (s Sources) pick(k int, exclude int) ([]int, error) {
	var use []int
	for i, r := range s {
		if r != nil && i != exclude {
			use = append(use, i)
			if len(use) == k {
				return use, nil
			}
		}
	}
	return nil, fmt.Errorf("need %d slots, only %d available", k, len(use))
}

// readFullAt reads exactly len(p) bytes at off.
func readFullAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// readStripes reads stripes [from, to) of the slots in use, several stripes
// ahead of fn, and calls fn for each in order with the shards read (the others
// empty, with capacity for a decoder to fill). Reads of one stripe run in
// parallel, one goroutine per slot, so remote slots are fetched concurrently.
func readStripes(ctx context.Context, lay Layout, src Sources, use []int, from, to int, fn func(*stripeBuf) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	free := newStripeBufs(lay.Slots(), lay.Stripe, pipelineDepth)
	ready := make(chan *stripeBuf, pipelineDepth-1)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(ready)
		for j := from; j < to; j++ {
			var b *stripeBuf
			select {
			case b = <-free:
			case <-ctx.Done():
				return
			}
			b.j = j
			sj := lay.ShardSize(j)
			for i := range b.shards {
				b.shards[i] = b.shards[i][:0]
			}
			var rg sync.WaitGroup
			for _, i := range use {
				b.shards[i] = b.shards[i][:sj]
				sh := b.shards[i]
				rg.Go(func() {
					if err := readFullAt(src[i], sh, int64(lay.ShardOffset(j))); err != nil {
						cancel(fmt.Errorf("read slot %d, stripe %d: %w", i, j, err))
					}
				})
			}
			rg.Wait()
			if ctx.Err() != nil {
				return
			}
			select {
			case ready <- b:
			case <-ctx.Done():
				return
			}
		}
	})
	for b := range ready {
		if ctx.Err() != nil {
			continue
		}
		if err := fn(b); err != nil {
			cancel(err)
			continue
		}
		free <- b
	}
	wg.Wait()
	return context.Cause(ctx)
}
