package proof

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
)

// The hashing figures of the README:
//
//	go test ./contracts/proof -run TestHashFigures -figures -v
//
// hashes the same 1 GiB in memory (SLOTD_FIGURES_MB to resize) as one flat
// single-stream keccak256 on one core and as a slot tree on all cores, a few
// times (-figures.runs), and prints each run's MB/s and their ratio, then
// the minimum and median ratio. For scale it also prints the tree on one
// core, single-stream and four-way.
var (
	figures     = flag.Bool("figures", false, "hash 1 GiB as a slot tree on all cores and flat on one core, and print MB/s and ratios")
	figuresRuns = flag.Int("figures.runs", 3, "repetitions of the -figures measurement")
)

func TestHashFigures(t *testing.T) {
	if !*figures {
		t.Skip("run with -figures")
	}
	size := 1 << 30
	if v, err := strconv.Atoi(os.Getenv("SLOTD_FIGURES_MB")); err == nil && v > 0 {
		size = v << 20
	}
	data := patternBytes(size)
	cells := uint64(size / CellSize)
	mbps := func(d time.Duration) float64 { return float64(size) / d.Seconds() / 1e6 }
	fmt.Printf("\n%d MiB in memory, GOMAXPROCS %d, four-way keccak: %v\n", size>>20, runtime.GOMAXPROCS(0), multiBuffer)
	fmt.Printf("%-4s %14s %14s %14s %14s %8s\n", "run", "flat 1 core", "tree 1 core", "tree x4 1 core", "tree all cores", "ratio")
	var ratios []float64
	roots := make([]Hash, size/ChunkSize)
	for run := range *figuresRuns {
		// The four ways take turns over 64 MiB slices, so that a change in
		// the machine's load during the run hits them alike.
		var flat, one, four, all time.Duration
		k := crypto.NewKeccakState()
		for off := 0; off < size; off += figureSlice {
			piece, r := data[off:min(off+figureSlice, size)], roots[off/ChunkSize:]
			flat += timed(func() { k.Write(piece) })
			withMultiBuffer(t, false, func() { one += timed(func() { NewTreeHasher(cells, 1).Roots(piece, r) }) })
			four += timed(func() { NewTreeHasher(cells, 1).Roots(piece, r) })
			all += timed(func() { NewTreeHasher(cells, 0).Roots(piece, r) })
		}
		var out Hash
		flat += timed(func() { k.Read(out[:]) })
		all += timed(func() {
			if _, err := NewSlotTree(cells, roots); err != nil {
				t.Fatal(err)
			}
		})
		ratios = append(ratios, flat.Seconds()/all.Seconds())
		fmt.Printf("%-4d %9.0f MB/s %9.0f MB/s %9.0f MB/s %9.0f MB/s %8.2f\n", run+1, mbps(flat), mbps(one), mbps(four), mbps(all), ratios[run])
	}
	slices.Sort(ratios)
	fmt.Printf("tree on all cores ÷ flat keccak on one core: min %.2f, median %.2f (target ≥ 3)\n", ratios[0], ratios[len(ratios)/2])
}

// figureSlice is the piece of data each way hashes before the next takes
// its turn.
const figureSlice = 64 << 20

func timed(f func()) time.Duration {
	t0 := time.Now()
	f()
	return time.Since(t0)
}

// patternBytes is n bytes of a random 1 MiB pattern, each repetition's first
// word xored with its number so that no two chunks are equal.
func patternBytes(n int) []byte {
	pat := randomBytes(rand.New(rand.NewPCG(19, 20)), 1<<20)
	b := make([]byte, n)
	for off := 0; off < n; off += len(pat) {
		k := copy(b[off:], pat)
		if k >= 8 {
			binary.LittleEndian.PutUint64(b[off:], binary.LittleEndian.Uint64(pat)^uint64(off>>20+1))
		}
	}
	return b
}
