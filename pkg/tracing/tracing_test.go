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
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"knative.dev/pkg/controller"
	o11yconfigmap "knative.dev/pkg/observability/configmap"
	knativetracing "knative.dev/pkg/observability/tracing"
	pkgreconciler "knative.dev/pkg/reconciler"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/test/parse"

	_ "knative.dev/pkg/system/testing"
)

// selfTraceID is the trace ID of the execution under test: the first half
// of the SHA-256 of its UID (printf 8a851409379b8278be9dac925775aa72 UID | sha256sum | cut -c1-32).
const selfTraceID = "8a851409379b8278be9dac925775aa72"

// recordingTracer is tracing on, exporting to memory, sampling everything.
func recordingTracer(t *testing.T, rate float64) (*Provider, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	p := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithIDGenerator(executionIDs{}),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(rate))))
	tr := New("test", zap.NewNop().Sugar())
	sampler := sdktrace.AlwaysSample()
	if rate < 1 {
		sampler = sdktrace.TraceIDRatioBased(rate)
	}
	tr.current.Store(&tracerState{
		cfg:    knativetracing.Config{Protocol: knativetracing.ProtocolHTTPProtobuf, Endpoint: "http://collector", SamplingRate: rate},
		tracer: p.Tracer(tracerName), sampler: sampler, stop: p.Shutdown,
	})
	return tr, exp
}

func TestExecutionSpanContext(t *testing.T) {
	a, ok := executionSpanContext(selfUID, true)
	if !ok {
		t.Fatal("no span context for a UUID")
	}
	b, _ := executionSpanContext(selfUID, true)
	if !a.Equal(b) {
		t.Errorf("not deterministic: %v != %v", a, b)
	}
	if got := a.TraceID().String(); got != selfTraceID {
		t.Errorf("trace ID = %s, want %s", got, selfTraceID)
	}
	if other, _ := executionSpanContext(otherUID, true); other.TraceID() == a.TraceID() || other.SpanID() == a.SpanID() {
		t.Error("two executions share IDs")
	}
}

// TestTracingOneTracePerExecution: the passes are children of the
// execution's span, which is emitted once, when the terminal status is
// committed, with the IDs the PipelineRun annotation and the audit
// traceparent carry.
func TestTracingOneTracePerExecution(t *testing.T) {
	tr, exp := recordingTracer(t, 1)
	ctx := context.Background()
	w := self(t, statusPending)
	w.ResourceVersion = "1"
	exec, _ := executionSpanContext(selfUID, true)

	// Pass 1: Pending → Running, creating the run.
	_, end := tr.StartPass(ctx, w)
	pr := resources.MakePipelineRun(w, config.Defaults(), "payment/deployment/api")
	tr.Annotate(pr, w)
	running := self(t, statusRunning)
	running.ResourceVersion = "2"
	end(running, controller.NewRequeueAfter(time.Second))

	var carrier map[string]string
	if err := json.Unmarshal([]byte(pr.Annotations[PipelineRunSpanContextAnnotation]), &carrier); err != nil {
		t.Fatalf("annotation %s: %v", PipelineRunSpanContextAnnotation, err)
	}
	want := "00-" + selfTraceID + "-" + exec.SpanID().String() + "-01"
	if diff := cmp.Diff(map[string]string{"traceparent": want}, carrier); diff != "" {
		t.Errorf("PipelineRun span context (-want, +got): %s", diff)
	}
	if got := tr.TraceParent(w); got != want {
		t.Errorf("audit traceparent = %q, want %q", got, want)
	}

	// Pass 2: Running → Completed, committed.
	_, end = tr.StartPass(ctx, running)
	done := self(t, statusCompleted)
	done.CreationTimestamp = metav1.NewTime(now.Add(-10 * time.Minute))
	done.ResourceVersion = "3"
	end(done, pkgreconciler.NewEvent(corev1.EventTypeNormal, "WorkflowCompleted", "done"))
	// Pass 3: nothing changes; a failed pass is marked.
	_, end = tr.StartPass(ctx, done)
	end(done, errors.New("boom"))

	spans := exp.GetSpans()
	if len(spans) != 4 {
		t.Fatalf("%d spans, want 3 passes and 1 execution span: %v", len(spans), spans)
	}
	var execSpans int
	for _, s := range spans {
		if s.SpanContext.TraceID().String() != selfTraceID {
			t.Errorf("span %s in trace %s, want %s", s.Name, s.SpanContext.TraceID(), selfTraceID)
		}
		switch s.Name {
		case "WorkflowExecution":
			execSpans++
			if s.SpanContext.SpanID() != exec.SpanID() || s.Parent.IsValid() {
				t.Errorf("execution span %s (parent %s), want %s as the root", s.SpanContext.SpanID(), s.Parent.SpanID(), exec.SpanID())
			}
			if !s.StartTime.Equal(done.CreationTimestamp.Time) || !s.EndTime.Equal(done.Status.CompletionTime.Time) {
				t.Errorf("execution span %s → %s, want creation → completion", s.StartTime, s.EndTime)
			}
		case "WorkflowExecution.Reconcile":
			if s.Parent.SpanID() != exec.SpanID() {
				t.Errorf("pass span's parent = %s, want the execution span %s", s.Parent.SpanID(), exec.SpanID())
			}
		default:
			t.Errorf("unexpected span %s", s.Name)
		}
	}
	if execSpans != 1 {
		t.Errorf("%d execution spans, want 1", execSpans)
	}
	if got := spans[0].Status.Code.String(); got != "Unset" {
		t.Errorf("a requeue marked the pass span %s", got)
	}
	if got := spans[3].Status.Code.String(); got != "Error" {
		t.Errorf("a failed pass has status %s, want Error", got)
	}
}

