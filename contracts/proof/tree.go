package proof

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ChunkDepth is the height of the subtree over one chunk: a chunk is the
// 64 cells (16 KiB) a downloader verifies at once. SlotTree keeps only chunk
// roots and the levels above them, so memory is 1/512 of the slot's size and a
// proof recomputes the bottom of its path from the chunk's bytes on disk.
const ChunkDepth = 6

// ChunkSize is the number of bytes under one chunk root.
const ChunkSize = CellSize << ChunkDepth

// SlotTree is the Merkle tree of one slot, minus the levels below the chunks.
type SlotTree struct {
	cells  uint64   // real cells; leaves past this are zero cells
	depth  int      // height of the whole tree
	cdepth int      // height of a chunk subtree: min(ChunkDepth, depth)
	levels [][]Hash // levels[0] are the chunk roots, the last level is the root
}

// ErrTree reports tree input that cannot describe a slot.
var ErrTree = errors.New("invalid slot tree")

// Cells is the number of real (unpadded) cells in the slot.
func (t *SlotTree) Cells() uint64 { return t.cells }

// Depth is the number of siblings in a cell's Merkle path.
func (t *SlotTree) Depth() int { return t.depth }

// Root is the slot root.
func (t *SlotTree) Root() Hash { return t.levels[len(t.levels)-1][0] }

// Chunks returns the chunk roots; the caller must not modify them.
func (t *SlotTree) Chunks() []Hash { return t.levels[0] }

// NewSlotTree builds the upper tree from chunk roots, as a downloader does after
// fetching them from a provider: compare Root with the expected slot root before
// trusting any chunk root.
func NewSlotTree(cells uint64, chunks []Hash) (*SlotTree, error) {
	if cells == 0 {
		return nil, fmt.Errorf("%w: a slot has at least one cell", ErrTree)
	}
	depth := depthFor(cells)
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: %d cells is more than 2^%d", ErrTree, cells, maxDepth)
	}
	cdepth := min(ChunkDepth, depth)
	want := (cells + (1 << cdepth) - 1) >> cdepth
	if uint64(len(chunks)) != want {
		return nil, fmt.Errorf("%w: %d cells need %d chunk roots, got %d", ErrTree, cells, want, len(chunks))
	}
	t := &SlotTree{cells: cells, depth: depth, cdepth: cdepth}
	h := newLevelHasher()
	level := chunks
	t.levels = append(t.levels, level)
	for height := cdepth; height < depth; height++ {
		level = parents(h, level, zeroSubtree[height])
		t.levels = append(t.levels, level)
	}
	return t, nil
}

// parents hashes one level of a tree into the level above; a last node
// without a sibling is paired with pad (the zero subtree of its height).
func parents(h *levelHasher, level []Hash, pad Hash) []Hash {
	next := make([]Hash, (len(level)+1)/2)
	even := len(level) &^ 1
	h.nodes(next, level[:even])
	if even < len(level) {
		next[len(next)-1] = h.one.node(level[even], pad)
	}
	return next
}

// buildBatch is how many bytes BuildSlotTree reads while the previous batch
// hashes: two batches are all it holds besides the chunk roots.
const buildBatch = 4 << 20

// BuildSlotTree hashes a slot's bytes as they stream past, on all cores,
// reading the next batch while the last one hashes. size must be the slot's
// size; a short final cell is zero-padded.
func BuildSlotTree(r io.Reader, size uint64) (*SlotTree, error) {
	cells := max((size+CellSize-1)/CellSize, 1)
	th := NewTreeHasher(cells, 0)
	cs := uint64(th.ChunkSize())
	chunks := make([]Hash, max((size+cs-1)/cs, 1))
	if size == 0 {
		chunks[0] = NewChunkHasher(cells).Root(nil) // one zero cell
		return NewSlotTree(cells, chunks)
	}
	batch := min(max(buildBatch/cs, 1)*cs, (size+cs-1)/cs*cs)
	bufs := [2][]byte{make([]byte, batch), make([]byte, batch)}
	var hashing sync.WaitGroup
	defer hashing.Wait()
	for off, i := uint64(0), 0; off < size; i++ {
		buf := bufs[i%2][:min(batch, size-off)]
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("read chunk %d: %w", off/cs, err)
		}
		hashing.Wait() // the other buffer is free once its batch is hashed
		first := off / cs
		hashing.Go(func() { th.Roots(buf, chunks[first:]) })
		off += uint64(len(buf))
	}
	hashing.Wait()
	return NewSlotTree(cells, chunks)
}

