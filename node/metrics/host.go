package metrics

import (
	"context"
	"math/big"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// HostFigures are a host's money and proofs, worked out by the node from
// its store at scrape time (the same figures as `slotd status`).
type HostFigures struct {
	Paid      *big.Int // payouts received, all time (token base units)
	Forfeited *big.Int // collateral slashes took over the last day
	// ProofsSubmitted24h and ProofsMissed24h count the proof records of
	// the last day: one per slot and period.
	ProofsSubmitted24h, ProofsMissed24h int

	// From the proving scheduler's latest round (Proving false: none yet).
	Proving          bool
	Period           uint64   // the chain's proof period
	CollateralLocked *big.Int // in held slots, after slashes
	// Due, Submitted and Missed count the proofs of the current period and
	// the one before: Due the held slots that had to prove (the scheduler),
	// Submitted and Missed the proof records of the period (the ledger).
	Current, Previous PeriodProofs
}

// PeriodProofs are one period's proofs, one per slot.
type PeriodProofs struct {
	Due, Submitted, Missed int
}

// hostScrapeTimeout bounds one scrape's read of the host figures.
const hostScrapeTimeout = 5 * time.Second

var (
	paidDesc      = prometheus.NewDesc("slotd_earnings_paid_base_units", "Payouts received, all time, in token base units.", nil, nil)
	forfeitedDesc = prometheus.NewDesc("slotd_collateral_forfeited_base_units", "Collateral slashes took over the last day, in token base units.", nil, nil)
	proofs24hDesc = prometheus.NewDesc("slotd_proofs_24h", "This host's proofs over the last day by outcome (one per slot and period).", []string{"status"}, nil)
	lockedDesc    = prometheus.NewDesc("slotd_collateral_locked_base_units", "Collateral the contract holds in this host's slots after slashes, in token base units.", nil, nil)
	periodDesc    = prometheus.NewDesc("slotd_proof_period", "The chain's current proof period.", nil, nil)
	byPeriodDesc  = prometheus.NewDesc("slotd_proofs_by_period",
		"This host's proofs of the current and the previous period: due (held slots that must prove), submitted and missed (on chain).",
		[]string{"period", "status"}, nil)
)

// hostCollector serves the host figures; read is set once the host runs.
type hostCollector struct {
	read func(context.Context) (HostFigures, error)
}

func (c *hostCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- paidDesc
	ch <- forfeitedDesc
	ch <- proofs24hDesc
	ch <- lockedDesc
	ch <- periodDesc
	ch <- byPeriodDesc
}

func (c *hostCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), hostScrapeTimeout)
	defer cancel()
	f, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(paidDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(paidDesc, prometheus.GaugeValue, baseUnits(f.Paid))
	ch <- prometheus.MustNewConstMetric(forfeitedDesc, prometheus.GaugeValue, baseUnits(f.Forfeited))
	ch <- prometheus.MustNewConstMetric(proofs24hDesc, prometheus.GaugeValue, float64(f.ProofsSubmitted24h), "submitted")
	ch <- prometheus.MustNewConstMetric(proofs24hDesc, prometheus.GaugeValue, float64(f.ProofsMissed24h), "missed")
	if !f.Proving {
		return // before the scheduler's first round these would read as zero proofs due
	}
	ch <- prometheus.MustNewConstMetric(lockedDesc, prometheus.GaugeValue, baseUnits(f.CollateralLocked))
	ch <- prometheus.MustNewConstMetric(periodDesc, prometheus.GaugeValue, float64(f.Period))
	for _, p := range []struct {
		name string
		v    PeriodProofs
	}{{"current", f.Current}, {"previous", f.Previous}} {
		ch <- prometheus.MustNewConstMetric(byPeriodDesc, prometheus.GaugeValue, float64(p.v.Due), p.name, "due")
		ch <- prometheus.MustNewConstMetric(byPeriodDesc, prometheus.GaugeValue, float64(p.v.Submitted), p.name, "submitted")
		ch <- prometheus.MustNewConstMetric(byPeriodDesc, prometheus.GaugeValue, float64(p.v.Missed), p.name, "missed")
	}
}

// baseUnits is v as a float: Prometheus samples are float64, which keeps
// about 16 significant digits of an amount (exact enough for a graph).
func baseUnits(v *big.Int) float64 {
	if v == nil {
		return 0
	}
	f, _ := new(big.Float).SetInt(v).Float64()
	return f
}

// ServeHostFigures registers the host figures, read from read at each
// scrape. A node calls it once, when it runs the host role.
func (m *Metrics) ServeHostFigures(read func(context.Context) (HostFigures, error)) error {
	return m.reg.Register(&hostCollector{read: read})
}
