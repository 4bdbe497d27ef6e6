package transfer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/slotd/slotd/node/datastore"
)

// Routes served by Handler. All are read-only GETs (and HEADs) that need no
// token: slot data is public to whoever knows the dataset id.
const (
	RouteManifest   = "GET /api/v1/data/{cid}/manifest"
	RouteSlot       = "GET /api/v1/data/{cid}/slots/{index}"
	RouteSlotTree   = "GET /api/v1/data/{cid}/slots/{index}/tree"
	RouteHosted     = "GET /api/v1/hosted/{slotId}"
	RouteHostedTree = "GET /api/v1/hosted/{slotId}/tree"
)

// Handler serves a node's datasets and hosted slots:
//
//	GET /api/v1/data/{cid}/manifest          the dataset's manifest (JSON)
//	GET /api/v1/data/{cid}/slots/{i}         slot i's bytes, with Range support
//	GET /api/v1/data/{cid}/slots/{i}/tree    slot i's chunk roots (proof.SlotTree encoding)
//	GET /api/v1/hosted/{slotId}              a hosted slot's bytes, with Range support
//	GET /api/v1/hosted/{slotId}/tree         its chunk roots
//
// A malformed id or index is 400, a dataset or slot this node does not hold
// is 404, and a range that starts past the end is 416, as is a set of more
// than MaxRanges ranges or of ranges out of order or overlapping. Slot responses carry
// the slot root as a strong ETag, so If-Range works across providers.
func Handler(s *datastore.Store) http.Handler {
	h := &handler{s: s}
	mux := http.NewServeMux()
	mux.HandleFunc(RouteManifest, h.manifest)
	mux.HandleFunc(RouteSlot, h.slot(false))
	mux.HandleFunc(RouteSlotTree, h.slot(true))
	mux.HandleFunc(RouteHosted, h.hosted(false))
	mux.HandleFunc(RouteHostedTree, h.hosted(true))
	return mux
}

type handler struct{ s *datastore.Store }

func httpError(w http.ResponseWriter, code int, format string, args ...any) {
	http.Error(w, fmt.Sprintf(format, args...), code)
}

func storeError(w http.ResponseWriter, err error) {
	if errors.Is(err, datastore.ErrNotFound) {
		httpError(w, http.StatusNotFound, "%v", err)
		return
	}
	httpError(w, http.StatusInternalServerError, "%v", err)
}

func (h *handler) manifest(w http.ResponseWriter, r *http.Request) {
	cid, err := datastore.ParseCID(r.PathValue("cid"))
	if err != nil {
		httpError(w, http.StatusBadRequest, "%v", err)
		return
	}
	m, err := h.s.Manifest(cid)
	if err != nil {
		storeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(m)
}

func (h *handler) slot(tree bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cid, err := datastore.ParseCID(r.PathValue("cid"))
		if err != nil {
			httpError(w, http.StatusBadRequest, "%v", err)
			return
		}
		idx, err := strconv.ParseUint(r.PathValue("index"), 10, 8)
		if err != nil {
			httpError(w, http.StatusBadRequest, "slot index %q: want 0 to %d", r.PathValue("index"), datastore.MaxSlots-1)
			return
		}
		sl, err := h.s.DatasetSlot(cid, int(idx))
		if err != nil {
			storeError(w, err)
			return
		}
		serveSlot(w, r, sl, tree)
	}
}

func (h *handler) hosted(tree bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := datastore.ParseHash("slot id", r.PathValue("slotId"))
		if err != nil {
			httpError(w, http.StatusBadRequest, "%v", err)
			return
		}
		sl, err := h.s.HostedSlotFiles(id)
		if err != nil {
			storeError(w, err)
			return
		}
		serveSlot(w, r, sl, tree)
	}
}

// minPeerRate is the slowest reading a peer is allowed, in bytes/s.
const minPeerRate = 64 << 10

// replyTime is how long a reply of at most n bytes may take to write.
func replyTime(n int64) time.Duration {
	return 30*time.Second + time.Duration(n/minPeerRate)*time.Second
}

func serveSlot(w http.ResponseWriter, r *http.Request, sl datastore.Slot, tree bool) {
	path := sl.DataPath
	if tree {
		path = sl.TreePath
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		httpError(w, http.StatusNotFound, "slot data is gone")
		return
	} else if err != nil {
		httpError(w, http.StatusInternalServerError, "open slot: %v", err)
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		if err := checkRanges(r.Header.Get("Range"), st.Size()); err != nil {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", st.Size()))
			httpError(w, http.StatusRequestedRangeNotSatisfiable, "%v", err)
			return
		}
		// The server's write timeout suits small replies; a slot gets time
		// for its size at a slow peer's pace, and no more.
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(replyTime(st.Size())))
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	etag := `"` + sl.Root.Hex()
	if tree {
		etag += "-tree"
	}
	w.Header().Set("ETag", etag+`"`)
	// The content never changes under a root, so the modification time is
	// irrelevant; a zero time keeps ServeContent from sending Last-Modified.
	http.ServeContent(w, r, "", time.Time{}, f)
}
