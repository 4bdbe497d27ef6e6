package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/datastore"
)

// RemoteSlot reads one slot of a dataset from providers, verifying every
// chunk it receives against the slot's tree before returning any byte of it.
// It is an io.ReaderAt for datastore.Decode and datastore.Rebuild; reads that
// do not start or end on a chunk boundary fetch the whole chunks around them.
// It is safe for concurrent use. Its reads are bound to the context it was
// made with.
type RemoteSlot struct {
	ctx   context.Context
	s     *session
	p     *pool
	cid   datastore.CID
	index int
	tree  *proof.SlotTree
	size  uint64
	csize uint64

	hashers sync.Pool
}

// ReadAt implements io.ReaderAt.
func (r *RemoteSlot) ReadAt(dst []byte, off int64) (int, error) {
	if off < 0 || uint64(off) >= r.size {
		return 0, io.EOF
	}
	end := min(uint64(off)+uint64(len(dst)), r.size)
	lo := uint64(off) / r.csize * r.csize
	hi := min((end+r.csize-1)/r.csize*r.csize, r.size)
	buf := dst[:end-uint64(off)]
	if lo != uint64(off) || hi != end {
		buf = make([]byte, hi-lo)
	}
	h, _ := r.hashers.Get().(*proof.ChunkHasher)
	if h == nil {
		h = proof.NewChunkHasher(r.size / proof.CellSize)
	}
	defer r.hashers.Put(h)
	err := r.s.try(r.ctx, r.p, fmt.Sprintf("slot %d bytes %d-%d", r.index, lo, hi-1), func(ctx context.Context, base string) error {
		if err := r.s.d.getRange(ctx, slotURL(base, r.cid, r.index), lo, buf); err != nil {
			return err
		}
		r.s.fetched.Add(uint64(len(buf)))
		return verifyChunks(h, r.tree, lo/r.csize, buf, nil)
	})
	if err != nil {
		return 0, err
	}
	n := int(end - uint64(off))
	if lo != uint64(off) || hi != end {
		copy(dst, buf[uint64(off)-lo:])
	}
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}

// Remote is a dataset seen through its providers.
type Remote struct {
	Manifest *datastore.Manifest
	s        *session
}

// Fetched is the slot bytes received from providers so far.
func (r *Remote) Fetched() uint64 { return r.s.fetched.Load() }

// Faults lists the providers dropped for bad data so far.
func (r *Remote) Faults() []Fault { return r.s.Faults() }

// OpenRemote fetches dataset cid's manifest from providers and returns a
// handle for reading its slots.
func (d *Downloader) OpenRemote(ctx context.Context, cid datastore.CID, providers []string) (*Remote, error) {
	s := d.newSession()
	m, err := s.manifest(ctx, cid, providers, nil)
	if err != nil {
		return nil, err
	}
	return &Remote{Manifest: m, s: s}, nil
}

// Slot returns a verified reader of slot i, after fetching its chunk roots
// from providers. It fails with ErrNoProviders when no provider holds it.
// Reads through it use ctx.
func (r *Remote) Slot(ctx context.Context, i int, providers []string) (*RemoteSlot, error) {
	m := r.Manifest
	if i < 0 || i >= len(m.SlotRoots) {
		return nil, fmt.Errorf("slot %d: dataset has %d slots", i, len(m.SlotRoots))
	}
	p := r.s.pool(providers)
	cells := m.SlotSize / proof.CellSize
	tree, err := r.s.fetchTree(ctx, p, m.CID, i, m.SlotRoots[i], cells)
	if err != nil {
		return nil, err
	}
	return &RemoteSlot{ctx: ctx, s: r.s, p: p, cid: m.CID, index: i, tree: tree, size: m.SlotSize,
		csize: uint64(proof.NewChunkHasher(cells).ChunkSize())}, nil
}

// Sources completes have (local slots, nil where missing; may be nil) with
// remote slots until K are available, trying data slots first and skipping
// exclude (the slot being repaired, or -1). Slots no provider holds are
// left nil.
func (r *Remote) Sources(ctx context.Context, providers []string, have datastore.Sources, exclude int) (datastore.Sources, error) {
	m := r.Manifest
	src := make(datastore.Sources, len(m.SlotRoots))
	n := 0
	for i := range src {
		if i < len(have) && have[i] != nil && i != exclude {
			src[i] = have[i]
			n++
		}
	}
	var missing []error
	for i := 0; i < len(src) && n < m.DataSlots; i++ {
		if src[i] != nil || i == exclude {
			continue
		}
		rs, err := r.Slot(ctx, i, providers)
		if err != nil && ctx.Err() != nil {
			return nil, err
		}
		if err != nil {
			// No provider holds it, or those that do are down: another
			// slot does as well.
			missing = append(missing, fmt.Errorf("slot %d: %w", i, err))
			continue
		}
		src[i] = rs
		n++
	}
	if n < m.DataSlots {
		return nil, fmt.Errorf("dataset %s: only %d of the %d slots needed are available: %w", m.CID, n, m.DataSlots, errors.Join(missing...))
	}
	return src, nil
}
