package queue

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/slotd/slotd/persist"
)

// The property test drives random pushes, removes, takes, releases,
// Notify and restarts (close and reopen the bbolt store) against a simple
// model, a plain slice sorted with Before, and after every step checks the
// order, the bound and what the store holds.

// source of choices: random for the property test, fuzz bytes for the
// fuzz target.
type source interface {
	intn(n int) int
	more() bool
}

type randSource struct {
	r    *rand.Rand
	left int
}

func (s *randSource) intn(n int) int { return s.r.IntN(n) }
func (s *randSource) more() bool     { s.left--; return s.left >= 0 }

type byteSource struct{ b []byte }

func (s *byteSource) intn(n int) int {
	if len(s.b) == 0 {
		return 0
	}
	v := int(s.b[0])
	s.b = s.b[1:]
	return v % n
}
func (s *byteSource) more() bool { return len(s.b) > 0 }

type mQueued struct {
	it   Item
	seen bool
}

type mFlight struct {
	it      Item
	removed bool
}

type model struct {
	max    int
	seq    uint64
	queued []mQueued
	flight map[persist.ID]*mFlight
}

func (m *model) sort() {
	slices.SortFunc(m.queued, func(a, b mQueued) int { return cmpEntries(newEntry(a.it), newEntry(b.it)) })
}

func (m *model) find(slot persist.ID) int {
	return slices.IndexFunc(m.queued, func(x mQueued) bool { return x.it.SlotID == slot })
}

// evict drops the worst while over the bound and reports whether it is
// the given slot.
func (m *model) evict(slot persist.ID) (dropped bool) {
	m.sort()
	for len(m.queued) > m.max {
		if m.queued[len(m.queued)-1].it.SlotID == slot {
			dropped = true
		}
		m.queued = m.queued[:len(m.queued)-1]
	}
	return dropped
}

func (m *model) push(it Item) bool {
	if i := m.find(it.SlotID); i >= 0 {
		m.queued[i].seen = false
		return false
	}
	if m.flight[it.SlotID] != nil {
		return false
	}
	m.seq++
	it.Seq = m.seq
	m.queued = append(m.queued, mQueued{it: it})
	return !m.evict(it.SlotID)
}

func (m *model) remove(slot persist.ID) bool {
	if i := m.find(slot); i >= 0 {
		m.queued = slices.Delete(m.queued, i, i+1)
		return true
	}
	if f := m.flight[slot]; f != nil && !f.removed {
		f.removed = true
		return true
	}
	return false
}

func (m *model) take(fits func(Item) bool) (Item, bool) {
	m.sort()
	for i, x := range m.queued {
		if !x.seen && (fits == nil || fits(x.it)) {
			m.queued = slices.Delete(m.queued, i, i+1)
			m.flight[x.it.SlotID] = &mFlight{it: x.it}
			return x.it, true
		}
	}
	return Item{}, false
}

func (m *model) release(slot persist.ID, o outcome) {
	f := m.flight[slot]
	delete(m.flight, slot)
	if f.removed || o == done || o == failed {
		return
	}
	m.queued = append(m.queued, mQueued{it: f.it, seen: o == retry})
	m.evict(slot)
}

func (m *model) restart() {
	for _, f := range m.flight {
		if !f.removed {
			m.queued = append(m.queued, mQueued{it: f.it})
		}
	}
	clear(m.flight)
	for i := range m.queued {
		m.queued[i].seen = false
	}
	m.evict(persist.ID{})
}

// propFits are the fits functions a take picks from.
var propFits = []func(Item) bool{
	nil,
	func(it Item) bool { return it.SlotSize <= 2 },
	func(it Item) bool { return it.PricePerBytePerSecond.Int64()%2 == 0 },
	func(Item) bool { return false },
}

