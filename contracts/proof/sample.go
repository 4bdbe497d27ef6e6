package proof

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/ethereum/go-ethereum/crypto"
)

// SampleIndex is the cell the k-th sample of a proof must open:
// uint256(keccak256(abi.encode(challenge, slotId, k))) mod cells.
func SampleIndex(challenge, slotID Hash, k uint64, cells uint64) uint64 {
	var enc [96]byte
	copy(enc[:32], challenge[:])
	copy(enc[32:64], slotID[:])
	binary.BigEndian.PutUint64(enc[88:], k)
	v := new(big.Int).SetBytes(crypto.Keccak256(enc[:]))
	return v.Mod(v, new(big.Int).SetUint64(cells)).Uint64()
}

// Proof answers one challenge; its layout is the contract's Proof struct.
type Proof struct {
	Cells []byte // samples × CellSize bytes, sample after sample
	Path  []Hash // samples × depth siblings, leaf level first, sample after sample
}

// ErrInvalidProof reports a proof that does not open the sampled cells.
var ErrInvalidProof = errors.New("invalid proof")

// Prove answers challenge for slotID with samples cells read from data.
func Prove(t *SlotTree, data io.ReaderAt, challenge, slotID Hash, samples int) (Proof, error) {
	p := Proof{Cells: make([]byte, 0, samples*CellSize), Path: make([]Hash, 0, samples*t.depth)}
	for k := range samples {
		j := SampleIndex(challenge, slotID, uint64(k), t.cells)
		cell, path, err := t.CellPath(data, j)
		if err != nil {
			return Proof{}, fmt.Errorf("sample %d (cell %d): %w", k, j, err)
		}
		p.Cells = append(p.Cells, cell...)
		p.Path = append(p.Path, path...)
	}
	return p, nil
}

// Verify checks p the way the contract's submitProof does.
func Verify(root Hash, cells uint64, challenge, slotID Hash, samples int, p Proof) error {
	if cells == 0 {
		return fmt.Errorf("%w: slot has no cells", ErrInvalidProof)
	}
	depth := depthFor(cells)
	if len(p.Cells) != samples*CellSize || len(p.Path) != samples*depth {
		return fmt.Errorf("%w: want %d cells and %d path nodes, got %d bytes and %d nodes",
			ErrInvalidProof, samples, samples*depth, len(p.Cells), len(p.Path))
	}
	h := newHasher()
	for k := range samples {
		j := SampleIndex(challenge, slotID, uint64(k), cells)
		leaf := h.leaf(p.Cells[k*CellSize : (k+1)*CellSize])
		if FoldPath(leaf, j, p.Path[k*depth:(k+1)*depth]) != root {
			return fmt.Errorf("%w: sample %d (cell %d) does not reach the slot root", ErrInvalidProof, k, j)
		}
	}
	return nil
}
