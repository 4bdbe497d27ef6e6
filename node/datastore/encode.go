package datastore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/klauspost/reedsolomon"

	"github.com/slotd/slotd/contracts/proof"
)

// pipelineDepth is the number of stripe buffers an import or decode cycles
// through: one per stage plus one of slack, so no stage waits on another's
// buffer while it has work.
const pipelineDepth = 4

// ImportOptions configure Import.
type ImportOptions struct {
	Slots       int    // N, data plus parity slots
	MaxSlotLoss int    // M, parity slots: any N-M slots rebuild the file
	Name        string // a label for the manifest (the file's base name)
	Stripe      uint64 // shard bytes per stripe; 0 picks AutoStripe(Slots)
	Workers     int    // hashing goroutines; 0 is GOMAXPROCS
	// Progress, when set, is called with the file bytes stored so far, from
	// one goroutine, after each stripe.
	Progress func(done uint64)
}

// stripeBuf holds one stripe's N shards.
type stripeBuf struct {
	j      int
	shards [][]byte // each of cap Stripe, sliced to ShardSize(j)
}

func newStripeBufs(n int, stripe uint64, count int) chan *stripeBuf {
	free := make(chan *stripeBuf, count)
	for range count {
		mem := make([]byte, uint64(n)*stripe)
		b := &stripeBuf{shards: make([][]byte, n)}
		for i := range b.shards {
			b.shards[i] = mem[uint64(i)*stripe : uint64(i+1)*stripe : uint64(i+1)*stripe]
		}
		free <- b
	}
	return free
}

// Import erasure-codes size bytes read from r into a new dataset and returns
// its manifest. It streams: memory is a few stripes of all N shards whatever
// the file size. The slots are hashed as they are written; nothing is visible
// under the dataset's id until every file is written and fsynced. Importing
// the same bytes with the same parameters again returns the existing dataset.
func (s *Store) Import(ctx context.Context, r io.Reader, size uint64, opt ImportOptions) (*Manifest, error) {
	n, m := opt.Slots, opt.MaxSlotLoss
	if n < 1 || n > MaxSlots || m < 0 || m >= n {
		return nil, fmt.Errorf("import: %w: %d slots with %d tolerated losses (want 0 ≤ loss < slots ≤ %d)", ErrLayout, n, m, MaxSlots)
	}
	stripe := opt.Stripe
	if stripe == 0 {
		stripe = AutoStripe(n)
	}
	lay, err := NewLayout(size, n-m, m, stripe)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	partial, err := os.MkdirTemp(filepath.Join(s.dir, datasetsDir), partialPrefix)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(partial)
		}
	}()
	enc := &encoder{lay: lay, dir: partial, workers: opt.Workers, progress: opt.Progress}
	if enc.workers <= 0 {
		enc.workers = runtime.GOMAXPROCS(0)
	}
	roots, fileHash, err := enc.run(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	man := &Manifest{
		Version: ManifestVersion, CID: proof.ContentRoot(roots), Name: opt.Name,
		FileSize: size, DataSlots: lay.K, ParitySlots: lay.M, SlotSize: lay.SlotSize,
		StripeSize: lay.Stripe, SlotRoots: roots, Created: time.Now().UTC().Truncate(time.Second),
	}
	copy(man.FileHash[:], fileHash)
	if err := writeManifest(filepath.Join(partial, manifestName), man); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if err := syncDir(partial); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	final := s.DatasetDir(man.CID)
	switch existing, err := s.readManifest(man.CID); {
	case err == nil:
		return existing, s.record(ctx, existing)
	case !errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("import: %w", err)
	}
	if err := os.Rename(partial, final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// A concurrent import of the same bytes won the rename.
			if existing, rerr := s.readManifest(man.CID); rerr == nil {
				return existing, s.record(ctx, existing)
			}
		}
		return nil, fmt.Errorf("import: move dataset into place: %w", err)
	}
	keep = true
	if err := syncDir(filepath.Join(s.dir, datasetsDir)); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return man, s.record(ctx, man)
}

func (s *Store) record(ctx context.Context, m *Manifest) error {
	if s.rec == nil {
		return nil
	}
	if err := s.rec.RecordDatasets(ctx, []*Manifest{m}, s.DatasetDir); err != nil {
		return fmt.Errorf("dataset %s is stored but not recorded (it will be on the next start): %w", m.CID, err)
	}
	return nil
}

func writeManifest(path string, m *Manifest) error {
	var buf bytes.Buffer
	enc := jsonIndentEncoder(&buf)
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	return writeFileSync(path, buf.Bytes())
}

// encoder runs one import: read and code stripes, hash them, write them, in
// three goroutines connected by channels, cycling pipelineDepth buffers.
type encoder struct {
	lay      Layout
	dir      string
	workers  int
	progress func(uint64)

	files  []*os.File
	roots  [][]proof.Hash // chunk roots per slot
	hasher *proof.TreeHasher
	csize  uint64
}

