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

package e2e

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/tracing"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// TestTraceContinuesInTekton: with tracing on in our controller and in
// Tekton, an execution is one trace: Tekton's PipelineRun spans continue
// from the span context our controller put on the run (docs/design.md §6).
func TestTraceContinuesInTekton(t *testing.T) {
	checkInvariant(t)
	otlp := framework.StartOTLPReceiver(t)
	env.PatchConfigMap(t, rig.TektonNamespace, "config-tracing", map[string]any{"enabled": "true", "endpoint": otlp.Endpoint()})
	env.PatchConfigMap(t, rig.SystemNamespace, "config-observability", map[string]any{
		"tracing-protocol": "http/protobuf", "tracing-endpoint": otlp.Endpoint(), "tracing-sampling-rate": "1",
	})
	t.Cleanup(func() {
		env.PatchConfigMap(t, rig.TektonNamespace, "config-tracing", map[string]any{"enabled": nil, "endpoint": nil})
		env.PatchConfigMap(t, rig.SystemNamespace, "config-observability", map[string]any{
			"tracing-protocol": nil, "tracing-endpoint": nil, "tracing-sampling-rate": nil,
		})
		env.RestartWithConfig(t, baseConfig)
	})
	env.RestartWithConfig(t, baseConfig) // start from the tracing configuration

	image := env.Push(t, "wf/traced:v1", framework.Task{Name: "check", Step: "inspect"}, framework.Task{Name: "restart", Step: "rollout"})
	ns := env.Namespace(t, "tracing")
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "traced", target, "restart", image))
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseCompleted, waitLong)

	pr := env.PipelineRun(t, prName(t, target))
	if pr == nil {
		t.Fatal("the finished run is gone (the suite keeps runs for its 1h cooldown)")
	}
	var carrier map[string]string
	if err := json.Unmarshal([]byte(pr.Annotations[tracing.PipelineRunSpanContextAnnotation]), &carrier); err != nil {
		t.Fatalf("annotation %s: %v", tracing.PipelineRunSpanContextAnnotation, err)
	}
	parts := strings.Split(carrier["traceparent"], "-")
	if len(parts) != 4 {
		t.Fatalf("traceparent %q", carrier["traceparent"])
	}
	traceID, execSpanID := parts[1], parts[2]
	// Tekton copies the span context it continued from into the run's status.
	if got := pr.Status.SpanContext["traceparent"]; got != carrier["traceparent"] {
		t.Errorf("PipelineRun status.spanContext traceparent = %q, want %q", got, carrier["traceparent"])
	}

	// Both exporters batch: wait for our execution span and Tekton's spans.
	var spans []*tracepb.Span
	has := func(name string) bool {
		for _, s := range spans {
			if s.GetName() == name {
				return true
			}
		}
		return false
	}
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, waitLong, true, func(context.Context) (bool, error) {
		spans = otlp.Trace(traceID)
		return has("WorkflowExecution") && has("PipelineRun:ReconcileKind") && has("TaskRun:ReconcileKind"), nil
	})
	t.Logf("trace %s:\n%s", traceID, framework.DumpSpans(spans))
	if err != nil {
		t.Fatalf("trace %s lacks our execution span or Tekton's PipelineRun/TaskRun spans", traceID)
	}
	var tektonUnderUs int
	for _, s := range spans {
		if s.GetName() == "PipelineRun:ReconcileKind" && hex.EncodeToString(s.GetParentSpanId()) == execSpanID {
			tektonUnderUs++
		}
	}
	if tektonUnderUs == 0 {
		t.Errorf("no PipelineRun:ReconcileKind span is a child of the execution span %s", execSpanID)
	}
}
