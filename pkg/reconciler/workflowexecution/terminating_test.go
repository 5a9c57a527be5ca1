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
	"slices"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"knative.dev/pkg/controller"
)

const chainsFinalizer = "chains.tekton.dev/pipelinerun"

// terminatingRun marks a PipelineRun deleted for d, held by Chains' finalizer.
func terminatingRun(pr *pipelinev1.PipelineRun, d time.Duration) *pipelinev1.PipelineRun {
	ts := metav1.NewTime(now.Add(-d))
	pr.DeletionTimestamp = &ts
	pr.Finalizers = []string{chainsFinalizer}
	return pr
}

// takeOverTerminating seeds a take-over: our execution Pending, the
// target's last execution ended as phase a minute ago, and its run (in
// runStatus) terminating for d.
func takeOverTerminating(t *testing.T, phase, runStatus string, d time.Duration) seed {
	return objects(self(t, statusPending), other(t, ended(phase, time.Minute)),
		terminatingRun(foreignRun(t, runStatus), d))
}

const waitingForTerminating = `
observedGeneration: 1
phase: Pending
canonicalTarget: payment/deployment.apps/api
conditions:
- type: Succeeded
  status: Unknown
  reason: TargetTerminating
  message: "Waiting for PipelineRun kubernaut-workflows/wfe-f784cd1fcb7ca47c to finish terminating (finalizers: chains.tekton.dev/pipelinerun)"
`

// TestReconcileTerminatingRun: a PipelineRun being deleted (a finalizer
// holds it) is never deleted again by any path (docs/design.md §4.3).
func TestReconcileTerminatingRun(t *testing.T) {
	completed6m := ended("Completed", 6*time.Minute)
	runReconcileCases(t, []reconcileCase{{
		name:       "take-over: the finished run being deleted is waited for, not deleted again",
		seed:       func(t *testing.T) seed { return takeOverTerminating(t, "Completed", prSucceeded, 2*time.Second) },
		wantResult: "requeue-after 1s",
		wantStatus: waitingForTerminating,
	}, {
		name:       "take-over, terminating for 10 minutes: the safety-net requeue is capped",
		seed:       func(t *testing.T) seed { return takeOverTerminating(t, "Completed", prSucceeded, 10*time.Minute) },
		wantResult: "requeue-after 30s",
		wantStatus: waitingForTerminating,
	}, {
		name: "take-over, not cached: AlreadyExists, then the run read is terminating: waited for",
		seed: func(t *testing.T) seed {
			return seed{
				cached:   list(self(t, statusPending), other(t, ended("Completed", time.Minute))),
				uncached: list(terminatingRun(foreignRun(t, prSucceeded), 2*time.Minute)),
			}
		},
		wantResult: "requeue-after 30s",
		wantStatus: waitingForTerminating,
		wantTekton: []string{createPR, getPR},
	}, {
		name:       "take-over of an abandoned unfinished run being deleted: waited for",
		seed:       func(t *testing.T) seed { return takeOverTerminating(t, "Failed", prRunning, 8*time.Second) },
		wantResult: "requeue-after 2s",
		wantStatus: waitingForTerminating,
	}, {
		name: "same workflow in its cooldown: Skipped as before, the run untouched",
		seed: func(t *testing.T) seed {
			run := terminatingRun(pipelineRun(t, selfNS, "earlier", "5f0c1c2e-0000-4000-8000-000000000007", foreignUID, prSucceeded), time.Second)
			return objects(self(t, statusPending), sameWorkflow(t, "earlier", ended("Completed", time.Minute)), run)
		},
		wantResult:     "nil",
		ignoreMessages: true,
		wantStatus:     recently("earlier", "Completed", ago(time.Minute), "4m0s"),
		wantEvents:     []string{"Normal WorkflowSkipped"},
	}, {
		name: "Running, our run deleted externally but held by a finalizer: Failed now, not cancelled",
		seed: func(t *testing.T) seed {
			return objects(self(t, statusRunning), terminatingRun(ownPipelineRun(t, prRunning), time.Second))
		},
		wantResult:     "requeue-after 5m0s",
		ignoreMessages: true,
		// What statusRunLost says, and the last status the run reported.
		wantStatus: statusRunLost + `
pipelineRunStatus:
  status: Unknown
  reason: Running
  message: "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0"
`,
		wantEvents: []string{"Warning WorkflowFailed"},
		check:      failureMessage("was deleted externally"),
	}, {
		// A pruner deleted the run after it finished: the recorded outcome
		// is what the run says, not a spurious failure.
		name: "Running, our run finished then deleted (pruned): its outcome is recorded",
		seed: func(t *testing.T) seed {
			return objects(self(t, statusRunning), terminatingRun(ownPipelineRun(t, prSucceeded), time.Second))
		},
		wantResult:     "requeue-after 2m30s",
		ignoreMessages: true,
		wantStatus:     statusCompleted,
		wantEvents:     []string{"Normal WorkflowCompleted"},
	}, {
		name: "release after the cooldown: our run being deleted is waited for, not deleted again",
		seed: func(t *testing.T) seed {
			return objects(self(t, completed6m), terminatingRun(ownPipelineRun(t, prSucceeded), 40*time.Second))
		},
		wantResult: "requeue-after 10s",
	}})
}

