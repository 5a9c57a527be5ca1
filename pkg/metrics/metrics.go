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
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"k8s.io/utils/clock"
)

// ScopeName is the instrumentation scope of the controller's meter; the
// Prometheus exporter reports it as the otel_scope_name label.
const ScopeName = "kubernaut.ai/workflowexecution"

// Exposed metric names. They are also the instrument names (see the package doc).
const (
	TotalName                       = "workflowexecution_total"
	DurationName                    = "workflowexecution_duration_seconds"
	PhaseTransitionsName            = "workflowexecution_phase_transitions_total"
	PhaseDurationName               = "workflowexecution_phase_duration_seconds"
	SkipTotalName                   = "workflowexecution_skip_total"
	PipelineRunCreationTotalName    = "workflowexecution_pipelinerun_creation_total"
	PipelineRunCreationDurationName = "workflowexecution_pipelinerun_creation_duration_seconds"
	StatusSyncDurationName          = "workflowexecution_status_sync_duration_seconds"
	LocksHeldName                   = "workflowexecution_locks_held"
	AuditEventsTotalName            = "workflowexecution_audit_events_total"
	AuditPendingName                = "workflowexecution_audit_pending"
)

// Label keys. No metric carries a per-workflow or per-target label.
const (
	OutcomeKey = "outcome"
	PhaseKey   = "phase"
	ReasonKey  = "reason"
	ResultKey  = "result"
)

// Values of the result label of workflowexecution_pipelinerun_creation_total.
const (
	CreationSuccess       = "success"
	CreationAlreadyExists = "already_exists"
	CreationError         = "error"
)

var (
	// executionBuckets span a skipped execution (milliseconds) to a long
	// pipeline (an hour); used for the execution and phase durations.
	executionBuckets = []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600}
	// latencyBuckets span 5ms to 30s; used for PipelineRun creation and status sync.
	latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}
)

// Recorder records the controller's metrics. A nil *Recorder is a no-op:
// every method is nil-safe, so callers need not guard against a recorder that
// failed to initialize.
type Recorder struct {
	total              metric.Int64Counter
	duration           metric.Float64Histogram
	phaseTransitions   metric.Int64Counter
	phaseDuration      metric.Float64Histogram
	skips              metric.Int64Counter
	creations          metric.Int64Counter
	creationDuration   metric.Float64Histogram
	statusSyncDuration metric.Float64Histogram
	auditEvents        metric.Int64Counter
	locksHeld          metric.Int64ObservableGauge
	auditPending       metric.Int64ObservableGauge
	locksHeldFunc      atomic.Pointer[func() int64]
	auditPendingFunc   atomic.Pointer[func() int64]

	// clock and observed are the transition bookkeeping (transitions.go,
	// observations.go).
	clock    clock.PassiveClock
	observed observations
}

// Option configures a Recorder.
type Option func(*Recorder)

// WithClock sets the clock the latencies are measured with (the real one
// by default).
func WithClock(clk clock.PassiveClock) Option {
	return func(r *Recorder) { r.clock = clk }
}

// NewRecorder creates the instruments on mp, or on otel.GetMeterProvider()
// when mp is nil (sharedmain installs the global provider; instruments created
// on the global provider before that delegate to it once it is installed).
func NewRecorder(mp metric.MeterProvider, opts ...Option) (*Recorder, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter(ScopeName)
	r := &Recorder{clock: clock.RealClock{}}
	for _, o := range opts {
		o(r)
	}
	r.observed = observations{seen: newStartPoints(r.clock), runDone: newStartPoints(r.clock)}
	var err error

	if r.total, err = meter.Int64Counter(TotalName,
		metric.WithDescription("Number of WorkflowExecutions that reached a terminal phase, by outcome")); err != nil {
		return nil, instrumentError(TotalName, err)
	}
	if r.duration, err = meter.Float64Histogram(DurationName,
		metric.WithDescription("Time from WorkflowExecution creation to its terminal phase, by outcome"),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(executionBuckets...)); err != nil {
		return nil, instrumentError(DurationName, err)
	}
	if r.phaseTransitions, err = meter.Int64Counter(PhaseTransitionsName,
		metric.WithDescription("Number of WorkflowExecution phase transitions, by the phase entered")); err != nil {
		return nil, instrumentError(PhaseTransitionsName, err)
	}
	if r.phaseDuration, err = meter.Float64Histogram(PhaseDurationName,
		metric.WithDescription("Time a WorkflowExecution spent in a phase, observed when it leaves the phase, by the phase left"),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(executionBuckets...)); err != nil {
		return nil, instrumentError(PhaseDurationName, err)
	}
	if r.skips, err = meter.Int64Counter(SkipTotalName,
		metric.WithDescription("Number of WorkflowExecutions skipped, by reason")); err != nil {
		return nil, instrumentError(SkipTotalName, err)
	}
	if r.creations, err = meter.Int64Counter(PipelineRunCreationTotalName,
		metric.WithDescription("Number of PipelineRun creation attempts, by result")); err != nil {
		return nil, instrumentError(PipelineRunCreationTotalName, err)
	}
	if r.creationDuration, err = meter.Float64Histogram(PipelineRunCreationDurationName,
		metric.WithDescription("Time from the controller seeing a new WorkflowExecution to the successful creation of its PipelineRun"),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(latencyBuckets...)); err != nil {
		return nil, instrumentError(PipelineRunCreationDurationName, err)
	}
	if r.statusSyncDuration, err = meter.Float64Histogram(StatusSyncDurationName,
		metric.WithDescription("Time from the controller seeing a PipelineRun finished to the WorkflowExecution's terminal status being written"),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(latencyBuckets...)); err != nil {
		return nil, instrumentError(StatusSyncDurationName, err)
	}
	if r.auditEvents, err = meter.Int64Counter(AuditEventsTotalName,
		metric.WithDescription("Number of audit events by delivery result (delivered, retried, rejected, dropped)")); err != nil {
		return nil, instrumentError(AuditEventsTotalName, err)
	}
	if r.locksHeld, err = meter.Int64ObservableGauge(LocksHeldName,
		metric.WithDescription("Number of execution locks currently held")); err != nil {
		return nil, instrumentError(LocksHeldName, err)
	}
	if r.auditPending, err = meter.Int64ObservableGauge(AuditPendingName,
		metric.WithDescription("Number of audit events waiting for delivery")); err != nil {
		return nil, instrumentError(AuditPendingName, err)
	}

	// One callback observes both gauges from whatever functions are set at
	// collection time, so SetLocksHeld and SetAuditPending can be called at
	// any time, in any order, and more than once.
	if _, err = meter.RegisterCallback(r.observe, r.locksHeld, r.auditPending); err != nil {
		return nil, fmt.Errorf("failed to register gauge callback: %w", err)
	}
	return r, nil
}

