package transfer

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/datastore"
)

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, ^seed))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for k := range 8 {
			b[i+k] = byte(v >> (8 * k))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

func openStore(t testing.TB) *datastore.Store {
	t.Helper()
	s, err := datastore.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// upload stores data as a dataset in a fresh store.
func upload(t testing.TB, data []byte, n, m int, stripe uint64) (*datastore.Store, *datastore.Manifest) {
	t.Helper()
	s := openStore(t)
	man, err := s.Import(context.Background(), bytes.NewReader(data), uint64(len(data)),
		datastore.ImportOptions{Slots: n, MaxSlotLoss: m, Stripe: stripe})
	if err != nil {
		t.Fatal(err)
	}
	return s, man
}

// provider is a test server around Handler that counts what it serves and
// can misbehave.
type provider struct {
	*httptest.Server
	slotBytes atomic.Int64 // slot data bytes written to clients
	// stallAfter, when positive, holds every slot data request for a range
	// starting at or past that offset until the client gives up; ranges
	// before it are always served, retries included, so a download always
	// gets that far however its requests are scheduled.
	stallAfter atomic.Int64
	// epoch counts slot data bytes served on the connections accepted
	// since the last newEpoch, however late they are written.
	epoch atomic.Pointer[atomic.Int64]

	mu       sync.Mutex
	ranges   []string // Range headers of slot data requests, in order
	corrupt  map[int]int64
	hide     map[int]bool
	failNext int
	delay    time.Duration
}

func newProvider(t testing.TB, s *datastore.Store) *provider {
	p := &provider{corrupt: map[int]int64{}, hide: map[int]bool{}}
	p.newEpoch()
	h := Handler(s)
	p.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The epoch of the connection's accept, not of the handler's start:
		// a request a cancelled client sent may reach its handler after the
		// next newEpoch, and its writes into the dead connection's buffer
		// still report bytes written.
		epoch, _ := r.Context().Value(epochKey{}).(*atomic.Int64)
		if epoch == nil {
			epoch = p.epoch.Load()
		}
		idx, isData, isSlot := slotOf(r.URL.Path)
		p.mu.Lock()
		fail := p.failNext > 0 && isSlot
		if fail {
			p.failNext--
		}
		hidden := isSlot && p.hide[idx]
		corruptAt, corrupt := p.corrupt[idx]
		delay := p.delay
		if isData {
			p.ranges = append(p.ranges, r.Header.Get("Range"))
		}
		p.mu.Unlock()
		switch {
		case fail:
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		case hidden:
			http.NotFound(w, r)
			return
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		if sa := p.stallAfter.Load(); isData && sa > 0 && rangeStart(r.Header.Get("Range")) >= sa {
			<-r.Context().Done()
			return
		}
		cw := &countingWriter{ResponseWriter: w}
		if isData {
			cw.n = &p.slotBytes
			cw.epoch = epoch
			if corrupt {
				// A negative offset flips byte -off of every response.
				cw.flipAt = corruptAt - rangeStart(r.Header.Get("Range"))
				if corruptAt < 0 {
					cw.flipAt = -corruptAt
				}
				cw.flip = true
			}
		}
		h.ServeHTTP(cw, r)
	}))
	p.Server.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, epochKey{}, p.epoch.Load())
	}
	p.Server.Start()
	t.Cleanup(p.Close)
	return p
}

// epochKey holds, in a connection's context, the epoch it was accepted in.
type epochKey struct{}

func (p *provider) setCorrupt(slot int, off int64) {
	p.mu.Lock()
	p.corrupt[slot] = off
	p.mu.Unlock()
}

func (p *provider) set(fn func(p *provider)) {
	p.mu.Lock()
	fn(p)
	p.mu.Unlock()
}

func (p *provider) setHidden(slot int) {
	p.mu.Lock()
	p.hide[slot] = true
	p.mu.Unlock()
}

// newEpoch starts counting served bytes afresh and returns the counter.
func (p *provider) newEpoch() *atomic.Int64 {
	c := new(atomic.Int64)
	p.epoch.Store(c)
	return c
}

func (p *provider) takeRanges() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.ranges
	p.ranges = nil
	return r
}

// slotOf parses /api/v1/data/{cid}/slots/{i}[/tree].
func slotOf(path string) (idx int, data, slot bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 6 || parts[4] != "slots" {
		return 0, false, false
	}
	if _, err := fmt.Sscanf(parts[5], "%d", &idx); err != nil {
		return 0, false, false
	}
	return idx, len(parts) == 6, true
}

func rangeStart(h string) int64 {
	var a int64
	fmt.Sscanf(h, "bytes=%d-", &a)
	return a
}

// countingWriter counts body bytes and can flip one of them.
type countingWriter struct {
	http.ResponseWriter
	n       *atomic.Int64
	epoch   *atomic.Int64
	written int64
	flip    bool
	flipAt  int64
}

func (w *countingWriter) Write(b []byte) (int, error) {
	if w.flip && w.flipAt >= w.written && w.flipAt < w.written+int64(len(b)) {
		b = bytes.Clone(b)
		b[w.flipAt-w.written] ^= 0x01
	}
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	if w.n != nil {
		w.n.Add(int64(n))
		w.epoch.Add(int64(n))
	}
	return n, err
}

func slotIDFor(cid datastore.CID, i int) proof.Hash {
	return proof.NodeHash(cid, proof.Hash{byte(i)})
}

func fastOptions() *Options {
	return &Options{AllowPrivate: true, BlockSize: 64 << 10, Parallel: 3, BackoffMin: time.Millisecond, BackoffMax: 10 * time.Millisecond, SyncBytes: 128 << 10}
}
