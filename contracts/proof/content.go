package proof

import "fmt"

// ContentRoot is the root over a dataset's slot roots, padded with zero hashes
// to a power of two; it is the request's content.merkleRoot.
func ContentRoot(slotRoots []Hash) Hash {
	level := slotRoots
	h := newLevelHasher()
	for len(level) > 1 {
		level = parents(h, level, Hash{})
	}
	if len(level) == 0 {
		return Hash{}
	}
	return level[0]
}

// ContentPath is the path fillSlot checks: slot root `index` up to ContentRoot.
func ContentPath(slotRoots []Hash, index uint64) ([]Hash, error) {
	if index >= uint64(len(slotRoots)) {
		return nil, fmt.Errorf("slot %d of %d: %w", index, len(slotRoots), ErrTree)
	}
	var path []Hash
	level := slotRoots
	h := newLevelHasher()
	for len(level) > 1 {
		var sib Hash
		if s := index ^ 1; s < uint64(len(level)) {
			sib = level[s]
		}
		path = append(path, sib)
		level = parents(h, level, Hash{})
		index /= 2
	}
	return path, nil
}

// FoldPath hashes leaf up a Merkle path, taking the side at each level from the
// bits of index; the result is the root the path claims.
func FoldPath(leaf Hash, index uint64, path []Hash) Hash {
	h := newHasher()
	for _, sib := range path {
		if index&1 == 0 {
			leaf = h.node(leaf, sib)
		} else {
			leaf = h.node(sib, leaf)
		}
		index >>= 1
	}
	return leaf
}
