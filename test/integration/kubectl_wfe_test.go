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
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// kubectlWFE runs the kubectl-wfe binary against the rig as cluster admin
// and returns its combined output and whether it exited 0.
func kubectlWFE(t *testing.T, args ...string) (string, bool) {
	t.Helper()
	return env.Command(t, time.Minute, nil, env.KubectlWFE(t), args...)
}

// TestKubectlWFEPlugin drives `kubectl wfe` against the real API server and
// controller: why and locks show a held target, release refuses while the
// owner runs, and frees a lock whose execution is gone.
func TestKubectlWFEPlugin(t *testing.T) {
	checkInvariant(t)
	ctx := context.Background()
	ns := env.Namespace(t, "plugin")
	target := env.Target(ns, "Deployment")
	first := env.Create(t, framework.NewWFE(ns, "first", target, "restart", image))
	env.Cleanup(t, ns, first.Name)
	running := env.WaitForPhase(t, ns, first.Name, v1alpha1.PhaseRunning, waitLong)
	second := env.Create(t, framework.NewWFE(ns, "second", target, "scale", image))
	env.WaitForPhase(t, ns, second.Name, v1alpha1.PhaseSkipped, waitLong)

	out, ok := kubectlWFE(t, "why", second.Name, "-n", ns)
	if !ok || !strings.Contains(out, "skipped: ResourceBusy") || !strings.Contains(out, "held by "+ns+"/first (workflow restart)") {
		t.Errorf("kubectl wfe why %s: ok=%v\n%s", second.Name, ok, out)
	}

	out, ok = kubectlWFE(t, "locks")
	row := lineWith(out, target)
	if !ok || !strings.Contains(row, ns+"/first") || !strings.Contains(row, "restart") || !strings.Contains(row, "Running") ||
		!strings.Contains(row, running.Status.PipelineRunRef.Name) {
		t.Errorf("kubectl wfe locks: ok=%v, row for %s = %q\n%s", ok, target, row, out)
	}

	// The owner runs: refused, and the run is still there.
	out, ok = kubectlWFE(t, "release", target)
	if ok || !strings.Contains(out, "refusing to release "+target) || !strings.Contains(out, "is Running and owns the run") {
		t.Errorf("kubectl wfe release of a running execution's target: ok=%v\n%s", ok, out)
	}
	env.PipelineRun(t, running.Status.PipelineRunRef.Name)

	// A run whose execution is gone (deleted while the controller could not
	// clean up): locks shows it, release deletes it.
	stuck := env.Target(ns, "StatefulSet")
	canonical, err := v1alpha1.CanonicalTarget(stuck)
	if err != nil {
		t.Fatal(err)
	}
	pr := &pipelinev1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: rig.ExecutionNamespace, Name: resources.PipelineRunName(canonical),
			Labels: map[string]string{
				workflowexecution.WorkflowExecutionLabelKey: "deleted",
				workflowexecution.SourceNamespaceLabelKey:   ns,
			},
			Annotations: map[string]string{
				workflowexecution.WorkflowExecutionUIDAnnotationKey: "00000000-0000-0000-0000-000000000000",
				workflowexecution.TargetResourceAnnotationKey:       stuck,
				workflowexecution.WorkflowIDAnnotationKey:           "drain",
			},
		},
		Spec: pipelinev1.PipelineRunSpec{PipelineRef: &pipelinev1.PipelineRef{Name: "workflow"}},
	}
	prs := env.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace)
	if _, err := prs.Create(ctx, pr, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the orphaned run: %v", err)
	}
	out, _ = kubectlWFE(t, "locks")
	if row := lineWith(out, stuck); !strings.Contains(row, ns+"/deleted") || !strings.Contains(row, " gone ") {
		t.Errorf("kubectl wfe locks: row for %s = %q, want its holder gone\n%s", stuck, row, out)
	}
	out, ok = kubectlWFE(t, "release", "--dry-run", stuck)
	if !ok || !strings.Contains(out, "would delete PipelineRun "+rig.ExecutionNamespace+"/"+pr.Name) {
		t.Errorf("kubectl wfe release --dry-run: ok=%v\n%s", ok, out)
	}
	out, ok = kubectlWFE(t, "release", stuck)
	if !ok || !strings.Contains(out, "released "+stuck) || !strings.Contains(out, "is gone") {
		t.Errorf("kubectl wfe release of an orphaned run: ok=%v\n%s", ok, out)
	}
	if _, err := prs.Get(ctx, pr.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the orphaned run after release: %v, want NotFound", err)
	}

	out, ok = kubectlWFE(t, "version")
	if !ok || !strings.Contains(out, "controller: devel") {
		t.Errorf("kubectl wfe version (workflowexecution-info is readable): ok=%v\n%s", ok, out)
	}
}

func lineWith(out, s string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
