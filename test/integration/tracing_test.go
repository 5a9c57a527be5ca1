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

package integration

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/tracing"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// ceHeaders records the ce-subject → ce-traceparent of CloudEvents.
type ceHeaders struct {
	srv *httptest.Server
	mu  sync.Mutex
	tp  map[string][]string
}

func newCEReceiver(t *testing.T) *ceHeaders {
	r := &ceHeaders{tp: map[string][]string{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		key := req.Header.Get("Ce-Subject") + " " + req.Header.Get("Ce-Type")
		r.tp[key] = append(r.tp[key], req.Header.Get("Ce-Traceparent"))
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *ceHeaders) get(key string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.tp[key]...)
}

// TestTracingOneTraceFromExecutionToPipelineRun: with tracing on, an
// execution is one trace: its passes are children of its span, and the
// same span context is handed to Tekton on the PipelineRun and to the
// CloudEvents audit events (docs/design.md §6).
func TestTracingOneTraceFromExecutionToPipelineRun(t *testing.T) {
	otlp := framework.StartOTLPReceiver(t)
	ce := newCEReceiver(t)
	env.PatchConfigMap(t, rig.SystemNamespace, "config-observability", map[string]any{
		"tracing-protocol": "http/protobuf", "tracing-endpoint": otlp.Endpoint(), "tracing-sampling-rate": "1",
	})
	t.Cleanup(func() {
		env.PatchConfigMap(t, rig.SystemNamespace, "config-observability", map[string]any{"tracing-protocol": nil, "tracing-endpoint": nil, "tracing-sampling-rate": nil})
	})
	useConfig(t, map[string]string{"cooldown-period": "0s", "audit-sink-url": ce.srv.URL, "audit-format": "cloudevents"})
	checkInvariant(t)
	ns := env.Namespace(t, "tracing")
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "traced", target, "restart", image))
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)

	// The PipelineRun carries the execution's span context, as Tekton reads it.
	name := prName(t, target)
	pr := env.PipelineRun(t, name)
	if pr == nil {
		t.Fatalf("PipelineRun %s missing", name)
	}
	var carrier map[string]string
	if err := json.Unmarshal([]byte(pr.Annotations[tracing.PipelineRunSpanContextAnnotation]), &carrier); err != nil {
		t.Fatalf("annotation %s = %q: %v", tracing.PipelineRunSpanContextAnnotation, pr.Annotations[tracing.PipelineRunSpanContextAnnotation], err)
	}
	tp := strings.Split(carrier["traceparent"], "-")
	if len(tp) != 4 || tp[0] != "00" || tp[3] != "01" {
		t.Fatalf("traceparent %q is not a sampled W3C traceparent", carrier["traceparent"])
	}
	traceID, execSpanID := tp[1], tp[2]

	env.FinishPipelineRun(t, name, corev1.ConditionTrue, "Succeeded", "done")
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseCompleted, waitLong)

	// The exporter batches (every 5 s): wait for the execution span.
	var spans []*tracepb.Span
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, waitLong, true, func(context.Context) (bool, error) {
		spans = otlp.Trace(traceID)
		for _, s := range spans {
			if s.GetName() == "WorkflowExecution" {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no execution span in trace %s within %s; spans: %s", traceID, waitLong, framework.DumpSpans(spans))
	}
	t.Logf("trace %s:\n%s", traceID, framework.DumpSpans(spans))
	var roots, passes int
	for _, s := range spans {
		switch s.GetName() {
		case "WorkflowExecution":
			roots++
			if got := hex.EncodeToString(s.GetSpanId()); got != execSpanID || len(s.GetParentSpanId()) != 0 {
				t.Errorf("execution span %s (parent %x), want %s as the root", got, s.GetParentSpanId(), execSpanID)
			}
		case "WorkflowExecution.Reconcile":
			passes++
			if got := hex.EncodeToString(s.GetParentSpanId()); got != execSpanID {
				t.Errorf("pass span parent %s, want the execution span %s", got, execSpanID)
			}
		}
	}
	if roots != 1 || passes < 2 {
		t.Errorf("%d execution spans and %d pass spans, want 1 and at least 2", roots, passes)
	}

	// The CloudEvents audit events continue the same trace.
	for _, typ := range []string{"workflowexecution.workflow.started", "workflowexecution.workflow.completed"} {
		key := ns + "/" + w.Name + " " + typ
		var got []string
		_ = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, waitLong, true, func(context.Context) (bool, error) {
			got = ce.get(key)
			return len(got) > 0, nil
		})
		if len(got) == 0 || got[0] != carrier["traceparent"] {
			t.Errorf("%s: ce-traceparent %q, want %q", typ, got, carrier["traceparent"])
		}
	}
}