func (e *encoder) run(ctx context.Context, r io.Reader) (slotRoots []proof.Hash, fileHash []byte, err error) {
	lay := e.lay
	n := lay.Slots()
	rs, err := reedsolomon.New(lay.K, lay.M)
	if err != nil {
		return nil, nil, fmt.Errorf("reed-solomon %d+%d: %w", lay.K, lay.M, err)
	}
	e.files = make([]*os.File, n)
	defer func() {
		for _, f := range e.files {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i := range e.files {
		f, err := os.Create(filepath.Join(e.dir, slotName(i)))
		if err != nil {
			return nil, nil, err
		}
		e.files[i] = f
	}
	e.hasher = proof.NewTreeHasher(lay.Cells(), e.workers)
	e.csize = uint64(e.hasher.ChunkSize())
	chunks := (lay.SlotSize + e.csize - 1) / e.csize
	e.roots = make([][]proof.Hash, n)
	for i := range e.roots {
		e.roots[i] = make([]proof.Hash, chunks)
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	free := newStripeBufs(n, lay.Stripe, pipelineDepth)
	toHash := make(chan *stripeBuf, 1)
	toWrite := make(chan *stripeBuf, 1)
	sum := sha256.New()
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(toHash)
		if err := e.read(ctx, r, rs, sum, free, toHash); err != nil {
			cancel(err)
		}
	})
	wg.Go(func() {
		defer close(toWrite)
		for b := range toHash {
			if ctx.Err() != nil {
				continue // drain so the reader can finish
			}
			e.hash(b)
			select {
			case toWrite <- b:
			case <-ctx.Done():
			}
		}
	})
	for b := range toWrite {
		if ctx.Err() != nil {
			continue
		}
		if err := e.write(b); err != nil {
			cancel(err)
			continue
		}
		free <- b
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, nil, err
	}
	return e.finish(sum)
}

// read fills each stripe with the file's next bytes (and, in the last, the
// trailer), computes parity and hands the stripe on.
func (e *encoder) read(ctx context.Context, r io.Reader, rs reedsolomon.Encoder, sum hash.Hash, free <-chan *stripeBuf, out chan<- *stripeBuf) error {
	lay := e.lay
	last := lay.Stripes() - 1
	for j := 0; j <= last; j++ {
		var b *stripeBuf
		select {
		case b = <-free:
		case <-ctx.Done():
			return nil
		}
		b.j = j
		sj := lay.ShardSize(j)
		for i := range b.shards {
			b.shards[i] = b.shards[i][:sj]
		}
		for d := range lay.K {
			sh := b.shards[d]
			off := lay.StreamOffset(j) + uint64(d)*sj
			fill := uint64(0)
			if off < lay.FileSize {
				fill = min(sj, lay.FileSize-off)
			}
			if _, err := io.ReadFull(r, sh[:fill]); err != nil {
				return fmt.Errorf("read file at byte %d (expected %d bytes; did it shrink?): %w", off, lay.FileSize, err)
			}
			sum.Write(sh[:fill])
			clear(sh[fill:])
		}
		if j == last {
			var extra [1]byte
			if k, _ := io.ReadFull(r, extra[:]); k != 0 {
				return fmt.Errorf("file is longer than the %d bytes expected (did it grow?)", lay.FileSize)
			}
			t := Trailer{FileSize: lay.FileSize, K: lay.K, M: lay.M, Stripe: lay.Stripe}
			copy(t.FileHash[:], sum.Sum(nil))
			tb := t.Marshal()
			copy(b.shards[lay.K-1][sj-TrailerSize:], tb[:])
		}
		if lay.M > 0 {
			if err := rs.Encode(b.shards); err != nil {
				return fmt.Errorf("encode stripe %d: %w", j, err)
			}
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// hash computes the chunk roots of every shard of b, the stripe's chunks
// spread over the workers.
func (e *encoder) hash(b *stripeBuf) {
	base := e.lay.ShardOffset(b.j) / e.csize
	roots := make([][]proof.Hash, len(b.shards))
	for i := range roots {
		roots[i] = e.roots[i][base:]
	}
	e.hasher.RootsEach(b.shards, roots)
}

func (e *encoder) write(b *stripeBuf) error {
	off := int64(e.lay.ShardOffset(b.j))
	for i, sh := range b.shards {
		if _, err := e.files[i].Write(sh); err != nil {
			return fmt.Errorf("write slot %d: %w", i, err)
		}
		StartWriteback(e.files[i], off, int64(len(sh)))
	}
	if e.progress != nil {
		e.progress(min(e.lay.FileSize, e.lay.StreamOffset(b.j+1)))
	}
	return nil
}

// finish fsyncs the slots and writes their trees.
func (e *encoder) finish(sum hash.Hash) ([]proof.Hash, []byte, error) {
	roots := make([]proof.Hash, len(e.files))
	for i, f := range e.files {
		tree, err := proof.NewSlotTree(e.lay.Cells(), e.roots[i])
		if err != nil {
			return nil, nil, fmt.Errorf("slot %d tree: %w", i, err)
		}
		roots[i] = tree.Root()
		var buf bytes.Buffer
		if _, err := tree.WriteTo(&buf); err != nil {
			return nil, nil, err
		}
		if err := writeFileSync(filepath.Join(e.dir, treeName(i)), buf.Bytes()); err != nil {
			return nil, nil, err
		}
		if err := SyncData(f); err != nil {
			return nil, nil, fmt.Errorf("sync slot %d: %w", i, err)
		}
	}
	return roots, sum.Sum(nil), nil
}
