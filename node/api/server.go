// Package api is the node's REST API: JSON over HTTP, on 127.0.0.1 unless the
// operator says otherwise. Every route that changes state needs the bearer
// token the node keeps in its data dir; reads of the node's state need it
// too when Server.PrivateReads is set.
package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/metrics"
	"github.com/slotd/slotd/node/purchasing"
	"github.com/slotd/slotd/node/transfer"
	"github.com/slotd/slotd/persist"
)

// Sales is what the API asks of the host role.
type Sales interface {
	// Retry moves an Errored agent back to a safe state.
	Retry(ctx context.Context, slot persist.ID) error
	// AvailabilityAdded looks back through open requests for the new space.
	AvailabilityAdded(ctx context.Context, a persist.Availability)
}

// Server holds what the routes serve; nil parts turn their routes off (503).
type Server struct {
	Store      *persist.Store
	Data       *datastore.Store
	Purchasing *purchasing.Purchasing
	Sales      Sales
	Metrics    *metrics.Metrics
	Token      string
	// Providers is content.cid for this node's requests: where it serves data.
	Providers []byte
	// Status reports the node's status document.
	Status func(ctx context.Context) any
	// Alerts reports the problems the node sees now (GET /api/v1/alerts).
	Alerts func(ctx context.Context) any
	// Earnings reports the host's payouts and slashes over time (GET
	// /api/v1/earnings; nil: 404).
	Earnings func(ctx context.Context) (any, error)
	// FreeSpace reports the data dir's free disk space (nil: Data's).
	FreeSpace func() (uint64, error)
	// PrivateReads makes the routes that expose the node's state (status,
	// availabilities, sales, queue, proofs, purchases, datasets) need the token too,
	// as they should when the API listens beyond loopback. Data routes and
	// metrics stay public.
	PrivateReads bool
	Log          hclog.Logger
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/status", s.read(s.status))
	mux.HandleFunc("GET /api/v1/alerts", s.read(s.alerts))
	mux.Handle("GET /{$}", dashboardHandler())
	mux.Handle("GET /dashboard/", dashboardHandler())
	mux.HandleFunc("GET /api/v1/availabilities", s.read(s.listAvailabilities))
	mux.HandleFunc("POST /api/v1/availabilities", s.guard(s.addAvailability))
	mux.HandleFunc("DELETE /api/v1/availabilities/{id}", s.guard(s.removeAvailability))
	mux.HandleFunc("GET /api/v1/sales", s.read(s.listSales))
	mux.HandleFunc("GET /api/v1/sales/{slotId}", s.read(s.getSale))
	mux.HandleFunc("POST /api/v1/sales/{slotId}/retry", s.guard(s.retrySale))
	mux.HandleFunc("GET /api/v1/queue", s.read(s.listQueue))
	mux.HandleFunc("GET /api/v1/proofs", s.read(s.listProofs))
	mux.HandleFunc("GET /api/v1/earnings", s.read(s.earnings))
	mux.HandleFunc("GET /api/v1/purchases", s.read(s.listPurchases))
	mux.HandleFunc("POST /api/v1/purchases", s.guard(s.createPurchase))
	mux.HandleFunc("POST /api/v1/purchases/{id}/cancel", s.guard(s.cancelPurchase))
	mux.HandleFunc("GET /api/v1/datasets", s.read(s.listDatasets))
	mux.HandleFunc("POST /api/v1/datasets", s.guard(s.upload))
	mux.Handle("GET /api/v1/backup", s.guard(func(w http.ResponseWriter, r *http.Request) {
		unbounded(w)
		persist.BackupHandler(s.Store).ServeHTTP(w, r)
	}))
	if s.Data != nil {
		data := transfer.Handler(s.Data)
		mux.Handle("GET /api/v1/data/", data)
		mux.Handle("GET /api/v1/hosted/", data)
	}
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics.Handler())
	}
	return mux
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	if s.Status == nil {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	writeJSON(w, http.StatusOK, s.Status(r.Context()))
}

func (s *Server) alerts(w http.ResponseWriter, r *http.Request) {
	if s.Alerts == nil {
		writeJSON(w, http.StatusOK, []any{})
		return
	}
	writeJSON(w, http.StatusOK, s.Alerts(r.Context()))
}

