package persist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt trusts its file: a truncated file makes it touch memory past the
// end of the mapping (SIGBUS, which Go cannot recover from) and garbage
// pages make it panic, sometimes on goroutines of its own such as the one
// running Tx.Check. So before bbolt sees a file, and before its Check runs,
// we read the same structures with bounds-checked ReadAt calls. The layout
// below is bbolt's on-disk format (native byte order, which is little
// endian on every platform slotd ships for).
//
// Why a copy and not bbolt's API: everything bbolt exports to read pages
// (Tx.Check, Tx.Page, DB.Stats, Bucket.Stats) needs an open DB, and
// opening is what faults or panics on a bad file; bbolt keeps its page
// decoding in go.etcd.io/bbolt/internal, which cannot be imported. This
// file and prefetch_linux.go therefore read the format of one bbolt
// version, bboltFormatVersion. TestFileFormatMatchesBbolt fails when the
// bbolt in go.mod is another version (re-check the layout against its
// internal/common and update the constant) or when a file bbolt writes
// reads differently here than through bbolt's Tx.Page.

// bboltFormatVersion is the bbolt release whose on-disk format this file
// reads; see above.
const bboltFormatVersion = "v1.4.3"

const (
	pageHeaderSize   = 16 // id u64, flags u16, count u16, overflow u32
	elementSize      = 16 // branch: pos,ksize u32, pgid u64; leaf: flags,pos,ksize,vsize u32
	metaSize         = 64 // magic,version,pageSize,flags u32; root,seq,freelist,pgid,txid,checksum u64
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	flagBranch       = 0x01
	flagLeaf         = 0x02
	flagMeta         = 0x04
	flagFreelist     = 0x10
	leafBucketFlag   = 0x01
	noFreelist       = ^uint64(0)
	maxCheckErrors   = 20
	maxTreeDepth     = 64
	defaultPageGuess = 4096
)

var le = binary.LittleEndian

// fileMeta is one valid meta page.
type fileMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	hwm      uint64 // high-water mark: first page id past the data
	txid     uint64
}

// parseMeta decodes and validates a meta page image (header included).
func parseMeta(p []byte) (fileMeta, error) {
	if len(p) < pageHeaderSize+metaSize {
		return fileMeta{}, errors.New("short meta page")
	}
	if flags := le.Uint16(p[8:]); flags != flagMeta {
		return fileMeta{}, fmt.Errorf("meta page has flags 0x%x", flags)
	}
	m := p[pageHeaderSize : pageHeaderSize+metaSize]
	if le.Uint32(m[0:]) != boltMagic {
		return fileMeta{}, errors.New("bad magic: not a bbolt file")
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return fileMeta{}, fmt.Errorf("bbolt file format %d, want %d", v, boltVersion)
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != le.Uint64(m[56:]) {
		return fileMeta{}, errors.New("meta checksum mismatch")
	}
	fm := fileMeta{
		pageSize: le.Uint32(m[8:]),
		root:     le.Uint64(m[16:]),
		freelist: le.Uint64(m[32:]),
		hwm:      le.Uint64(m[40:]),
		txid:     le.Uint64(m[48:]),
	}
	if ps := fm.pageSize; ps < 512 || ps > 1<<20 || ps&(ps-1) != 0 {
		return fileMeta{}, fmt.Errorf("implausible page size %d", ps)
	}
	return fm, nil
}

// readFileMeta picks the meta page bbolt would use (the valid one with the
// higher txid) and checks that the file is long enough to hold every page
// it references. That last check is what catches a truncated copy.
func readFileMeta(f io.ReaderAt, size int64) (fileMeta, error) {
	buf := make([]byte, pageHeaderSize+metaSize)
	readAt := func(off int64) (fileMeta, error) {
		if off+int64(len(buf)) > size {
			return fileMeta{}, fmt.Errorf("file is %d bytes, too short for a meta page at %d", size, off)
		}
		if _, err := f.ReadAt(buf, off); err != nil {
			return fileMeta{}, err
		}
		return parseMeta(buf)
	}
	m0, err0 := readAt(0)
	off1 := int64(defaultPageGuess)
	if err0 == nil {
		off1 = int64(m0.pageSize)
	}
	m1, err1 := readAt(off1)
	if err1 == nil && err0 == nil && m1.pageSize != m0.pageSize {
		err1 = fmt.Errorf("page size %d differs from meta 0's %d", m1.pageSize, m0.pageSize)
	}
	var m fileMeta
	switch {
	case err0 != nil && err1 != nil:
		return fileMeta{}, fmt.Errorf("both meta pages are invalid (%v; %v)", err0, err1)
	case err0 != nil:
		m = m1
	case err1 != nil:
		m = m0
	case m1.txid > m0.txid:
		m = m1
	default:
		m = m0
	}
	if need := int64(m.hwm) * int64(m.pageSize); m.hwm < 2 || need > size || need < 0 {
		return fileMeta{}, fmt.Errorf("truncated: file is %d bytes but its pages reach %d bytes", size, need)
	}
	if m.root < 2 || m.root >= m.hwm {
		return fileMeta{}, fmt.Errorf("root page %d outside [2,%d)", m.root, m.hwm)
	}
	if m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.hwm) {
		return fileMeta{}, fmt.Errorf("freelist page %d outside [2,%d)", m.freelist, m.hwm)
	}
	return m, nil
}

