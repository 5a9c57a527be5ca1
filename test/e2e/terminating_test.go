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
	"os"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// chainsFinalizer is the finalizer Tekton Chains puts on every PipelineRun
// until it has signed it.
const chainsFinalizer = framework.ChainsFinalizer

// terminatingWindow is how long the test counts DELETE requests while the
// run is held; WFE_E2E_TERMINATING_WINDOW (a Go duration) overrides it.
func terminatingWindow(t *testing.T) time.Duration {
	if s := os.Getenv("WFE_E2E_TERMINATING_WINDOW"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("WFE_E2E_TERMINATING_WINDOW: %v", err)
		}
		return d
	}
	return time.Minute
}

// TestTerminatingRunHoldsTheTarget: a finished run held by a finalizer
// (Chains) still holds its target; the next execution waits for it without
// deleting it again and again (docs/design.md §4.3), and starts as soon as it is gone.
func TestTerminatingRunHoldsTheTarget(t *testing.T) {
	checkInvariant(t)
	ctx := context.Background()
	image := env.Push(t, "wf/chained:v1", framework.Task{Name: "run", Step: "run", Annotations: map[string]string{rig.DelayAnnotation: "100ms"}})
	ns := env.Namespace(t, "terminating")
	target := env.Target(ns, "Deployment")
	name := prName(t, target)
	prs := env.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace)

	first := env.Create(t, framework.NewWFE(ns, "first", target, "restart", image))
	env.WaitForPhase(t, ns, first.Name, v1alpha1.PhaseCompleted, waitLong)
	// Chains has not signed the finished run yet.
	if _, err := prs.Patch(ctx, name, types.MergePatchType,
		[]byte(`{"metadata":{"finalizers":["`+chainsFinalizer+`"]}}`), metav1.PatchOptions{}); err != nil {
		t.Fatalf("adding the finalizer: %v", err)
	}
	t.Cleanup(func() { // never leave the run stuck if the test fails early
		_, _ = prs.Patch(context.Background(), name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	})

	// Another workflow may take the finished run over: it deletes it once,
	// then waits for the finalizer.
	next := env.Create(t, framework.NewWFE(ns, "next", target, "scale", image))
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, waitLong, true, func(ctx context.Context) (bool, error) {
		pr, err := prs.Get(ctx, name, metav1.GetOptions{})
		return err == nil && pr.DeletionTimestamp != nil, nil
	})
	if err != nil {
		t.Fatalf("the held run was never deleted (taken over): %v", err)
	}
	var got *v1alpha1.WorkflowExecution
	_ = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		got = env.Get(t, ns, next.Name)
		c := got.Status.GetSucceededCondition()
		return c != nil && c.Reason == v1alpha1.ReasonTargetTerminating, nil
	})
	c := got.Status.GetSucceededCondition()
	t.Logf("while held: phase=%s condition=%+v", got.Status.Phase, c)
	if got.Status.Phase != v1alpha1.PhasePending || c == nil || c.Reason != v1alpha1.ReasonTargetTerminating ||
		!strings.Contains(c.Message, name) || !strings.Contains(c.Message, chainsFinalizer) {
		t.Errorf("want Pending, reason %s, a message naming the run and the finalizer", v1alpha1.ReasonTargetTerminating)
	}

	window := terminatingWindow(t)
	before, err := framework.APIRequestTotals(ctx, env.Cluster.Kube, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Observe the whole window: the execution keeps waiting, the run stays.
	deadline := time.Now().Add(window)
	tick := time.NewTicker(time.Second)
	for time.Now().Before(deadline) {
		<-tick.C
		if w := env.Get(t, ns, next.Name); w.Status.Phase != v1alpha1.PhasePending {
			t.Fatalf("the next execution left Pending while the run is held: %s", w.Status.Phase)
		}
	}
	tick.Stop()
	after, err := framework.APIRequestTotals(ctx, env.Cluster.Kube, nil)
	if err != nil {
		t.Fatal(err)
	}
	deletes := framework.CountAPIRequests(after, "DELETE", "pipelineruns") - framework.CountAPIRequests(before, "DELETE", "pipelineruns")
	t.Logf("DELETE pipelineruns in %s while the run was held by %s: %.0f (%.1f/s)", window, chainsFinalizer, deletes, deletes/window.Seconds())
	if deletes > 3 {
		t.Errorf("%.0f DELETE requests on pipelineruns in %s while the run was terminating, want at most 3", deletes, window)
	}
	if pr := env.PipelineRun(t, name); pr == nil || pr.DeletionTimestamp == nil {
		t.Fatalf("the held run is not terminating: %+v", pr)
	}

	// Chains signs: the finalizer goes, the run is gone, and the next
	// execution's run is created, woken by the watch.
	w, err := prs.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	released := time.Now()
	if err := env.RemoveFinalizer(name, chainsFinalizer); err != nil {
		t.Fatalf("removing the finalizer: %v", err)
	}
	timeout := time.After(waitLong)
	for started := false; !started; {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("the PipelineRun watch ended")
			}
			pr, isRun := ev.Object.(*pipelinev1.PipelineRun)
			started = isRun && ev.Type == watch.Added && pr.Labels[workflowexecution.WorkflowExecutionLabelKey] == next.Name
		case <-timeout:
			t.Fatalf("the next execution's PipelineRun was not created within %s of the finalizer's removal", waitLong)
		}
	}
	latency := time.Since(released)
	t.Logf("finalizer removed → next PipelineRun created: %s", latency.Round(time.Millisecond))
	if latency > 5*time.Second {
		t.Errorf("the next run started %s after the held run was released, want within 5s (the watch wakes it)", latency)
	}
	env.WaitForPhase(t, ns, next.Name, v1alpha1.PhaseCompleted, waitLong)
}
