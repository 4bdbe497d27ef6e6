package datastore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/slotd/slotd/contracts/proof"
)

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for k := range 8 {
			b[i+k] = byte(v >> (8 * k))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

func openStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func importBytes(t testing.TB, s *Store, data []byte, n, m int, stripe uint64) *Manifest {
	t.Helper()
	man, err := s.Import(context.Background(), bytes.NewReader(data), uint64(len(data)),
		ImportOptions{Slots: n, MaxSlotLoss: m, Stripe: stripe, Name: "t"})
	if err != nil {
		t.Fatalf("import %d bytes %d/%d: %v", len(data), n, m, err)
	}
	return man
}

func decodeWith(t testing.TB, s *Store, man *Manifest, drop []int) ([]byte, error) {
	t.Helper()
	src, closeAll, err := s.LocalSources(man)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll()
	for _, i := range drop {
		src[i] = nil
	}
	var out bytes.Buffer
	err = Decode(context.Background(), man, src, &out, DecodeOptions{})
	return out.Bytes(), err
}

// subsets calls fn with every subset of {0..n-1} of size k.
func subsets(n, k int, fn func([]int)) {
	var rec func(start int, cur []int)
	rec = func(start int, cur []int) {
		if len(cur) == k {
			fn(append([]int(nil), cur...))
			return
		}
		for i := start; i < n; i++ {
			rec(i+1, append(cur, i))
		}
	}
	rec(0, nil)
}

func TestRoundTripSizesAndCodings(t *testing.T) {
	const stripe = MinStripe
	type coding struct{ n, m int }
	codings := []coding{{1, 0}, {2, 1}, {3, 1}, {4, 2}, {5, 0}, {7, 3}}
	if !testing.Short() {
		codings = append(codings, coding{10, 4}, coding{16, 8})
	}
	for _, c := range codings {
		k := c.n - c.m
		lay0, _ := NewLayout(0, k, c.m, stripe)
		// Sizes around every boundary the layout has: cells, a slot that the
		// trailer exactly fills, one stripe, several stripes, and a few MB.
		sizes := []int{0, 1, 255, 256, 257,
			k*int(lay0.SlotSize) - TrailerSize, k*int(lay0.SlotSize) - TrailerSize + 1,
			k*int(stripe) - TrailerSize, k*int(stripe) - TrailerSize + 1, k * int(stripe),
			3*k*int(stripe) + 4097}
		if !testing.Short() {
			sizes = append(sizes, 3<<20+17)
		}
		for _, size := range sizes {
			t.Run(fmt.Sprintf("n%d_m%d_%dB", c.n, c.m, size), func(t *testing.T) {
				s := openStore(t)
				data := randomBytes(uint64(size*31+c.n), size)
				man := importBytes(t, s, data, c.n, c.m, stripe)
				if man.FileSize != uint64(size) || man.FileHash != sha256.Sum256(data) {
					t.Fatalf("manifest size/hash: %d %x", man.FileSize, man.FileHash)
				}
				if man.SlotSize%proof.CellSize != 0 || man.SlotSize < proof.CellSize {
					t.Fatalf("slot size %d", man.SlotSize)
				}
				checkSlotFiles(t, s, man)
				got, err := decodeWith(t, s, man, nil)
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("decode with all slots: err %v, equal %v", err, bytes.Equal(got, data))
				}
				// Losing any M slots still rebuilds the file: every subset for
				// small N, a few random ones for larger.
				r := rand.New(rand.NewPCG(uint64(size), 7))
				tried := 0
				subsets(c.n, c.m, func(drop []int) {
					if c.n > 7 && r.IntN(300) != 0 {
						return
					}
					tried++
					got, err := decodeWith(t, s, man, drop)
					if err != nil || !bytes.Equal(got, data) {
						t.Fatalf("decode without slots %v: err %v, equal %v", drop, err, bytes.Equal(got, data))
					}
				})
				if c.m > 0 {
					// One slot too many lost is a clear error, not garbage.
					drop := make([]int, c.m+1)
					for i := range drop {
						drop[i] = i
					}
					if _, err := decodeWith(t, s, man, drop); err == nil {
						t.Fatalf("decode without %d slots succeeded", c.m+1)
					}
				}
			})
		}
	}
}