// TestReconcileTerminatingRunIsQuiet: passes while the run is terminating
// make no API call at all: no delete, no status write.
func TestReconcileTerminatingRunIsQuiet(t *testing.T) {
	f := newFixture(t, takeOverTerminating(t, "Completed", prSucceeded, 2*time.Second))
	if err := f.reconcile(selfKey); requeue(err) != "requeue-after 1s" {
		t.Fatalf("first pass = %v", err)
	}
	f.sync()
	for i := range 5 {
		if err := f.reconcile(selfKey); requeue(err) != "requeue-after 1s" {
			t.Fatalf("pass %d = %v, want requeue-after 1s", i+2, err)
		}
	}
	if got := f.tektonActions(); len(got) != 0 {
		t.Errorf("Tekton actions while the run terminates = %q, want none", got)
	}
	if got := f.writes(); len(got) != 0 {
		t.Errorf("writes while the run terminates = %q, want none", got)
	}
}

// TestFinalizeKindTerminatingRun: deleting an execution whose run is
// already being deleted does not delete it again, and lets the execution go.
func TestFinalizeKindTerminatingRun(t *testing.T) {
	w := self(t, statusRunning)
	ts := metav1.NewTime(now.Add(-time.Second))
	w.DeletionTimestamp = &ts
	f := newFixture(t, objects(w, terminatingRun(ownPipelineRun(t, prRunning), time.Second)))
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	if got := f.tektonActions(); len(got) != 0 {
		t.Errorf("Tekton actions = %q, want none", got)
	}
	if got := f.get(selfKey); slices.Contains(got.Finalizers, finalizer) {
		t.Errorf("finalizer kept (writes %q), want it removed", f.writes())
	}
}

// TestWakeWaiters: an execution waiting for a terminating run tracks it;
// the run's deletion (a tombstone too) enqueues it, in any namespace, and
// nothing else.
func TestWakeWaiters(t *testing.T) {
	f := newFixture(t, takeOverTerminating(t, "Completed", prSucceeded, 2*time.Second))
	if got := requeue(f.reconcile(selfKey)); got != "requeue-after 1s" {
		t.Fatalf("Reconcile() = %s, want requeue-after 1s (waiting)", got)
	}
	pr, err := f.tekton.TektonV1().PipelineRuns(execNS).Get(f.ctx, prName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Drain what starting the controller queued (the audit switch's resync).
	for f.impl.WorkQueue().Len() > 0 {
		key, _ := f.impl.WorkQueue().Get()
		f.impl.WorkQueue().Done(key)
	}
	wake := controller.EnsureTypeMeta(f.impl.Tracker.OnChanged, pipelineRunGVK)
	other := pr.DeepCopy()
	other.Name = "another-run"
	// knative's two-lane queue hands keys to its consumer asynchronously:
	// each key is awaited with a deadline. Keys come in the order they were
	// added, so another run's deletion, had it enqueued anything, would
	// come first and be caught as the wrong key.
	wake(other)
	for _, deleted := range []any{pr, cache.DeletedFinalStateUnknown{Key: "x", Obj: pr}} {
		wake(deleted)
		if key := f.awaitKey(t); key != (types.NamespacedName{Namespace: selfNS, Name: selfName}) {
			t.Errorf("enqueued %v, want %s", key, selfKey)
		}
	}
}
