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
		return HostFigures{Paid: big.NewInt(1), Forfeited: big.NewInt(0), Proving: true, CollateralLocked: big.NewInt(2)}, nil
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
		// A selector's exact label match must meet a served series, or the
		// panel stays empty as surely as with a wrong name.
		for _, sel := range selector.FindAllStringSubmatch(e, -1) {
			for _, lv := range exact.FindAllStringSubmatch(sel[2], -1) {
				if !servesLabel(string(body), sel[1], lv[1], lv[2]) {
					t.Errorf("the dashboard selects %s{%s=%q} (in %q); /metrics serves no such series", sel[1], lv[1], lv[2], e)
				}
			}
		}
	}
	if queried < 8 {
		t.Fatalf("the dashboard queries only %d metrics", queried)
	}
}

var (
	selector = regexp.MustCompile(`(slotd_[a-z0-9_]+)\{([^}]*)\}`)
	exact    = regexp.MustCompile(`([a-z_]+)="([^"]*)"`)
)

// servesLabel says whether the exposition body has a sample of metric
// with label set to value.
func servesLabel(body, metric, label, value string) bool {
	want := label + `="` + value + `"`
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, metric+"{") && strings.Contains(line, want) {
			return true
		}
	}
	return false
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
