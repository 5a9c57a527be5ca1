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
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
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
	checkGetAndDescribe(t, ns, running)

	// locks shows, and release takes, the canonical target (the run's
	// annotation): the plugin hashes its argument as written.
	target = running.Status.CanonicalTarget
	checkLocksFormats(t, ns, target, running)
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
	canonical, err := targettest.Canonical(stuck)
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

// checkGetAndDescribe: get in every output format, -A, and describe, on a
// Running execution (first) and the one it made skip (second).
func checkGetAndDescribe(t *testing.T, ns string, running *v1alpha1.WorkflowExecution) {
	t.Helper()
	out, ok := kubectlWFE(t, "get", "-n", ns)
	if first, second := lineWith(out, "first "), lineWith(out, "second "); !ok || !strings.HasPrefix(out, "NAME ") ||
		!strings.Contains(first, "Running") || !strings.Contains(second, "ResourceBusy") || !strings.Contains(second, "Skipped") {
		t.Errorf("kubectl wfe get -n %s: ok=%v\n%s", ns, ok, out)
	}
	out, ok = kubectlWFE(t, "get", "-A", "-o", "wide")
	if row := lineWith(out, ns+" "); !ok || !strings.HasPrefix(out, "NAMESPACE ") || !strings.Contains(row, running.Status.PipelineRunRef.Name) ||
		!strings.HasSuffix(strings.TrimSpace(lineWith(out, running.Status.PipelineRunRef.Name)), "held") {
		t.Errorf("kubectl wfe get -A -o wide: ok=%v\n%s", ok, out)
	}
	out, ok = kubectlWFE(t, "get", "-n", ns, "first", "-o", "json")
	var got v1alpha1.WorkflowExecution
	if err := json.Unmarshal([]byte(out), &got); !ok || err != nil || got.Kind != "WorkflowExecution" || got.UID != running.UID || got.Status.Phase != v1alpha1.PhaseRunning {
		t.Errorf("kubectl wfe get first -o json: ok=%v, %v\n%s", ok, err, out)
	}
	out, ok = kubectlWFE(t, "get", "-n", ns, "-o", "yaml")
	if !ok || !strings.HasPrefix(out, "apiVersion: workflowexecution.kubernaut.ai/v1alpha1\nitems:\n") || !strings.Contains(out, "kind: WorkflowExecutionList") {
		t.Errorf("kubectl wfe get -o yaml: ok=%v\n%s", ok, out)
	}
	out, ok = kubectlWFE(t, "get", "-n", ns, "-o", "name")
	if !ok || out != "workflowexecution.workflowexecution.kubernaut.ai/first\nworkflowexecution.workflowexecution.kubernaut.ai/second\n" {
		t.Errorf("kubectl wfe get -o name: ok=%v\n%s", ok, out)
	}
	out, ok = kubectlWFE(t, "get", "-n", ns, "--no-headers", "-o", "jsonpath={.items[*].status.phase}")
	if !ok || out != "Running Skipped" {
		t.Errorf("kubectl wfe get -o jsonpath: ok=%v, %q", ok, out)
	}
	out, ok = kubectlWFE(t, "describe", "-n", ns, "second")
	for _, want := range []string{"Name:", "second", "Phase:", "Skipped", "Held By:", ns + "/first", "Lock:", "not taken",
		"Events:", "WorkflowSkipped", "Why:", "held by " + ns + "/first (workflow restart)"} {
		if !ok || !strings.Contains(out, want) {
			t.Errorf("kubectl wfe describe second: ok=%v, missing %q\n%s", ok, want, out)
			break
		}
	}
	out, ok = kubectlWFE(t, "describe", "-n", ns, "first")
	if !ok || !regexp.MustCompile(`Lock: +held on `+regexp.QuoteMeta(running.Spec.TargetResource)).MatchString(out) ||
		!strings.Contains(out, "PipelineRunCreated") || !strings.Contains(out, running.Status.PipelineRunRef.Name) {
		t.Errorf("kubectl wfe describe first: ok=%v\n%s", ok, out)
	}
	if out, ok = kubectlWFE(t, "describe", "-n", ns, "nope"); ok || !strings.Contains(out, "not found") {
		t.Errorf("kubectl wfe describe nope: ok=%v\n%s", ok, out)
	}
}

