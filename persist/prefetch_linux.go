package persist

import (
	"os"
	"sort"
	"syscall"
)

// prefetch asks the kernel to start reading, asynchronously, every page of
// the buckets a node loads at start (POSIX_FADV_WILLNEED per run of
// pages). bbolt maps the file with MADV_RANDOM, so a cold start would
// otherwise fault those pages in one at a time, each waiting for the disk;
// this way the reads are queued together and mostly done by the time the
// loader gets to them. The journal, the biggest bucket, is left alone.
//
// Only branch pages are read here (a few dozen): B+tree leaves all sit at
// the same depth, so one peek at the first child of a level tells whether
// the level is leaves, which are then only advised, not read. Errors are
// ignored; this is advice. It runs before bbolt maps the file, so it reads
// pages through filecheck.go's copy of bbolt's format (see there why, and
// the test that pins it to bbolt's version).
func prefetch(f *os.File) {
	fi, err := f.Stat()
	if err != nil {
		return
	}
	m, err := readFileMeta(f, fi.Size())
	if err != nil {
		return
	}
	ps := uint64(m.pageSize)
	var pages []uint64 // every page to advise
	read := func(id uint64) ([]byte, bool) {
		if id < 2 || id >= m.hwm {
			return nil, false
		}
		hdr := make([]byte, pageHeaderSize)
		if _, err := f.ReadAt(hdr, int64(id*ps)); err != nil {
			return nil, false
		}
		n := uint64(le.Uint32(hdr[12:])) + 1
		if id+n > m.hwm {
			return nil, false
		}
		p := make([]byte, n*ps)
		if _, err := f.ReadAt(p, int64(id*ps)); err != nil {
			return nil, false
		}
		return p, true
	}
	// elements calls fn for each element of a branch or leaf page.
	elements := func(p []byte, fn func(e int)) uint16 {
		flags, count := le.Uint16(p[8:]), int(le.Uint16(p[10:]))
		if pageHeaderSize+count*elementSize > len(p) {
			return 0
		}
		for i := 0; i < count; i++ {
			fn(pageHeaderSize + i*elementSize)
		}
		return flags
	}
	// Find the roots of the wanted buckets in the root bucket's tree.
	want := map[string]bool{}
	for _, b := range startupBuckets {
		want[string(b)] = true
	}
	var roots []uint64
	var top func(id uint64, depth int)
	top = func(id uint64, depth int) {
		p, ok := read(id)
		if !ok || depth > maxTreeDepth {
			return
		}
		var children []uint64
		flags := elements(p, func(e int) {
			if le.Uint16(p[8:]) == flagBranch {
				children = append(children, le.Uint64(p[e+8:]))
				return
			}
			eflags, pos := le.Uint32(p[e:]), int(le.Uint32(p[e+4:]))
			ksize, vsize := int(le.Uint32(p[e+8:])), int(le.Uint32(p[e+12:]))
			if e+pos+ksize+vsize <= len(p) && eflags&leafBucketFlag != 0 && vsize >= 16 && want[string(p[e+pos:e+pos+ksize])] {
				if root := le.Uint64(p[e+pos+ksize:]); root != 0 {
					roots = append(roots, root)
				}
			}
		})
		if flags == flagBranch {
			for _, c := range children {
				top(c, depth+1)
			}
		}
	}
	top(m.root, 0)
	// Walk each bucket level by level.
	for _, root := range roots {
		level := []uint64{root}
		for depth := 0; len(level) > 0 && depth < maxTreeDepth; depth++ {
			pages = append(pages, level...)
			hdr := make([]byte, pageHeaderSize)
			if _, err := f.ReadAt(hdr, int64(level[0]*ps)); err != nil || le.Uint16(hdr[8:]) != flagBranch {
				break // a level of leaves: advised above, not read
			}
			advise(f, ps, level)
			var next []uint64
			for _, id := range level {
				if p, ok := read(id); ok && le.Uint16(p[8:]) == flagBranch {
					elements(p, func(e int) { next = append(next, le.Uint64(p[e+8:])) })
				}
			}
			level = next
		}
	}
	advise(f, ps, pages)
}

// advise issues POSIX_FADV_WILLNEED for the given pages, merging runs of
// nearby pages into one request.
func advise(f *os.File, ps uint64, pages []uint64) {
	pages = append([]uint64(nil), pages...)
	sort.Slice(pages, func(i, j int) bool { return pages[i] < pages[j] })
	const fadvWillNeed = 3
	for i := 0; i < len(pages); {
		start, end := pages[i], pages[i]+1
		for i++; i < len(pages) && pages[i] <= end+4; i++ {
			end = pages[i] + 1
		}
		syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), uintptr(start*ps), uintptr((end-start)*ps), fadvWillNeed, 0, 0)
	}
}
