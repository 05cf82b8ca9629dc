package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluice-gateway/sluice"
	"github.com/sluice-gateway/sluice/httpapi"
)

// openMetrics registers sluice's series and serves them at /metrics on
// their own listener, so that they need not be exposed where the API is.
func (m *Main) openMetrics() error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.API.Metrics = httpapi.NewMetrics(reg)
	reg.MustRegister(&storeCollector{m: m, decided: map[[2]string]float64{}})
	ln, err := net.Listen("tcp", m.Config.MetricsAddr)
	if err != nil {
		return fmt.Errorf("metrics listener: %w", err)
	}
	m.MetricsListener = ln
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: nil}))
	m.metricsHTTP = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go m.metricsHTTP.Serve(ln)
	return nil
}

var (
	logSizeDesc = prometheus.NewDesc("sluice_log_size_entries",
		"Entries in the audit log's latest checkpoint.", nil, nil)
	logLagDesc = prometheus.NewDesc("sluice_log_integration_lag_seconds",
		"Age of the oldest audit event not yet in a checkpoint; 0 when all are.", nil, nil)
	decisionsDesc = prometheus.NewDesc("sluice_decisions_total",
		"Decisions in the audit log, by action and result (allow, deny, …), counted from the log's start.", []string{"action", "result"}, nil)
	transfersDesc = prometheus.NewDesc("sluice_transfers",
		"Transfers by org id, route and status.", []string{"org", "route", "status"}, nil)
	transferSubjectsDesc = prometheus.NewDesc("sluice_transfer_subjects",
		"People exported this calendar year by org id and counter (pi, spi): the counters the thresholds are held against.", []string{"org", "counter"}, nil)
)

// decisionScanMax bounds the audit entries one scrape reads, so that a
// first scrape of a long log does not stall; the rest follow on the
// next scrapes.
const decisionScanMax = 1 << 16

// storeCollector reads the stores at scrape time: the audit log's size
// and lag, the decisions the log holds, and the transfers and year-to-date
// counters per org. Labels are ids and codes, never names or identifiers.
type storeCollector struct {
	m *Main

	mu      sync.Mutex
	next    int64                 // first log entry not yet counted
	decided map[[2]string]float64 // (action, result) → count
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- logSizeDesc
	ch <- logLagDesc
	ch <- decisionsDesc
	ch <- transfersDesc
	ch <- transferSubjectsDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.collectLog(ctx, ch); err != nil {
		ch <- prometheus.NewInvalidMetric(logSizeDesc, err)
	}
	if err := c.collectTransfers(ctx, ch); err != nil {
		ch <- prometheus.NewInvalidMetric(transfersDesc, err)
	}
}

func (c *storeCollector) collectLog(ctx context.Context, ch chan<- prometheus.Metric) error {
	log := c.m.Log
	if log == nil {
		return nil
	}
	cp, err := log.Checkpoint(ctx)
	if err != nil {
		return err
	}
	var size int64
	if cp != nil {
		size = cp.Size
	}
	ch <- prometheus.MustNewConstMetric(logSizeDesc, prometheus.GaugeValue, float64(size))
	// The public entries are commitments; the events they commit to, in
	// the control store, carry the time, action and decision.
	var events eventReader
	if c.m.Stores != nil {
		events, _ = c.m.Stores.Events.(eventReader)
	}
	if events == nil {
		return nil
	}
	lag := 0.0
	if pending, err := events.ReadEvents(ctx, size, 1); err != nil {
		return err
	} else if len(pending) == 1 {
		var e struct{ Time time.Time }
		if json.Unmarshal(pending[0], &e) == nil && !e.Time.IsZero() {
			lag = max(0, time.Since(e.Time).Seconds())
		}
	}
	ch <- prometheus.MustNewConstMetric(logLagDesc, prometheus.GaugeValue, lag)

	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.countDecisions(ctx, events, size); err != nil {
		return err
	}
	for k, n := range c.decided {
		ch <- prometheus.MustNewConstMetric(decisionsDesc, prometheus.CounterValue, n, k[0], k[1])
	}
	return nil
}

// An eventReader reads the events of the audit log in full (the control
// store's events, not the public entries that commit to them).
type eventReader interface {
	ReadEvents(ctx context.Context, start, n int64) ([][]byte, error)
}

// countDecisions reads the events of the integrated entries not yet
// counted (up to decisionScanMax) and counts those that carry a decision.
// Only the action and the decision, both codes, become labels.
func (c *storeCollector) countDecisions(ctx context.Context, events eventReader, size int64) error {
	end := min(size, c.next+decisionScanMax)
	for c.next < end {
		entries, err := events.ReadEvents(ctx, c.next, min(1024, end-c.next))
		if err != nil {
			return err
		} else if len(entries) == 0 {
			return nil
		}
		for _, b := range entries {
			var e struct {
				Action   string `json:"action"`
				Decision string `json:"decision"`
			}
			if json.Unmarshal(b, &e) == nil && e.Decision != "" {
				c.decided[[2]string{e.Action, e.Decision}]++
			}
		}
		c.next += int64(len(entries))
	}
	return nil
}

func (c *storeCollector) collectTransfers(ctx context.Context, ch chan<- prometheus.Metric) error {
	st := c.m.Stores
	if st == nil || st.Transfers == nil {
		return nil
	}
	type key struct{ org, route, status string }
	counts := map[key]float64{}
	orgs := map[int64]bool{}
	const page = 1000
	for off := 0; ; off += page {
		ts, _, err := st.Transfers.FindTransfers(ctx, sluice.TransferFilter{Offset: off, Limit: page})
		if err != nil {
			return err
		}
		for _, t := range ts {
			counts[key{strconv.FormatInt(t.OrgID, 10), t.Decision.Route, string(t.Status)}]++
			orgs[t.OrgID] = true
		}
		if len(ts) < page {
			break
		}
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(transfersDesc, prometheus.GaugeValue, n, k.org, k.route, k.status)
	}
	year := time.Now().UTC().Year()
	for id := range orgs {
		n, err := st.Transfers.TransferCounts(ctx, id, year)
		if err != nil {
			return err
		}
		org := strconv.FormatInt(id, 10)
		ch <- prometheus.MustNewConstMetric(transferSubjectsDesc, prometheus.GaugeValue, float64(n.PI), org, sluice.CounterPI)
		ch <- prometheus.MustNewConstMetric(transferSubjectsDesc, prometheus.GaugeValue, float64(n.SPI), org, sluice.CounterSPI)
	}
	return nil
}

// closeMetrics stops the metrics listener.
func (m *Main) closeMetrics() error {
	if m.metricsHTTP == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := m.metricsHTTP.Shutdown(ctx)
	m.metricsHTTP = nil
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