// checkSlotFiles rehashes every slot file from scratch and compares it with
// the manifest's root and the stored tree.
func checkSlotFiles(t *testing.T, s *Store, man *Manifest) {
	t.Helper()
	if proof.ContentRoot(man.SlotRoots) != man.CID {
		t.Fatal("cid is not the content root")
	}
	for i, root := range man.SlotRoots {
		sl, err := s.DatasetSlot(man.CID, i)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(sl.DataPath)
		if err != nil {
			t.Fatal(err)
		}
		if uint64(len(data)) != man.SlotSize {
			t.Fatalf("slot %d: %d bytes, want %d", i, len(data), man.SlotSize)
		}
		tree, err := proof.BuildSlotTree(bytes.NewReader(data), man.SlotSize)
		if err != nil || tree.Root() != root {
			t.Fatalf("slot %d: rehash root %v (err %v), manifest %s", i, tree.Root(), err, root)
		}
		f, err := os.Open(sl.TreePath)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := proof.ReadSlotTree(f, root)
		f.Close()
		if err != nil || stored.Cells() != man.SlotSize/proof.CellSize {
			t.Fatalf("slot %d: stored tree: %v", i, err)
		}
	}
}

func TestDecodeDetectsCorruptSlot(t *testing.T) {
	s := openStore(t)
	data := randomBytes(3, 100_000)
	man := importBytes(t, s, data, 3, 1, MinStripe)
	sl, _ := s.DatasetSlot(man.CID, 0)
	b, _ := os.ReadFile(sl.DataPath)
	b[1234] ^= 0x40
	if err := os.WriteFile(sl.DataPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeWith(t, s, man, nil); !errors.Is(err, ErrFileHash) {
		t.Fatalf("corrupt data slot: got %v, want ErrFileHash", err)
	}
	// Without the corrupt slot, the parity slot rebuilds the file.
	if got, err := decodeWith(t, s, man, []int{0}); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("decode around the corrupt slot: %v", err)
	}
}

func TestDecodeRejectsLyingManifest(t *testing.T) {
	s := openStore(t)
	data := randomBytes(4, 50_000)
	man := importBytes(t, s, data, 4, 2, MinStripe)
	lie := *man
	lie.FileHash[0] ^= 1
	src, closeAll, _ := s.LocalSources(man)
	defer closeAll()
	var out bytes.Buffer
	if err := Decode(context.Background(), &lie, src, &out, DecodeOptions{}); !errors.Is(err, ErrManifest) || out.Len() != 0 {
		t.Fatalf("manifest with another hash: err %v, wrote %d bytes", err, out.Len())
	}
}

func TestRebuildEverySlot(t *testing.T) {
	s := openStore(t)
	data := randomBytes(5, 5*MinStripe+333)
	man := importBytes(t, s, data, 5, 2, MinStripe)
	lay, _ := man.Layout()
	for target := range man.SlotRoots {
		src, closeAll, _ := s.LocalSources(man)
		src[target] = nil
		src[(target+1)%5] = nil // and another one lost
		h := proof.NewTreeHasher(lay.Cells(), 0)
		roots := make([]proof.Hash, (lay.SlotSize+uint64(h.ChunkSize())-1)/uint64(h.ChunkSize()))
		var rebuilt bytes.Buffer
		err := Rebuild(context.Background(), lay, src, target, RebuildOptions{}, func(j int, shard []byte) error {
			h.Roots(shard, roots[lay.ShardOffset(j)/uint64(h.ChunkSize()):])
			rebuilt.Write(shard)
			return nil
		})
		closeAll()
		if err != nil {
			t.Fatalf("rebuild %d: %v", target, err)
		}
		tree, _ := proof.NewSlotTree(lay.Cells(), roots)
		if tree.Root() != man.SlotRoots[target] {
			t.Fatalf("rebuilt slot %d has the wrong root", target)
		}
		sl, _ := s.DatasetSlot(man.CID, target)
		orig, _ := os.ReadFile(sl.DataPath)
		if !bytes.Equal(orig, rebuilt.Bytes()) {
			t.Fatalf("rebuilt slot %d differs", target)
		}
	}
}

