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
	"sync/atomic"
	"time"

	"github.com/klauspost/reedsolomon"

	"github.com/slotd/slotd/contracts/proof"
)

// pipelineDepth is the number of stripe buffers a decode cycles through:
// one per stage plus one of slack, so no stage waits on another's buffer
// while it has work.
const pipelineDepth = 4

// Import's stripe buffers: as many as fit in importBudget, within
// [minImportBufs, maxImportBufs]. A stripe is in up to four places at once
// (being read, hashed by each worker, written), so a few more than four keep
// every stage busy; past that, the buffers let the writers take up to
// maxWriteBatch stripes in one system call per slot.
const (
	importBudget  = 32 << 20
	minImportBufs = 4
	maxImportBufs = 16
)

// maxWriteBatch is how many consecutive stripes a writer writes at once,
// where there are buffers to spare (four per stripe in a batch): a 4 MiB
// O_DIRECT pwritev of four 1 MiB stripes cost 0.06 core-ns per byte here,
// four 1 MiB pwrites 0.09-0.13, and each write a goroutine blocks in may
// hold a core's P until the scheduler takes it back.
const maxWriteBatch = 4

// ImportOptions configure Import.
type ImportOptions struct {
	Slots       int    // N, data plus parity slots
	MaxSlotLoss int    // M, parity slots: any N-M slots rebuild the file
	Name        string // a label for the manifest (the file's base name)
	Stripe      uint64 // shard bytes per stripe; 0 picks AutoStripe(Slots)
	Workers     int    // hashing goroutines; 0 is GOMAXPROCS
	// Progress, when set, is called with the file bytes stored so far, never
	// concurrently and with increasing values, as stripes are written (once
	// for several when they finish out of order).
	Progress func(done uint64)
}

// stripeBuf holds one stripe's N shards.
type stripeBuf struct {
	j      int
	shards [][]byte // each of cap Stripe, sliced to ShardSize(j)
	// pending counts the stages (hash parts and the write) still reading
	// the stripe in an import; the last to finish frees it.
	pending atomic.Int32
}

