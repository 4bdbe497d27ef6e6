package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/datastore"
)

// slotFile is a hosted slot being written: the data file, the durable
// verified prefix, and the chunk roots computed from the bytes this process
// wrote or re-read, from which the slot root is recomputed at the end.
type slotFile struct {
	d        *Downloader
	id, root proof.Hash
	size     uint64
	path     string
	f        *os.File
	csize    uint64
	roots    []proof.Hash
	verified uint64 // durable: fsynced and recorded
}

// openSlotFile opens slot id's data file and resumes from its recorded
// progress, if the record is for the same root, size and file. The resumed
// prefix is re-read and hashed: against want (the provider tree's chunk
// roots) when given, so a damaged prefix is cut back to its first bad chunk;
// otherwise (a repair) only to fill in roots for the final check.
func (d *Downloader) openSlotFile(ctx context.Context, id, root proof.Hash, size uint64, want *proof.SlotTree) (*slotFile, error) {
	if d.progress == nil {
		return nil, errors.New("downloader has no progress store")
	}
	path, _ := d.store.HostedSlotPaths(id)
	cells := size / proof.CellSize
	h := proof.NewChunkHasher(cells)
	sf := &slotFile{d: d, id: id, root: root, size: size, path: path, csize: uint64(h.ChunkSize())}
	sf.roots = make([]proof.Hash, (size+sf.csize-1)/sf.csize)
	p, err := d.progress.LoadProgress(ctx, id)
	switch {
	case errors.Is(err, ErrNoProgress):
	case err != nil:
		return nil, fmt.Errorf("slot %s: %w", id, err)
	case p.Root == root && p.Size == size && p.Path == path:
		sf.verified = min(p.Verified, size)
		if sf.verified < size {
			sf.verified -= sf.verified % sf.csize
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("slot %s: %w", id, err)
	}
	sf.f = f
	if st, err := f.Stat(); err != nil || uint64(st.Size()) < sf.verified {
		sf.verified = 0 // the file lost what the record promised
	}
	if err := f.Truncate(int64(size)); err != nil {
		f.Close()
		return nil, fmt.Errorf("slot %s: size data file: %w", id, err)
	}
	if sf.verified > 0 {
		good, err := sf.rehash(ctx, want)
		if err != nil {
			f.Close()
			return nil, err
		}
		sf.verified = good
	}
	return sf, nil
}

// rehash hashes the resumed prefix from disk in parallel and returns how much
// of it is good.
func (sf *slotFile) rehash(ctx context.Context, want *proof.SlotTree) (uint64, error) {
	chunks := (sf.verified + sf.csize - 1) / sf.csize
	workers := uint64(runtime.GOMAXPROCS(0))
	firstBad := make([]uint64, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		firstBad[w] = chunks
		wg.Go(func() {
			h := proof.NewChunkHasher(sf.size / proof.CellSize)
			buf := make([]byte, sf.csize)
			for c := w; c < chunks; c += workers {
				if ctx.Err() != nil {
					errs[w] = context.Cause(ctx)
					return
				}
				off := c * sf.csize
				n := min(sf.csize, sf.size-off)
				if _, err := sf.f.ReadAt(buf[:n], int64(off)); err != nil {
					errs[w] = fmt.Errorf("re-read slot %s at %d: %w", sf.id, off, err)
					return
				}
				sf.roots[c] = h.Root(buf[:n])
				if want != nil && sf.roots[c] != want.Chunks()[c] {
					firstBad[w] = c
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	good := chunks
	for _, b := range firstBad {
		good = min(good, b)
	}
	return min(good*sf.csize, sf.verified), nil
}

// writeBlock writes verified bytes at off and starts their writeback, so the
// fsync of the next commit finds little left to do.
func (sf *slotFile) writeBlock(off uint64, b []byte) error {
	if _, err := sf.f.WriteAt(b, int64(off)); err != nil {
		return fmt.Errorf("write slot at %d: %w", off, err)
	}
	datastore.StartWriteback(sf.f, int64(off), int64(len(b)))
	return nil
}

// commit makes the first done bytes durable: fsync the data, then record it.
func (sf *slotFile) commit(ctx context.Context, done uint64) error {
	if done <= sf.verified {
		return nil
	}
	if err := datastore.SyncData(sf.f); err != nil {
		return fmt.Errorf("slot %s: sync data: %w", sf.id, err)
	}
	p := Progress{SlotID: sf.id, Root: sf.root, Size: sf.size, Verified: done, Path: sf.path, Updated: time.Now().UTC()}
	if err := sf.d.progress.SaveProgress(ctx, p); err != nil {
		return fmt.Errorf("slot %s: record progress: %w", sf.id, err)
	}
	sf.verified = done
	if sf.d.opt.OnProgress != nil {
		sf.d.opt.OnProgress(done, sf.size)
	}
	return nil
}

// finish recomputes the slot root from the chunk roots this process hashed
// and, if it is the expected root, commits the slot to the store (tree, then
// record) and drops the progress record.
func (sf *slotFile) finish(ctx context.Context, h *datastore.HostedSlot) error {
	if err := sf.commit(ctx, sf.size); err != nil {
		return err
	}
	tree, err := proof.NewSlotTree(sf.size/proof.CellSize, sf.roots)
	if err != nil {
		return fmt.Errorf("slot %s: %w", sf.id, err)
	}
	if tree.Root() != sf.root {
		// Nothing recorded can be trusted: start over next time.
		sf.d.progress.DeleteProgress(context.WithoutCancel(ctx), sf.id)
		return fmt.Errorf("slot %s: recomputed root %s, want %s", sf.id, tree.Root(), sf.root)
	}
	if err := sf.d.store.CommitHostedSlot(h, tree); err != nil {
		return err
	}
	if err := sf.d.progress.DeleteProgress(ctx, sf.id); err != nil {
		return fmt.Errorf("slot %s is stored but its progress record remains: %w", sf.id, err)
	}
	return nil
}

func (sf *slotFile) close() { sf.f.Close() }
