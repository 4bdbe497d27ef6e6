package proof

import (
	"runtime"
	"sync"
)

// TreeHasher computes chunk roots on all cores: a call splits its chunks into
// one contiguous run of chunk subtrees per worker, each hashed four lanes at
// a time. It holds no data of its own beyond one ChunkHasher per worker, so
// memory is what the caller passes in. It is safe for concurrent use.
type TreeHasher struct {
	cells   uint64
	workers int
	csize   int
	pool    sync.Pool // *ChunkHasher
}

// NewTreeHasher returns a hasher for the chunks of a slot with cells cells,
// on workers goroutines per call (0 or less: GOMAXPROCS).
func NewTreeHasher(cells uint64, workers int) *TreeHasher {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	t := &TreeHasher{cells: cells, workers: workers}
	t.csize = NewChunkHasher(cells).ChunkSize()
	return t
}

// ChunkSize is the number of bytes under one chunk root.
func (t *TreeHasher) ChunkSize() int { return t.csize }

// Roots hashes data, which starts at a chunk boundary, into roots: one root
// per ChunkSize bytes, the last chunk possibly short. It returns once every
// root is written.
func (t *TreeHasher) Roots(data []byte, roots []Hash) {
	t.rootsEach([][]byte{data}, [][]Hash{roots})
}

// rootsEach is Roots over several buffers at once (the shards of a
// stripe): their chunks are split over the workers in one go, so a worker
// that the scheduler delays holds the others up once, not once per buffer.
func (t *TreeHasher) rootsEach(data [][]byte, roots [][]Hash) {
	total := 0
	for _, d := range data {
		total += (len(d) + t.csize - 1) / t.csize
	}
	w := min(t.workers, total)
	if w <= 1 {
		t.run(data, roots, 0, total)
		return
	}
	var wg sync.WaitGroup
	for k := 1; k < w; k++ {
		wg.Go(func() { t.run(data, roots, k*total/w, (k+1)*total/w) })
	}
	t.run(data, roots, 0, total/w)
	wg.Wait()
}

// run hashes chunks [from, to) of the buffers taken end to end.
func (t *TreeHasher) run(data [][]byte, roots [][]Hash, from, to int) {
	c, _ := t.pool.Get().(*ChunkHasher)
	if c == nil {
		c = NewChunkHasher(t.cells)
	}
	defer t.pool.Put(c)
	base := 0 // global index of data[i]'s first chunk
	for i, d := range data {
		n := (len(d) + t.csize - 1) / t.csize
		lo, hi := max(from-base, 0), min(to-base, n)
		if lo < hi {
			c.Roots(d[lo*t.csize:min(hi*t.csize, len(d))], roots[i][lo:hi])
		}
		base += n
		if base >= to {
			return
		}
	}
}
