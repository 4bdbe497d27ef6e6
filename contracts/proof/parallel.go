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
	n := (len(data) + t.csize - 1) / t.csize
	w := min(t.workers, n)
	if w <= 1 {
		t.run(data, roots)
		return
	}
	var wg sync.WaitGroup
	for k := 1; k < w; k++ {
		lo, hi := k*n/w, (k+1)*n/w
		wg.Go(func() { t.run(data[lo*t.csize:min(hi*t.csize, len(data))], roots[lo:hi]) })
	}
	t.run(data[:min(n/w*t.csize, len(data))], roots[:n/w])
	wg.Wait()
}

func (t *TreeHasher) run(data []byte, roots []Hash) {
	c, _ := t.pool.Get().(*ChunkHasher)
	if c == nil {
		c = NewChunkHasher(t.cells)
	}
	c.Roots(data, roots)
	t.pool.Put(c)
}
