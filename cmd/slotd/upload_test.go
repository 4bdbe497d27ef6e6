package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/transfer"
	"github.com/slotd/slotd/persist"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func writeRandomFile(t *testing.T, n int) (string, []byte) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(n), 1))
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	path := filepath.Join(t.TempDir(), "file.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

// cidFrom picks the dataset id out of upload's output.
func cidFrom(t *testing.T, out string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "cid:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no cid in output:\n%s", out)
	return ""
}

func TestUploadDownloadRoundTrip(t *testing.T) {
	path, data := writeRandomFile(t, 1<<20+3)
	dir := t.TempDir()
	code, out, errOut := runCmd(t, "upload", path, "--slots", "5", "--max-slot-loss", "2", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("upload: %d\n%s", code, errOut)
	}
	cid := cidFrom(t, out)
	if !strings.Contains(out, "5 (3 data + 2 parity)") || !strings.Contains(errOut, "upload: 100%") {
		t.Fatalf("upload output:\n%s\n%s", out, errOut)
	}
	// The dataset is recorded in the node's store.
	ps, err := persist.OpenReadOnly(filepath.Join(dir, "slotd.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	err = ps.View(func(tx *persist.Tx) error {
		d, err := tx.Dataset(cid)
		if err == nil && (d.Size != uint64(len(data)) || d.K != 3 || d.M != 2) {
			t.Errorf("recorded dataset %+v", d)
		}
		return err
	})
	ps.Close()
	if err != nil {
		t.Fatalf("dataset not recorded: %v", err)
	}

	// Lose two slots: the file still comes back.
	for _, i := range []string{"0", "3"} {
		os.Remove(filepath.Join(dir, "datasets", cid, "slot-"+i+".bin"))
	}
	outPath := filepath.Join(t.TempDir(), "out.bin")
	code, out, errOut = runCmd(t, "download", cid, outPath, "--data-dir", dir)
	if code != 0 {
		t.Fatalf("download: %d\n%s", code, errOut)
	}
	got, _ := os.ReadFile(outPath)
	if !bytes.Equal(got, data) || !strings.Contains(out, "3 local and 0 remote slots") {
		t.Fatalf("download output %q, equal %v", out, bytes.Equal(got, data))
	}
	if code, _, _ := runCmd(t, "download", cid, outPath, "--data-dir", dir); code != 1 {
		t.Fatal("download over an existing file without --force")
	}
	// A third lost slot is one too many.
	os.Remove(filepath.Join(dir, "datasets", cid, "slot-1.bin"))
	if code, _, errOut := runCmd(t, "download", cid, outPath, "--data-dir", dir, "--force"); code != 1 || !strings.Contains(errOut, "3 slots needed") {
		t.Fatalf("download with too few slots: %d %s", code, errOut)
	}
}

func TestDownloadFromProvider(t *testing.T) {
	path, data := writeRandomFile(t, 300_000)
	serverDir := t.TempDir()
	code, out, errOut := runCmd(t, "upload", path, "--slots", "3", "--max-slot-loss", "1", "--data-dir", serverDir)
	if code != 0 {
		t.Fatal(errOut)
	}
	cid := cidFrom(t, out)
	ds, err := datastore.Open(serverDir, &datastore.Options{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(transfer.Handler(ds))
	defer srv.Close()
	outPath := filepath.Join(t.TempDir(), "out.bin")
	code, out, errOut = runCmd(t, "download", cid, outPath, "--data-dir", t.TempDir(), "--provider", srv.URL+"/")
	if code != 0 {
		t.Fatalf("download: %s", errOut)
	}
	got, _ := os.ReadFile(outPath)
	if !bytes.Equal(got, data) || !strings.Contains(out, "0 local and 2 remote slots") {
		t.Fatalf("download output %q", out)
	}
	// Nobody serves this id: a clear error, and no OUT left behind.
	other := "0x" + strings.Repeat("ab", 32)
	missing := filepath.Join(t.TempDir(), "missing.bin")
	code, _, errOut = runCmd(t, "download", other, missing, "--data-dir", t.TempDir(), "--provider", srv.URL)
	if code != 1 || !strings.Contains(errOut, "no provider") {
		t.Fatalf("unknown dataset: %d %s", code, errOut)
	}
	if ents, _ := os.ReadDir(filepath.Dir(missing)); len(ents) != 0 {
		t.Fatalf("failed download left %d files", len(ents))
	}
}

func TestUploadDownloadUsageErrors(t *testing.T) {
	path, _ := writeRandomFile(t, 10)
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"upload"}, 2, "exactly one FILE"},
		{[]string{"upload", path}, 2, "--slots must be"},
		{[]string{"upload", path, "--slots", "3"}, 2, "--max-slot-loss is required"},
		{[]string{"upload", path, "--slots", "3", "--max-slot-loss", "3"}, 2, "less than --slots"},
		{[]string{"upload", path, "--slots", "257", "--max-slot-loss", "1"}, 2, "1 to 256"},
		{[]string{"upload", path, "--slots", "x"}, 2, "invalid value"},
		{[]string{"upload", path, "extra", "--slots", "3", "--max-slot-loss", "1"}, 2, "exactly one FILE"},
		{[]string{"upload", filepath.Join(dir, "nope"), "--slots", "3", "--max-slot-loss", "1", "--data-dir", dir}, 1, "no such file"},
		{[]string{"upload", dir, "--slots", "3", "--max-slot-loss", "1", "--data-dir", dir}, 1, "not a regular file"},
		{[]string{"download"}, 2, "want CID and OUT"},
		{[]string{"download", "0x12", "out"}, 2, "64 hex digits"},
		{[]string{"download", "0x" + strings.Repeat("0", 64), "out", "--provider", "ftp://x"}, 2, "http or https"},
		{[]string{"download", "0x" + strings.Repeat("0", 64), filepath.Join(dir, "o"), "--data-dir", dir}, 1, "no provider was given"},
	} {
		code, _, errOut := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("slotd %v: exit %d, stderr %q; want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
	for _, c := range []string{"upload", "download"} {
		if code, _, errOut := runCmd(t, "help", c); code != 0 || !strings.Contains(errOut, "usage: slotd "+c) {
			t.Errorf("help %s: %d %q", c, code, errOut)
		}
	}
}
