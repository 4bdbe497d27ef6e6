package proof

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// naiveRoot hashes the whole padded tree level by level: the definition the
// chunked builder must agree with.
func naiveRoot(data []byte) Hash {
	cells := max((len(data)+CellSize-1)/CellSize, 1)
	n := 1 << depthFor(uint64(cells))
	level := make([]Hash, n)
	for i := range level {
		lo := i * CellSize
		if lo >= len(data) {
			level[i] = LeafHash(nil)
			continue
		}
		level[i] = LeafHash(data[lo:min(lo+CellSize, len(data))])
	}
	for len(level) > 1 {
		next := make([]Hash, len(level)/2)
		for i := range next {
			next[i] = NodeHash(level[2*i], level[2*i+1])
		}
		level = next
	}
	return level[0]
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

var sizes = []int{0, 1, 255, 256, 257, 512, 64 * 256, 64*256 + 1, 65 * 256, 128*256 - 3, 300 * 256, 1 << 20}

func TestSlotTreeMatchesNaiveTree(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range sizes {
		data := randomBytes(r, size)
		tree, err := BuildSlotTree(bytes.NewReader(data), uint64(size))
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if got, want := tree.Root(), naiveRoot(data); got != want {
			t.Fatalf("size %d: root %s, naive %s", size, got, want)
		}
		for _, j := range []uint64{0, tree.Cells() / 2, tree.Cells() - 1} {
			cell, path, err := tree.CellPath(bytes.NewReader(data), j)
			if err != nil {
				t.Fatal(err)
			}
			if len(path) != tree.Depth() {
				t.Fatalf("size %d cell %d: path of %d, depth %d", size, j, len(path), tree.Depth())
			}
			if FoldPath(LeafHash(cell), j, path) != tree.Root() {
				t.Fatalf("size %d cell %d: path does not reach root", size, j)
			}
		}
	}
}

func TestProveVerifyAndTamper(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	data := randomBytes(r, 1000*CellSize+17)
	tree, err := BuildSlotTree(bytes.NewReader(data), uint64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	challenge, slot := Hash{1, 2, 3}, Hash{9, 9}
	p, err := Prove(tree, bytes.NewReader(data), challenge, slot, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(tree.Root(), tree.Cells(), challenge, slot, 5, p); err != nil {
		t.Fatalf("honest proof rejected: %v", err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*Proof)
	}{
		{"one wrong byte in a cell", func(p *Proof) { p.Cells[CellSize+7] ^= 1 }},
		{"one wrong path node", func(p *Proof) { p.Path[3][0] ^= 1 }},
		{"missing sample", func(p *Proof) { p.Cells = p.Cells[:4*CellSize] }},
		{"other challenge", func(p *Proof) {
			q, _ := Prove(tree, bytes.NewReader(data), Hash{7}, slot, 5)
			*p = q
		}},
	} {
		q := Proof{Cells: bytes.Clone(p.Cells), Path: append([]Hash(nil), p.Path...)}
		tc.mutate(&q)
		if err := Verify(tree.Root(), tree.Cells(), challenge, slot, 5, q); !errors.Is(err, ErrInvalidProof) {
			t.Errorf("%s: got %v, want ErrInvalidProof", tc.name, err)
		}
	}
}

func TestSlotTreeRoundTrip(t *testing.T) {
	data := randomBytes(rand.New(rand.NewPCG(5, 6)), 200*CellSize)
	tree, _ := BuildSlotTree(bytes.NewReader(data), uint64(len(data)))
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	enc := buf.Bytes()
	got, err := ReadSlotTree(bytes.NewReader(enc), tree.Root())
	if err != nil || got.Root() != tree.Root() {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := ReadSlotTree(bytes.NewReader(enc), Hash{1}); !errors.Is(err, ErrTree) {
		t.Fatalf("wrong root accepted: %v", err)
	}
	if _, err := ReadSlotTree(bytes.NewReader(enc[:len(enc)-1]), tree.Root()); err == nil {
		t.Fatal("truncated tree accepted")
	}
}

func TestContentPath(t *testing.T) {
	for n := 1; n <= 9; n++ {
		roots := make([]Hash, n)
		for i := range roots {
			roots[i] = Hash{byte(i + 1)}
		}
		root := ContentRoot(roots)
		for i := range roots {
			path, err := ContentPath(roots, uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			if len(path) != depthFor(max(uint64(n), 1)) || FoldPath(roots[i], uint64(i), path) != root {
				t.Fatalf("n=%d i=%d: path does not reach the content root", n, i)
			}
		}
	}
}

// FuzzVerify feeds arbitrary proofs to the verifier: it must never panic and
// must accept only a proof whose every sample reaches the root.
func FuzzVerify(f *testing.F) {
	data := randomBytes(rand.New(rand.NewPCG(7, 8)), 70*CellSize)
	tree, _ := BuildSlotTree(bytes.NewReader(data), uint64(len(data)))
	honest, _ := Prove(tree, bytes.NewReader(data), Hash{4}, Hash{5}, 2)
	var flat []byte
	for _, h := range honest.Path {
		flat = append(flat, h[:]...)
	}
	f.Add(honest.Cells, flat, byte(4), uint16(70))
	f.Add([]byte{1}, []byte{2}, byte(0), uint16(1))
	f.Fuzz(func(t *testing.T, cells, path []byte, c byte, ncells uint16) {
		p := Proof{Cells: cells}
		for i := 0; i+32 <= len(path); i += 32 {
			p.Path = append(p.Path, Hash(path[i:i+32]))
		}
		err := Verify(tree.Root(), uint64(ncells), Hash{c}, Hash{5}, 2, p)
		if err == nil && (c != 4 || ncells != 70 || !bytes.Equal(cells, honest.Cells)) {
			// A different proof may only pass if it is the honest one.
			for k := range 2 {
				j := SampleIndex(Hash{c}, Hash{5}, uint64(k), uint64(ncells))
				want, _, _ := tree.CellPath(bytes.NewReader(data), j)
				if !bytes.Equal(want, cells[k*CellSize:(k+1)*CellSize]) {
					t.Fatalf("verifier accepted a cell that is not the slot's cell %d", j)
				}
			}
		}
	})
}
