package proof

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// TestTreeHasherMatchesOneChunkAtATime splits random slots over 1 to 5
// workers, from several goroutines at once, and checks every chunk root
// against a ChunkHasher's.
func TestTreeHasherMatchesOneChunkAtATime(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, size := range []int{1, CellSize * 3, ChunkSize, ChunkSize + 1, 7*ChunkSize - 100, 64 * ChunkSize} {
		data := randomBytes(r, size)
		cells := uint64((size + CellSize - 1) / CellSize)
		c := NewChunkHasher(cells)
		want := make([]Hash, (size+c.ChunkSize()-1)/c.ChunkSize())
		c.Roots(data, want)
		for workers := 1; workers <= 5; workers++ {
			th := NewTreeHasher(cells, workers)
			var wg sync.WaitGroup
			for range 3 {
				wg.Go(func() {
					got := make([]Hash, len(want))
					th.Roots(data, got)
					for i := range want {
						if got[i] != want[i] {
							t.Errorf("size %d, %d workers: chunk %d differs", size, workers, i)
							return
						}
					}
				})
			}
			wg.Wait()
		}
	}
}
