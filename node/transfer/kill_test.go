package transfer

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/persist"
)

// childEnv carries a download for TestDownloadChild to run in a child process.
const childEnv = "SLOTD_TRANSFER_CHILD"

type childJob struct {
	Dir string
	Req SlotRequest
}

func childOptions() *Options {
	return &Options{AllowPrivate: true, BlockSize: 64 << 10, Parallel: 2, SyncBytes: 256 << 10, BackoffMin: time.Millisecond}
}

// openHost opens a host's data store and node store in dir, with the
// persist-backed progress store a node uses.
func openHost(t testing.TB, dir string) (*datastore.Store, *persist.Store) {
	ds, err := datastore.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return ds, ps
}

// TestDownloadChild is the child side of TestKilledDownloadResumes: it runs
// only when the parent sets childEnv.
func TestDownloadChild(t *testing.T) {
	raw := os.Getenv(childEnv)
	if raw == "" {
		t.Skip("run by TestKilledDownloadResumes")
	}
	var job childJob
	if err := json.Unmarshal([]byte(raw), &job); err != nil {
		t.Fatal(err)
	}
	ds, ps := openHost(t, job.Dir)
	defer ps.Close()
	d := NewDownloader(ds, PersistProgress{ps}, childOptions())
	if _, err := d.DownloadSlot(context.Background(), job.Req); err != nil {
		t.Fatal(err)
	}
}

// TestKilledDownloadResumes kills a real downloading process with SIGKILL
// midway, then resumes the download from the progress it left in its store
// and checks, through the bytes the provider served, that nothing it had
// recorded as verified is fetched again.
func TestKilledDownloadResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	data := randomBytes(10, 16<<20-datastore.TrailerSize)
	s, man := upload(t, data, 2, 1, 0)
	p := newProvider(t, s)
	p.set(func(p *provider) { p.delay = 15 * time.Millisecond }) // slow enough to kill the child midway
	dir := t.TempDir()
	id := slotIDFor(man.CID, 1)
	req := SlotRequest{SlotID: id, CID: man.CID, Index: 1, Providers: []string{p.URL}}
	job, _ := json.Marshal(childJob{Dir: dir, Req: req})

	cmd := exec.Command(os.Args[0], "-test.run=^TestDownloadChild$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+string(job))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for uint64(p.slotBytes.Load()) < man.SlotSize*2/5 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("child made no progress:\n%s", out.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()
	servedBefore := uint64(p.slotBytes.Load())
	if servedBefore >= man.SlotSize {
		t.Fatalf("child finished before the kill:\n%s", out.String())
	}

	ds, ps := openHost(t, dir)
	defer ps.Close()
	prog := PersistProgress{ps}
	pr, err := prog.LoadProgress(context.Background(), id)
	if err != nil {
		t.Fatalf("no progress survived the kill: %v\n%s", err, out.String())
	}
	if pr.Verified == 0 || pr.Verified > servedBefore || pr.Root != man.SlotRoots[1] {
		t.Fatalf("progress after kill: %+v (served %d)", pr, servedBefore)
	}
	t.Logf("killed after %d bytes served, %d recorded verified, slot %d", servedBefore, pr.Verified, man.SlotSize)

	p.takeRanges()
	p.set(func(p *provider) { p.delay = 0 })
	epoch := p.newEpoch()
	res, err := NewDownloader(ds, prog, childOptions()).DownloadSlot(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	servedAfter := uint64(epoch.Load())
	if res.Resumed != pr.Verified || servedAfter != man.SlotSize-pr.Verified {
		t.Fatalf("resumed %d of %d recorded; served %d after restart, want %d", res.Resumed, pr.Verified, servedAfter, man.SlotSize-pr.Verified)
	}
	for _, r := range p.takeRanges() {
		if uint64(rangeStart(r)) < pr.Verified {
			t.Fatalf("refetched verified bytes: %s (verified prefix %d)", r, pr.Verified)
		}
	}
	h, err := ds.HostedSlot(id)
	if err != nil || h.Root != man.SlotRoots[1] {
		t.Fatalf("slot not committed: %v", err)
	}
	got, _ := os.ReadFile(func() string { p, _ := ds.HostedSlotPaths(id); return p }())
	tree, _ := proof.BuildSlotTree(bytes.NewReader(got), uint64(len(got)))
	if tree.Root() != man.SlotRoots[1] {
		t.Fatal("slot on disk does not hash to its root")
	}
}