// precheckFile validates, through f (locked by the caller), the meta
// pages and the freelist of an existing store file: everything bbolt reads
// while opening it, after mapping it and before any transaction could
// recover from a panic. It returns an ErrCorrupt-wrapped error naming the
// file.
func precheckFile(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return fmt.Errorf("%s: %w: the file is empty (truncated?); move it away to start a new store", path, ErrCorrupt)
	}
	m, err := readFileMeta(f, fi.Size())
	if err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrCorrupt, err)
	}
	w := &pageWalker{f: f, m: m, seen: make(map[uint64]bool)}
	w.freelist()
	if len(w.errs) > 0 {
		return fmt.Errorf("%s: %w: %v", path, ErrCorrupt, w.errs[0])
	}
	return nil
}

// pageWalker walks the B-trees of a file through ReadAt, checking every
// offset before using it, so that bbolt's own Check (which trusts the
// structure) only ever runs on a file whose structure is sound.
type pageWalker struct {
	f    io.ReaderAt
	m    fileMeta
	seen map[uint64]bool
	errs []error
}

func (w *pageWalker) fail(format string, args ...any) {
	if len(w.errs) < maxCheckErrors {
		w.errs = append(w.errs, fmt.Errorf(format, args...))
	}
}

// walkFile checks the page structure of f; it returns the problems found.
func walkFile(f io.ReaderAt, size int64) []error {
	m, err := readFileMeta(f, size)
	if err != nil {
		return []error{err}
	}
	w := &pageWalker{f: f, m: m, seen: make(map[uint64]bool)}
	w.freelist()
	w.tree(m.root, 0)
	return w.errs
}

// readPage reads page id with its overflow pages.
func (w *pageWalker) readPage(id uint64) ([]byte, bool) {
	ps := uint64(w.m.pageSize)
	if id < 2 || id >= w.m.hwm {
		w.fail("page %d: outside [2,%d)", id, w.m.hwm)
		return nil, false
	}
	hdr := make([]byte, pageHeaderSize)
	if _, err := w.f.ReadAt(hdr, int64(id*ps)); err != nil {
		w.fail("page %d: read: %v", id, err)
		return nil, false
	}
	if got := le.Uint64(hdr); got != id {
		w.fail("page %d: identifies itself as page %d", id, got)
		return nil, false
	}
	overflow := uint64(le.Uint32(hdr[12:]))
	if id+overflow >= w.m.hwm {
		w.fail("page %d: %d overflow pages run past the end (%d)", id, overflow, w.m.hwm)
		return nil, false
	}
	buf := make([]byte, (overflow+1)*ps)
	if _, err := w.f.ReadAt(buf, int64(id*ps)); err != nil {
		w.fail("page %d: read: %v", id, err)
		return nil, false
	}
	for i := id; i <= id+overflow; i++ {
		if w.seen[i] {
			w.fail("page %d: referenced twice", i)
			return nil, false
		}
		w.seen[i] = true
	}
	return buf, true
}

