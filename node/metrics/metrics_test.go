package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slotd/slotd/persist"
)

func TestMetricsReadStoreAndCounters(t *testing.T) {
	store, err := persist.Open(filepath.Join(t.TempDir(), "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	err = store.Update(context.Background(), func(tx *persist.Tx) error {
		for i := range 3 {
			a := &persist.Agent{SlotID: persist.ID{byte(i + 1)}, State: "proving"}
			if err := tx.Transition(a, &persist.JournalEntry{To: "proving", Event: "test"}); err != nil {
				return err
			}
		}
		for _, size := range []uint64{1000, 3000} {
			if err := tx.AddAvailability(&persist.Availability{TotalSize: size}); err != nil {
				return err
			}
		}
		return tx.SetCursor(persist.Cursor{Number: 90})
	})
	if err != nil {
		t.Fatal(err)
	}
	m := New(store)
	m.ProofsSubmitted.Add(2)
	m.SetHead(100)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{`slotd_agents{state="proving"} 3`, "slotd_proofs_submitted_total 2", "slotd_cursor_lag_blocks 10", "slotd_queue_length 0", "slotd_tx_pending 0",
		"slotd_storage_offered_bytes 4000", "slotd_storage_reserved_bytes 0"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// BenchmarkScrape is one /metrics scrape of a store with 20,000 agents,
// 2,000 queue items and 6,000 tx records (an hour of proofs for 100 slots
// at the default period, each with a 1 GiB slot's 3,190-byte signed tx):
//
//	go test ./node/metrics -run '^$' -bench Scrape
func BenchmarkScrape(b *testing.B) {
	store, err := persist.Open(filepath.Join(b.TempDir(), "slotd.db"), &persist.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	states := []string{"downloading", "filling", "proving", "finished"}
	err = store.Update(context.Background(), func(tx *persist.Tx) error {
		for i := range 20_000 {
			slot := persist.ID{byte(i >> 16), byte(i >> 8), byte(i), 's'}
			a := &persist.Agent{SlotID: slot, RequestID: persist.ID{byte(i >> 8)}, SlotIndex: uint64(i % 8), Reason: "a reason an errored agent might keep"}
			if err := tx.Transition(a, &persist.JournalEntry{To: states[i%len(states)], Event: "test"}); err != nil {
				return err
			}
		}
		for i := range 2_000 {
			q := persist.QueueItem{SlotID: persist.ID{byte(i >> 8), byte(i), 'q'}, SlotSize: 1 << 20}
			if err := tx.PutQueueItem(&q); err != nil {
				return err
			}
		}
		for i := range 6_000 {
			status := persist.TxMined
			if i%60 == 0 {
				status = persist.TxPending
			}
			r := persist.TxRecord{Purpose: fmt.Sprintf("proof:%d:%d", i%100, i/100), Nonce: uint64(i), Raw: make(persist.Bytes, 3190),
				Value: new(big.Int), GasFeeCap: big.NewInt(1e9), GasTipCap: big.NewInt(1e6), Status: status}
			if err := tx.PutTxRecord(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	h := New(store).Handler()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if body := rec.Body.String(); !strings.Contains(body, `slotd_agents{state="proving"} 5000`) || !strings.Contains(body, "slotd_tx_pending 100") {
			b.Fatalf("scrape:\n%s", rec.Body)
		}
	}
}

// TestHostFiguresAreServed: the host's earnings and last day's proofs are
// read at each scrape; a failed read is an error on the scrape, not zeros.
func TestHostFiguresAreServed(t *testing.T) {
	m := New(nil)
	paid, _ := new(big.Int).SetString("6710000000000000000", 10)
	fail := false
	if err := m.ServeHostFigures(func(context.Context) (HostFigures, error) {
		if fail {
			return HostFigures{}, errors.New("store closed")
		}
		return HostFigures{Paid: paid, Forfeited: big.NewInt(1573), ProofsSubmitted24h: 41, ProofsMissed24h: 2,
			Proving: true, Period: 29374, CollateralLocked: big.NewInt(1340),
			Current: PeriodProofs{Due: 3, Submitted: 1}, Previous: PeriodProofs{Due: 4, Submitted: 3, Missed: 1}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	body := scrape(t, m)
	for _, want := range []string{
		"slotd_earnings_paid_base_units 6.71e+18",
		"slotd_collateral_forfeited_base_units 1573",
		`slotd_proofs_24h{status="submitted"} 41`,
		`slotd_proofs_24h{status="missed"} 2`,
		"slotd_collateral_locked_base_units 1340",
		"slotd_proof_period 29374",
		`slotd_proofs_by_period{period="current",status="due"} 3`,
		`slotd_proofs_by_period{period="current",status="submitted"} 1`,
		`slotd_proofs_by_period{period="previous",status="due"} 4`,
		`slotd_proofs_by_period{period="previous",status="missed"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
	fail = true
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("scrape with the figures unreadable: %d, want 500", rec.Code)
	}
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}