// checkLocksFormats: locks -n (only that namespace's holders), -o json, name.
func checkLocksFormats(t *testing.T, ns, target string, running *v1alpha1.WorkflowExecution) {
	t.Helper()
	out, ok := kubectlWFE(t, "locks", "-n", ns, "-o", "json")
	var list struct {
		Kind  string `json:"kind"`
		Items []struct {
			Target string `json:"target"`
			Holder struct {
				Namespace, Name, UID, State string
			} `json:"holder"`
			PipelineRun struct{ Name, State string } `json:"pipelineRun"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &list); !ok || err != nil || list.Kind != "List" || len(list.Items) != 1 {
		t.Fatalf("kubectl wfe locks -n %s -o json: ok=%v, %v\n%s", ns, ok, err, out)
	}
	l := list.Items[0]
	if l.Target != target || l.Holder.Namespace != ns || l.Holder.Name != "first" || l.Holder.UID != string(running.UID) ||
		l.Holder.State != "Running" || l.PipelineRun.Name != running.Status.PipelineRunRef.Name {
		t.Errorf("kubectl wfe locks -o json: %+v", l)
	}
	out, ok = kubectlWFE(t, "locks", "-n", ns, "-o", "name")
	if !ok || out != target+"\n" {
		t.Errorf("kubectl wfe locks -o name: ok=%v, %q", ok, out)
	}
	out, ok = kubectlWFE(t, "locks", "-A", "--no-headers", "-o", "wide")
	if row := lineWith(out, target); !ok || strings.HasPrefix(out, "TARGET") || !strings.HasSuffix(strings.TrimSpace(row), string(running.UID)) {
		t.Errorf("kubectl wfe locks -A --no-headers -o wide: ok=%v\n%s", ok, out)
	}
}

// TestKubectlWFETenant: a tenant bound to the shipped author role in its
// namespace, through kubectl's --as: get, describe and why work; logs and
// locks, which need the execution namespace, fail saying what to ask for.
func TestKubectlWFETenant(t *testing.T) {
	checkInvariant(t)
	ns := env.Namespace(t, "plugin-tenant")
	bindAuthor(t, ns, "tina")
	w := env.Create(t, framework.NewWFE(ns, "restart", ns+"/Deployment/api", "restart", image))
	env.Cleanup(t, ns, w.Name)
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	as := func(args ...string) (string, bool) { return kubectlWFE(t, append(args, "--as", "tina")...) }

	if out, ok := as("get", "-n", ns); !ok || !strings.Contains(lineWith(out, "restart "), "Running") {
		t.Errorf("get as the tenant: ok=%v\n%s", ok, out)
	}
	// The author role has no events and no controller config: describe says so and goes on.
	if out, ok := as("describe", "-n", ns, "restart"); !ok || !strings.Contains(out, "Phase:") || !strings.Contains(out, "Events:") {
		t.Errorf("describe as the tenant: ok=%v\n%s", ok, out)
	}
	if out, ok := as("why", "-n", ns, "restart"); !ok || !strings.Contains(out, "phase Running") {
		t.Errorf("why as the tenant: ok=%v\n%s", ok, out)
	}
	out, ok := as("logs", "-n", ns, "restart")
	if ok || !strings.Contains(out, "cannot read the run "+rig.ExecutionNamespace+"/") || !strings.Contains(out, "Ask your cluster operator") ||
		!strings.Contains(out, `docs/security.md, "Run logs"`) || !strings.Contains(out, "forbidden") {
		t.Errorf("logs as the tenant: ok=%v\n%s", ok, out)
	}
	if out, ok := as("locks"); ok || !strings.Contains(out, "forbidden") {
		t.Errorf("locks as the tenant: ok=%v\n%s", ok, out)
	}
	if out, ok := as("get", "-A"); ok || !strings.Contains(out, "forbidden") {
		t.Errorf("get -A as the tenant: ok=%v\n%s", ok, out)
	}
}