// ChunkHasher computes chunk roots for a slot of a given cell count, four
// hashes at a time where the CPU has a multi-buffer keccak.
type ChunkHasher struct {
	cdepth int
	h      *levelHasher
	leaves []Hash
	top    [16]Hash       // four chunks' nodes four below their roots
	cell   [CellSize]byte // a short last cell, zero-padded
}

// NewChunkHasher returns a hasher for the chunks of a slot with cells cells.
// It is not safe for concurrent use; make one per goroutine (or use a
// TreeHasher, which spreads chunks over all cores).
func NewChunkHasher(cells uint64) *ChunkHasher {
	cdepth := min(ChunkDepth, depthFor(max(cells, 1)))
	return &ChunkHasher{cdepth: cdepth, h: newLevelHasher(), leaves: make([]Hash, 1<<cdepth)}
}

// ChunkSize is the number of bytes under one chunk root.
func (c *ChunkHasher) ChunkSize() int { return CellSize << c.cdepth }

// Root is the root of the chunk subtree over data (at most ChunkSize bytes;
// cells past its end are zero cells).
func (c *ChunkHasher) Root(data []byte) Hash {
	c.fillLeaves(data)
	for n := len(c.leaves); n > 1; n /= 2 {
		c.h.nodes(c.leaves, c.leaves[:n])
	}
	return c.leaves[0]
}

// Roots hashes consecutive chunks of data (all full but the last) into
// roots, one root per ChunkSize bytes.
func (c *ChunkHasher) Roots(data []byte, roots []Hash) {
	cs := c.ChunkSize()
	i := 0
	if c.h.four != nil && len(c.leaves) >= 8 {
		// Four full chunks at a time share their top two levels: alone, a
		// chunk hashes its last 2 nodes on a four-way state half empty and
		// its root single-stream, about 1.7 of its 48.7 four-way hashes'
		// worth; shared, the four chunks' 12 nodes fill 3 four-way hashes.
		for ; (i+4)*cs <= len(data); i += 4 {
			for k := range 4 {
				c.fillLeaves(data[(i+k)*cs : (i+k+1)*cs])
				for n := len(c.leaves); n > 4; n /= 2 {
					c.h.nodes(c.leaves, c.leaves[:n])
				}
				copy(c.top[4*k:4*k+4], c.leaves[:4])
			}
			// Chunk k's four nodes are top[4k:4k+4], so each pair below is
			// one chunk's, and so is each node above.
			c.h.nodes(c.top[:], c.top[:])
			c.h.nodes(c.top[:], c.top[:8])
			copy(roots[i:i+4], c.top[:4])
		}
	}
	for ; i*cs < len(data); i++ {
		roots[i] = c.Root(data[i*cs : min((i+1)*cs, len(data))])
	}
}

func (c *ChunkHasher) fillLeaves(data []byte) {
	full := min(len(data)/CellSize, len(c.leaves))
	c.h.leaves(c.leaves[:full], data[:full*CellSize])
	rest := c.leaves[full:]
	if full < len(c.leaves) && len(data) > full*CellSize {
		copy(c.cell[:], data[full*CellSize:])
		clear(c.cell[len(data)-full*CellSize:])
		rest[0] = c.h.one.leaf(c.cell[:])
		rest = rest[1:]
	}
	for i := range rest {
		rest[i] = zeroSubtree[0]
	}
}

