package persist

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Backup writes a consistent snapshot of the whole store to w while the
// node keeps running (a read transaction: writers are not blocked) and
// returns the bytes written. The snapshot is a valid store file.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.View(func(tx *Tx) (err error) {
		n, err = tx.btx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup %s: %w", s.path, err)
	}
	return n, nil
}

// BackupHandler serves a live snapshot of s on GET (the node mounts it at
// /api/v1/backup behind its bearer-token check; `slotd dump --live` is the
// client). Content-Length is exact, so a client can tell a snapshot cut
// short by a failure mid-stream from a complete one.
func BackupHandler(s *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		err := s.View(func(tx *Tx) error {
			h := w.Header()
			h.Set("Content-Type", "application/octet-stream")
			h.Set("Content-Disposition", `attachment; filename="slotd-backup.db"`)
			h.Set("Content-Length", strconv.FormatInt(tx.btx.Size(), 10))
			if r.Method == http.MethodHead {
				return nil
			}
			_, err := tx.btx.WriteTo(w)
			return err
		})
		if err != nil {
			// Headers are gone; abort so the client sees a short body.
			panic(http.ErrAbortHandler)
		}
	})
}
