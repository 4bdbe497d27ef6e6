package metrics

import (
	"context"
	"encoding/json"
	"io"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/slotd/slotd/persist"
)

// TestGrafanaDashboardQueriesExistingMetrics: every metric the dashboard
// in grafana.json queries is one /metrics serves, so no panel is empty
// because of a typo or a renamed metric.
func TestGrafanaDashboardQueriesExistingMetrics(t *testing.T) {
	b, err := os.ReadFile("grafana.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Query any `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("grafana.json: %v", err)
	}
	store, err := persist.Open(filepath.Join(t.TempDir(), "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// slotd_agents has a series per state only once there are agents.
	err = store.Update(context.Background(), func(tx *persist.Tx) error {
		a := &persist.Agent{SlotID: persist.ID{1}, State: "proving"}
		return tx.Transition(a, &persist.JournalEntry{To: "proving", Event: "test"})
	})
	if err != nil {
		t.Fatal(err)
	}
	// A host's figures, and a vector's series once something was counted.
	m := New(store)
	if err := m.ServeHostFigures(func(context.Context) (HostFigures, error) {
		return HostFigures{Paid: big.NewInt(1), Forfeited: big.NewInt(0)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	m.RPCErrors.WithLabelValues("eth_call").Inc()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	served := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) `).FindAllSubmatch(body, -1) {
		served[string(m[1])] = true
	}
	name := regexp.MustCompile(`slotd_[a-z0-9_]+`)
	var exprs []string
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range dash.Templating.List {
		if q, ok := v.Query.(string); ok {
			exprs = append(exprs, q)
		}
	}
	queried := 0
	for _, e := range exprs {
		for _, m := range name.FindAllString(e, -1) {
			queried++
			if !served[m] {
				t.Errorf("the dashboard queries %s (in %q); /metrics serves none (%s)", m, e, strings.Join(keys(served), " "))
			}
		}
	}
	if queried < 8 {
		t.Fatalf("the dashboard queries only %d metrics", queried)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		if strings.HasPrefix(k, "slotd_") {
			out = append(out, k)
		}
	}
	return out
}
