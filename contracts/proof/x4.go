package proof

import (
	"encoding/binary"

	"github.com/cloudflare/circl/simd/keccakf1600"
)

// multiBuffer is true where the CPU runs four Keccak-f[1600] permutations at
// once (AVX2). Elsewhere circl's four-way state is a loop over a generic
// permutation, slower than go-ethereum's single-stream keccak, so the tree
// hashes one stream at a time there. A variable so tests can force either.
//
// No eight-way (AVX-512) permutation is used: none is in a module at hand
// (circl has four-way AVX2 only), and one written on Go 1.26's experimental
// simd/archsimd (GOEXPERIMENT=simd) ran at 640-740 ns per lane against
// circl's 350 in the same run: the compiler keeps the state in 15 vector
// registers and spills the rest each round.
var multiBuffer = keccakf1600.IsEnabledX4()

// The word layout of the two messages the tree hashes, in keccak256's
// 136-byte (17-word) rate: a leaf 0x00‖cell is 257 bytes, two blocks; a
// node 0x01‖l‖r is 65 bytes, one block. Keccak's padding puts 0x01 after the
// message and 0x80 in the block's last byte.
const (
	rateWords = 17
	padEnd    = uint64(0x80) << 56
)

// hasherX4 computes four leaf or node hashes at a time on one interleaved
// state: lane i's word j is a[4*j+i].
type hasherX4 struct {
	st keccakf1600.StateX4
	a  []uint64
}

func newHasherX4() *hasherX4 {
	h := &hasherX4{}
	h.a = h.st.Initialize(false)
	return h
}

// leaves4 hashes four full cells.
func (h *hasherX4) leaves4(out []Hash, c0, c1, c2, c3 *[CellSize]byte) {
	a := h.a[:100]
	clear(a[4*rateWords:]) // the rate's words are all written below
	for i, c := range [4]*[CellSize]byte{c0, c1, c2, c3} {
		// Message byte k is cell byte k-1: word j is cell[8j-1 : 8j+7].
		a[i] = binary.LittleEndian.Uint64(c[0:8]) << 8
		for j := 1; j < rateWords; j++ {
			a[4*j+i] = binary.LittleEndian.Uint64(c[8*j-1 : 8*j+7])
		}
	}
	h.st.Permute()
	for i, c := range [4]*[CellSize]byte{c0, c1, c2, c3} {
		for j := rateWords; j < 32; j++ {
			a[4*(j-rateWords)+i] ^= binary.LittleEndian.Uint64(c[8*j-1 : 8*j+7])
		}
		a[4*15+i] ^= uint64(c[CellSize-1]) | 0x01<<8
		a[4*16+i] ^= padEnd
	}
	h.st.Permute()
	h.squeeze(out)
}

// nodes4 hashes the four pairs (in[2i], in[2i+1]) into out[i]. out may be
// in[:4]: every input is read before any output is written.
func (h *hasherX4) nodes4(out []Hash, in []Hash) {
	a := h.a[:100]
	clear(a[4*9:]) // only words 0 to 8 and the padding are set below
	for i := range 4 {
		l, r := &in[2*i], &in[2*i+1]
		a[i] = binary.LittleEndian.Uint64(l[0:8])<<8 | 0x01
		for j := 1; j < 4; j++ {
			a[4*j+i] = binary.LittleEndian.Uint64(l[8*j-1 : 8*j+7])
		}
		a[4*4+i] = uint64(l[31]) | binary.LittleEndian.Uint64(r[0:8])<<8
		for j := 5; j < 8; j++ {
			a[4*j+i] = binary.LittleEndian.Uint64(r[8*(j-4)-1 : 8*(j-4)+7])
		}
		a[4*8+i] = uint64(r[31]) | 0x01<<8
		a[4*16+i] = padEnd
	}
	h.st.Permute()
	h.squeeze(out)
}

func (h *hasherX4) squeeze(out []Hash) {
	a := h.a[:100]
	for i := range out[:4] {
		for j := range 4 {
			binary.LittleEndian.PutUint64(out[i][8*j:], a[4*j+i])
		}
	}
}

// levelHasher hashes whole tree levels, four hashes at a time where the CPU
// allows and one at a time elsewhere; both give the same bytes.
type levelHasher struct {
	one  *hasher
	four *hasherX4 // nil: single stream only
	tmp  [8]Hash
}

func newLevelHasher() *levelHasher {
	l := &levelHasher{one: newHasher()}
	if multiBuffer {
		l.four = newHasherX4()
	}
	return l
}

// leaves hashes the full cells of data (len(data) = len(out)·CellSize).
func (l *levelHasher) leaves(out []Hash, data []byte) {
	i := 0
	if l.four != nil {
		for ; i+4 <= len(out); i += 4 {
			c := data[i*CellSize : (i+4)*CellSize]
			l.four.leaves4(out[i:i+4], (*[CellSize]byte)(c[0:]), (*[CellSize]byte)(c[CellSize:]),
				(*[CellSize]byte)(c[2*CellSize:]), (*[CellSize]byte)(c[3*CellSize:]))
		}
		if len(out)-i > 1 {
			// Fill the spare lanes with the last cell and drop their hashes.
			var c [4]*[CellSize]byte
			for k := range c {
				j := min(i+k, len(out)-1)
				c[k] = (*[CellSize]byte)(data[j*CellSize:])
			}
			l.four.leaves4(l.tmp[:4], c[0], c[1], c[2], c[3])
			copy(out[i:], l.tmp[:len(out)-i])
			return
		}
	}
	for ; i < len(out); i++ {
		out[i] = l.one.leaf(data[i*CellSize : (i+1)*CellSize])
	}
}

// nodes hashes the pairs of in (of even length) into out[:len(in)/2]; out
// may alias in.
func (l *levelHasher) nodes(out []Hash, in []Hash) {
	n := len(in) / 2
	i := 0
	if l.four != nil {
		for ; i+4 <= n; i += 4 {
			l.four.nodes4(out[i:i+4], in[2*i:2*i+8])
		}
		if n-i > 1 {
			k := copy(l.tmp[:], in[2*i:])
			for ; k < 8; k++ {
				l.tmp[k] = l.tmp[k-2] // spare lanes repeat the last pair
			}
			l.four.nodes4(l.tmp[:4], l.tmp[:8])
			copy(out[i:n], l.tmp[:4])
			return
		}
	}
	for ; i < n; i++ {
		out[i] = l.one.node(in[2*i], in[2*i+1])
	}
}
