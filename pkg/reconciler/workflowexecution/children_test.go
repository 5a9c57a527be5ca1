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
package workflowexecution

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/parse"
)

const failedChild = "wfe-f784cd1fcb7ca47c-restart-deployment"

// laggingTaskRunCache is task-failed.yaml as seen when the PipelineRun's
// completion (one second ago) arrived before its failed TaskRun's: the API
// server holds the failed TaskRun, the cache still shows it running.
func laggingTaskRunCache(t *testing.T) (s seed, failed *pipelinev1.TaskRun) {
	t.Helper()
	s.cached = list(self(t, statusRunning))
	for _, o := range parse.MustReadObjects(t, "testdata/task-failed.yaml") {
		switch o := o.(type) {
		case *pipelinev1.PipelineRun:
			done := metav1.NewTime(now.Add(-time.Second))
			o.Status.CompletionTime = &done
			s.cached = append(s.cached, o)
		case *pipelinev1.TaskRun:
			if o.Name != failedChild {
				s.cached = append(s.cached, o)
				continue
			}
			failed = o
			stale := o.DeepCopy()
			stale.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown, Reason: "Running"}})
			stale.Status.CompletionTime = nil
			stale.Status.Steps = nil
			s.uncached = append(s.uncached, o)
			s.cacheOnly = append(s.cacheOnly, stale)
		}
	}
	return s, failed
}

// checkTaskFailed checks the terminal status built from every child.
func checkTaskFailed(t *testing.T, got *v1alpha1.WorkflowExecution) {
	t.Helper()
	d := got.Status.FailureDetails
	if got.Status.Phase != v1alpha1.PhaseFailed || d == nil {
		t.Fatalf("phase = %s, failureDetails = %v, want Failed with details", got.Status.Phase, d)
	}
	if d.Reason != v1alpha1.FailureReasonTaskFailed || d.FailedStepName != "rollout-restart" || d.ExitCode == nil || *d.ExitCode != 3 {
		t.Errorf("failure = %s step %q exit %v, want TaskFailed, step rollout-restart, exit code 3", d.Reason, d.FailedStepName, d.ExitCode)
	}
	if n := got.Status.PipelineRunStatus.CompletedTasks; n != 2 {
		t.Errorf("completedTasks = %d, want 2", n)
	}
}

// TestTerminalAnalysisWaitsForTheTaskRunEvent: the PipelineRun's completion
// is seen before its failed TaskRun's update. The execution is not ended
// from the lagging cache (a terminal status is final): the pass waits,
// without API requests, and the TaskRun's event ends it with the full
// failure details.
func TestTerminalAnalysisWaitsForTheTaskRunEvent(t *testing.T) {
	s, failed := laggingTaskRunCache(t)
	f := newFixture(t, s)
	// The run completed 1s ago: the pass looks again when childWait has
	// passed since its completion.
	if got, want := requeue(f.reconcile(selfKey)), "requeue-after "+(childWait-time.Second).String(); got != want {
		t.Fatalf("Reconcile() = %s, want %s (waiting)", got, want)
	}
	if got := f.writes(); len(got) != 0 {
		t.Errorf("writes while a child is not seen finished = %q, want none", got)
	}
	if got := f.tektonActions(); len(got) != 0 {
		t.Errorf("Tekton requests while waiting = %q, want none", got)
	}
	// The TaskRun's watch event arrives.
	if err := f.trIndex.Update(failed); err != nil {
		t.Fatal(err)
	}
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() after the TaskRun event = %v", err)
	}
	checkTaskFailed(t, f.get(selfKey))
	if got := f.tektonActions(); len(got) != 0 {
		t.Errorf("Tekton requests = %q, want none: the cache had every child", got)
	}
}

// TestTerminalAnalysisReadsMissingChildren: the TaskRun's event does not
// come within childWait: the child the cache lacks is read once from the
// API server.
func TestTerminalAnalysisReadsMissingChildren(t *testing.T) {
	s, _ := laggingTaskRunCache(t)
	f := newFixture(t, s)
	f.clock.SetTime(now.Add(childWait))
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	checkTaskFailed(t, f.get(selfKey))
	if diff := cmp.Diff([]string{"get kubernaut-workflows/" + failedChild}, f.tektonActions()); diff != "" {
		t.Errorf("Tekton requests (-want, +got):\n%s", diff)
	}
}

