package datastore

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// directAlign is the alignment O_DIRECT asks of file offsets, lengths and
// memory: 4 KiB covers every logical block size in use.
const directAlign = 4096

// slotWriter writes one slot file of an upload at known offsets. Where the
// file system allows it, whole aligned blocks go from the stripe buffers
// straight to the disk (O_DIRECT): no copy into the page cache, whose first
// touch of fresh memory costs more CPU than the copy itself on a VM, and no
// dirty pages for the kernel to flush at the fsync. The slot is read again
// only when a host fetches it, at network speed, so the cache buys nothing.
// A short tail, and everything on a file system that refuses O_DIRECT,
// goes through the page cache with writeback started at once.
//
// An import's writers call writeAt on one slotWriter concurrently, at
// different offsets.
type slotWriter struct {
	f      *os.File   // buffered; the descriptor that is fsynced
	direct directFile // the same file opened O_DIRECT; nil: buffered only
	// refused is set once the file system refuses a direct write. The
	// direct descriptor stays open until close: a writer may be in a
	// write on it.
	refused atomic.Bool
}

// directFile is the O_DIRECT descriptor of a slot file (an *os.File; a
// test may put one that refuses writes).
type directFile interface {
	io.WriterAt
	io.Closer
}

// directWrites lets tests take the buffered path on any file system.
var directWrites = true

func createSlot(path string) (*slotWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	w := &slotWriter{f: f}
	if directWrites {
		if d := openDirect(path); d != nil {
			w.direct = d
		}
	}
	return w, nil
}

// writeAt writes all of p at off.
func (w *slotWriter) writeAt(p []byte, off int64) error {
	if n := len(p) &^ (directAlign - 1); w.direct != nil && !w.refused.Load() && n > 0 && off%directAlign == 0 && isAligned(p) {
		_, err := w.direct.WriteAt(p[:n], off)
		switch {
		case err == nil:
			p, off = p[n:], off+int64(n)
		case errors.Is(err, syscall.EINVAL):
			// The file system took the open but refuses the writes
			// (some FUSE and network file systems): buffer from now on.
			w.refused.Store(true)
		default:
			return err
		}
	}
	if len(p) == 0 {
		return nil
	}
	if _, err := w.f.WriteAt(p, off); err != nil {
		return err
	}
	StartWriteback(w.f, off, int64(len(p)))
	return nil
}

// writevAt writes bufs one after another from off: in one O_DIRECT
// system call where each is whole aligned blocks, else one by one.
func (w *slotWriter) writevAt(bufs [][]byte, off int64) error {
	if d, ok := w.direct.(*os.File); ok && len(bufs) > 1 && !w.refused.Load() && off%directAlign == 0 && allBlocks(bufs) {
		err := pwritev(d, bufs, off)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINVAL):
			// As in writeAt; the writes below go through the page cache.
			w.refused.Store(true)
		default:
			return err
		}
	}
	for _, p := range bufs {
		if err := w.writeAt(p, off); err != nil {
			return err
		}
		off += int64(len(p))
	}
	return nil
}

// allBlocks reports whether every buffer is whole directAlign blocks at a
// directAlign address, as O_DIRECT asks.
func allBlocks(bufs [][]byte) bool {
	for _, p := range bufs {
		if len(p)%directAlign != 0 || !isAligned(p) {
			return false
		}
	}
	return true
}

// sync makes everything written durable: the direct writes are on the
// device already, but may sit in its volatile cache, and the file's size
// is metadata; fdatasync flushes both.
func (w *slotWriter) sync() error { return SyncData(w.f) }

func (w *slotWriter) close() {
	if w.direct != nil {
		w.direct.Close()
	}
	w.f.Close()
}

func isAligned(p []byte) bool {
	return uintptr(unsafe.Pointer(unsafe.SliceData(p)))%directAlign == 0
}

// alignedBytes returns n zero bytes starting at a directAlign boundary.
func alignedBytes(n uint64) []byte {
	raw := make([]byte, n+directAlign)
	skip := (directAlign - uintptr(unsafe.Pointer(unsafe.SliceData(raw)))%directAlign) % directAlign
	return raw[skip : uint64(skip)+n : uint64(skip)+n]
}
