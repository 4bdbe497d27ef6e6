package datastore

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/reedsolomon"
)

// ErrFileHash reports a rebuilt file whose SHA-256 is not the one recorded
// at upload.
var ErrFileHash = errors.New("rebuilt file does not match its recorded hash")

// DecodeOptions configure Decode.
type DecodeOptions struct {
	// Progress, when set, is called with the file bytes written so far.
	Progress func(done uint64)
}

// Decode writes dataset m's original file to w, rebuilt from any K of its
// slots, and checks it byte for byte: the file's size and SHA-256 come from
// the trailer inside the slots (checked against m first, before anything is
// written), and the bytes written must hash to it. On ErrFileHash w has
// received bad bytes: write to a temporary file and rename it on success.
func Decode(ctx context.Context, m *Manifest, src Sources, w io.Writer, opt DecodeOptions) error {
	lay, err := m.Layout()
	if err != nil {
		return fmt.Errorf("decode %s: %w", m.CID, err)
	}
	if len(src) != lay.Slots() {
		return fmt.Errorf("decode %s: %d sources for %d slots", m.CID, len(src), lay.Slots())
	}
	use, err := src.pick(lay.K, -1)
	if err != nil {
		return fmt.Errorf("decode %s: %w", m.CID, err)
	}
	t, err := readTrailer(lay, src, use)
	if err != nil {
		return fmt.Errorf("decode %s: %w", m.CID, err)
	}
	if err := m.CheckTrailer(t); err != nil {
		return fmt.Errorf("decode %s: %w", m.CID, err)
	}
	rs, err := reedsolomon.New(lay.K, lay.M)
	if err != nil {
		return fmt.Errorf("decode %s: reed-solomon: %w", m.CID, err)
	}
	needDecode := use[len(use)-1] >= lay.K // some data slot is missing
	sum := sha256.New()
	err = readStripes(ctx, lay, src, use, 0, lay.Stripes(), func(b *stripeBuf) error {
		if needDecode {
			if err := rs.ReconstructData(b.shards); err != nil {
				return fmt.Errorf("reconstruct stripe %d: %w", b.j, err)
			}
		}
		sj := lay.ShardSize(b.j)
		for d := range lay.K {
			off := lay.StreamOffset(b.j) + uint64(d)*sj
			if off >= lay.FileSize {
				break
			}
			part := b.shards[d][:min(sj, lay.FileSize-off)]
			sum.Write(part)
			if _, err := w.Write(part); err != nil {
				return fmt.Errorf("write file at byte %d: %w", off, err)
			}
		}
		if opt.Progress != nil {
			opt.Progress(min(lay.FileSize, lay.StreamOffset(b.j+1)))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("decode %s: %w", m.CID, err)
	}
	if got := sum.Sum(nil); [32]byte(got) != t.FileHash {
		return fmt.Errorf("decode %s: %w: sha256 %x, recorded %x", m.CID, ErrFileHash, got, t.FileHash)
	}
	return nil
}

// ReadTrailer rebuilds the dataset's trailer from the last cell of any K
// available slots.
func ReadTrailer(lay Layout, src Sources) (Trailer, error) {
	use, err := src.pick(lay.K, -1)
	if err != nil {
		return Trailer{}, err
	}
	return readTrailer(lay, src, use)
}

func readTrailer(lay Layout, src Sources, use []int) (Trailer, error) {
	mem := make([]byte, lay.Slots()*TrailerSize)
	shards := make([][]byte, lay.Slots())
	for i := range shards {
		shards[i] = mem[i*TrailerSize : i*TrailerSize : (i+1)*TrailerSize]
	}
	off := int64(lay.SlotSize - TrailerSize)
	for _, i := range use {
		shards[i] = shards[i][:TrailerSize]
		if err := readFullAt(src[i], shards[i], off); err != nil {
			return Trailer{}, fmt.Errorf("read trailer cell of slot %d: %w", i, err)
		}
	}
	if use[len(use)-1] >= lay.K {
		rs, err := reedsolomon.New(lay.K, lay.M)
		if err != nil {
			return Trailer{}, fmt.Errorf("reed-solomon: %w", err)
		}
		if err := rs.ReconstructData(shards); err != nil {
			return Trailer{}, fmt.Errorf("reconstruct trailer: %w", err)
		}
	}
	return ParseTrailer(shards[lay.K-1])
}

// RebuildOptions configure Rebuild.
type RebuildOptions struct {
	FromStripe int // resume: stripes before this are already rebuilt
}

// Rebuild recomputes slot target of a dataset from K other slots, stripe by
// stripe from opt.FromStripe, and hands each rebuilt shard to fn in order
// (fn must copy it if it keeps it). The caller hashes what it receives and
// compares the slot root with the manifest's: a Reed-Solomon decode of
// verified shards is only as good as the parameters, which the root checks.
func Rebuild(ctx context.Context, lay Layout, src Sources, target int, opt RebuildOptions, fn func(stripe int, shard []byte) error) error {
	if err := lay.Check(); err != nil {
		return err
	}
	if target < 0 || target >= lay.Slots() || len(src) != lay.Slots() {
		return fmt.Errorf("rebuild slot %d of %d with %d sources: bad arguments", target, lay.Slots(), len(src))
	}
	use, err := src.pick(lay.K, target)
	if err != nil {
		return fmt.Errorf("rebuild slot %d: %w", target, err)
	}
	rs, err := reedsolomon.New(lay.K, lay.M)
	if err != nil {
		return fmt.Errorf("rebuild slot %d: reed-solomon: %w", target, err)
	}
	required := make([]bool, lay.Slots())
	required[target] = true
	return readStripes(ctx, lay, src, use, opt.FromStripe, lay.Stripes(), func(b *stripeBuf) error {
		if err := rs.ReconstructSome(b.shards, required); err != nil {
			return fmt.Errorf("rebuild slot %d, stripe %d: %w", target, b.j, err)
		}
		return fn(b.j, b.shards[target])
	})
}
