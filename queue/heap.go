package queue

// The queue keeps its entries in two binary heaps over the same entries:
// one with the best item on top (what workers take) and one with the worst
// on top (what a push into a full queue evicts). Each entry knows its index
// in both, so removing any entry (a filled slot, an ended request) is
// O(log n) in both, and so are push, take and evict.

type ixheap struct {
	s     []*entry
	worst bool // the worst entry on top instead of the best
}

func (h *ixheap) len() int { return len(h.s) }

func (h *ixheap) top() *entry {
	if len(h.s) == 0 {
		return nil
	}
	return h.s[0]
}

func (h *ixheap) setIdx(e *entry, i int) {
	if h.worst {
		e.wi = i
	} else {
		e.bi = i
	}
}

func (h *ixheap) idx(e *entry) int {
	if h.worst {
		return e.wi
	}
	return e.bi
}

// less reports whether the entry at i belongs above the one at j.
func (h *ixheap) less(i, j int) bool {
	if h.worst {
		return better(h.s[j], h.s[i])
	}
	return better(h.s[i], h.s[j])
}

func (h *ixheap) swap(i, j int) {
	h.s[i], h.s[j] = h.s[j], h.s[i]
	h.setIdx(h.s[i], i)
	h.setIdx(h.s[j], j)
}

func (h *ixheap) push(e *entry) {
	h.setIdx(e, len(h.s))
	h.s = append(h.s, e)
	h.up(len(h.s) - 1)
}

func (h *ixheap) remove(e *entry) {
	i := h.idx(e)
	n := len(h.s) - 1
	if i != n {
		h.swap(i, n)
	}
	h.s[n] = nil
	h.s = h.s[:n]
	h.setIdx(e, -1)
	if i != n && !h.down(i) {
		h.up(i)
	}
}

func (h *ixheap) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

// down sifts the entry at i0 down and reports whether it moved.
func (h *ixheap) down(i0 int) bool {
	i, n := i0, len(h.s)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && h.less(r, l) {
			j = r
		}
		if !h.less(j, i) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

// scan walks a heap in order without changing it: a frontier of heap
// indices, itself kept as a small heap, from which the best is taken and
// replaced by its children. Visiting the k best entries costs O(k log k),
// so a worker that finds the top items unfit does not sort the queue. The
// walk is valid only while the heap is unchanged (see Queue.gen).
type scan struct {
	h  *ixheap
	fr []int
}

func (s *scan) reset(h *ixheap) {
	s.h, s.fr = h, s.fr[:0]
	if h.len() > 0 {
		s.fr = append(s.fr, 0)
	}
}

func (s *scan) next() *entry {
	if len(s.fr) == 0 {
		return nil
	}
	i := s.fr[0]
	n := len(s.fr) - 1
	s.fr[0] = s.fr[n]
	s.fr = s.fr[:n]
	s.down(0)
	for c := 2*i + 1; c <= 2*i+2 && c < s.h.len(); c++ {
		s.fr = append(s.fr, c)
		s.up(len(s.fr) - 1)
	}
	return s.h.s[i]
}

func (s *scan) less(a, b int) bool { return s.h.less(s.fr[a], s.fr[b]) }

// scan's sift loops are ixheap's over frontier indices, written out again
// on purpose: one generic pair through a less/swap interface put an
// indirect call in the queue's hottest loop, and BenchmarkQueuePushPop/each
// fell from a median 0.76 to 0.46 M ops/s (four interleaved runs).

func (s *scan) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !s.less(j, i) {
			break
		}
		s.fr[i], s.fr[j] = s.fr[j], s.fr[i]
		j = i
	}
}

func (s *scan) down(i int) {
	n := len(s.fr)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		j := l
		if r := l + 1; r < n && s.less(r, l) {
			j = r
		}
		if !s.less(j, i) {
			return
		}
		s.fr[i], s.fr[j] = s.fr[j], s.fr[i]
		i = j
	}
}