func TestImportErrors(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		n, m int
	}{{0, 0}, {3, 3}, {2, 5}, {257, 1}, {4, -1}} {
		if _, err := s.Import(ctx, bytes.NewReader(nil), 0, ImportOptions{Slots: tc.n, MaxSlotLoss: tc.m}); !errors.Is(err, ErrLayout) {
			t.Errorf("slots %d loss %d: got %v", tc.n, tc.m, err)
		}
	}
	if _, err := s.Import(ctx, bytes.NewReader(make([]byte, 10)), 11, ImportOptions{Slots: 2, MaxSlotLoss: 1}); err == nil {
		t.Error("short file accepted")
	}
	if _, err := s.Import(ctx, bytes.NewReader(make([]byte, 12)), 11, ImportOptions{Slots: 2, MaxSlotLoss: 1}); err == nil {
		t.Error("long file accepted")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Import(cctx, bytes.NewReader(make([]byte, 1<<20)), 1<<20, ImportOptions{Slots: 2, MaxSlotLoss: 1, Stripe: MinStripe}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled import: %v", err)
	}
	ents, _ := os.ReadDir(filepath.Join(s.Dir(), datasetsDir))
	if len(ents) != 0 {
		t.Errorf("failed imports left %d entries behind", len(ents))
	}
}

func TestPartialUploadIsCleanedAndNeverServed(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir, nil)
	man := importBytes(t, s, randomBytes(6, 9000), 2, 1, MinStripe)
	// What a crash mid-upload leaves: a partial directory with some files.
	partial := filepath.Join(dir, datasetsDir, partialPrefix+"123")
	os.MkdirAll(partial, 0o755)
	os.WriteFile(filepath.Join(partial, "slot-0.bin"), []byte("half"), 0o644)
	ms, err := s.Datasets()
	if err != nil || len(ms) != 1 || ms[0].CID != man.CID {
		t.Fatalf("datasets with a partial upload present: %v %v", ms, err)
	}
	if _, err := Open(dir, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(partial); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("partial upload survived Open: %v", err)
	}
	// Importing the same bytes again returns the same dataset.
	again := importBytes(t, s, randomBytes(6, 9000), 2, 1, MinStripe)
	if again.CID != man.CID {
		t.Fatal("re-import changed the cid")
	}
}

func TestManifestVerify(t *testing.T) {
	s := openStore(t)
	man := importBytes(t, s, randomBytes(8, 40_000), 3, 1, MinStripe)
	if err := man.Verify(man.CID); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*Manifest){
		"slot root":  func(m *Manifest) { m.SlotRoots[1][0] ^= 1 },
		"root count": func(m *Manifest) { m.SlotRoots = m.SlotRoots[:2] },
		"slot size":  func(m *Manifest) { m.SlotSize += proof.CellSize },
		"stripe":     func(m *Manifest) { m.StripeSize = 1000 },
		"huge":       func(m *Manifest) { m.StripeSize = MaxStripe; m.DataSlots = 200 },
		"version":    func(m *Manifest) { m.Version = 9 },
		"cid":        func(m *Manifest) { m.CID[0] ^= 1 },
	} {
		c := *man
		c.SlotRoots = append([]proof.Hash(nil), man.SlotRoots...)
		mutate(&c)
		if err := c.Verify(man.CID); !errors.Is(err, ErrManifest) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	if _, err := ParseCID(man.CID.Hex()); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "0x", "abc", man.CID.Hex()[2:], man.CID.Hex() + "0", "0x" + string(bytes.Repeat([]byte("g"), 64))} {
		if _, err := ParseCID(bad); err == nil {
			t.Errorf("ParseCID(%q) accepted", bad)
		}
	}
}

func TestTrailerRoundTrip(t *testing.T) {
	tr := Trailer{FileSize: 1<<40 + 3, FileHash: sha256.Sum256([]byte("x")), K: 200, M: 56, Stripe: 1 << 20}
	b := tr.Marshal()
	got, err := ParseTrailer(b[:])
	if err != nil || got != tr {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	b[100] = 1
	if _, err := ParseTrailer(b[:]); err == nil {
		t.Fatal("dirty padding accepted")
	}
	if _, err := ParseTrailer(make([]byte, TrailerSize)); err == nil {
		t.Fatal("zero cell accepted as a trailer")
	}
}

// TestHostedSlotIDs: every slot with a file in the slots dir, once, in id
// order; files that are not a slot's are not listed.
func TestHostedSlotIDs(t *testing.T) {
	s := openStore(t)
	a, b := proof.Hash{0x0a}, proof.Hash{0x0b}
	for _, name := range []string{b.Hex() + ".bin", a.Hex() + ".json", a.Hex() + ".bin", a.Hex() + ".tree", "notes.txt", "0xzz.bin"} {
		if err := os.WriteFile(filepath.Join(s.dir, slotsDir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := s.HostedSlotIDs()
	if err != nil || len(ids) != 2 || ids[0] != a || ids[1] != b {
		t.Fatalf("ids %v (%v), want %s then %s", ids, err, a, b)
	}
}
