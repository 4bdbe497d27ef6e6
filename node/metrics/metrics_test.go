package metrics

import (
	"context"
	"io"
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
	for _, want := range []string{`slotd_agents{state="proving"} 3`, "slotd_proofs_submitted_total 2", "slotd_cursor_lag_blocks 10", "slotd_queue_length 0", "slotd_tx_pending 0"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