func (w *pageWalker) freelist() {
	if w.m.freelist == noFreelist {
		return
	}
	p, ok := w.readPage(w.m.freelist)
	if !ok {
		return
	}
	if flags := le.Uint16(p[8:]); flags != flagFreelist {
		w.fail("freelist page %d: flags 0x%x", w.m.freelist, flags)
		return
	}
	start, count := uint64(pageHeaderSize), uint64(le.Uint16(p[10:]))
	if count == 0xFFFF {
		if len(p) < pageHeaderSize+8 {
			w.fail("freelist page %d: too short", w.m.freelist)
			return
		}
		count = le.Uint64(p[pageHeaderSize:])
		start += 8
	}
	if count > (uint64(len(p))-start)/8 {
		w.fail("freelist page %d: %d ids do not fit in %d bytes", w.m.freelist, count, len(p))
		return
	}
	for i := uint64(0); i < count; i++ {
		if id := le.Uint64(p[start+8*i:]); id < 2 || id >= w.m.hwm {
			w.fail("freelist page %d: free page id %d outside [2,%d)", w.m.freelist, id, w.m.hwm)
			return
		}
	}
}

func (w *pageWalker) tree(id uint64, depth int) {
	if depth > maxTreeDepth {
		w.fail("page %d: tree deeper than %d", id, maxTreeDepth)
		return
	}
	p, ok := w.readPage(id)
	if !ok {
		return
	}
	w.nodes(p, id, depth)
}

// nodes checks the elements of one branch or leaf page image (a file page
// or the inline page inside a bucket value).
func (w *pageWalker) nodes(p []byte, id uint64, depth int) {
	if len(w.errs) >= maxCheckErrors {
		return
	}
	if len(p) < pageHeaderSize {
		w.fail("page %d: %d bytes, shorter than a header", id, len(p))
		return
	}
	flags, count := le.Uint16(p[8:]), int(le.Uint16(p[10:]))
	if pageHeaderSize+count*elementSize > len(p) {
		w.fail("page %d: %d elements do not fit in %d bytes", id, count, len(p))
		return
	}
	for i := 0; i < count; i++ {
		e := pageHeaderSize + i*elementSize
		switch flags {
		case flagBranch:
			pos, ksize := int(le.Uint32(p[e:])), int(le.Uint32(p[e+4:]))
			if e+pos+ksize > len(p) || e+pos+ksize < e {
				w.fail("page %d: branch element %d key runs past the page", id, i)
				return
			}
			w.tree(le.Uint64(p[e+8:]), depth+1)
		case flagLeaf:
			eflags, pos := le.Uint32(p[e:]), int(le.Uint32(p[e+4:]))
			ksize, vsize := int(le.Uint32(p[e+8:])), int(le.Uint32(p[e+12:]))
			end := e + pos + ksize + vsize
			if end > len(p) || end < e {
				w.fail("page %d: leaf element %d runs past the page", id, i)
				return
			}
			if eflags&leafBucketFlag == 0 {
				continue
			}
			v := p[e+pos+ksize : end]
			if len(v) < 16 {
				w.fail("page %d: bucket header of element %d is %d bytes", id, i, len(v))
				return
			}
			if root := le.Uint64(v); root != 0 {
				w.tree(root, depth+1)
			} else {
				w.nodes(v[16:], id, depth+1) // inline bucket
			}
		default:
			w.fail("page %d: unexpected page flags 0x%x", id, flags)
			return
		}
	}
}
