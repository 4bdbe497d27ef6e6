package campaign

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
)

// disk is a host's data dir on its own size-limited tmpfs, so the campaign
// can fill it up for a while. Without mount rights (not root) the dir is a
// plain one and DiskFull faults are skipped.
type disk struct {
	dir     string
	mounted bool

	mu sync.Mutex
	ro bool // a read-only bind mount covers dir
}

const diskSize = 256 << 20

func mountDisk(dir string, logf func(string, ...any)) *disk {
	d := &disk{dir: dir}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return d
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", diskSize)); err != nil {
		logf("no tmpfs for %s (%v): disk-full faults skipped", dir, err)
		return d
	}
	d.mounted = true
	return d
}

// fill writes a file that takes every free byte; the returned func frees it.
func (d *disk) fill() (func(), error) {
	if !d.mounted {
		return nil, fmt.Errorf("no tmpfs")
	}
	path := filepath.Join(d.dir, "campaign-filler")
	// dd stops at ENOSPC, which is the point
	exec.Command("dd", "if=/dev/zero", "of="+path, "bs=1M", "status=none").Run()
	return func() { os.Remove(path) }, nil
}

// readOnly covers the dir with a read-only bind mount of itself until the
// returned func lifts it: creating, renaming or removing a file in it fails
// with EROFS. Remounting the dir's own mount read-only is refused (EBUSY)
// while the node holds its store open for writing, and chmod does nothing
// to root; so files already open for writing (the store) stay writable,
// as on a file system whose new writes fail first.
func (d *disk) readOnly() (func(), error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ro {
		return nil, fmt.Errorf("already read-only")
	}
	if err := syscall.Mount(d.dir, d.dir, "", syscall.MS_BIND, ""); err != nil {
		return nil, fmt.Errorf("bind mount %s: %w", d.dir, err)
	}
	if err := syscall.Mount("", d.dir, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
		syscall.Unmount(d.dir, syscall.MNT_DETACH)
		return nil, fmt.Errorf("remount %s read-only: %w", d.dir, err)
	}
	d.ro = true
	return d.writable, nil
}

// writable lifts readOnly's mount (the topmost at dir).
func (d *disk) writable() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ro {
		syscall.Unmount(d.dir, syscall.MNT_DETACH)
		d.ro = false
	}
}

// unmount copies the dir's content off the tmpfs (the store stays for the
// logs folder) and unmounts it.
func (d *disk) unmount() {
	d.writable()
	if !d.mounted {
		return
	}
	d.mounted = false
	os.Remove(filepath.Join(d.dir, "campaign-filler"))
	keep := d.dir + ".kept"
	exec.Command("cp", "-a", d.dir, keep).Run()
	if err := syscall.Unmount(d.dir, syscall.MNT_DETACH); err == nil {
		os.Remove(d.dir)
		os.Rename(keep, d.dir)
	}
}
