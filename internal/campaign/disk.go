package campaign

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// disk is a host's data dir on its own size-limited tmpfs, so the campaign
// can fill it up for a while. Without mount rights (not root) the dir is a
// plain one and DiskFull faults are skipped.
type disk struct {
	dir     string
	mounted bool
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

// unmount copies the dir's content off the tmpfs (the store stays for the
// logs folder) and unmounts it.
func (d *disk) unmount() {
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