func (s *Server) earnings(w http.ResponseWriter, r *http.Request) {
	if s.Earnings == nil {
		writeError(w, http.StatusNotFound, "earnings: this node has no host role")
		return
	}
	v, err := s.Earnings(r.Context())
	if err != nil {
		s.fail(w, "earnings", err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// availabilityBody is what an operator sends to offer space.
type availabilityBody struct {
	TotalSize                uint64 `json:"totalSize"`
	Duration                 uint64 `json:"duration"`
	MinPricePerBytePerSecond Amount `json:"minPricePerBytePerSecond"`
	MaxCollateralPerByte     Amount `json:"maxCollateralPerByte"`
}

func (b availabilityBody) check() error {
	switch {
	case b.TotalSize == 0:
		return errors.New("totalSize must be positive (bytes)")
	case b.Duration == 0:
		return errors.New("duration must be positive (seconds)")
	case b.MinPricePerBytePerSecond.Int == nil || b.MinPricePerBytePerSecond.Sign() < 0:
		return errors.New("minPricePerBytePerSecond must be a non-negative decimal string")
	case b.MaxCollateralPerByte.Int == nil || b.MaxCollateralPerByte.Sign() < 0:
		return errors.New("maxCollateralPerByte must be a non-negative decimal string")
	}
	return nil
}

func (s *Server) addAvailability(w http.ResponseWriter, r *http.Request) {
	var b availabilityBody
	if !decode(w, r, &b) {
		return
	}
	if err := b.check(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	a := persist.Availability{TotalSize: b.TotalSize, FreeSize: b.TotalSize, Duration: b.Duration,
		MinPricePerBytePerSecond: b.MinPricePerBytePerSecond.Int, MaxCollateralPerByte: b.MaxCollateralPerByte.Int, Created: time.Now().UTC()}
	free, known := s.freeSpace()
	err := s.Store.Update(r.Context(), func(tx *persist.Tx) error {
		if known {
			if err := checkOffer(tx, free, a.TotalSize); err != nil {
				return err
			}
		}
		a.ID = 0 // Update may run fn again; each run assigns afresh
		return tx.AddAvailability(&a)
	})
	if err != nil {
		s.fail(w, "add availability", err)
		return
	}
	if s.Sales != nil {
		s.Sales.AvailabilityAdded(r.Context(), a)
	}
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) removeAvailability(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "availability id must be a number")
		return
	}
	var found bool
	err = s.Store.Update(r.Context(), func(tx *persist.Tx) error {
		var err error
		found, err = tx.DeleteAvailability(id)
		return err
	})
	switch {
	case err != nil:
		s.fail(w, "remove availability", err)
	case !found:
		writeError(w, http.StatusNotFound, fmt.Sprintf("no availability %d", id))
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) listAvailabilities(w http.ResponseWriter, r *http.Request) {
	list(s, w, func(tx *persist.Tx, fn func(persist.Availability) error) error { return tx.ForEachAvailability(fn) })
}

func (s *Server) listQueue(w http.ResponseWriter, r *http.Request) {
	list(s, w, func(tx *persist.Tx, fn func(persist.QueueItem) error) error { return tx.ForEachQueueItem(fn) })
}

func (s *Server) listPurchases(w http.ResponseWriter, r *http.Request) {
	list(s, w, func(tx *persist.Tx, fn func(persist.Purchase) error) error { return tx.ForEachPurchase(fn) })
}

func (s *Server) listSales(w http.ResponseWriter, r *http.Request) {
	list(s, w, func(tx *persist.Tx, fn func(persist.Agent) error) error { return tx.ForEachAgent(fn) })
}

// saleDoc is one agent with its journal.
type saleDoc struct {
	Agent   persist.Agent          `json:"agent"`
	Journal []persist.JournalEntry `json:"journal"`
}

func (s *Server) getSale(w http.ResponseWriter, r *http.Request) {
	id, err := persist.ParseID(r.PathValue("slotId"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "slotId must be 32 bytes of 0x-hex")
		return
	}
	var doc saleDoc
	err = s.Store.View(func(tx *persist.Tx) error {
		if doc.Agent, err = tx.Agent(id); err != nil {
			return err
		}
		return tx.Journal(id, func(e persist.JournalEntry) error { doc.Journal = append(doc.Journal, e); return nil })
	})
	if err != nil {
		s.fail(w, "read sale", err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) retrySale(w http.ResponseWriter, r *http.Request) {
	id, err := persist.ParseID(r.PathValue("slotId"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "slotId must be 32 bytes of 0x-hex")
		return
	}
	if s.Sales == nil {
		writeError(w, http.StatusServiceUnavailable, "this node does not run the host role")
		return
	}
	if err := s.Sales.Retry(r.Context(), id); err != nil {
		s.fail(w, "retry sale", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// list answers a read route with every record of one bucket as a JSON array.
func list[T any](s *Server, w http.ResponseWriter, each func(*persist.Tx, func(T) error) error) {
	out := []T{}
	err := s.Store.View(func(tx *persist.Tx) error {
		return each(tx, func(v T) error { out = append(out, v); return nil })
	})
	if err != nil {
		s.fail(w, "read store", err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// fail maps store and domain errors to statuses.
func (s *Server) fail(w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, persist.ErrNotFound), errors.Is(err, datastore.ErrNotFound), errors.Is(err, fsm.ErrNoAgent):
		writeError(w, http.StatusNotFound, what+": not found")
	case errors.Is(err, datastore.ErrDiskSpace):
		writeError(w, http.StatusInsufficientStorage, err.Error())
	case errors.Is(err, fsm.ErrNotErrored), errors.Is(err, purchasing.ErrNotCancellable):
		writeError(w, http.StatusConflict, fmt.Sprintf("%s: %v", what, err))
	case errors.Is(err, purchasing.ErrParams), errors.Is(err, persist.ErrConflict):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: %v", what, err))
	case errors.Is(err, context.Canceled):
		writeError(w, http.StatusServiceUnavailable, what+": canceled")
	default:
		if s.Log != nil {
			s.Log.Error("api: "+what, "err", err)
		}
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("%s: %v", what, err))
	}
}
