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
package tracing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"sync/atomic"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/observability"
	o11yconfigmap "knative.dev/pkg/observability/configmap"
	"knative.dev/pkg/observability/resource"
	knativetracing "knative.dev/pkg/observability/tracing"
	pkgreconciler "knative.dev/pkg/reconciler"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// PipelineRunSpanContextAnnotation is where Tekton v1.15's PipelineRun
// reconciler reads the parent span context of a run: the JSON of a
// propagation carrier (pkg/reconciler/pipelinerun/tracing.go).
const PipelineRunSpanContextAnnotation = "tekton.dev/pipelinerunSpanContext"

// tracerName names the controller's tracer.
const tracerName = "kubernaut.ai/workflowexecution"

// Each execution is one trace (docs/design.md §6). Its identity is derived from the
// execution's UID, so that every pass, in any replica and after any
// restart, continues the same trace without storing anything: the trace
// ID is the first 16 bytes of the UID's SHA-256, the execution span's ID
// the next 8. The execution span itself (creation → end) is emitted
// once, when the execution becomes terminal; every reconcile pass is a
// child of it, and so is the PipelineRun's trace (Tekton continues from
// the annotation) and the CloudEvents audit events (traceparent).

// executionSpanContext is the span context of the execution's span.
func executionSpanContext(uid types.UID, sampled bool) (trace.SpanContext, bool) {
	// Hashed rather than the UID's own bytes: a UUID's fixed version and
	// variant bits would bias the trace ID ratio sampler, which reads the
	// trace ID's second half.
	sum := sha256.Sum256([]byte(uid))
	var tid trace.TraceID
	var sid trace.SpanID
	copy(tid[:], sum[:16])
	copy(sid[:], sum[16:24])
	flags := trace.TraceFlags(0)
	if sampled {
		flags = trace.FlagsSampled
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags, Remote: true})
	return sc, sc.IsValid()
}

// Provider is the controller's tracing, built from config-observability's
// tracing keys (off by default). A nil *Provider traces nothing.
type Provider struct {
	service string
	logger  *zap.SugaredLogger
	current atomic.Pointer[tracerState]
}

// New returns a Provider with tracing off until config-observability
// turns it on (OnStore).
func New(service string, logger *zap.SugaredLogger) *Provider {
	return &Provider{service: service, logger: logger}
}

// tracerState is one tracer provider built from one configuration.
type tracerState struct {
	cfg     knativetracing.Config
	tracer  trace.Tracer
	sampler sdktrace.Sampler
	stop    func(context.Context) error
}

// enabled returns the current state when tracing is on, else nil.
func (t *Provider) enabled() *tracerState {
	if t == nil {
		return nil
	}
	if s := t.current.Load(); s != nil && s.cfg.Protocol != knativetracing.ProtocolNone {
		return s
	}
	return nil
}

// OnStore is the config store's hook: it (re)builds the tracer provider
// when config-observability changes, and flushes the one it replaces.
func (t *Provider) OnStore(ctx context.Context) func(name string, value any) {
	return func(name string, value any) {
		if name != o11yconfigmap.Name() {
			return
		}
		cfg, ok := value.(*observability.Config)
		if !ok || cfg == nil {
			return
		}
		old := t.current.Load()
		if old != nil && old.cfg == cfg.Tracing {
			return
		}
		next, err := newTracerState(ctx, t.service, cfg.Tracing)
		if err != nil {
			t.logger.Errorw("Tracing disabled: bad tracing configuration", zap.Error(err))
			return
		}
		t.current.Store(next)
		if next.cfg.Protocol != knativetracing.ProtocolNone {
			t.logger.Infof("Tracing executions: %s to %s, sampling rate %v", next.cfg.Protocol, next.cfg.Endpoint, next.cfg.SamplingRate)
		}
		if old != nil {
			old.shutdown(context.Background())
		}
	}
}

func newTracerState(ctx context.Context, service string, cfg knativetracing.Config) (*tracerState, error) {
	p, err := knativetracing.NewTracerProvider(ctx, cfg,
		sdktrace.WithIDGenerator(executionIDs{}),
		sdktrace.WithResource(resource.Default(service)))
	if err != nil {
		return nil, err
	}
	sampler := sdktrace.AlwaysSample()
	switch {
	case cfg.Protocol == knativetracing.ProtocolStdout || cfg.SamplingRate >= 1:
	case cfg.SamplingRate <= 0:
		sampler = sdktrace.NeverSample()
	default:
		sampler = sdktrace.TraceIDRatioBased(cfg.SamplingRate)
	}
	return &tracerState{cfg: cfg, tracer: p.Tracer(tracerName), sampler: sampler, stop: p.Shutdown}, nil
}

// shutdown flushes and stops the provider.
func (s *tracerState) shutdown(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = s.stop(ctx)
}

// sampled decides, from the trace ID alone (so every pass agrees), whether
// an execution's trace is recorded.
func (s *tracerState) sampled(sc trace.SpanContext) bool {
	return s.sampler.ShouldSample(sdktrace.SamplingParameters{TraceID: sc.TraceID()}).Decision == sdktrace.RecordAndSample
}

// parent is the execution's span context, or false when tracing is off.
func (s *tracerState) parent(uid types.UID) (trace.SpanContext, bool) {
	sc, ok := executionSpanContext(uid, true)
	if !ok {
		return sc, false
	}
	return executionSpanContext(uid, s.sampled(sc))
}

