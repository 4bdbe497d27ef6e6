// Package proof is slotd's storage-proof format, shared bit for bit with the
// Marketplace contract: 256-byte cells, a keccak Merkle tree with domain tags,
// per-challenge sample indices and the proof that answers a challenge.
//
// Leaf = keccak256(0x00 ‖ cell), node = keccak256(0x01 ‖ left ‖ right). A slot's
// cells are padded with zero cells to a power of two; the content root is the
// same tree over the slot roots, padded with zero hashes.
package proof

import (
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// CellSize is the unit the tree hashes and a proof samples, in bytes.
const CellSize = 256

// Hash is a 32-byte keccak256 digest.
type Hash = common.Hash

// hasher reuses one keccak state: the tree hashes millions of cells per GiB and
// a fresh state per hash would dominate the allocation profile.
type hasher struct {
	state crypto.KeccakState
	buf   [1 + 2*32]byte
	out   Hash
}

func newHasher() *hasher { return &hasher{state: crypto.NewKeccakState()} }

// leaf hashes one cell; a short cell is hashed as if zero-padded to CellSize.
func (h *hasher) leaf(cell []byte) Hash {
	h.state.Reset()
	h.state.Write([]byte{0x00})
	h.state.Write(cell)
	if pad := CellSize - len(cell); pad > 0 {
		h.state.Write(zeroCell[:pad])
	}
	h.state.Read(h.out[:])
	return h.out
}

func (h *hasher) node(l, r Hash) Hash {
	h.buf[0] = 0x01
	copy(h.buf[1:33], l[:])
	copy(h.buf[33:], r[:])
	h.state.Reset()
	h.state.Write(h.buf[:])
	h.state.Read(h.out[:])
	return h.out
}

var zeroCell [CellSize]byte

// LeafHash is keccak256(0x00 ‖ cell) for a cell of at most CellSize bytes
// (shorter cells are zero-padded).
func LeafHash(cell []byte) Hash { return newHasher().leaf(cell) }

// NodeHash is keccak256(0x01 ‖ left ‖ right).
func NodeHash(l, r Hash) Hash { return newHasher().node(l, r) }

// maxDepth bounds every tree: 2^40 cells of 256 bytes is 256 TiB per slot.
const maxDepth = 40

// zeroSubtree[h] is the root of a subtree of height h made only of zero cells,
// the padding a slot tree uses past its last cell.
var zeroSubtree = func() [maxDepth + 1]Hash {
	var z [maxDepth + 1]Hash
	h := newHasher()
	z[0] = h.leaf(zeroCell[:])
	for i := 1; i <= maxDepth; i++ {
		z[i] = h.node(z[i-1], z[i-1])
	}
	return z
}()

// depthFor is ceil(log2(n)) for n ≥ 1: the height of the smallest power-of-two
// tree with n leaves.
func depthFor(n uint64) int {
	d := 0
	for (uint64(1) << d) < n {
		d++
	}
	return d
}
