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

package reliability

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/rig"
)

// TestPipelineRunsDeletedOrStuck mixes, in one stream, runs deleted while
// running (the execution must fail with reason Unknown, "deleted
// externally"), runs pruned right after they finished (Completed, or that
// same failure if the pruner was faster than the controller), and runs that
// never finish and ignore cancellation (the hold limit must cancel them,
// fail the execution with DeadlineExceeded and free the target). The next
// execution on each target must then run normally.
func TestPipelineRunsDeletedOrStuck(t *testing.T) {
	p := currentProfile()
	s := newSuite(t, suiteOptions{Config: map[string]string{"stuck-grace-period": "2s"}})
	st := s.newStream(streamOptions{
		Executions: p.ExternalExecutions, Targets: p.ExternalTargets,
		Mix:          []weighted{{actSucceed, 4}, {actFail, 1}, {actDelete, 2}, {actPrune, 2}, {actStuck, 1}},
		StuckTimeout: time.Second,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	st.run(ctx)
	acted := st.player.Acted()
	s.setFault("PipelineRun deleted while running", acted[actDelete])
	s.setFault("PipelineRun pruned after finishing", acted[actPrune])
	s.setFault("PipelineRun stuck (1s timeout, 2s grace)", acted[actStuck])
	f := st.verify(t, fmt.Sprintf("PipelineRuns deleted, pruned or stuck (%d×%d targets)", p.ExternalExecutions, p.ExternalTargets), verifyOptions{})
	pruneLost := 0
	for _, e := range st.byKey {
		if e.act == actPrune && e.final != nil && e.final.Status.FailureDetails != nil {
			pruneLost++
		}
	}
	f.Notes = append(f.Notes, fmt.Sprintf("%d of %d pruned runs were deleted before the controller read their outcome (Failed/Unknown)", pruneLost, acted[actPrune]))
	for _, a := range []action{actDelete, actPrune, actStuck} {
		if acted[a] == 0 {
			t.Errorf("the stream had no %s run: raise the number of executions", a)
		}
	}
	report.add(f)
	t.Logf("figures: %+v", f)
}

// TestHoldLimitFreesTheTarget: once the hold limit has cancelled a wedged
// run and failed its execution (DeadlineExceeded), the target must be free
// for another workflow at once: the cooldown only holds back the same
// workflow (SPEC §4.2), and the hold limit exists to free the lock (§4.4).
func TestHoldLimitFreesTheTarget(t *testing.T) {
	s := newSuite(t, suiteOptions{Config: map[string]string{"stuck-grace-period": "2s", "cooldown-period": "1m"}})
	st := s.newStream(streamOptions{Executions: 1, Targets: 1}) // for its player and watcher
	stuck := map[string]bool{}
	st.player.plan = func(owner string) action {
		if stuck[owner] {
			return actStuck
		}
		return actSucceed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := namespaces[0]
	wfes := s.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(ns)
	target := "shop/Deployment/wedged"
	stuck[ns+"/wedged"] = true
	first := &v1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "wedged"},
		Spec: v1alpha1.WorkflowExecutionSpec{
			WorkflowRef:     v1alpha1.WorkflowRef{WorkflowID: "restart", Version: "1.0.0", ContainerImage: image},
			TargetResource:  target,
			ExecutionConfig: &v1alpha1.ExecutionConfig{Timeout: &metav1.Duration{Duration: time.Second}},
		},
	}
	if _, err := wfes.Create(ctx, first, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := st.watcher.waitDone(ctx, ns, first.Name)
	if err != nil {
		t.Fatalf("the wedged execution did not end: %v (%s)", err, describe(got))
	}
	if fd := got.Status.FailureDetails; got.Status.Phase != v1alpha1.PhaseFailed || fd == nil || fd.Reason != v1alpha1.FailureReasonDeadlineExceeded {
		t.Fatalf("the wedged execution ended %s, want Failed/DeadlineExceeded", describe(got))
	}
	s.countFault("PipelineRun stuck (1s timeout, 2s grace, 1m cooldown)")
	other := &v1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other-workflow"},
		Spec: v1alpha1.WorkflowExecutionSpec{
			WorkflowRef:    v1alpha1.WorkflowRef{WorkflowID: "scale", Version: "1.0.0", ContainerImage: image},
			TargetResource: target,
		},
	}
	if _, err := wfes.Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err = st.watcher.waitDone(ctx, ns, other.Name)
	if err != nil {
		t.Fatalf("the next execution did not end: %v (%s)", err, describe(got))
	}
	f := figures{Scenario: "hold limit frees the target (1m cooldown, another workflow)", Executions: 2,
		Phases: map[v1alpha1.Phase]int{v1alpha1.PhaseFailed: 1}, Faults: s.faultCounts()}
	f.Phases[got.Status.Phase]++
	if got.Status.Phase != v1alpha1.PhaseCompleted {
		f.Unexpected++
		pr := ""
		if run, err := s.cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace).Get(ctx, st.player.runName(target), metav1.GetOptions{}); err == nil {
			pr = fmt.Sprintf("; the cancelled run %s is still there: spec.status=%q, done=%v", run.Name, run.Spec.Status, run.IsDone())
		}
		t.Errorf("after the hold limit failed %s, a different workflow on the same target ended %s, want Completed%s", first.Name, describe(got), pr)
	}
	f.Violations, f.PipelineRuns = st.checkInvariant(t, false)
	f.Panics = s.checkNoPanic()
	report.add(f)
}
