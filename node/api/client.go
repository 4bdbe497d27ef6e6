package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/purchasing"
	"github.com/slotd/slotd/persist"
)

// purchaseBody asks for storage of an uploaded dataset.
type purchaseBody struct {
	CID                   string `json:"cid"`
	Duration              uint64 `json:"duration"`
	Expiry                uint64 `json:"expiry"`
	ProofProbability      Amount `json:"proofProbability"`
	PricePerBytePerSecond Amount `json:"pricePerBytePerSecond"`
	CollateralPerByte     Amount `json:"collateralPerByte"`
}

func (s *Server) createPurchase(w http.ResponseWriter, r *http.Request) {
	if s.Purchasing == nil || s.Data == nil {
		writeError(w, http.StatusServiceUnavailable, "this node does not run the client role")
		return
	}
	var b purchaseBody
	if !decode(w, r, &b) {
		return
	}
	cid, err := datastore.ParseCID(b.CID)
	if err != nil {
		writeError(w, http.StatusBadRequest, "cid: "+err.Error())
		return
	}
	m, err := s.Data.Manifest(cid)
	if err != nil {
		s.fail(w, "dataset "+b.CID, err)
		return
	}
	ds := purchasing.Dataset{CID: b.CID, ContentRoot: cid, Slots: uint64(m.DataSlots + m.ParitySlots),
		MaxSlotLoss: uint64(m.ParitySlots), SlotSize: m.SlotSize}
	params := purchasing.Params{Duration: b.Duration, Expiry: b.Expiry, ProofProbability: b.ProofProbability.Int,
		PricePerBytePerSecond: b.PricePerBytePerSecond.Int, CollateralPerByte: b.CollateralPerByte.Int, Providers: s.Providers}
	if err := params.Check(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	id, err := s.Purchasing.Request(r.Context(), ds, params)
	if err != nil && !errors.Is(err, purchasing.ErrParams) {
		// Recorded: the purchasing loop sends it again; say so.
		writeJSON(w, http.StatusAccepted, map[string]string{"requestId": id.Hex(), "warning": err.Error()})
		return
	}
	if err != nil {
		s.fail(w, "request storage", err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"requestId": id.Hex()})
}

// cancelPurchase ends a purchase never sent, or withdraws an expired one:
// POST /api/v1/purchases/{id}/cancel answers the purchase as it now is.
func (s *Server) cancelPurchase(w http.ResponseWriter, r *http.Request) {
	if s.Purchasing == nil {
		writeError(w, http.StatusServiceUnavailable, "this node does not run the client role")
		return
	}
	id, err := persist.ParseID(r.PathValue("id"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "purchase id must be the request id, 32 bytes of 0x-hex")
		return
	}
	rec, err := s.Purchasing.Cancel(r.Context(), contracts.RequestID(id))
	if err != nil {
		s.fail(w, "cancel purchase", err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) listDatasets(w http.ResponseWriter, r *http.Request) {
	if s.Data == nil {
		writeJSON(w, http.StatusOK, []any{})
		return
	}
	ms, err := s.Data.Datasets()
	if err != nil {
		s.fail(w, "list datasets", err)
		return
	}
	writeJSON(w, http.StatusOK, ms)
}

// upload streams the body into a dataset: POST /api/v1/datasets?slots=N&maxSlotLoss=M&name=F
// with Content-Length set.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	if s.Data == nil {
		writeError(w, http.StatusServiceUnavailable, "this node has no data store")
		return
	}
	q := r.URL.Query()
	n, err1 := strconv.Atoi(q.Get("slots"))
	m, err2 := strconv.Atoi(q.Get("maxSlotLoss"))
	if err1 != nil || err2 != nil || n < 1 || m < 0 || m >= n || n > datastore.MaxSlots {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("query needs slots=N (1..%d) and maxSlotLoss=M (0..N-1)", datastore.MaxSlots))
		return
	}
	if r.ContentLength < 0 {
		writeError(w, http.StatusLengthRequired, "send Content-Length: the upload is erasure-coded as it streams")
		return
	}
	unbounded(w)
	man, err := s.Data.Import(r.Context(), r.Body, uint64(r.ContentLength), datastore.ImportOptions{Slots: n, MaxSlotLoss: m, Name: q.Get("name")})
	if err != nil {
		writeError(w, http.StatusBadRequest, "upload: "+err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, man)
}