// takenOverCache is task-failed.yaml one second after the run completed,
// the run having taken its target over from a run of the same name (the
// target's lock): the cache still shows, under the failed child's name, the
// replaced run's finished TaskRun (another owner UID), which the garbage
// collector has yet to remove. The API server holds this run's.
func takenOverCache(t *testing.T) (s seed, own *pipelinev1.TaskRun) {
	t.Helper()
	s, own = laggingTaskRunCache(t)
	previous := own.DeepCopy()
	previous.UID = "7a000000-0000-4000-8000-0000000000ff"
	previous.OwnerReferences[0].UID = "7a000000-0000-4000-8000-0000000000fe" // the replaced run
	previous.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionTrue, Reason: "Succeeded"}})
	s.cacheOnly = list(previous)
	return s, own
}

// TestTakenOverRunsChildrenAreItsOwn: a child is identified by its owner
// (UID), not by its name. The cache shows another run's TaskRun under the
// name of a child of this finished run: the execution does not wait
// childWait for an event that cannot make it this run's, nor take the other
// run's TaskRun for its own; it reads that child at once (the one request
// the fallback makes anyway) and ends with this run's failure details.
func TestTakenOverRunsChildrenAreItsOwn(t *testing.T) {
	s, _ := takenOverCache(t)
	f := newFixture(t, s)
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v, want the terminal status at once", err)
	}
	checkTaskFailed(t, f.get(selfKey))
	if diff := cmp.Diff([]string{"get kubernaut-workflows/" + failedChild}, f.tektonActions()); diff != "" {
		t.Errorf("Tekton requests (-want, +got):\n%s", diff)
	}
}

// TestTakenOverRunWithoutItsChildren: the API server does not hold the
// child either (the garbage collector removed the replaced run's TaskRun):
// it is left out at once, not after childWait.
func TestTakenOverRunWithoutItsChildren(t *testing.T) {
	s, _ := takenOverCache(t)
	s.uncached = nil
	f := newFixture(t, s)
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v, want the terminal status at once", err)
	}
	got := f.get(selfKey)
	if got.Status.Phase != v1alpha1.PhaseFailed {
		t.Fatalf("phase = %s, want Failed", got.Status.Phase)
	}
	if n := got.Status.PipelineRunStatus.CompletedTasks; n != 1 {
		t.Errorf("completedTasks = %d, want 1 (the replaced run's TaskRun is not this run's)", n)
	}
}

// TestTaskRunHandler: a TaskRun seen finished enqueues its execution (named
// by the labels Tekton copies from the run); an unfinished one does not.
func TestTaskRunHandler(t *testing.T) {
	f := newFixture(t, seed{})
	h := taskRunHandler(f.impl.EnqueueLabelOfNamespaceScopedResource(
		"kubernaut.ai/source-namespace", "kubernaut.ai/workflow-execution"))
	var running, done *pipelinev1.TaskRun
	for _, o := range parse.MustReadObjects(t, "testdata/task-failed.yaml") {
		if tr, ok := o.(*pipelinev1.TaskRun); ok && tr.Name == failedChild {
			done = tr
			running = tr.DeepCopy()
			running.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown}})
		}
	}
	done.Labels["kubernaut.ai/source-namespace"] = selfNS
	running.Labels["kubernaut.ai/source-namespace"] = selfNS
	h.OnAdd(running, false)
	h.OnUpdate(running, running)
	h.OnDelete(done)
	// Keys come in the order they were added: had the unfinished or
	// deleted TaskRun enqueued anything, it would come first.
	h.OnUpdate(running, done)
	if key := f.awaitKey(t); key != (types.NamespacedName{Namespace: selfNS, Name: selfName}) {
		t.Errorf("enqueued %v first, want %s (an unfinished or deleted TaskRun enqueues nothing)", key, selfKey)
	}
	if n := f.impl.WorkQueue().Len(); n != 0 {
		t.Errorf("%d more key(s) enqueued, want none", n)
	}
}