func runModel(t *testing.T, src source) {
	path := filepath.Join(t.TempDir(), "slotd.db")
	s := openStore(t, path)
	defer func() { s.Close() }()
	max := 1 + src.intn(8)
	q := openQueue(t, s, testOpts(max, 1))
	m := &model{max: max, flight: map[persist.ID]*mFlight{}}

	// A pool of 5 requests × 5 slots with few distinct terms, so that
	// payouts tie and every tie-break matters.
	var pool []Item
	for r := range 5 {
		size, dur := uint64(1+src.intn(3)), uint64(1+src.intn(2))
		price, coll, exp := int64(src.intn(4)), int64(src.intn(3)), uint64(src.intn(3))
		for i := range 5 {
			pool = append(pool, mk(byte(r), uint64(i), size, dur, price, coll, exp))
		}
	}
	pick := func() Item { return pool[src.intn(len(pool))] }
	flying := func() (persist.ID, bool) {
		if len(m.flight) == 0 {
			return persist.ID{}, false
		}
		ids := make([]persist.ID, 0, len(m.flight))
		for id := range m.flight {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b persist.ID) int { return slices.Compare(a[:], b[:]) })
		return ids[src.intn(len(ids))], true
	}

	for step := 0; src.more(); step++ {
		var did string
		switch op := src.intn(10); op {
		case 0, 1, 2: // push 1–3 items in one transaction
			items := make([]Item, 1+src.intn(3))
			want := 0
			for i := range items {
				items[i] = pick()
				if m.push(items[i]) {
					want++
				}
			}
			n, err := q.Push(bg, items...)
			if err != nil || n != want {
				t.Fatalf("step %d push: added %d %v, model %d", step, n, err, want)
			}
			did = fmt.Sprintf("push %d → %d", len(items), n)
		case 3: // SlotFilled
			it := pick()
			want := m.remove(it.SlotID)
			got, err := q.Remove(bg, it.SlotID)
			if err != nil || got != want {
				t.Fatalf("step %d remove: %v %v, want %v", step, got, err, want)
			}
			did = "remove"
		case 4: // request ended
			r := pool[src.intn(len(pool))].RequestID
			want := 0
			for _, it := range pool {
				if it.RequestID == r && m.remove(it.SlotID) {
					want++
				}
			}
			got, err := q.RemoveRequest(bg, r)
			if err != nil || got != want {
				t.Fatalf("step %d remove request: %d %v, want %d", step, got, err, want)
			}
			did = "remove request"
		case 5, 6: // a worker takes the best slot that fits
			fits := propFits[src.intn(len(propFits))]
			want, wok := m.take(fits)
			got, ok := q.Take(fits)
			if ok != wok || got.SlotID != want.SlotID || got.Seq != want.Seq {
				t.Fatalf("step %d take: got %v %v seq %d, want %v %v seq %d", step, got.SlotID, ok, got.Seq, want.SlotID, wok, want.Seq)
			}
			did = "take"
		case 7: // a worker releases its slot
			slot, ok := flying()
			if !ok {
				continue
			}
			o := outcome(src.intn(3)) // done, failed, retry
			m.release(slot, o)
			var err error
			switch o {
			case failed:
				err = errors.New("failed")
			case retry:
				err = ErrRetry
			}
			if err := q.Release(bg, slot, err); err != nil {
				t.Fatalf("step %d release: %v", step, err)
			}
			did = fmt.Sprintf("release %d", o)
		case 8:
			q.Notify()
			for i := range m.queued {
				m.queued[i].seen = false
			}
			did = "notify"
		case 9: // the node restarts (workers gone, store reopened)
			s.Close()
			s = openStore(t, path)
			q = openQueue(t, s, testOpts(max, 1))
			m.restart()
			did = "restart"
		}
		checkModel(t, step, did, q, s, m)
	}
}

func checkModel(t *testing.T, step int, did string, q *Queue, s *persist.Store, m *model) {
	t.Helper()
	m.sort()
	got := q.Items()
	if len(got) > m.max {
		t.Fatalf("step %d (%s): %d items over the bound %d", step, did, len(got), m.max)
	}
	if len(got) != len(m.queued) {
		t.Fatalf("step %d (%s): %d queued, model %d", step, did, len(got), len(m.queued))
	}
	for i := range got {
		if w := m.queued[i].it; got[i].SlotID != w.SlotID || got[i].Seq != w.Seq {
			t.Fatalf("step %d (%s): item %d is %v seq %d, model %v seq %d", step, did, i, got[i].SlotID, got[i].Seq, w.SlotID, w.Seq)
		}
	}
	if st := q.Stats(); st.InFlight != len(m.flight) {
		t.Fatalf("step %d (%s): %d in flight, model %d", step, did, st.InFlight, len(m.flight))
	}
	// The store holds the queued slots and those in flight, with the
	// same insertion numbers.
	want := map[persist.ID]uint64{}
	for _, x := range m.queued {
		want[x.it.SlotID] = x.it.Seq
	}
	for id, f := range m.flight {
		if !f.removed {
			want[id] = f.it.Seq
		}
	}
	disk := stored(t, s)
	if len(disk) != len(want) {
		t.Fatalf("step %d (%s): store holds %d, want %d", step, did, len(disk), len(want))
	}
	for id, seq := range want {
		if d, ok := disk[id]; !ok || d.Seq != seq {
			t.Fatalf("step %d (%s): slot %v not stored with seq %d", step, did, id, seq)
		}
	}
}

func TestProperty(t *testing.T) {
	seeds, steps := 40, 300
	if testing.Short() {
		seeds, steps = 8, 200
	}
	base := uint64(time.Now().UnixNano())
	if v := os.Getenv("QUEUE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		base, seeds = n, 1
	}
	for i := range seeds {
		seed := base + uint64(i)
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Logf("seed %d (rerun: QUEUE_SEED=%d go test -run TestProperty ./queue)", seed, seed)
			runModel(t, &randSource{r: rand.New(rand.NewPCG(seed, seed)), left: steps})
		})
	}
}

func FuzzQueue(f *testing.F) {
	f.Add([]byte{3, 0, 1, 2, 0, 5, 5, 5, 7, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0})
	f.Add([]byte{1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 5, 7, 8, 9, 5, 6, 7, 4, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 2000 {
			data = data[:2000]
		}
		runModel(t, &byteSource{b: data})
	})
}
