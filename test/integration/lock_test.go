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
	"fmt"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

func TestSecondExecutionOnABusyTargetIsSkipped(t *testing.T) {
	checkInvariant(t)
	ns := env.Namespace(t, "busy")
	target := env.Target(ns, "Deployment")
	first := env.Create(t, framework.NewWFE(ns, "first", target, "restart", image))
	env.WaitForPhase(t, ns, first.Name, v1alpha1.PhaseRunning, waitLong)

	// Same target written with another kind case, from another namespace:
	// the trusted one (as shipped), where a remediation system targets any
	// namespace.
	other := rig.SystemNamespace
	second := env.Create(t, framework.NewWFE(other, ns+"-second", caseFlip(target), "scale", image))
	got := env.WaitForPhase(t, other, second.Name, v1alpha1.PhaseSkipped, waitLong)
	sd := got.Status.SkipDetails
	if sd == nil || sd.Reason != v1alpha1.SkipReasonResourceBusy || sd.ConflictingWorkflow == nil {
		t.Fatalf("skipDetails = %+v, want ResourceBusy with the conflicting workflow", sd)
	}
	if sd.ConflictingWorkflow.Name != first.Name || sd.ConflictingWorkflow.Namespace != ns || sd.ConflictingWorkflow.WorkflowID != "restart" {
		t.Errorf("conflictingWorkflow = %+v, want %s/%s restart", sd.ConflictingWorkflow, ns, first.Name)
	}
	if c := got.Status.GetSucceededCondition(); c == nil || c.Status != corev1.ConditionFalse || c.Reason != "ResourceBusy" {
		t.Errorf("Succeeded condition = %+v, want False/ResourceBusy", c)
	}
	wantEvents(t, other, second.Name, "WorkflowSkipped")
}

// caseFlip upper-cases the kind of ns/kind/name.
func caseFlip(target string) string {
	t, err := v1alpha1.ParseTarget(target)
	if err != nil {
		panic(err)
	}
	upper := []byte(t.Kind)
	for i, c := range upper {
		if c >= 'a' && c <= 'z' {
			upper[i] = c - 'a' + 'A'
		}
	}
	return t.Namespace + "/" + string(upper) + "/" + t.Name
}

func TestFiftyConcurrentExecutionsOnOneTarget(t *testing.T) {
	checkInvariant(t)
	// The target's own namespace and the trusted one (as shipped) race for
	// it: tenants may target only their own namespace.
	ns := env.Namespace(t, "stampede")
	target := env.Target(ns, "Deployment")
	namespaces := []string{ns, rig.SystemNamespace}
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w := framework.NewWFE(namespaces[i%2], fmt.Sprintf("%s-%02d", ns, i), target, fmt.Sprintf("workflow-%d", i%3), image)
			if _, err := env.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(w.Namespace).Create(context.Background(), w, metav1.CreateOptions{}); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("creating: %v", err)
	}

	phases := map[v1alpha1.Phase]int{}
	var holder string
	for i := 0; i < n; i++ {
		wns, name := namespaces[i%2], fmt.Sprintf("%s-%02d", ns, i)
		w := env.WaitFor(t, wns, name, "Running or Skipped", waitLong, func(w *v1alpha1.WorkflowExecution) bool {
			return w.Status.Phase == v1alpha1.PhaseRunning || w.Status.Phase == v1alpha1.PhaseSkipped
		})
		phases[w.Status.Phase]++
		if w.Status.Phase == v1alpha1.PhaseRunning {
			holder = wns + "/" + name
		}
	}
	if phases[v1alpha1.PhaseRunning] != 1 || phases[v1alpha1.PhaseSkipped] != n-1 {
		t.Errorf("phases = %v, want exactly 1 Running and %d Skipped", phases, n-1)
	}
	prs, err := env.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, pr := range prs.Items {
		if pr.Annotations["kubernaut.ai/target-resource"] == mustCanonical(t, target) {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d PipelineRuns exist for %s, want exactly 1", count, target)
	}
	t.Logf("50 executions over 2 namespaces and 3 workflows: holder %s, phases %v", holder, phases)
}

