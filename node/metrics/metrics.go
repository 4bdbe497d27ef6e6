// Package metrics is the node's Prometheus registry: counters the node's
// parts increment as things happen, and gauges read from the store when
// /metrics is scraped, so they always match what `slotd dump` shows.
package metrics

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slotd/slotd/persist"
)

// Metrics holds the node's counters. The zero value is not usable; call New.
type Metrics struct {
	reg *prometheus.Registry

	ProofsSubmitted prometheus.Counter
	ProofsMissed    prometheus.Counter // our proofs the chain marked missing
	ProofsMarked    prometheus.Counter // others' proofs this validator marked
	DownloadBytes   prometheus.Counter
	// RPCErrors counts failed RPC calls by JSON-RPC method: error replies,
	// refused HTTP requests and transport failures.
	RPCErrors *prometheus.CounterVec

	head atomic.Uint64 // latest block number seen: the gauge and the cursor lag read it
}

// New registers the node's metrics; store may be nil (no store gauges).
func New(store *persist.Store) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg:             reg,
		ProofsSubmitted: prometheus.NewCounter(prometheus.CounterOpts{Name: "slotd_proofs_submitted_total", Help: "Storage proofs this node submitted."}),
		ProofsMissed:    prometheus.NewCounter(prometheus.CounterOpts{Name: "slotd_proofs_missed_total", Help: "Proofs of this node's slots marked missing."}),
		ProofsMarked:    prometheus.NewCounter(prometheus.CounterOpts{Name: "slotd_proofs_marked_total", Help: "Missed proofs this node marked as a validator."}),
		DownloadBytes:   prometheus.NewCounter(prometheus.CounterOpts{Name: "slotd_download_bytes_total", Help: "Slot bytes downloaded and verified."}),
		RPCErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "slotd_rpc_errors_total",
			Help: "Failed RPC calls by JSON-RPC method (error replies, refused requests, transport failures)."}, []string{"method"}),
	}
	headGauge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slotd_chain_head_block", Help: "Latest block number seen."},
		func() float64 { return float64(m.head.Load()) })
	reg.MustRegister(m.ProofsSubmitted, m.ProofsMissed, m.ProofsMarked, m.DownloadBytes, m.RPCErrors, headGauge,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if store != nil {
		reg.MustRegister(&storeCollector{store: store, head: m})
	}
	return m
}

// SetHead records the latest block number the node has seen.
func (m *Metrics) SetHead(n uint64) { m.head.Store(n) }

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

var (
	agentsDesc  = prometheus.NewDesc("slotd_agents", "Sales agents by state.", []string{"state"}, nil)
	queueDesc   = prometheus.NewDesc("slotd_queue_length", "Slots waiting in the queue.", nil, nil)
	pendingDesc = prometheus.NewDesc("slotd_tx_pending", "Transactions sent and not yet mined.", nil, nil)
	cursorDesc  = prometheus.NewDesc("slotd_cursor_block", "Last block whose events are applied.", nil, nil)
	lagDesc     = prometheus.NewDesc("slotd_cursor_lag_blocks", "Blocks between the head and the cursor.", nil, nil)
	offerDesc   = prometheus.NewDesc("slotd_storage_offered_bytes", "Bytes offered in availabilities.", nil, nil)
	usedDesc    = prometheus.NewDesc("slotd_storage_reserved_bytes", "Bytes of the availabilities reserved for slots.", nil, nil)
)

// storeCollector reads the gauges from the store at scrape time.
type storeCollector struct {
	store *persist.Store
	head  *Metrics
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{agentsDesc, queueDesc, pendingDesc, cursorDesc, lagDesc, offerDesc, usedDesc} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	var states map[string]int
	queued, pending := 0, 0
	var cursor, offered, free uint64
	err := c.store.View(func(tx *persist.Tx) error {
		if err := tx.ForEachAvailability(func(a persist.Availability) error {
			offered, free = offered+a.TotalSize, free+a.FreeSize
			return nil
		}); err != nil {
			return err
		}
		var err error
		if states, err = tx.AgentStates(); err != nil {
			return err
		}
		if queued, err = tx.QueueLen(); err != nil {
			return err
		}
		if pending, err = tx.PendingTxCount(); err != nil {
			return err
		}
		if cur, err := tx.Cursor(); err == nil {
			cursor = cur.Number
		}
		return nil
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(agentsDesc, err)
		return
	}
	for s, n := range states {
		ch <- prometheus.MustNewConstMetric(agentsDesc, prometheus.GaugeValue, float64(n), s)
	}
	ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(queued))
	ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(pending))
	ch <- prometheus.MustNewConstMetric(cursorDesc, prometheus.GaugeValue, float64(cursor))
	lag := 0.0
	if head := c.head.head.Load(); head > cursor {
		lag = float64(head - cursor)
	}
	ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, lag)
	ch <- prometheus.MustNewConstMetric(offerDesc, prometheus.GaugeValue, float64(offered))
	ch <- prometheus.MustNewConstMetric(usedDesc, prometheus.GaugeValue, float64(offered-min(free, offered)))
}
