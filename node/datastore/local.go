package datastore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// LocalSources opens the slot files this node holds for dataset m (uploaded
// here, or hosted here) and returns them as Sources, nil where a slot is
// missing. close releases the files.
func (s *Store) LocalSources(m *Manifest) (src Sources, close func(), err error) {
	src = make(Sources, len(m.SlotRoots))
	var files []*os.File
	close = func() {
		for _, f := range files {
			f.Close()
		}
	}
	for i := range src {
		var path string
		if sl, err := s.DatasetSlot(m.CID, i); err == nil {
			path = sl.DataPath
		} else if errors.Is(err, ErrNotFound) {
			continue
		} else {
			close()
			return nil, nil, err
		}
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // e.g. an operator deleted a lost slot: the others may do
		} else if err != nil {
			close()
			return nil, nil, fmt.Errorf("open slot %d: %w", i, err)
		}
		if st, err := f.Stat(); err != nil || uint64(st.Size()) != m.SlotSize {
			f.Close() // a truncated slot is as good as missing
			continue
		}
		files = append(files, f)
		src[i] = f
	}
	return src, close, nil
}

// DatasetDir is where dataset cid's files are (whether or not it exists).
func (s *Store) DatasetDir(cid CID) string { return filepath.Join(s.dir, datasetsDir, cid.Hex()) }