func instrumentError(name string, err error) error {
	return fmt.Errorf("failed to create instrument %s: %w", name, err)
}

func (r *Recorder) observe(_ context.Context, o metric.Observer) error {
	if f := r.locksHeldFunc.Load(); f != nil {
		o.ObserveInt64(r.locksHeld, (*f)())
	}
	if f := r.auditPendingFunc.Load(); f != nil {
		o.ObserveInt64(r.auditPending, (*f)())
	}
	return nil
}

// ExecutionFinished counts a WorkflowExecution that reached a terminal phase
// (workflowexecution_total{outcome}) and observes d, the time from its
// creation to that phase (workflowexecution_duration_seconds{outcome}).
// outcome is Completed, Failed or Skipped.
func (r *Recorder) ExecutionFinished(ctx context.Context, outcome string, d time.Duration) {
	if r == nil {
		return
	}
	attrs := metric.WithAttributeSet(attribute.NewSet(attribute.String(OutcomeKey, outcome)))
	r.total.Add(ctx, 1, attrs)
	r.duration.Record(ctx, d.Seconds(), attrs)
}

// PhaseTransition records a transition from phase from to phase to:
// workflowexecution_phase_transitions_total{phase=to} is incremented and,
// unless from is empty (the first phase of a new execution),
// workflowexecution_phase_duration_seconds{phase=from} observes inFrom, the
// time the execution spent in the phase it is leaving.
func (r *Recorder) PhaseTransition(ctx context.Context, from, to string, inFrom time.Duration) {
	if r == nil {
		return
	}
	r.phaseTransitions.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(attribute.String(PhaseKey, to))))
	if from != "" {
		r.phaseDuration.Record(ctx, inFrom.Seconds(),
			metric.WithAttributeSet(attribute.NewSet(attribute.String(PhaseKey, from))))
	}
}

// Skipped counts a skipped execution (workflowexecution_skip_total{reason}).
func (r *Recorder) Skipped(ctx context.Context, reason string) {
	if r == nil {
		return
	}
	r.skips.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(attribute.String(ReasonKey, reason))))
}

// PipelineRunCreation counts a PipelineRun creation attempt
// (workflowexecution_pipelinerun_creation_total{result}, result one of
// CreationSuccess, CreationAlreadyExists, CreationError). For a success it
// also observes sinceCreated
// (workflowexecution_pipelinerun_creation_duration_seconds): the time from
// the controller's informer delivering the new WorkflowExecution to the
// create returning, on the controller's clock (see the package doc).
func (r *Recorder) PipelineRunCreation(ctx context.Context, result string, sinceCreated time.Duration) {
	if r == nil {
		return
	}
	r.creations.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(attribute.String(ResultKey, result))))
	if result == CreationSuccess {
		r.creationDuration.Record(ctx, sinceCreated.Seconds())
	}
}

// StatusSync observes d (workflowexecution_status_sync_duration_seconds):
// the time from the controller's informer delivering the finished
// PipelineRun to the WorkflowExecution's terminal status write returning,
// on the controller's clock (see the package doc).
func (r *Recorder) StatusSync(ctx context.Context, d time.Duration) {
	if r == nil {
		return
	}
	r.statusSyncDuration.Record(ctx, d.Seconds())
}

// SetLocksHeld sets the function whose value workflowexecution_locks_held
// reports at each collection. A nil f stops reporting the gauge.
func (r *Recorder) SetLocksHeld(f func() int64) {
	if r == nil {
		return
	}
	storeFunc(&r.locksHeldFunc, f)
}

// SetAuditPending sets the function whose value workflowexecution_audit_pending
// reports at each collection. A nil f stops reporting the gauge.
func (r *Recorder) SetAuditPending(f func() int64) {
	if r == nil {
		return
	}
	storeFunc(&r.auditPendingFunc, f)
}

func storeFunc(p *atomic.Pointer[func() int64], f func() int64) {
	if f == nil {
		p.Store(nil)
		return
	}
	p.Store(&f)
}

// EventSent adds n to workflowexecution_audit_events_total{result}, result
// one of the audit sender's results (audit.ResultDelivered, ResultRetried, ResultRejected, ResultDropped). It
// satisfies the audit package's Metrics interface.
func (r *Recorder) EventSent(result string, n int) {
	if r == nil || n <= 0 {
		return
	}
	r.auditEvents.Add(context.Background(), int64(n),
		metric.WithAttributeSet(attribute.NewSet(attribute.String(ResultKey, result))))
}
