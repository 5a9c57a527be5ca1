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
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// TestKubectl runs the rig's kubectl (built from the pinned Kubernetes
// module) and the kubectl wfe plugin on PATH, as make demo tells a user to:
// get, describe and wait work on WorkflowExecutions, and the plugin is found
// by kubectl.
func TestKubectl(t *testing.T) {
	checkInvariant(t)
	ctx := context.Background()
	pluginDir := filepath.Dir(env.KubectlWFE(t))
	kubectl := func(args ...string) (string, bool) {
		t.Helper()
		return env.Command(t, 2*time.Minute, []string{env.Cluster.BinDir, pluginDir}, filepath.Join(env.Cluster.BinDir, "kubectl"), args...)
	}

	image := env.Push(t, "wf/kubectl:v1", framework.Task{Name: "run", Step: "run", Annotations: map[string]string{rig.DelayAnnotation: "100ms"}})
	ns := env.Namespace(t, "kubectl")
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "restart", target, "restart-deployment", image))

	if out, ok := kubectl("wait", "-n", ns, "--for=condition=Succeeded", "wfe/"+w.Name, "--timeout=90s"); !ok || !strings.Contains(out, "condition met") {
		t.Fatalf("kubectl wait --for=condition=Succeeded: ok=%v\n%s", ok, out)
	}
	out, ok := kubectl("get", "wfe", "-A")
	row := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, ns+" ") {
			row = l
		}
	}
	if !ok || !strings.Contains(row, w.Name) || !strings.Contains(row, "True") || !strings.Contains(row, "Completed") {
		t.Errorf("kubectl get wfe -A: ok=%v, row %q\n%s", ok, row, out)
	}
	out, ok = kubectl("describe", "wfe", "-n", ns, w.Name)
	if !ok || !strings.Contains(out, "restart-deployment") || !strings.Contains(out, target) || !strings.Contains(out, "Completed") {
		t.Errorf("kubectl describe wfe: ok=%v\n%s", ok, out)
	}

	// The plugin, found by kubectl on PATH.
	out, ok = kubectl("wfe", "why", "-n", ns, w.Name)
	if !ok || !strings.Contains(out, "phase Completed") || !strings.Contains(out, "logs: kubectl wfe logs -n "+ns+" "+w.Name) ||
		!strings.Contains(out, "kubectl logs -n "+rig.ExecutionNamespace) {
		t.Errorf("kubectl wfe why: ok=%v\n%s", ok, out)
	}
	if out, ok = kubectl("wfe", "why", "--help"); !ok || !strings.Contains(out, "Usage:\n  kubectl wfe why NAME") {
		t.Errorf("kubectl wfe why --help: ok=%v\n%s", ok, out)
	}
	// kubectl completes the plugin's commands through kubectl_complete-wfe.
	// (kubectl adds its debug lines on stderr.)
	if out, ok = kubectl("__complete", "wfe", "desc"); !ok || !strings.Contains(out, "\ndescribe\tShow an execution in detail") {
		t.Errorf("kubectl __complete wfe desc: ok=%v\n%s", ok, out)
	}
	if out, ok = kubectl("__complete", "wfe", "describe", "-n", ns, ""); !ok || !strings.Contains(out, "\n"+w.Name+"\n:4\n") {
		t.Errorf("kubectl __complete wfe describe -n %s: ok=%v\n%s", ns, ok, out)
	}
	checkPluginLogs(t, kubectl, ns)
	// locks shows, and release takes, the canonical target (the run's
	// annotation): the plugin hashes its argument as written.
	target = env.Get(t, ns, w.Name).Status.CanonicalTarget
	out, ok = kubectl("wfe", "locks")
	row = ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, target+" ") {
			row = l
		}
	}
	// The suite keeps finished runs for an hour: the lock is held for the cooldown.
	fields := strings.Fields(row)
	var left time.Duration
	if len(fields) > 0 {
		left, _ = time.ParseDuration(fields[len(fields)-1])
	}
	if !ok || !strings.Contains(row, ns+"/"+w.Name) || !strings.Contains(row, "Completed") || !strings.Contains(row, "Succeeded") ||
		left <= 50*time.Minute || left > time.Hour {
		t.Errorf("kubectl wfe locks: ok=%v, row %q (cooldown left %v, want most of the hour)\n%s", ok, row, left, out)
	}
	out, ok = kubectl("wfe", "release", target)
	if !ok || !strings.Contains(out, "released "+target) {
		t.Fatalf("kubectl wfe release of a finished run: ok=%v\n%s", ok, out)
	}
	got := env.Get(t, ns, w.Name)
	if _, err := env.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace).Get(ctx, got.Status.PipelineRunRef.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the run after release: %v, want NotFound", err)
	}
	// The cooldown comes from the execution, not the run: the same workflow is still held back.
	again := env.Create(t, framework.NewWFE(ns, "again", target, "restart-deployment", image))
	if sd := env.WaitForPhase(t, ns, again.Name, v1alpha1.PhaseSkipped, waitLong).Status.SkipDetails; sd == nil || sd.Reason != v1alpha1.SkipReasonRecentlyRemediated {
		t.Errorf("the same workflow after a release: skipDetails %+v, want RecentlyRemediated", sd)
	}
}