// TestTracingOff: with tracing off (the default) nothing is emitted or
// annotated, and a nil tracer is safe.
func TestTracingOff(t *testing.T) {
	off := New("test", zap.NewNop().Sugar())
	defaults, err := o11yconfigmap.Parse(&corev1.ConfigMap{})
	if err != nil {
		t.Fatal(err)
	}
	off.OnStore(context.Background())(o11yconfigmap.Name(), defaults)
	for _, tr := range []*Provider{nil, off} {
		w := self(t, statusPending)
		ctx, end := tr.StartPass(context.Background(), w)
		end(w, nil)
		if ctx == nil {
			t.Fatal("nil context")
		}
		pr := resources.MakePipelineRun(w, config.Defaults(), "payment/deployment/api")
		tr.Annotate(pr, w)
		if _, ok := pr.Annotations[PipelineRunSpanContextAnnotation]; ok {
			t.Error("annotated with tracing off")
		}
		if got := tr.TraceParent(w); got != "" {
			t.Errorf("traceparent %q with tracing off", got)
		}
	}
}

// TestTracingSampling: an execution's trace is sampled or not as a whole,
// the same way in every pass.
func TestTracingSampling(t *testing.T) {
	tr, exp := recordingTracer(t, 0.5)
	s := tr.enabled()
	var in, out int
	for range 200 {
		w := self(t, statusPending)
		w.UID = uuid.NewUUID()
		first, _ := s.parent(w.UID)
		second, _ := s.parent(w.UID)
		if first.IsSampled() != second.IsSampled() {
			t.Fatalf("%s: sampled %v then %v", w.UID, first.IsSampled(), second.IsSampled())
		}
		_, end := tr.StartPass(context.Background(), w)
		end(w, nil)
		if first.IsSampled() {
			in++
		} else {
			out++
		}
	}
	if in == 0 || out == 0 {
		t.Errorf("sampled %d, dropped %d at rate 0.5", in, out)
	}
	if got := len(exp.GetSpans()); got != in {
		t.Errorf("%d spans exported, want one per sampled execution (%d)", got, in)
	}
}

const (
	selfUID  = "5f0c1c2e-0000-4000-8000-000000000001"
	otherUID = "5f0c1c2e-0000-4000-8000-000000000002"
)

var now = time.Date(2026, 3, 14, 10, 5, 0, 0, time.UTC)

// Statuses of the execution under test (YAML).
const (
	statusPending = `
phase: Pending
conditions:
- {type: Succeeded, status: Unknown, reason: Pending}
`
	statusRunning = `
phase: Running
startTime: "2026-03-14T10:00:00Z"
pipelineRunRef: {name: wfe-8df8f872429e9491, namespace: kubernaut-workflows}
conditions:
- {type: Succeeded, status: Unknown, reason: Running}
`
	statusCompleted = `
phase: Completed
startTime: "2026-03-14T10:00:00Z"
completionTime: "2026-03-14T10:04:00Z"
lockReleaseTime: "2026-03-14T10:05:00Z"
pipelineRunRef: {name: wfe-8df8f872429e9491, namespace: kubernaut-workflows}
conditions:
- {type: Succeeded, status: "True", reason: Succeeded}
`
)

// self is the execution under test with a status (YAML, may be "").
func self(t *testing.T, status string) *v1alpha1.WorkflowExecution {
	t.Helper()
	w := parse.MustParseWorkflowExecution(t, fmt.Sprintf(`
metadata:
  name: restart-api
  namespace: payment
  uid: %s
  generation: 1
  creationTimestamp: %q
spec:
  workflowRef:
    workflowId: restart-deployment
    version: v1.4.0
    containerImage: registry.example.com/remediations/restart-deployment:v1.4.0
  targetResource: payment/Deployment/api
`, selfUID, now.Add(-10*time.Minute).Format(time.RFC3339)))
	if status != "" {
		w.Status = parse.MustParseWorkflowExecutionStatus(t, status)
	}
	return w
}