// newStripeBufs makes count buffers of n shards. The shards start at
// directAlign boundaries (stripes are whole chunks), so that an import can
// write them with O_DIRECT.
func newStripeBufs(n int, stripe uint64, count int) chan *stripeBuf {
	free := make(chan *stripeBuf, count)
	for range count {
		mem := alignedBytes(uint64(n) * stripe)
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

// encoder runs one import: a reader fills each stripe (file bytes, SHA-256,
// parity) and hands it at once to the hash workers, in parts, and to the
// writers. Hashing and writing read the same buffer at the same time; the last
// of them to finish frees it for the reader. No stage waits for another
// except for a free buffer, and memory is the buffers, whatever the file's
// size.
type encoder struct {
	lay      Layout
	dir      string
	workers  int
	progress func(uint64)

	files []*slotWriter
	roots [][]proof.Hash // chunk roots per slot
	csize uint64
}

// hashPart is a run of chunks [lo, hi) of one shard of a stripe.
type hashPart struct {
	b      *stripeBuf
	shard  int
	lo, hi uint64 // chunk indices within the shard
}

func (e *encoder) run(ctx context.Context, r io.Reader) (slotRoots []proof.Hash, fileHash []byte, err error) {
	lay := e.lay
	rs, err := reedsolomon.New(lay.K, lay.M)
	if err != nil {
		return nil, nil, fmt.Errorf("reed-solomon %d+%d: %w", lay.K, lay.M, err)
	}
	defer e.close()
	if err := e.open(); err != nil {
		return nil, nil, err
	}
	sum := sha256.New()
	if err := e.pipeline(ctx, r, rs, sum); err != nil {
		return nil, nil, err
	}
	return e.finish(sum)
}

// open creates the slot files and room for their chunk roots.
func (e *encoder) open() error {
	n := e.lay.Slots()
	e.files = make([]*slotWriter, n)
	for i := range e.files {
		f, err := createSlot(filepath.Join(e.dir, slotName(i)))
		if err != nil {
			return err
		}
		e.files[i] = f
	}
	e.csize = uint64(proof.NewChunkHasher(e.lay.Cells()).ChunkSize())
	chunks := (e.lay.SlotSize + e.csize - 1) / e.csize
	e.roots = make([][]proof.Hash, n)
	for i := range e.roots {
		e.roots[i] = make([]proof.Hash, chunks)
	}
	return nil
}

func (e *encoder) close() {
	for _, f := range e.files {
		if f != nil {
			f.close()
		}
	}
}

// pipeline streams every stripe through the reader, the hash workers and
// the writers, and returns once all have stopped.
func (e *encoder) pipeline(ctx context.Context, r io.Reader, rs reedsolomon.Encoder, sum hash.Hash) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	n := e.lay.Slots()
	count := min(max(int(importBudget/(uint64(n)*e.lay.Stripe)), minImportBufs), maxImportBufs, e.lay.Stripes())
	free := newStripeBufs(n, e.lay.Stripe, count)
	release := func(b *stripeBuf) {
		if b.pending.Add(-1) == 0 {
			free <- b // never blocks: free has room for every buffer
		}
	}
	// Neither queue can fill: the reader sends only what count buffers hold.
	parts := make(chan hashPart, uint64(count*n)*e.partsPerShard(e.lay.Stripe))
	toWrite := make(chan []*stripeBuf, count)
	batch := min(max(count/4, 1), maxWriteBatch)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(parts)
		defer close(toWrite)
		if err := e.read(ctx, r, rs, sum, free, parts, toWrite, batch); err != nil {
			cancel(err)
		}
	})
	for range e.workers {
		wg.Go(func() {
			c := proof.NewChunkHasher(e.lay.Cells())
			for p := range parts {
				if ctx.Err() == nil {
					e.hash(c, p)
				}
				release(p.b)
				// Let the writer back onto a core: a goroutine returning
				// from a write waits for a free P, and without a yield it
				// would wait out a scheduler slice (10 ms) per write.
				runtime.Gosched()
			}
		})
	}
	prog := progressOrder{lay: e.lay, report: e.progress}
	for range writers {
		wg.Go(func() {
			for bs := range toWrite {
				if ctx.Err() == nil {
					if err := e.write(bs); err != nil {
						cancel(err)
					} else {
						for _, b := range bs {
							prog.done(b.j)
						}
					}
				}
				for _, b := range bs {
					release(b)
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// writers is how many goroutines write stripes, a batch of whole stripes
// at a time. With one, the disk idled twice per write: while the writer,
// back from the system call, waited for a core the hash workers held (up to
// one hash part), and while it issued the next write. A second writer keeps
// a write in flight during those gaps.
const writers = 2

// progressOrder reports, in order and never concurrently, how many file
// bytes are stored: the writers finish stripes out of order, and a stripe
// counts once every stripe before it is written too.
type progressOrder struct {
	lay    Layout
	report func(uint64)
	mu     sync.Mutex
	next   int          // the first stripe not yet reported
	ahead  map[int]bool // written stripes past next
}

func (p *progressOrder) done(j int) {
	if p.report == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if j != p.next {
		if p.ahead == nil {
			p.ahead = map[int]bool{}
		}
		p.ahead[j] = true
		return
	}
	for p.next++; p.ahead[p.next]; p.next++ {
		delete(p.ahead, p.next)
	}
	p.report(min(p.lay.FileSize, p.lay.StreamOffset(p.next)))
}

// partsPerShard is how many parts a shard of sj bytes is hashed in: enough
// that every worker has a part of each stripe, so a stripe is hashed on all
// cores at once, and no part longer than partBytes.
func (e *encoder) partsPerShard(sj uint64) uint64 {
	chunks := (sj + e.csize - 1) / e.csize
	spread := uint64(e.workers+e.lay.Slots()-1) / uint64(e.lay.Slots())
	return max(min(max(spread, (sj+partBytes-1)/partBytes), chunks), 1)
}

// partBytes bounds a hash part. A worker yields its core after each part
// (see pipeline), and a writer back from a write waits for that: with parts
// of a whole 1.2 MiB shard (4+1) it waited about 2 ms after each of a
// stripe's five writes, and the writers, not the cores, set the pace.
const partBytes = 128 << 10

// read fills each stripe with the file's next bytes (and, in the last, the
// trailer), computes parity and hands the stripe to the hash workers at
// once, and to the writers in batches of consecutive stripes. A batch
// waiting to be full holds fewer buffers than there are, so the reader
// never waits for a buffer only a batch it holds would free.
func (e *encoder) read(ctx context.Context, r io.Reader, rs reedsolomon.Encoder, sum hash.Hash, free chan *stripeBuf, parts chan<- hashPart, toWrite chan<- []*stripeBuf, batch int) error {
	lay := e.lay
	last := lay.Stripes() - 1
	var pend []*stripeBuf
	for j := 0; j <= last; j++ {
		var b *stripeBuf
		select {
		case b = <-free:
		case <-ctx.Done():
			return nil
		}
		if err := e.fill(b, j, r, rs, sum); err != nil {
			free <- b
			return err
		}
		chunks := (lay.ShardSize(j) + e.csize - 1) / e.csize
		k := e.partsPerShard(lay.ShardSize(j))
		b.pending.Store(int32(uint64(len(b.shards))*k + 1))
		for i := range b.shards {
			for p := range k {
				parts <- hashPart{b: b, shard: i, lo: p * chunks / k, hi: (p + 1) * chunks / k}
			}
		}
		if pend = append(pend, b); len(pend) == batch || j == last {
			toWrite <- pend
			pend = nil
		}
	}
	return nil
}

// fill reads stripe j's data shards into b, adds the trailer to the last
// stripe and computes the parity shards.
func (e *encoder) fill(b *stripeBuf, j int, r io.Reader, rs reedsolomon.Encoder, sum hash.Hash) error {
	lay := e.lay
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
	if j == lay.Stripes()-1 {
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
	return nil
}

// hash computes the chunk roots of one part of a stripe.
func (e *encoder) hash(c *proof.ChunkHasher, p hashPart) {
	sh := p.b.shards[p.shard]
	base := e.lay.ShardOffset(p.b.j) / e.csize
	c.Roots(sh[p.lo*e.csize:min(p.hi*e.csize, uint64(len(sh)))], e.roots[p.shard][base+p.lo:base+p.hi])
}

// write writes consecutive stripes: in each slot their shards follow one
// another, all full but possibly the dataset's last.
func (e *encoder) write(bs []*stripeBuf) error {
	off := int64(e.lay.ShardOffset(bs[0].j))
	shards := make([][]byte, len(bs))
	for i, f := range e.files {
		for k, b := range bs {
			shards[k] = b.shards[i]
		}
		if err := f.writevAt(shards, off); err != nil {
			return fmt.Errorf("write slot %d at %d: %w", i, off, err)
		}
	}
	return nil
}

// finish fsyncs the slots and writes their trees, all slots at once: each
// slot's steps wait on the disk (two fsyncs) more than on a core, and one
// after another they took 155 ms of a 10+4 upload of 512 MiB.
func (e *encoder) finish(sum hash.Hash) ([]proof.Hash, []byte, error) {
	roots := make([]proof.Hash, len(e.files))
	errs := make([]error, len(e.files))
	var wg sync.WaitGroup
	for i, f := range e.files {
		wg.Go(func() { roots[i], errs[i] = e.finishSlot(i, f) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return roots, sum.Sum(nil), nil
}

func (e *encoder) finishSlot(i int, f *slotWriter) (proof.Hash, error) {
	tree, err := proof.NewSlotTree(e.lay.Cells(), e.roots[i])
	if err != nil {
		return proof.Hash{}, fmt.Errorf("slot %d tree: %w", i, err)
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		return proof.Hash{}, fmt.Errorf("slot %d tree: %w", i, err)
	}
	if err := writeFileSync(filepath.Join(e.dir, treeName(i)), buf.Bytes()); err != nil {
		return proof.Hash{}, err
	}
	if err := f.sync(); err != nil {
		return proof.Hash{}, fmt.Errorf("sync slot %d: %w", i, err)
	}
	return tree.Root(), nil
}