// StartPass starts the span of one reconcile pass, a child of the
// execution's span. end ends it and, when the pass committed the
// execution's terminal status, emits the execution's span.
func (t *Provider) StartPass(ctx context.Context, wfe *v1alpha1.WorkflowExecution) (context.Context, func(*v1alpha1.WorkflowExecution, error)) {
	s := t.enabled()
	if s == nil {
		return ctx, func(*v1alpha1.WorkflowExecution, error) {}
	}
	parent, ok := s.parent(wfe.UID)
	if !ok {
		return ctx, func(*v1alpha1.WorkflowExecution, error) {}
	}
	wasDone, rv := wfe.Status.IsDone(), wfe.ResourceVersion
	ctx, span := s.tracer.Start(trace.ContextWithRemoteSpanContext(ctx, parent), "WorkflowExecution.Reconcile",
		trace.WithAttributes(attribute.String("namespace", wfe.Namespace), attribute.String("name", wfe.Name),
			attribute.String("phase.before", wfe.Status.PhaseOrPending())))
	return ctx, func(after *v1alpha1.WorkflowExecution, err error) {
		span.SetAttributes(attribute.String("phase.after", after.Status.PhaseOrPending()))
		if isFailure(err) {
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
		if !wasDone && after.Status.IsDone() && after.ResourceVersion != rv && !isFailure(err) {
			s.executionSpan(ctx, after, parent)
		}
	}
}

// executionSpan emits the execution's span, from its creation to its end,
// with the IDs every pass and the PipelineRun already refer to.
func (s *tracerState) executionSpan(ctx context.Context, wfe *v1alpha1.WorkflowExecution, sc trace.SpanContext) {
	end := time.Now()
	if wfe.Status.CompletionTime != nil {
		end = wfe.Status.CompletionTime.Time
	}
	ctx = context.WithValue(trace.ContextWithSpanContext(ctx, trace.SpanContext{}), executionIDsKey{}, sc)
	attrs := []attribute.KeyValue{
		attribute.String("namespace", wfe.Namespace), attribute.String("name", wfe.Name),
		attribute.String("workflow.id", wfe.Spec.WorkflowRef.WorkflowID),
		attribute.String("target", wfe.Spec.TargetResource), attribute.String("phase", string(wfe.Status.Phase)),
	}
	if c := wfe.Status.GetSucceededCondition(); c != nil {
		attrs = append(attrs, attribute.String("reason", c.Reason))
	}
	if ref := wfe.Status.PipelineRunRef; ref != nil {
		attrs = append(attrs, attribute.String("pipelinerun", ref.Namespace+"/"+ref.Name))
	}
	_, span := s.tracer.Start(ctx, "WorkflowExecution", trace.WithNewRoot(),
		trace.WithTimestamp(wfe.CreationTimestamp.Time), trace.WithAttributes(attrs...))
	if wfe.Status.Phase == v1alpha1.PhaseFailed {
		span.SetStatus(codes.Error, string(wfe.Status.Phase))
	}
	span.End(trace.WithTimestamp(end))
}

// carrier is the propagation carrier of the execution's span context.
func (t *Provider) carrier(uid types.UID) propagation.MapCarrier {
	s := t.enabled()
	if s == nil {
		return nil
	}
	sc, ok := s.parent(uid)
	if !ok {
		return nil
	}
	c := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(trace.ContextWithRemoteSpanContext(context.Background(), sc), c)
	return c
}

// Annotate puts the execution's span context on its PipelineRun, where
// Tekton's PipelineRun reconciler reads it, so that Tekton's spans join
// the execution's trace.
func (t *Provider) Annotate(pr *pipelinev1.PipelineRun, wfe *v1alpha1.WorkflowExecution) {
	c := t.carrier(wfe.UID)
	if c == nil {
		return
	}
	b, err := json.Marshal(map[string]string(c))
	if err != nil {
		return
	}
	if pr.Annotations == nil {
		pr.Annotations = map[string]string{}
	}
	pr.Annotations[PipelineRunSpanContextAnnotation] = string(b)
}

// TraceParent is the W3C traceparent of the execution's span, "" when
// tracing is off.
func (t *Provider) TraceParent(wfe *v1alpha1.WorkflowExecution) string {
	return t.carrier(wfe.UID)["traceparent"]
}

// executionIDs generates random IDs, except for the execution's span,
// whose IDs the context carries.
type executionIDs struct{}

type executionIDsKey struct{}

var _ sdktrace.IDGenerator = executionIDs{}

func (executionIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if sc, ok := ctx.Value(executionIDsKey{}).(trace.SpanContext); ok {
		return sc.TraceID(), sc.SpanID()
	}
	var tid trace.TraceID
	_, _ = rand.Read(tid[:])
	return tid, randomSpanID()
}

func (executionIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	return randomSpanID()
}

func randomSpanID() trace.SpanID {
	var sid trace.SpanID
	_, _ = rand.Read(sid[:])
	return sid
}

// Shutdown flushes the spans at process shutdown.
func (t *Provider) Shutdown(ctx context.Context) {
	if s := t.current.Load(); s != nil {
		s.shutdown(ctx)
	}
}

// isFailure tells a reconcile error from the events and requeues a pass
// returns.
func isFailure(err error) bool {
	if err == nil {
		return false
	}
	if ok, _ := controller.IsRequeueKey(err); ok {
		return false
	}
	var ev *pkgreconciler.ReconcilerEvent
	return !errors.As(err, &ev)
}