// checkPluginLogs runs kubectl wfe logs -f on a run of two tasks (three
// steps) from its start to its end, then kubectl wfe logs on the ended run.
// KWOK's pods have no container runtime and its node no address: the API
// server answers every log request with an error ("no preferred addresses
// found"). The plugin must ask for each step in the order of tasks and
// steps, show the API server's answer under the step's prefix, and fail.
// (The node tier reads real step output.)
func checkPluginLogs(t *testing.T, kubectl func(...string) (string, bool), ns string) {
	t.Helper()
	image := env.Push(t, "wf/kubectl-logs:v1",
		framework.Task{Name: "check", Steps: []framework.Step{{Name: "verify"}}, Annotations: map[string]string{rig.DelayAnnotation: "500ms"}},
		framework.Task{Name: "restart", Steps: []framework.Step{{Name: "fetch"}, {Name: "rollout"}}, Annotations: map[string]string{rig.DelayAnnotation: "500ms"}})
	w := env.Create(t, framework.NewWFE(ns, "logs", env.Target(ns, "Deployment"), "restart-deployment", image))
	w = env.WaitFor(t, ns, w.Name, "a PipelineRun", waitLong, func(w *v1alpha1.WorkflowExecution) bool { return w.Status.PipelineRunRef != nil })

	ctx := context.Background()
	resources := func(r string) bool { return r == "pipelineruns" || r == "taskruns" || r == "pods" }
	before, err := framework.APIRequestTotals(ctx, env.Cluster.Kube, resources)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	followed, followOK := kubectl("wfe", "logs", "-f", "-n", ns, w.Name)
	took := time.Since(start)
	if after, err := framework.APIRequestTotals(ctx, env.Cluster.Kube, resources); err == nil {
		// Every client's requests in the window (the plugin polls once a second).
		t.Logf("kubectl wfe logs -f followed the run for %v; API requests meanwhile, all clients: get pipelineruns %.0f, list taskruns %.0f, get pods and pods/log %.0f",
			took.Round(time.Millisecond), framework.CountAPIRequests(after, "GET", "pipelineruns")-framework.CountAPIRequests(before, "GET", "pipelineruns"),
			framework.CountAPIRequests(after, "LIST", "taskruns")-framework.CountAPIRequests(before, "LIST", "taskruns"),
			framework.CountAPIRequests(after, "GET", "pods")-framework.CountAPIRequests(before, "GET", "pods"))
	}
	if got := env.Get(t, ns, w.Name); !got.Status.IsDone() {
		t.Errorf("kubectl wfe logs -f returned before the run ended: phase %s\n%s", got.Status.Phase, followed)
	}
	out, ok := kubectl("wfe", "logs", "-n", ns, w.Name)
	for name, r := range map[string]struct {
		text string
		ok   bool
	}{"logs -f": {followed, followOK}, "logs": {out, ok}} {
		var order []string
		for _, l := range strings.Split(r.text, "\n") {
			i := strings.Index(l, "] ")
			if !strings.HasPrefix(l, "[") || i < 0 {
				continue
			}
			order = append(order, l[:i+1])
			if !strings.HasPrefix(l[i+2:], "cannot read the logs: ") {
				t.Errorf("kubectl wfe %s: %q, want the API server's refusal (KWOK pods have no logs)", name, l)
			}
		}
		if want := []string{"[check : verify]", "[restart : fetch]", "[restart : rollout]"}; strings.Join(order, ",") != strings.Join(want, ",") {
			t.Errorf("kubectl wfe %s: steps %v, want %v\n%s", name, order, want, r.text)
		}
		if r.ok || !strings.Contains(r.text, "the logs of 3 step(s) of "+rig.ExecutionNamespace+"/"+w.Status.PipelineRunRef.Name+" could not be read") {
			t.Errorf("kubectl wfe %s: ok=%v, want a failure naming the 3 unread steps\n%s", name, r.ok, r.text)
		}
	}
}
