package datastore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestBufferedAndDirectWritesStoreTheSameBytes imports the same file
// through the page cache and with O_DIRECT (where the temp dir's file system
// takes it) and compares every slot file and the manifest. The sizes leave
// a last shard that is not a whole 4 KiB block, which only the buffered
// descriptor can write.
func TestBufferedAndDirectWritesStoreTheSameBytes(t *testing.T) {
	t.Cleanup(func() { directWrites = true })
	if w, err := createSlot(filepath.Join(t.TempDir(), "probe")); err == nil {
		t.Logf("O_DIRECT on the temp dir's file system: %v", w.direct != nil)
		w.close()
	}
	for _, size := range []int{1, 4095, 3<<20 + 4097} {
		data := randomBytes(uint64(size), size)
		var slots [2][][]byte
		var cids [2]CID
		for k, direct := range []bool{false, true} {
			directWrites = direct
			s := openStore(t)
			man := importBytes(t, s, data, 5, 2, 4*MinStripe)
			cids[k] = man.CID
			for i := range man.SlotRoots {
				sl, err := s.DatasetSlot(man.CID, i)
				if err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(sl.DataPath)
				if err != nil {
					t.Fatal(err)
				}
				slots[k] = append(slots[k], b)
			}
			checkSlotFiles(t, s, man)
		}
		if cids[0] != cids[1] {
			t.Fatalf("%d bytes: cid %s buffered, %s direct", size, cids[0], cids[1])
		}
		for i := range slots[0] {
			if !bytes.Equal(slots[0][i], slots[1][i]) {
				t.Fatalf("%d bytes: slot %d differs between buffered and direct writes", size, i)
			}
		}
	}
}

// failingReader returns n bytes of zeros, then err.
type failingReader struct {
	n   int
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	k := min(len(p), r.n)
	clear(p[:k])
	r.n -= k
	return k, nil
}

// TestImportFailingMidStreamStopsEveryStage fails the reader with stripes
// in flight in every stage: the import returns the reader's error, leaves
// nothing behind, and its goroutines are gone.
func TestImportFailingMidStreamStopsEveryStage(t *testing.T) {
	s := openStore(t)
	before := runtime.NumGoroutine()
	boom := errors.New("disk read failed")
	for _, cut := range []int{0, 100_000, 5 << 20} {
		r := &failingReader{n: cut, err: boom}
		_, err := s.Import(context.Background(), r, 8<<20, ImportOptions{Slots: 3, MaxSlotLoss: 1, Stripe: MinStripe})
		if !errors.Is(err, boom) {
			t.Fatalf("cut at %d: got %v, want the reader's error", cut, err)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(s.Dir(), datasetsDir))
	if len(ents) != 0 {
		t.Errorf("failed imports left %d entries behind", len(ents))
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the failed imports, %d before", n, before)
	}
}

// TestImportReportsProgressInOrder: the writers finish stripes out of
// order, but Progress sees only stripe ends, increasing, up to the file's
// size.
func TestImportReportsProgressInOrder(t *testing.T) {
	s := openStore(t)
	const size = 3<<20 + 12345
	lay, err := NewLayout(size, 2, 1, MinStripe)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	_, err = s.Import(context.Background(), bytes.NewReader(randomBytes(7, size)), size, ImportOptions{
		Slots: 3, MaxSlotLoss: 1, Stripe: MinStripe,
		Progress: func(done uint64) { got = append(got, done) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ends := map[uint64]bool{}
	for j := range lay.Stripes() {
		ends[min(uint64(size), lay.StreamOffset(j+1))] = true
	}
	for k, done := range got {
		if !ends[done] || (k > 0 && done <= got[k-1]) {
			t.Fatalf("progress %v: call %d is not the end of a later stripe", got, k)
		}
	}
	if len(got) == 0 || got[len(got)-1] != size {
		t.Fatalf("progress %v does not end at the file's %d bytes", got, size)
	}
}

// TestProgressOrderWaitsForEarlierStripes feeds stripes' ends out of order.
func TestProgressOrderWaitsForEarlierStripes(t *testing.T) {
	lay, err := NewLayout(10*MinStripe, 1, 0, MinStripe)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	p := progressOrder{lay: lay, report: func(done uint64) { got = append(got, done) }}
	for _, j := range []int{2, 1, 4, 0, 3, 5, 7, 6} {
		p.done(j)
	}
	want := []uint64{3 * MinStripe, 5 * MinStripe, 6 * MinStripe, 8 * MinStripe}
	if !slices.Equal(got, want) {
		t.Fatalf("reported %v, want %v", got, want)
	}
	if len(p.ahead) != 0 {
		t.Fatalf("%d stripes still held ahead", len(p.ahead))
	}
}

// refusingDirect is an O_DIRECT descriptor whose file system refuses the
// writes, as some FUSE and network file systems do after taking the open.
type refusingDirect struct{ closed atomic.Bool }

func (d *refusingDirect) WriteAt(p []byte, off int64) (int, error) {
	if d.closed.Load() {
		return 0, os.ErrClosed
	}
	return 0, syscall.EINVAL
}

func (d *refusingDirect) Close() error { d.closed.Store(true); return nil }

// TestRefusedDirectWritesFallBackWhileOthersWrite: writers share a slot
// file, and the first refused direct write must not pull the descriptor
// from under another writer's write; every block lands through the page
// cache instead.
func TestRefusedDirectWritesFallBackWhileOthersWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slot")
	w, err := createSlot(path)
	if err != nil {
		t.Fatal(err)
	}
	if w.direct != nil {
		w.direct.Close()
	}
	w.direct = &refusingDirect{}
	const blocks, writersN = 64, 4
	data := alignedBytes(blocks * directAlign)
	copy(data, randomBytes(3, len(data)))
	var wg sync.WaitGroup
	errs := make([]error, writersN)
	for k := range writersN {
		wg.Go(func() {
			for b := k; b < blocks; b += writersN {
				if err := w.writeAt(data[b*directAlign:(b+1)*directAlign], int64(b*directAlign)); err != nil {
					errs[k] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("a write failed: %v", err)
	}
	if err := w.sync(); err != nil {
		t.Fatal(err)
	}
	w.close()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("the slot file does not hold what was written")
	}
}
