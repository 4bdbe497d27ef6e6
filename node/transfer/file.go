package transfer

import (
	"context"
	"fmt"
	"io"

	"github.com/slotd/slotd/node/datastore"
)

// FileStats describe a DownloadFile.
type FileStats struct {
	LocalSlots  int     // slots read from this node's store
	RemoteSlots int     // slots read from providers
	Fetched     uint64  // bytes received from providers
	Faults      []Fault // providers dropped for bad data
}

// DownloadFile rebuilds dataset cid's original file into w: from the slots
// this node holds where it can, and from providers for the rest (the
// manifest too, if this node has none). The file is checked byte for byte
// against the size and SHA-256 sealed in the dataset (see datastore.Decode):
// on error w may hold bad bytes, so write to a temporary file.
func (d *Downloader) DownloadFile(ctx context.Context, cid datastore.CID, providers []string, w io.Writer, progress func(done, total uint64)) (*datastore.Manifest, *FileStats, error) {
	st := &FileStats{}
	man, err := d.store.Manifest(cid)
	var remote *Remote
	if err != nil {
		if len(providers) == 0 {
			return nil, st, fmt.Errorf("download %s: %w, and no provider was given", cid, err)
		}
		if remote, err = d.OpenRemote(ctx, cid, providers); err != nil {
			return nil, st, fmt.Errorf("download %s: %w", cid, err)
		}
		man = remote.Manifest
	}
	local, closeLocal, err := d.store.LocalSources(man)
	if err != nil {
		return nil, st, fmt.Errorf("download %s: %w", cid, err)
	}
	defer closeLocal()
	src := local
	for _, s := range local {
		if s != nil {
			st.LocalSlots++
		}
	}
	if st.LocalSlots < man.DataSlots {
		if len(providers) == 0 {
			return nil, st, fmt.Errorf("download %s: this node holds %d of the %d slots needed, and no provider was given", cid, st.LocalSlots, man.DataSlots)
		}
		if remote == nil {
			remote = &Remote{Manifest: man, s: d.newSession()}
		}
		if src, err = remote.Sources(ctx, providers, local, -1); err != nil {
			return nil, st, fmt.Errorf("download %s: %w", cid, err)
		}
		st.RemoteSlots = man.DataSlots - st.LocalSlots
	}
	var onProgress func(uint64)
	if progress != nil {
		onProgress = func(done uint64) { progress(done, man.FileSize) }
	}
	err = datastore.Decode(ctx, man, src, w, datastore.DecodeOptions{Progress: onProgress})
	if remote != nil {
		st.Fetched, st.Faults = remote.Fetched(), remote.Faults()
	}
	if err != nil {
		return man, st, fmt.Errorf("download %s: %w", cid, err)
	}
	return man, st, nil
}
