package proxy

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus metrics of one proxy, served on their own
// listener so that they never share the public address.
type Metrics struct {
	registry  *prometheus.Registry
	logins    *prometheus.CounterVec
	forwarded *prometheus.CounterVec
	latency   *prometheus.HistogramVec
}

// NewMetrics registers authproxy's metrics and the Go runtime's.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authproxy_logins_total",
			Help: "Finished access-token requests by provider and result (success, rejected, provider_error, provisioning_error).",
		}, []string{"provider", "result"}),
		forwarded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authproxy_forwarded_requests_total",
			Help: "Requests forwarded to Argilla by status code and whether a session was used.",
		}, []string{"code", "session"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "authproxy_request_duration_seconds",
			Help:    "Time to serve a request, including Argilla's time for forwarded ones.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
	}
	m.registry.MustRegister(m.logins, m.forwarded, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

func (m *Metrics) login(provider, result string) {
	if m != nil {
		m.logins.WithLabelValues(provider, result).Inc()
	}
}

func (m *Metrics) forward(status int, signedIn bool, started time.Time) {
	if m == nil {
		return
	}
	m.forwarded.WithLabelValues(strconv.Itoa(status), strconv.FormatBool(signedIn)).Inc()
	m.latency.WithLabelValues("forward").Observe(time.Since(started).Seconds())
}
