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

// TestRootsOfSeveralBuffersMatchRoots hashes several buffers of uneven sizes in one
// call and checks each against its own Roots.
func TestRootsOfSeveralBuffersMatchRoots(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	cells := uint64(1 << 12)
	sizes := []int{ChunkSize * 3, 1, ChunkSize*5 + 7, 0, ChunkSize}
	var data [][]byte
	var got, want [][]Hash
	for _, n := range sizes {
		d := randomBytes(r, n)
		k := (n + ChunkSize - 1) / ChunkSize
		data, got, want = append(data, d), append(got, make([]Hash, k)), append(want, make([]Hash, k))
		NewChunkHasher(cells).Roots(d, want[len(want)-1])
	}
	for workers := 1; workers <= 4; workers++ {
		NewTreeHasher(cells, workers).rootsEach(data, got)
		for i := range want {
			for j := range want[i] {
				if got[i][j] != want[i][j] {
					t.Fatalf("%d workers: buffer %d chunk %d differs", workers, i, j)
				}
			}
		}
	}
}
