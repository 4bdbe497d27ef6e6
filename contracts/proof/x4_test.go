package proof

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
)

// withMultiBuffer runs f with the four-way hasher on (where the CPU has it)
// or forced off, restoring the setting after.
func withMultiBuffer(t testing.TB, on bool, f func()) {
	t.Helper()
	saved := multiBuffer
	multiBuffer = on && saved
	defer func() { multiBuffer = saved }()
	f()
}

func TestMultiBufferIsUsedHere(t *testing.T) {
	if !multiBuffer {
		t.Skip("this CPU has no four-way keccak; only the single-stream path runs")
	}
	if newLevelHasher().four == nil {
		t.Fatal("multi-buffer keccak is available but the level hasher does not use it")
	}
}

// TestLanesMatchKeccak checks each lane of the four-way hashes against
// go-ethereum's Keccak256 of the tagged message.
func TestLanesMatchKeccak(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	h := newHasherX4()
	for range 50 {
		var cells [4][CellSize]byte
		for i := range cells {
			copy(cells[i][:], randomBytes(r, CellSize))
		}
		var out [4]Hash
		h.leaves4(out[:], &cells[0], &cells[1], &cells[2], &cells[3])
		for i := range cells {
			if want := Hash(crypto.Keccak256([]byte{0}, cells[i][:])); out[i] != want {
				t.Fatalf("leaf lane %d: %s, keccak %s", i, out[i], want)
			}
		}
		in := make([]Hash, 8)
		for i := range in {
			in[i] = Hash(randomBytes(r, 32))
		}
		h.nodes4(out[:], in)
		for i := range 4 {
			if want := Hash(crypto.Keccak256([]byte{1}, in[2*i][:], in[2*i+1][:])); out[i] != want {
				t.Fatalf("node lane %d: %s, keccak %s", i, out[i], want)
			}
		}
	}
}

// TestMultiBufferTreesAgree builds random slot trees of every depth up to
// 2^12 cells, with full and partial last chunks and cells, on the four-way
// and the single-stream hasher, and checks roots, chunk roots and paths
// agree with each other and with the level-by-level definition.
func TestMultiBufferTreesAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for depth := 0; depth <= 12; depth++ {
		lo, hi := 1<<depth/2+1, 1<<depth
		counts := []int{hi}
		if lo < hi {
			counts = append(counts, lo, lo+r.IntN(hi-lo))
		}
		for _, cells := range counts {
			size := cells * CellSize
			if r.IntN(2) == 0 {
				size -= r.IntN(CellSize - 1) // a short last cell
			}
			data := randomBytes(r, size)
			var one, four *SlotTree
			withMultiBuffer(t, false, func() { one = mustTree(t, data) })
			withMultiBuffer(t, true, func() { four = mustTree(t, data) })
			if want := naiveRoot(data); one.Root() != want || four.Root() != want {
				t.Fatalf("%d cells, %d bytes: single %s, four-way %s, naive %s", cells, size, one.Root(), four.Root(), want)
			}
			for k := range one.Chunks() {
				if one.Chunks()[k] != four.Chunks()[k] {
					t.Fatalf("%d cells: chunk %d differs", cells, k)
				}
			}
			j := uint64(r.IntN(cells))
			_, p1, _ := one.CellPath(bytes.NewReader(data), j)
			var p4 []Hash
			withMultiBuffer(t, true, func() { _, p4, _ = four.CellPath(bytes.NewReader(data), j) })
			for k := range p1 {
				if p1[k] != p4[k] {
					t.Fatalf("%d cells, cell %d: path node %d differs", cells, j, k)
				}
			}
		}
	}
}

func mustTree(t testing.TB, data []byte) *SlotTree {
	t.Helper()
	tree, err := BuildSlotTree(bytes.NewReader(data), uint64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// FuzzMultiBuffer hashes arbitrary bytes as one chunk and as tree levels on
// both hashers: any difference is a bug in the four-way absorb or squeeze.
// Inputs are up to 16 KiB, so shorten minimization when fuzzing:
//
//	go test ./contracts/proof -run '^$' -fuzz FuzzMultiBuffer -fuzzminimizetime 1s
func FuzzMultiBuffer(f *testing.F) {
	f.Add([]byte{}, uint16(1))
	f.Add(bytes.Repeat([]byte{0xff}, 5*CellSize+3), uint16(6))
	f.Add(randomBytes(rand.New(rand.NewPCG(15, 16)), ChunkSize), uint16(64))
	f.Fuzz(func(t *testing.T, data []byte, cells uint16) {
		data = data[:min(len(data), ChunkSize)]
		cells = max(cells, 1)
		var one, four Hash
		var lone, lfour []Hash
		level := func() []Hash {
			h := newLevelHasher()
			n := len(data) / CellSize
			out := make([]Hash, n)
			h.leaves(out, data[:n*CellSize])
			nodes := make([]Hash, len(data)/64)
			for i := range nodes {
				nodes[i] = Hash(data[64*i : 64*i+32])
			}
			h.nodes(nodes, nodes[:len(nodes)&^1])
			return append(out, nodes[:len(nodes)/2]...)
		}
		withMultiBuffer(t, false, func() { one, lone = NewChunkHasher(uint64(cells)).Root(data), level() })
		withMultiBuffer(t, true, func() { four, lfour = NewChunkHasher(uint64(cells)).Root(data), level() })
		if one != four {
			t.Fatalf("chunk root: single %s, four-way %s", one, four)
		}
		for i := range lone {
			if lone[i] != lfour[i] {
				t.Fatalf("level hash %d: single %s, four-way %s", i, lone[i], lfour[i])
			}
		}
	})
}

// TestRootsMatchRootPerChunk: Roots hashes four full chunks at a time with
// their top levels shared; every root must be the one Root gives its
// chunk alone, for runs of 1 to 9 chunks with a full or short last one.
func TestRootsMatchRootPerChunk(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, on := range []bool{false, true} {
		for chunks := 1; chunks <= 9; chunks++ {
			for _, short := range []int{0, 1, CellSize + 5} {
				size := chunks*ChunkSize - short
				data := randomBytes(r, size)
				withMultiBuffer(t, on, func() {
					c := NewChunkHasher(1 << 20)
					got := make([]Hash, chunks)
					c.Roots(data, got)
					for i := range got {
						want := NewChunkHasher(1 << 20).Root(data[i*ChunkSize : min((i+1)*ChunkSize, size)])
						if got[i] != want {
							t.Fatalf("four-way %v, %d chunks less %d bytes: chunk %d root %s, alone %s", on, chunks, short, i, got[i], want)
						}
					}
				})
			}
		}
	}
}
