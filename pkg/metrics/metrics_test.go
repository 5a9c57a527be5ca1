/*
Copyright 2026 The Kubernaut Authors

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package metrics

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	kmetrics "knative.dev/pkg/observability/metrics"
	"knative.dev/pkg/observability/resource"

	_ "knative.dev/pkg/system/testing" // sets SYSTEM_NAMESPACE for resource.Default

	"kubernaut.ai/workflowexecution/pkg/audit"
)

// Bucket boundaries as exposed; written out so a change to them is deliberate.
var (
	wantExecutionBounds = []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600}
	wantLatencyBounds   = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}
)

// globalLabels are the labels knative's Prometheus exporter configuration
// (otelprom with UnderscoreEscapingWithSuffixes, scope info on) adds to every
// series of our meter; the resource attributes go to target_info instead.
var globalLabels = map[string]string{
	"otel_scope_name":       ScopeName,
	"otel_scope_version":    "",
	"otel_scope_schema_url": "",
}

// series is one scraped time series without the global labels.
type series struct {
	Labels  map[string]string
	Value   float64            // counter and gauge
	Count   uint64             // histogram
	Sum     float64            // histogram
	Buckets map[float64]uint64 // histogram, cumulative, +Inf excluded
}

type family struct {
	Type   string
	Series []series
}

func counter(labels map[string]string, v float64) series {
	return series{Labels: labels, Value: v}
}

// histogram builds the expected series for the observations obs.
func histogram(labels map[string]string, bounds []float64, obs ...float64) series {
	s := series{Labels: labels, Buckets: make(map[float64]uint64, len(bounds))}
	for _, b := range bounds {
		s.Buckets[b] = 0
	}
	for _, o := range obs {
		s.Count++
		s.Sum += o
		for _, b := range bounds {
			if o <= b {
				s.Buckets[b]++
			}
		}
	}
	return s
}

func l(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// TestRecorderPrometheusScrape wires the recorder as sharedmain does (knative's
// NewMeterProvider with the prometheus protocol, installed as the global
// provider) and checks the real /metrics output.
func TestRecorderPrometheusScrape(t *testing.T) {
	for _, env := range []string{"METRICS_PROMETHEUS_PORT", "METRICS_PROMETHEUS_HOST",
		"METRICS_PROMETHEUS_TLS_CERT", "METRICS_PROMETHEUS_TLS_KEY", "OTEL_SERVICE_NAME"} {
		t.Setenv(env, "") // empty means "not set" for knative's env overrides
	}
	ctx := context.Background()
	addr := freeLoopbackAddr(t)

	mp, err := kmetrics.NewMeterProvider(ctx,
		kmetrics.Config{Protocol: kmetrics.ProtocolPrometheus, Endpoint: addr},
		sdkmetric.WithResource(resource.Default("workflowexecution-controller")))
	if err != nil {
		t.Fatalf("NewMeterProvider() = %v", err)
	}
	t.Cleanup(func() {
		otel.SetMeterProvider(noop.NewMeterProvider())
		if err := mp.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown() = %v", err)
		}
	})
	// As sharedmain does before the controllers are built.
	otel.SetMeterProvider(mp)

	r, err := NewRecorder(nil) // the global provider
	if err != nil {
		t.Fatalf("NewRecorder() = %v", err)
	}

	var locks atomic.Int64
	locks.Store(4)
	r.SetLocksHeld(locks.Load)
	r.SetAuditPending(func() int64 { return 2 })

	const (
		pending, running            = "Pending", "Running"
		completed, failed, skipped  = "Completed", "Failed", "Skipped"
		busy, recent                = "ResourceBusy", "RecentlyRemediated"
		success, alreadyExists, bad = CreationSuccess, CreationAlreadyExists, CreationError
	)
	sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

	// Two completed executions.
	r.PhaseTransition(ctx, "", pending, 0)
	r.PipelineRunCreation(ctx, success, sec(0.25))
	r.PhaseTransition(ctx, pending, running, sec(0.5))
	r.PhaseTransition(ctx, running, completed, sec(64))
	r.StatusSync(ctx, sec(0.125))
	r.ExecutionFinished(ctx, completed, sec(70))

	r.PhaseTransition(ctx, "", pending, 0)
	r.PipelineRunCreation(ctx, alreadyExists, sec(0.1)) // not observed
	r.PipelineRunCreation(ctx, success, sec(0.5))
	r.PhaseTransition(ctx, pending, running, sec(1))
	r.PhaseTransition(ctx, running, completed, sec(128))
	r.StatusSync(ctx, sec(2))
	r.ExecutionFinished(ctx, completed, sec(130))

	// One failed execution.
	r.PhaseTransition(ctx, "", pending, 0)
	r.PipelineRunCreation(ctx, bad, sec(0.2)) // not observed
	r.PipelineRunCreation(ctx, success, sec(4))
	r.PhaseTransition(ctx, pending, running, sec(4))
	r.PhaseTransition(ctx, running, failed, sec(8))
	r.StatusSync(ctx, sec(0.25))
	r.ExecutionFinished(ctx, failed, sec(12))

	// Three skipped executions, two reasons.
	for _, s := range []struct {
		reason string
		d      float64
	}{{busy, 0.03125}, {busy, 0.03125}, {recent, 0.5}} {
		r.PhaseTransition(ctx, "", pending, 0)
		r.Skipped(ctx, s.reason)
		r.PhaseTransition(ctx, pending, skipped, sec(s.d))
		r.ExecutionFinished(ctx, skipped, sec(s.d))
	}

	// Audit delivery.
	r.EventSent(audit.ResultDelivered, 3)
	r.EventSent(audit.ResultDelivered, 2)
	r.EventSent(audit.ResultRejected, 1)
	r.EventSent(audit.ResultRetried, 0) // nothing to count: no series

	want := map[string]family{
		"workflowexecution_total": {Type: "COUNTER", Series: []series{
			counter(l("outcome", completed), 2),
			counter(l("outcome", failed), 1),
			counter(l("outcome", skipped), 3),
		}},
		"workflowexecution_duration_seconds": {Type: "HISTOGRAM", Series: []series{
			histogram(l("outcome", completed), wantExecutionBounds, 70, 130),
			histogram(l("outcome", failed), wantExecutionBounds, 12),
			histogram(l("outcome", skipped), wantExecutionBounds, 0.03125, 0.03125, 0.5),
		}},
		"workflowexecution_phase_transitions_total": {Type: "COUNTER", Series: []series{
			counter(l("phase", completed), 2),
			counter(l("phase", failed), 1),
			counter(l("phase", pending), 6),
			counter(l("phase", running), 3),
			counter(l("phase", skipped), 3),
		}},
		"workflowexecution_phase_duration_seconds": {Type: "HISTOGRAM", Series: []series{
			histogram(l("phase", pending), wantExecutionBounds, 0.5, 1, 4, 0.03125, 0.03125, 0.5),
			histogram(l("phase", running), wantExecutionBounds, 64, 128, 8),
		}},
		"workflowexecution_skip_total": {Type: "COUNTER", Series: []series{
			counter(l("reason", recent), 1),
			counter(l("reason", busy), 2),
		}},
		"workflowexecution_pipelinerun_creation_total": {Type: "COUNTER", Series: []series{
			counter(l("result", alreadyExists), 1),
			counter(l("result", bad), 1),
			counter(l("result", success), 3),
		}},
		"workflowexecution_pipelinerun_creation_duration_seconds": {Type: "HISTOGRAM", Series: []series{
			histogram(l(), wantLatencyBounds, 0.25, 0.5, 4),
		}},
		"workflowexecution_status_sync_duration_seconds": {Type: "HISTOGRAM", Series: []series{
			histogram(l(), wantLatencyBounds, 0.125, 2, 0.25),
		}},
		"workflowexecution_locks_held": {Type: "GAUGE", Series: []series{counter(l(), 4)}},
		"workflowexecution_audit_events_total": {Type: "COUNTER", Series: []series{
			counter(l("result", audit.ResultDelivered), 5),
			counter(l("result", audit.ResultRejected), 1),
		}},
		"workflowexecution_audit_pending": {Type: "GAUGE", Series: []series{counter(l(), 2)}},
	}

	for name, f := range want {
		want[name] = sortSeries(f)
	}
	mfs := scrape(t, "http://"+addr+"/metrics")
	if diff := cmp.Diff(want, ours(t, mfs)); diff != "" {
		t.Errorf("scraped workflowexecution_* metrics (-want, +got):\n%s", diff)
	}

	// knative's exporter also publishes the resource as target_info.
	ti, ok := mfs["target_info"]
	if !ok || len(ti.GetMetric()) != 1 {
		t.Fatalf("target_info missing or not a single series: %v", ti)
	}
	if got := labelMap(ti.GetMetric()[0])["service_name"]; got != "workflowexecution-controller" {
		t.Errorf("target_info service_name = %q, want %q", got, "workflowexecution-controller")
	}

	// The gauge reads the callback at every scrape.
	locks.Store(3)
	got := ours(t, scrape(t, "http://"+addr+"/metrics"))["workflowexecution_locks_held"]
	if diff := cmp.Diff(family{Type: "GAUGE", Series: []series{counter(l(), 3)}}, got); diff != "" {
		t.Errorf("workflowexecution_locks_held after change (-want, +got):\n%s", diff)
	}
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return addr
}

// scrape GETs url (retrying while the server starts) and parses the text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	var lastErr error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(url) //nolint:noctx // test scrape of a loopback server
		if err != nil {
			lastErr = err
			continue
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			t.Fatalf("GET %s: status %d", url, resp.StatusCode)
		}
		if ct := expfmt.ResponseFormat(resp.Header); ct.FormatType() != expfmt.TypeTextPlain {
			resp.Body.Close()
			t.Fatalf("GET %s: content type %q, want the Prometheus text format", url, ct)
		}
		parser := expfmt.NewTextParser(model.LegacyValidation)
		mfs, err := parser.TextToMetricFamilies(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("parse %s: %v", url, err)
		}
		return mfs
	}
	t.Fatalf("GET %s: %v", url, lastErr)
	return nil
}

// ours returns the workflowexecution_* families, checking and removing the
// global labels from each series.
func ours(t *testing.T, mfs map[string]*dto.MetricFamily) map[string]family {
	t.Helper()
	got := map[string]family{}
	for name, mf := range mfs {
		if !strings.HasPrefix(name, "workflowexecution_") {
			continue
		}
		f := family{Type: mf.GetType().String()}
		for _, m := range mf.GetMetric() {
			labels := labelMap(m)
			for k, v := range globalLabels {
				if labels[k] != v {
					t.Errorf("%s%v: label %s = %q, want %q", name, labels, k, labels[k], v)
				}
				delete(labels, k)
			}
			s := series{Labels: labels}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				s.Value = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				s.Value = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				s.Count, s.Sum = h.GetSampleCount(), h.GetSampleSum()
				s.Buckets = map[float64]uint64{}
				for _, b := range h.GetBucket() {
					if !math.IsInf(b.GetUpperBound(), +1) {
						s.Buckets[b.GetUpperBound()] = b.GetCumulativeCount()
					}
				}
			default:
				t.Errorf("%s: unexpected type %v", name, mf.GetType())
			}
			f.Series = append(f.Series, s)
		}
		got[name] = sortSeries(f)
	}
	return got
}

func sortSeries(f family) family {
	sort.Slice(f.Series, func(i, j int) bool {
		return fmt.Sprint(f.Series[i].Labels) < fmt.Sprint(f.Series[j].Labels)
	})
	return f
}

func labelMap(m *dto.Metric) map[string]string {
	labels := map[string]string{}
	for _, lp := range m.GetLabel() {
		labels[lp.GetName()] = lp.GetValue()
	}
	return labels
}

func TestNilRecorderIsNoop(t *testing.T) {
	var r *Recorder
	ctx := context.Background()
	calls := map[string]func(){
		"ExecutionFinished":   func() { r.ExecutionFinished(ctx, "Completed", time.Second) },
		"PhaseTransition":     func() { r.PhaseTransition(ctx, "Pending", "Running", time.Second) },
		"Skipped":             func() { r.Skipped(ctx, "ResourceBusy") },
		"PipelineRunCreation": func() { r.PipelineRunCreation(ctx, CreationSuccess, time.Second) },
		"StatusSync":          func() { r.StatusSync(ctx, time.Second) },
		"SetLocksHeld":        func() { r.SetLocksHeld(func() int64 { return 1 }) },
		"SetAuditPending":     func() { r.SetAuditPending(func() int64 { return 1 }) },
		"EventSent":           func() { r.EventSent(audit.ResultDelivered, 1) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("(*Recorder)(nil).%s panicked: %v", name, p)
				}
			}()
			call()
		})
	}
}

// newManualRecorder returns a recorder on an SDK provider read on demand.
func newManualRecorder(t *testing.T) (*Recorder, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	r, err := NewRecorder(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	if err != nil {
		t.Fatalf("NewRecorder() = %v", err)
	}
	return r, reader
}

// int64Points collects and returns the int64 data points of the named
// instrument, keyed by their attributes ("" for none).
func int64Points(t *testing.T, reader *sdkmetric.ManualReader, name string) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect() = %v", err)
	}
	points := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			var dps []metricdata.DataPoint[int64]
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				dps = d.DataPoints
			case metricdata.Gauge[int64]:
				dps = d.DataPoints
			default:
				t.Fatalf("%s: unexpected data %T", name, m.Data)
			}
			for _, dp := range dps {
				points[dp.Attributes.Encoded(attribute.DefaultEncoder())] = dp.Value
			}
		}
	}
	return points
}

func TestGaugeCallbacks(t *testing.T) {
	r, reader := newManualRecorder(t)
	steps := []struct {
		name        string
		do          func()
		wantLocks   map[string]int64
		wantPending map[string]int64
	}{{
		name:        "not set: no series",
		do:          func() {},
		wantLocks:   map[string]int64{},
		wantPending: map[string]int64{},
	}, {
		name: "set",
		do: func() {
			r.SetLocksHeld(func() int64 { return 4 })
			r.SetAuditPending(func() int64 { return 2 })
		},
		wantLocks:   map[string]int64{"": 4},
		wantPending: map[string]int64{"": 2},
	}, {
		name:        "replaced",
		do:          func() { r.SetLocksHeld(func() int64 { return 7 }) },
		wantLocks:   map[string]int64{"": 7},
		wantPending: map[string]int64{"": 2},
	}, {
		name:        "unset",
		do:          func() { r.SetAuditPending(nil) },
		wantLocks:   map[string]int64{"": 7},
		wantPending: map[string]int64{},
	}}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.do()
			if diff := cmp.Diff(step.wantLocks, int64Points(t, reader, LocksHeldName)); diff != "" {
				t.Errorf("%s (-want, +got):\n%s", LocksHeldName, diff)
			}
			if diff := cmp.Diff(step.wantPending, int64Points(t, reader, AuditPendingName)); diff != "" {
				t.Errorf("%s (-want, +got):\n%s", AuditPendingName, diff)
			}
		})
	}
}

func TestEventSent(t *testing.T) {
	tests := []struct {
		name string
		sent []struct {
			result string
			n      int
		}
		want map[string]int64
	}{{
		name: "adds n per result",
		sent: []struct {
			result string
			n      int
		}{{audit.ResultDelivered, 3}, {audit.ResultDelivered, 2}, {audit.ResultRetried, 1}, {audit.ResultDropped, 1}},
		want: map[string]int64{"result=delivered": 5, "result=retried": 1, "result=dropped": 1},
	}, {
		name: "ignores zero and negative n",
		sent: []struct {
			result string
			n      int
		}{{audit.ResultRejected, 0}, {audit.ResultRejected, -1}},
		want: map[string]int64{},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, reader := newManualRecorder(t)
			for _, s := range tc.sent {
				r.EventSent(s.result, s.n)
			}
			if diff := cmp.Diff(tc.want, int64Points(t, reader, AuditEventsTotalName)); diff != "" {
				t.Errorf("%s (-want, +got):\n%s", AuditEventsTotalName, diff)
			}
		})
	}
}

// TestConcurrentUse records, swaps gauge callbacks and collects from many
// goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	r, reader := newManualRecorder(t)
	const workers, iterations = 8, 100
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range iterations {
				r.ExecutionFinished(ctx, "Completed", time.Millisecond)
				r.PhaseTransition(ctx, "Pending", "Running", time.Millisecond)
				r.EventSent(audit.ResultDelivered, 1)
				v := int64(w*iterations + i)
				r.SetLocksHeld(func() int64 { return v })
			}
		})
	}
	wg.Go(func() {
		for range iterations {
			var rm metricdata.ResourceMetrics
			if err := reader.Collect(ctx, &rm); err != nil {
				t.Errorf("Collect() = %v", err)
				return
			}
		}
	})
	wg.Wait()
	want := map[string]int64{"outcome=Completed": workers * iterations}
	if diff := cmp.Diff(want, int64Points(t, reader, TotalName)); diff != "" {
		t.Errorf("%s (-want, +got):\n%s", TotalName, diff)
	}
}

type countSum struct {
	Count uint64
	Sum   float64
}

// histogramPoints collects and returns the count and sum of the named float64
// histogram, keyed by attributes.
func histogramPoints(t *testing.T, reader *sdkmetric.ManualReader, name string) map[string]countSum {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect() = %v", err)
	}
	points := map[string]countSum{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			h, ok := m.Data.(metricdata.Histogram[float64])
			if !ok {
				t.Fatalf("%s: unexpected data %T", name, m.Data)
			}
			for _, dp := range h.DataPoints {
				points[dp.Attributes.Encoded(attribute.DefaultEncoder())] = countSum{dp.Count, dp.Sum}
			}
		}
	}
	return points
}

func TestPhaseTransition(t *testing.T) {
	tests := []struct {
		name         string
		from, to     string
		wantDuration map[string]countSum
	}{{
		name:         "first phase: counted, no duration",
		from:         "",
		to:           "Pending",
		wantDuration: map[string]countSum{},
	}, {
		name:         "duration labelled with the phase left",
		from:         "Pending",
		to:           "Running",
		wantDuration: map[string]countSum{"phase=Pending": {1, 2}},
	}, {
		name:         "failed from pending",
		from:         "Pending",
		to:           "Failed",
		wantDuration: map[string]countSum{"phase=Pending": {1, 2}},
	}, {
		name:         "failed from running",
		from:         "Running",
		to:           "Failed",
		wantDuration: map[string]countSum{"phase=Running": {1, 2}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, reader := newManualRecorder(t)
			r.PhaseTransition(context.Background(), tc.from, tc.to, 2*time.Second)
			want := map[string]int64{"phase=" + tc.to: 1}
			if diff := cmp.Diff(want, int64Points(t, reader, PhaseTransitionsName)); diff != "" {
				t.Errorf("%s (-want, +got):\n%s", PhaseTransitionsName, diff)
			}
			if diff := cmp.Diff(tc.wantDuration, histogramPoints(t, reader, PhaseDurationName)); diff != "" {
				t.Errorf("%s (-want, +got):\n%s", PhaseDurationName, diff)
			}
		})
	}
}
