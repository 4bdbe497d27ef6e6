package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/datastore"
)

func get(t *testing.T, url string, hdr ...string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestHandlerRoutesAndErrors(t *testing.T) {
	s, man := upload(t, randomBytes(1, 100_000), 3, 1, datastore.MinStripe)
	p := newProvider(t, s)
	base := p.URL + "/api/v1/data/" + man.CID.Hex()
	sl, _ := s.DatasetSlot(man.CID, 1)
	slot1, _ := os.ReadFile(sl.DataPath)

	code, b := get(t, base+"/manifest")
	if code != 200 {
		t.Fatalf("manifest: %d %s", code, b)
	}
	if _, err := datastore.ReadManifest(bytes.NewReader(b), man.CID); err != nil {
		t.Fatal(err)
	}
	if code, b := get(t, base+"/slots/1"); code != 200 || !bytes.Equal(b, slot1) {
		t.Fatalf("whole slot: %d, %d bytes", code, len(b))
	}
	if code, b := get(t, base+"/slots/1", "Range", "bytes=100-355"); code != 206 || !bytes.Equal(b, slot1[100:356]) {
		t.Fatalf("range: %d, %d bytes", code, len(b))
	}
	code, b = get(t, base+"/slots/1/tree")
	if tree, err := proof.ReadSlotTree(bytes.NewReader(b), man.SlotRoots[1]); code != 200 || err != nil || tree.Cells() != man.SlotSize/proof.CellSize {
		t.Fatalf("tree: %d %v", code, err)
	}
	other := strings.Replace(man.CID.Hex(), "0x", "0x1", 1)[:66]
	for _, tc := range []struct {
		path string
		hdr  []string
		want int
	}{
		{"/api/v1/data/nothex/manifest", nil, 400},
		{"/api/v1/data/" + man.CID.Hex()[:40] + "/manifest", nil, 400},
		{"/api/v1/data/" + other + "/manifest", nil, 404},
		{"/api/v1/data/" + other + "/slots/0", nil, 404},
		{base[len(p.URL):] + "/slots/x", nil, 400},
		{base[len(p.URL):] + "/slots/-1", nil, 400},
		{base[len(p.URL):] + "/slots/999", nil, 400},
		{base[len(p.URL):] + "/slots/3", nil, 404},
		{base[len(p.URL):] + "/slots/7/tree", nil, 404},
		{base[len(p.URL):] + "/slots/1", []string{"Range", fmt.Sprintf("bytes=%d-", man.SlotSize)}, 416},
		{base[len(p.URL):] + "/slots/1", []string{"Range", fmt.Sprintf("bytes=%d-%d", man.SlotSize+5, man.SlotSize+9)}, 416},
		{"/api/v1/hosted/0x12", nil, 400},
		{"/api/v1/hosted/" + other, nil, 404},
	} {
		if code, b := get(t, p.URL+tc.path, tc.hdr...); code != tc.want {
			t.Errorf("GET %s %v: %d (%s), want %d", tc.path, tc.hdr, code, strings.TrimSpace(string(b)), tc.want)
		}
	}
	resp, err := http.Post(base+"/manifest", "text/plain", nil)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

func TestDownloadSlotFromTwoProvidersAndServeIt(t *testing.T) {
	data := randomBytes(2, 3<<20+12345)
	s, man := upload(t, data, 4, 2, 0)
	a, b := newProvider(t, s), newProvider(t, s)
	host := openStore(t)
	var saves int
	opt := fastOptions()
	opt.OnProgress = func(done, total uint64) { saves++ }
	d := NewDownloader(host, &MemProgress{}, opt)
	id := slotIDFor(man.CID, 2)
	req := SlotRequest{SlotID: id, CID: man.CID, Index: 2, Providers: []string{a.URL, b.URL}, SlotSize: man.SlotSize}
	res, err := d.DownloadSlot(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Root != man.SlotRoots[2] || res.Fetched != man.SlotSize || res.Resumed != 0 || len(res.Faults) != 0 {
		t.Fatalf("result %+v", res)
	}
	if a.slotBytes.Load() == 0 || b.slotBytes.Load() == 0 {
		t.Errorf("ranges not spread over providers: %d and %d bytes", a.slotBytes.Load(), b.slotBytes.Load())
	}
	if saves < 2 {
		t.Errorf("progress recorded %d times", saves)
	}
	orig, _ := s.DatasetSlot(man.CID, 2)
	want, _ := os.ReadFile(orig.DataPath)
	got, _ := host.HostedSlotFiles(id)
	have, _ := os.ReadFile(got.DataPath)
	if !bytes.Equal(want, have) {
		t.Fatal("downloaded slot differs")
	}
	// A second call finds the slot in the store and fetches nothing.
	if res, err := d.DownloadSlot(context.Background(), req); err != nil || res.Fetched != 0 {
		t.Fatalf("second download: %+v %v", res, err)
	}
	// The host now serves the slot: by (cid, index) and by slot id.
	hp := newProvider(t, host)
	if code, b := get(t, hp.URL+"/api/v1/hosted/"+id.Hex()); code != 200 || !bytes.Equal(b, want) {
		t.Fatalf("hosted by id: %d", code)
	}
	if code, b := get(t, hp.URL+"/api/v1/data/"+man.CID.Hex()+"/slots/2", "Range", "bytes=0-99"); code != 206 || !bytes.Equal(b, want[:100]) {
		t.Fatalf("hosted by index: %d", code)
	}
	if code, _ := get(t, hp.URL+"/api/v1/data/"+man.CID.Hex()+"/slots/1"); code != 404 {
		t.Fatalf("slot the host lacks: %d", code)
	}
	if code, b := get(t, hp.URL+"/api/v1/data/"+man.CID.Hex()+"/manifest"); code != 200 || len(b) == 0 {
		t.Fatalf("host's manifest: %d", code)
	}
	// And a third node can download the slot from the host alone.
	third := NewDownloader(openStore(t), &MemProgress{}, fastOptions())
	if _, err := third.DownloadSlot(context.Background(), SlotRequest{SlotID: id, CID: man.CID, Index: 2, Providers: []string{hp.URL}}); err != nil {
		t.Fatalf("download from the host: %v", err)
	}
}

func TestCorruptByteIsDetectedAndProviderSkipped(t *testing.T) {
	data := randomBytes(3, 1<<20)
	s, man := upload(t, data, 3, 1, 0)
	bad, good := newProvider(t, s), newProvider(t, s)
	bad.setCorrupt(0, -7)
	var faults []string
	opt := fastOptions()
	opt.OnFault = func(p string, err error) { faults = append(faults, p) }
	host := openStore(t)
	d := NewDownloader(host, &MemProgress{}, opt)
	req := SlotRequest{SlotID: slotIDFor(man.CID, 0), CID: man.CID, Index: 0, Providers: []string{bad.URL, good.URL}}
	res, err := d.DownloadSlot(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Faults) != 1 || res.Faults[0].Provider != bad.URL || !errors.Is(res.Faults[0].Err, ErrBadData) || len(faults) != 1 {
		t.Fatalf("faults %+v", res.Faults)
	}
	if res.Fetched <= man.SlotSize {
		t.Errorf("fetched %d: the bad range should have been fetched twice", res.Fetched)
	}

	// With only the corrupt provider the download fails and stores nothing.
	host2 := openStore(t)
	d2 := NewDownloader(host2, &MemProgress{}, fastOptions())
	_, err = d2.DownloadSlot(context.Background(), SlotRequest{SlotID: req.SlotID, CID: man.CID, Index: 0, Providers: []string{bad.URL}})
	if !errors.Is(err, ErrNoProviders) || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("only a corrupt provider: %v", err)
	}
	if _, err := host2.HostedSlot(req.SlotID); !errors.Is(err, datastore.ErrNotFound) {
		t.Fatalf("a failed download was committed: %v", err)
	}
}

func TestTransientFailuresAreRetried(t *testing.T) {
	s, man := upload(t, randomBytes(4, 500_000), 2, 1, 0)
	p := newProvider(t, s)
	p.set(func(p *provider) { p.failNext = 5 })
	d := NewDownloader(openStore(t), &MemProgress{}, fastOptions())
	if _, err := d.DownloadSlot(context.Background(), SlotRequest{SlotID: slotIDFor(man.CID, 1), CID: man.CID, Index: 1, Providers: []string{p.URL}}); err != nil {
		t.Fatalf("download through 503s: %v", err)
	}
	// A provider that never answers is given up after MaxAttempts.
	dead := newProvider(t, s)
	dead.set(func(p *provider) { p.failNext = 1 << 30 })
	opt := fastOptions()
	opt.MaxAttempts = 3
	d = NewDownloader(openStore(t), &MemProgress{}, opt)
	if _, err := d.DownloadSlot(context.Background(), SlotRequest{SlotID: slotIDFor(man.CID, 0), CID: man.CID, Index: 0, Providers: []string{dead.URL}, Manifest: man}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("dead provider: %v", err)
	}
	// A manifest whose slot size the request contradicts is refused.
	_, err := d.DownloadSlot(context.Background(), SlotRequest{SlotID: slotIDFor(man.CID, 0), CID: man.CID, Index: 0, Providers: []string{p.URL}, SlotSize: man.SlotSize + 256})
	if err == nil {
		t.Fatal("slot size mismatch accepted")
	}
}

func TestCancelledDownloadResumesWithoutRefetching(t *testing.T) {
	data := randomBytes(5, 4<<20)
	s, man := upload(t, data, 2, 1, 0)
	p := newProvider(t, s)
	// The provider stops serving past half the slot, so the cancel below
	// always comes before the download could finish, however the fetch,
	// verify and commit stages are scheduled.
	p.stallAfter.Store(int64(man.SlotSize / 2))
	prog := &MemProgress{}
	host := openStore(t)
	opt := fastOptions()
	ctx, cancel := context.WithCancel(context.Background())
	opt.OnProgress = func(done, total uint64) {
		if done >= total/3 {
			cancel()
		}
	}
	baseline := runtime.NumGoroutine()
	id := slotIDFor(man.CID, 1)
	req := SlotRequest{SlotID: id, CID: man.CID, Index: 1, Providers: []string{p.URL}}
	d := NewDownloader(host, prog, opt)
	if _, err := d.DownloadSlot(ctx, req); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled download: %v", err)
	}
	pr, err := prog.LoadProgress(context.Background(), id)
	if err != nil || pr.Verified < man.SlotSize/3 || pr.Verified >= man.SlotSize {
		t.Fatalf("progress after cancel: %+v %v", pr, err)
	}
	d.CloseIdleConnections()
	waitGoroutines(t, baseline)

	p.stallAfter.Store(0)
	p.takeRanges()
	epoch := p.newEpoch()
	res, err := NewDownloader(host, prog, fastOptions()).DownloadSlot(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	served := uint64(epoch.Load())
	if res.Resumed != pr.Verified || served != man.SlotSize-pr.Verified || res.Fetched != served {
		t.Fatalf("resumed %d (recorded %d), served %d, fetched %d, slot %d", res.Resumed, pr.Verified, served, res.Fetched, man.SlotSize)
	}
	for _, r := range p.takeRanges() {
		if uint64(rangeStart(r)) < pr.Verified {
			t.Fatalf("refetched verified bytes: %s (verified %d)", r, pr.Verified)
		}
	}
	if _, err := prog.LoadProgress(context.Background(), id); !errors.Is(err, ErrNoProgress) {
		t.Fatalf("progress record left after completion: %v", err)
	}
}

// A damaged resumed prefix (the disk lost what the record promised) is
// found by re-hashing it, and only the bad part is fetched again.
func TestResumeRehashesPrefix(t *testing.T) {
	s, man := upload(t, randomBytes(6, 2<<20), 2, 1, 0)
	p := newProvider(t, s)
	prog := &MemProgress{}
	host := openStore(t)
	id := slotIDFor(man.CID, 0)
	req := SlotRequest{SlotID: id, CID: man.CID, Index: 0, Providers: []string{p.URL}}
	if _, err := NewDownloader(host, prog, fastOptions()).DownloadSlot(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	// Pretend the node died just before committing: drop the hosted record,
	// claim everything verified, and damage one byte at 1 MiB + 5.
	path, _ := host.HostedSlotPaths(id)
	host.RemoveHostedSlot(id)
	full, _ := os.ReadFile(sl(t, s, man, 0))
	damaged := bytes.Clone(full)
	damaged[1<<20+5] ^= 0xff
	os.WriteFile(path, damaged, 0o644)
	prog.SaveProgress(context.Background(), Progress{SlotID: id, Root: man.SlotRoots[0], Size: man.SlotSize, Verified: man.SlotSize, Path: path})
	before := p.slotBytes.Load()
	res, err := NewDownloader(host, prog, fastOptions()).DownloadSlot(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed != 1<<20 || uint64(p.slotBytes.Load()-before) != man.SlotSize-1<<20 {
		t.Fatalf("resumed %d, fetched %d", res.Resumed, p.slotBytes.Load()-before)
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, full) {
		t.Fatal("slot not repaired")
	}
}

func sl(t *testing.T, s *datastore.Store, man *datastore.Manifest, i int) string {
	t.Helper()
	x, err := s.DatasetSlot(man.CID, i)
	if err != nil {
		t.Fatal(err)
	}
	return x.DataPath
}

func waitGoroutines(t *testing.T, baseline int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseline+2 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines leaked: %d, baseline %d\n%s", runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRepairSlotFromOthers(t *testing.T) {
	data := randomBytes(7, 2<<20+777)
	s, man := upload(t, data, 5, 2, datastore.MinStripe*2)
	p, q := newProvider(t, s), newProvider(t, s)
	for _, pr := range []*provider{p, q} {
		pr.setHidden(1) // the lost slot
		pr.setHidden(0) // and one more lost: only parity can make up for them
	}
	q.setCorrupt(3, -7)
	host := openStore(t)
	prog := &MemProgress{}
	opt := fastOptions()
	d := NewDownloader(host, prog, opt)
	id := slotIDFor(man.CID, 1)
	res, err := d.RepairSlot(context.Background(), SlotRequest{SlotID: id, CID: man.CID, Index: 1, Providers: []string{q.URL, p.URL}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Root != man.SlotRoots[1] {
		t.Fatal("wrong root")
	}
	if len(res.Faults) != 1 || res.Faults[0].Provider != q.URL {
		t.Fatalf("faults %+v", res.Faults)
	}
	want, _ := os.ReadFile(sl(t, s, man, 1))
	got, _ := host.HostedSlotFiles(id)
	have, _ := os.ReadFile(got.DataPath)
	if !bytes.Equal(want, have) {
		t.Fatal("repaired slot differs")
	}
	if _, err := prog.LoadProgress(context.Background(), id); !errors.Is(err, ErrNoProgress) {
		t.Fatal("progress left behind")
	}
	// Three slots lost with M = 2: repair is impossible and says so.
	p.setHidden(2)
	_, err = NewDownloader(openStore(t), &MemProgress{}, fastOptions()).RepairSlot(context.Background(),
		SlotRequest{SlotID: slotIDFor(man.CID, 4), CID: man.CID, Index: 4, Providers: []string{p.URL}})
	if err == nil || !strings.Contains(err.Error(), "needed") {
		t.Fatalf("repair with too few slots: %v", err)
	}
}

func TestRepairResumes(t *testing.T) {
	s, man := upload(t, randomBytes(8, 3<<20), 3, 1, datastore.MinStripe)
	p := newProvider(t, s)
	p.setHidden(2)
	host := openStore(t)
	prog := &MemProgress{}
	opt := fastOptions()
	ctx, cancel := context.WithCancel(context.Background())
	opt.OnProgress = func(done, total uint64) {
		if done > total/2 {
			cancel()
		}
	}
	id := slotIDFor(man.CID, 2)
	req := SlotRequest{SlotID: id, CID: man.CID, Index: 2, Providers: []string{p.URL}}
	if _, err := NewDownloader(host, prog, opt).RepairSlot(ctx, req); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled repair: %v", err)
	}
	pr, _ := prog.LoadProgress(context.Background(), id)
	if pr.Verified <= man.SlotSize/2 {
		t.Fatalf("progress %d", pr.Verified)
	}
	res, err := NewDownloader(host, prog, fastOptions()).RepairSlot(context.Background(), req)
	if err != nil || res.Resumed == 0 || res.Resumed > pr.Verified {
		t.Fatalf("resumed repair: %+v %v", res, err)
	}
	// It fetched only about the remaining stripes from the two other slots
	// (plus the trailer and tree reads).
	if lim := 2*(man.SlotSize-res.Resumed) + 64<<10; res.Fetched > lim {
		t.Fatalf("fetched %d, want at most %d", res.Fetched, lim)
	}
}

func TestDownloadFileFromProviders(t *testing.T) {
	for _, size := range []int{0, 1, 70_000, 3<<20 + 1} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			data := randomBytes(uint64(size), size)
			s, man := upload(t, data, 4, 2, 0)
			p, q := newProvider(t, s), newProvider(t, s)
			p.setHidden(0)
			q.setHidden(0)
			q.setCorrupt(1, -7)
			client := openStore(t)
			d := NewDownloader(client, nil, fastOptions())
			var out bytes.Buffer
			_, st, err := d.DownloadFile(context.Background(), man.CID, []string{q.URL, p.URL}, &out, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), data) {
				t.Fatal("file differs")
			}
			if st.RemoteSlots != 2 || st.LocalSlots != 0 || len(st.Faults) != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestDownloadFileLocalNeedsNoNetwork(t *testing.T) {
	data := randomBytes(9, 200_000)
	s, man := upload(t, data, 3, 1, 0)
	var out bytes.Buffer
	_, st, err := NewDownloader(s, nil, nil).DownloadFile(context.Background(), man.CID, nil, &out, nil)
	if err != nil || !bytes.Equal(out.Bytes(), data) || st.LocalSlots != 3 || st.Fetched != 0 {
		t.Fatalf("local download: %v %+v", err, st)
	}
	if _, _, err := NewDownloader(openStore(t), nil, nil).DownloadFile(context.Background(), man.CID, nil, io.Discard, nil); err == nil {
		t.Fatal("download of an unknown dataset without providers succeeded")
	}
}

func TestProvidersPayload(t *testing.T) {
	b, err := EncodeProviders([]string{"http://203.0.113.7:8080/", "https://mirror.example/slotd"})
	if err != nil || string(b) != "http://203.0.113.7:8080,https://mirror.example/slotd" {
		t.Fatalf("encode: %q %v", b, err)
	}
	got, err := DecodeProviders(b)
	if err != nil || len(got) != 2 || got[1] != "https://mirror.example/slotd" {
		t.Fatalf("decode: %v %v", got, err)
	}
	for _, bad := range [][]string{nil, {"ftp://x"}, {"http://"}, {"http://a?b=1"}, {"http://u:p@a"}, {"not a url"}} {
		if _, err := EncodeProviders(bad); !errors.Is(err, ErrProviders) {
			t.Errorf("encode %q: %v", bad, err)
		}
	}
	got, err = DecodeProviders([]byte(" http://a:1 ,junk,,http://a:1,\xff\xfe,https://b "))
	if err != nil || len(got) != 2 || got[0] != "http://a:1" || got[1] != "https://b" {
		t.Fatalf("decode with junk: %v %v", got, err)
	}
	if _, err := DecodeProviders([]byte("junk")); !errors.Is(err, ErrProviders) {
		t.Fatal("no usable URL accepted")
	}
	if _, err := DecodeProviders(bytes.Repeat([]byte("a"), 5000)); !errors.Is(err, ErrProviders) {
		t.Fatal("oversized payload accepted")
	}
	if m := MergeProviders([]string{"a", "b"}, []string{"b", "c"}); strings.Join(m, ",") != "a,b,c" {
		t.Fatal(m)
	}
}

// FuzzDecodeProviders: the payload comes from the chain and must never
// panic a host.
func FuzzDecodeProviders(f *testing.F) {
	f.Add([]byte("http://a:1,https://b/x"))
	f.Add([]byte(",,,"))
	f.Fuzz(func(t *testing.T, b []byte) {
		urls, err := DecodeProviders(b)
		if err == nil {
			if _, err := EncodeProviders(urls); err != nil {
				t.Fatalf("decoded %q does not re-encode: %v", urls, err)
			}
		}
	})
}

func TestProviderIgnoringRangeIsSkipped(t *testing.T) {
	s, man := upload(t, randomBytes(12, 200_000), 2, 1, 0)
	good := newProvider(t, s)
	h := Handler(s)
	ignoring := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Range")
		h.ServeHTTP(w, r)
	}))
	defer ignoring.Close()
	d := NewDownloader(openStore(t), &MemProgress{}, fastOptions())
	req := SlotRequest{SlotID: slotIDFor(man.CID, 0), CID: man.CID, Index: 0, Providers: []string{ignoring.URL}}
	if _, err := d.DownloadSlot(context.Background(), req); !errors.Is(err, ErrNoProviders) || !strings.Contains(err.Error(), "Range") {
		t.Fatalf("only a range-ignoring provider: %v", err)
	}
	req.Providers = []string{ignoring.URL, good.URL}
	if _, err := d.DownloadSlot(context.Background(), req); err != nil {
		t.Fatalf("with a good provider too: %v", err)
	}
}

// slowFirstSave holds the first progress record until release is closed,
// as a slow disk's fsync would.
type slowFirstSave struct {
	MemProgress
	once    sync.Once
	release chan struct{}
}

func (s *slowFirstSave) SaveProgress(ctx context.Context, p Progress) error {
	s.once.Do(func() { <-s.release })
	return s.MemProgress.SaveProgress(ctx, p)
}

// TestProgressIsCommittedWhenTheProviderStalls: blocks verified while a
// commit is under way are committed after it even when no block comes
// after them (the provider stalls): their progress is recorded, so a
// restart does not fetch them again. The old loop committed only when a
// block finished, so the record stayed at the first commit.
func TestProgressIsCommittedWhenTheProviderStalls(t *testing.T) {
	data := randomBytes(6, 4<<20)
	s, man := upload(t, data, 2, 1, 0)
	p := newProvider(t, s)
	half := int64(man.SlotSize / 2)
	p.stallAfter.Store(half)
	prog := &slowFirstSave{release: make(chan struct{})}
	go func() {
		for p.slotBytes.Load() < half {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // the served blocks verified
		close(prog.release)
	}()
	opt := fastOptions()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	id := slotIDFor(man.CID, 1)
	opt.OnProgress = func(done, total uint64) {
		if done >= uint64(half)-opt.BlockSize {
			cancel()
		}
	}
	d := NewDownloader(openStore(t), prog, opt)
	defer d.CloseIdleConnections()
	errc := make(chan error, 1)
	go func() {
		_, err := d.DownloadSlot(ctx, SlotRequest{SlotID: id, CID: man.CID, Index: 1, Providers: []string{p.URL}})
		errc <- err
	}()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("download: %v, want cancelled once the served half was committed", err)
		}
	case <-time.After(20 * time.Second):
		cancel()
		pr, _ := prog.LoadProgress(context.Background(), id)
		t.Fatalf("the served half of the slot was never committed: progress stays at %d of %d", pr.Verified, man.SlotSize)
	}
}