// path returns the siblings of leaf `index` in a chunk over data, leaf first.
func (c *ChunkHasher) path(data []byte, index int) []Hash {
	c.fillLeaves(data)
	var path []Hash
	for n := len(c.leaves); n > 1; n /= 2 {
		path = append(path, c.leaves[index^1])
		c.h.nodes(c.leaves, c.leaves[:n])
		index /= 2
	}
	return path
}

// upperPath returns the siblings of chunk `chunk` from the chunk level to the root.
func (t *SlotTree) upperPath(chunk uint64) []Hash {
	path := make([]Hash, 0, t.depth-t.cdepth)
	for l := 0; l < len(t.levels)-1; l++ {
		sib := chunk ^ 1
		s := zeroSubtree[t.cdepth+l]
		if sib < uint64(len(t.levels[l])) {
			s = t.levels[l][sib]
		}
		path = append(path, s)
		chunk /= 2
	}
	return path
}

// CellPath returns cell `index`'s bytes (zero-padded to CellSize) and its
// Merkle path, reading the cell's chunk from data (the slot's bytes).
func (t *SlotTree) CellPath(data io.ReaderAt, index uint64) ([]byte, []Hash, error) {
	if index >= t.cells {
		return nil, nil, fmt.Errorf("%w: cell %d of %d", ErrTree, index, t.cells)
	}
	c := NewChunkHasher(t.cells)
	chunk := index >> t.cdepth
	buf := make([]byte, c.ChunkSize())
	off := int64(chunk) * int64(len(buf))
	n, err := data.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("read chunk %d: %w", chunk, err)
	}
	clear(buf[n:])
	within := int(index & (1<<t.cdepth - 1))
	cell := append([]byte(nil), buf[within*CellSize:(within+1)*CellSize]...)
	path := append(c.path(buf, within), t.upperPath(chunk)...)
	return cell, path, nil
}

// treeMagic starts an encoded SlotTree so a file of something else is refused.
var treeMagic = [8]byte{'s', 'l', 'o', 't', 't', 'r', 'e', 1}

// WriteTo stores the tree (cell count and chunk roots) so a host can prove
// without rehashing its slot.
func (t *SlotTree) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	bw.Write(treeMagic[:])
	binary.Write(bw, binary.BigEndian, t.cells)
	for _, c := range t.levels[0] {
		bw.Write(c[:])
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("write slot tree: %w", err)
	}
	return int64(16 + 32*len(t.levels[0])), nil
}

// ReadSlotTree reads a tree written by WriteTo and checks it against root.
func ReadSlotTree(r io.Reader, root Hash) (*SlotTree, error) {
	br := bufio.NewReader(r)
	var hdr [16]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, fmt.Errorf("read slot tree header: %w", err)
	}
	if [8]byte(hdr[:8]) != treeMagic {
		return nil, fmt.Errorf("%w: not a slot tree file", ErrTree)
	}
	cells := binary.BigEndian.Uint64(hdr[8:])
	if cells == 0 || depthFor(cells) > maxDepth {
		return nil, fmt.Errorf("%w: bad cell count %d", ErrTree, cells)
	}
	cdepth := min(ChunkDepth, depthFor(cells))
	// Grow as roots arrive rather than trusting the header's count with one
	// allocation: a corrupt header must not ask for terabytes.
	want := (cells + (1 << cdepth) - 1) >> cdepth
	var chunks []Hash
	for i := uint64(0); i < want; i++ {
		var c Hash
		if _, err := io.ReadFull(br, c[:]); err != nil {
			return nil, fmt.Errorf("read chunk root %d of %d: %w", i, want, err)
		}
		chunks = append(chunks, c)
	}
	t, err := NewSlotTree(cells, chunks)
	if err != nil {
		return nil, err
	}
	if t.Root() != root {
		return nil, fmt.Errorf("%w: stored tree has root %s, want %s", ErrTree, t.Root(), root)
	}
	return t, nil
}
