package transfer

import (
	"context"
	"errors"
	"syscall"
	"testing"
)

// A data dir that turns read-only (a bind mount over it, since root
// ignores chmod) fails a download with an error that names it, not as the
// providers' fault: the sale agent gives a slot up on ErrProvidersFailed
// and retries anything else. Once writable, the same download completes.
func TestReadOnlyDataDirFailsDownloadAndRecovers(t *testing.T) {
	s, man := upload(t, randomBytes(5, 500_000), 2, 1, 0)
	p := newProvider(t, s)
	host := openStore(t)
	dir := host.Dir()
	if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
		t.Skipf("no mount rights here: %v", err)
	}
	lifted := false
	lift := func() {
		if !lifted {
			lifted = true
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				t.Error(err)
			}
		}
	}
	defer lift()
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("no read-only remount here: %v", err)
	}
	d := NewDownloader(host, &MemProgress{}, fastOptions())
	req := SlotRequest{SlotID: slotIDFor(man.CID, 1), CID: man.CID, Index: 1, Providers: []string{p.URL}}
	_, err := d.DownloadSlot(context.Background(), req)
	if !errors.Is(err, syscall.EROFS) {
		t.Fatalf("download into a read-only dir: %v, want an error wrapping EROFS", err)
	}
	if errors.Is(err, ErrProvidersFailed) || errors.Is(err, ErrDeadline) {
		t.Fatalf("a read-only dir blamed on the providers (the sale would give the slot up): %v", err)
	}
	t.Logf("read-only: %v", err)
	lift()
	res, err := d.DownloadSlot(context.Background(), req)
	if err != nil {
		t.Fatalf("download once writable again: %v", err)
	}
	if res.Root != man.SlotRoots[1] {
		t.Fatalf("result %+v", res)
	}
}