func TestCooldown(t *testing.T) {
	useConfig(t, map[string]string{"cooldown-period": "4s"})
	checkInvariant(t)
	ns := env.Namespace(t, "cooldown")
	target := env.Target(ns, "Deployment")
	first := env.Create(t, framework.NewWFE(ns, "first", target, "restart", image))
	env.WaitForPhase(t, ns, first.Name, v1alpha1.PhaseRunning, waitLong)
	env.FinishPipelineRun(t, prName(t, target), corev1.ConditionTrue, "Succeeded", "done")
	env.WaitForPhase(t, ns, first.Name, v1alpha1.PhaseCompleted, waitLong)

	// Same workflow inside the cooldown: RecentlyRemediated.
	same := env.Create(t, framework.NewWFE(ns, "same", target, "restart", image))
	got := env.WaitForPhase(t, ns, same.Name, v1alpha1.PhaseSkipped, waitLong)
	rr := got.Status.SkipDetails
	if rr == nil || rr.Reason != v1alpha1.SkipReasonRecentlyRemediated || rr.RecentRemediation == nil {
		t.Fatalf("skipDetails = %+v, want RecentlyRemediated", rr)
	}
	if rr.RecentRemediation.Name != first.Name || rr.RecentRemediation.CooldownRemaining == "" || rr.RecentRemediation.Outcome != v1alpha1.PhaseCompleted {
		t.Errorf("recentRemediation = %+v", rr.RecentRemediation)
	}

	// A different workflow inside the cooldown runs: it takes the finished
	// run over.
	different := env.Create(t, framework.NewWFE(ns, "different", target, "scale", image))
	env.WaitForPhase(t, ns, different.Name, v1alpha1.PhaseRunning, waitLong)
	env.FinishPipelineRun(t, prName(t, target), corev1.ConditionTrue, "Succeeded", "done")
	env.WaitForPhase(t, ns, different.Name, v1alpha1.PhaseCompleted, waitLong)

	// After the first's cooldown the same workflow runs again; wait for the
	// release events rather than sleeping.
	env.WaitFor(t, ns, first.Name, "released", waitLong, func(w *v1alpha1.WorkflowExecution) bool { return w.Status.LockReleaseTime != nil })
	env.WaitFor(t, ns, different.Name, "released", waitLong, func(w *v1alpha1.WorkflowExecution) bool { return w.Status.LockReleaseTime != nil })
	again := env.Create(t, framework.NewWFE(ns, "again", target, "restart", image))
	env.WaitForPhase(t, ns, again.Name, v1alpha1.PhaseRunning, waitLong)
	// The first's run was taken over, so only the second released a lock
	// by deleting its own run.
	wantEvents(t, ns, different.Name, "LockReleased")
}

func TestTwoControllersKeepTheInvariant(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		cfg  map[string]string
	}{
		{name: "split brain, HA disabled", args: []string{"--disable-ha"}},
		{name: "bucketed leader election", args: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkInvariant(t)
			ctx := context.Background()
			if tc.args == nil {
				// Two replicas sharing buckets instead of the --disable-ha one.
				if err := setLeaderElection(ctx, "2"); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = setLeaderElection(ctx, "1") })
				if err := env.Controller.Stop(); err != nil {
					t.Logf("stopping: %v", err)
				}
				t.Cleanup(func() {
					if err := env.Controller.Restart(); err != nil {
						t.Errorf("restarting the main controller: %v", err)
					}
					_ = env.Controller.WaitReady(ctx)
				})
				for i := 0; i < 2; i++ {
					r := env.Cluster.StartController(t, rig.ControllerOptions{Name: fmt.Sprintf("replica-%d", i)})
					if err := r.WaitReady(ctx); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				second := env.Cluster.StartController(t, rig.ControllerOptions{Name: "split-brain", Args: tc.args})
				if err := second.WaitReady(ctx); err != nil {
					t.Fatal(err)
				}
			}
			stream(t, 40, 5)
		})
	}
}

// stream runs n executions over targets targets, finishing each run as it
// starts, and checks every execution ends Completed or Skipped.
func stream(t *testing.T, n, targets int) {
	t.Helper()
	ns := env.Namespace(t, "stream")
	var tgs []string
	for i := 0; i < targets; i++ {
		tgs = append(tgs, env.Target(ns, "Deployment"))
	}
	for i := 0; i < n; i++ {
		env.Create(t, framework.NewWFE(ns, fmt.Sprintf("s-%03d", i), tgs[i%targets], fmt.Sprintf("wf-%d", i%4), image))
	}
	phases := map[v1alpha1.Phase]int{}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("s-%03d", i)
		w := env.WaitFor(t, ns, name, "Running or Skipped", waitLong, func(w *v1alpha1.WorkflowExecution) bool {
			return w.Status.Phase == v1alpha1.PhaseRunning || w.Status.Phase == v1alpha1.PhaseSkipped
		})
		if w.Status.Phase == v1alpha1.PhaseRunning {
			env.FinishPipelineRun(t, w.Status.PipelineRunRef.Name, corev1.ConditionTrue, "Succeeded", "done")
			w = env.WaitForPhase(t, ns, name, v1alpha1.PhaseCompleted, waitLong)
		}
		phases[w.Status.Phase]++
	}
	if phases[v1alpha1.PhaseCompleted] < targets || phases[v1alpha1.PhaseCompleted]+phases[v1alpha1.PhaseSkipped] != n {
		t.Errorf("phases = %v, want every execution Completed or Skipped and at least one Completed per target", phases)
	}
	t.Logf("stream of %d executions over %d targets: %v", n, targets, phases)
}

func setLeaderElection(ctx context.Context, buckets string) error {
	cms := env.Cluster.Kube.CoreV1().ConfigMaps(rig.SystemNamespace)
	cm, err := cms.Get(ctx, "config-leader-election", metav1.GetOptions{})
	if err != nil {
		return err
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	cm.Data["buckets"] = buckets
	cm.Data["lease-duration"] = "15s"
	cm.Data["renew-deadline"] = "10s"
	cm.Data["retry-period"] = "2s"
	_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	return err
}
