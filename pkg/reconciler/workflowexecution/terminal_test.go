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
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

const deleteOwn = "delete kubernaut-workflows/wfe-f784cd1fcb7ca47c uid=" + prUID

// released is the status after the lock release.
func released(status string) string {
	return status + "lockReleaseTime: \"2026-03-14T10:05:00Z\"\n"
}

// runExists checks whether the PipelineRun of that UID is still there.
func runExists(t *testing.T, f *fixture, uid string) bool {
	t.Helper()
	for _, pr := range f.pipelineRuns() {
		if string(pr.UID) == uid {
			return true
		}
	}
	return false
}

func TestReconcileTerminal(t *testing.T) {
	completed6m := ended("Completed", 6*time.Minute)
	runReconcileCases(t, []reconcileCase{{
		name: "before the cooldown ends: no API call",
		seed: func(t *testing.T) seed {
			return objects(self(t, ended("Completed", 2*time.Minute)), ownPipelineRun(t, prSucceeded))
		},
		wantResult: "requeue-after 3m0s",
	}, {
		name: "after the cooldown: our PipelineRun deleted, release recorded, LockReleased",
		seed: func(t *testing.T) seed {
			return objects(self(t, completed6m), ownPipelineRun(t, prSucceeded))
		},
		wantResult: "nil",
		wantStatus: released(completed6m),
		wantTekton: []string{deleteOwn},
		wantEvents: []string{"Normal LockReleased"},
		check: func(t *testing.T, f *fixture, _ *v1alpha1.WorkflowExecution) {
			if runExists(t, f, prUID) {
				t.Error("our PipelineRun was not deleted")
			}
		},
	}, {
		name: "after the cooldown, Failed: released too",
		seed: func(t *testing.T) seed {
			return objects(self(t, ended("Failed", 6*time.Minute)), ownPipelineRun(t, prFailed))
		},
		wantResult: "nil",
		wantStatus: released(ended("Failed", 6*time.Minute)),
		wantTekton: []string{deleteOwn},
		wantEvents: []string{"Normal LockReleased"},
	}, {
		name: "after the cooldown, run not in the cache: read from the API, deleted",
		seed: func(t *testing.T) seed {
			return seed{
				cached:   list(self(t, completed6m)),
				uncached: list(ownPipelineRun(t, prSucceeded)),
			}
		},
		wantResult: "nil",
		wantStatus: released(completed6m),
		wantTekton: []string{getPR, deleteOwn},
		wantEvents: []string{"Normal LockReleased"},
	}, {
		name: "after the cooldown, the run now belongs to another execution: not deleted, release recorded",
		seed: func(t *testing.T) seed {
			return objects(self(t, completed6m), foreignRun(t, prRunning))
		},
		wantResult: "nil",
		wantStatus: released(completed6m),
		// The other execution took it over; the release is recorded, and
		// reported like any other (it was not, before).
		wantEvents: []string{"Normal LockReleased"},
		check: func(t *testing.T, f *fixture, _ *v1alpha1.WorkflowExecution) {
			if !runExists(t, f, foreignUID) {
				t.Error("another execution's PipelineRun was deleted")
			}
		},
	}, {
		name:       "after the cooldown, the run is gone: release recorded",
		seed:       func(t *testing.T) seed { return objects(self(t, completed6m)) },
		wantResult: "nil",
		wantStatus: released(completed6m),
		wantTekton: []string{getPR},
		wantEvents: []string{"Normal LockReleased"},
	}, {
		name: "cooldown 0: released at once",
		seed: func(t *testing.T) seed {
			s := objects(self(t, ended("Completed", time.Second)), ownPipelineRun(t, prSucceeded))
			s.config = map[string]string{"cooldown-period": "0s"}
			return s
		},
		wantResult: "nil",
		wantStatus: released(ended("Completed", time.Second)),
		wantTekton: []string{deleteOwn},
		wantEvents: []string{"Normal LockReleased"},
	}, {
		name: "delete fails: error, release not recorded",
		seed: func(t *testing.T) seed {
			return objects(self(t, completed6m), ownPipelineRun(t, prSucceeded))
		},
		reactors:   failOn("delete", apierrors.NewInternalError(errors.New("boom"))),
		wantResult: "error",
		wantTekton: []string{deleteOwn},
		wantEvents: []string{"Warning InternalError"},
	}, {
		name: "read fails: error, release not recorded",
		seed: func(t *testing.T) seed {
			return seed{
				cached:   list(self(t, completed6m)),
				uncached: list(ownPipelineRun(t, prSucceeded)),
			}
		},
		reactors:   failOn("get", apierrors.NewInternalError(errors.New("boom"))),
		wantResult: "error",
		wantTekton: []string{getPR},
		wantEvents: []string{"Warning InternalError"},
	}, {
		name: "lock already released: nothing",
		seed: func(t *testing.T) seed {
			return objects(self(t, released(completed6m)))
		},
		wantResult: "requeue-after 1h0m0s",
	}, {
		name: "Skipped: never held a lock, nothing",
		seed: func(t *testing.T) seed {
			return objects(self(t, ended("Skipped", 10*time.Minute)), foreignRun(t, prSucceeded))
		},
		wantResult: "requeue-after 1h0m0s",
	}, {
		name: "Failed before any PipelineRun: nothing",
		seed: func(t *testing.T) seed {
			return objects(self(t, `
observedGeneration: 1
phase: Failed
completionTime: "2026-03-14T09:00:00Z"
failureDetails: {reason: ConfigurationError, wasExecutionFailure: false}
conditions:
- {type: Succeeded, status: "False", reason: ConfigurationError}
`), foreignRun(t, prSucceeded))
		},
		wantResult: "requeue-after 1h0m0s",
	}})
}

// TestReconcileTerminalReleaseOnce: LockReleased is emitted once; a second
// reconcile writes nothing and emits nothing.
func TestReconcileTerminalReleaseOnce(t *testing.T) {
	f := newFixture(t, objects(self(t, ended("Completed", 6*time.Minute)), ownPipelineRun(t, prSucceeded)))
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("first Reconcile() = %v", err)
	}
	if diff := cmp.Diff([]string{"Normal LockReleased"}, f.events()); diff != "" {
		t.Errorf("first events (-want, +got):\n%s", diff)
	}
	f.sync()
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("second Reconcile() = %v", err)
	}
	if got := f.events(); len(got) != 0 {
		t.Errorf("second reconcile events = %q, want none", got)
	}
	if got := f.writes(); len(got) != 0 {
		t.Errorf("second reconcile writes = %q, want none", got)
	}
	if got := f.tektonActions(); len(got) != 0 {
		t.Errorf("second reconcile Tekton actions = %q, want none", got)
	}
}

// TestReconcileTerminalRequeue: the release is scheduled for the end of
// the cooldown, not polled.
func TestReconcileTerminalRequeue(t *testing.T) {
	s := objects(self(t, ended("Completed", 5*time.Minute)), ownPipelineRun(t, prSucceeded))
	s.config = map[string]string{"cooldown-period": "5m0.3s"}
	f := newFixture(t, s)
	if got := requeue(f.reconcile(selfKey)); got != "requeue-after 300ms" {
		t.Fatalf("Reconcile() = %s, want requeue-after 300ms (the end of its cooldown)", got)
	}
	if got := f.tektonActions(); len(got) != 0 {
		t.Errorf("Tekton actions = %q, want none before the cooldown ends", got)
	}
}

// TestReconcileCompletionSchedulesRelease: the reconcile that records the
// outcome schedules the release for the end of the cooldown.
func TestReconcileCompletionSchedulesRelease(t *testing.T) {
	// prSucceeded completed at 10:02:30, 2m30s before now.
	s := objects(self(t, statusRunning), ownPipelineRun(t, prSucceeded))
	s.config = map[string]string{"cooldown-period": "2m30.3s"}
	f := newFixture(t, s)
	if got := requeue(f.reconcile(selfKey)); got != "requeue-after 300ms" {
		t.Errorf("Reconcile() = %s, want requeue-after 300ms (its lock release)", got)
	}
}

func TestFinalizeKind(t *testing.T) {
	deleting := func(w *v1alpha1.WorkflowExecution) *v1alpha1.WorkflowExecution {
		ts := metav1.NewTime(now.Add(-time.Second))
		w.DeletionTimestamp = &ts
		return w
	}
	finalizerGone := func(want bool) func(*testing.T, *fixture, *v1alpha1.WorkflowExecution) {
		return func(t *testing.T, f *fixture, got *v1alpha1.WorkflowExecution) {
			t.Helper()
			if gone := !slices.Contains(got.Finalizers, finalizer); gone != want {
				t.Errorf("finalizer removed = %v, want %v (writes %q)", gone, want, f.writes())
			}
		}
	}
	both := func(checks ...func(*testing.T, *fixture, *v1alpha1.WorkflowExecution)) func(*testing.T, *fixture, *v1alpha1.WorkflowExecution) {
		return func(t *testing.T, f *fixture, got *v1alpha1.WorkflowExecution) {
			for _, c := range checks {
				c(t, f, got)
			}
		}
	}
	keeps := func(uid string) func(*testing.T, *fixture, *v1alpha1.WorkflowExecution) {
		return func(t *testing.T, f *fixture, _ *v1alpha1.WorkflowExecution) {
			if !runExists(t, f, uid) {
				t.Errorf("PipelineRun %s was deleted", uid)
			}
		}
	}
	cases := []reconcileCase{{
		name: "Running: our PipelineRun deleted",
		seed: func(t *testing.T) seed {
			return objects(deleting(self(t, statusRunning)), ownPipelineRun(t, prRunning))
		},
		wantResult: "nil",
		wantTekton: []string{deleteOwn},
		wantEvents: []string{"Normal PipelineRunDeleted"},
		check:      finalizerGone(true),
	}, {
		name: "Running, run not in the cache: read from the API, deleted",
		seed: func(t *testing.T) seed {
			return seed{
				cached:   list(deleting(self(t, statusRunning))),
				uncached: list(ownPipelineRun(t, prRunning)),
			}
		},
		wantResult: "nil",
		wantTekton: []string{getPR, deleteOwn},
		wantEvents: []string{"Normal PipelineRunDeleted"},
		check:      finalizerGone(true),
	}, {
		name: "Completed, lock held: our PipelineRun deleted",
		seed: func(t *testing.T) seed {
			return objects(deleting(self(t, ended("Completed", time.Minute))), ownPipelineRun(t, prSucceeded))
		},
		wantResult: "nil",
		wantTekton: []string{deleteOwn},
		wantEvents: []string{"Normal PipelineRunDeleted"},
		check:      finalizerGone(true),
	}, {
		name: "Skipped: the lock holder's run is untouched",
		seed: func(t *testing.T) seed {
			return objects(deleting(self(t, ended("Skipped", time.Minute))), foreignRun(t, prRunning))
		},
		wantResult: "nil",
		check:      both(finalizerGone(true), keeps(foreignUID)),
	}, {
		name: "Skipped, run not in the cache: the lock holder's run is untouched",
		seed: func(t *testing.T) seed {
			return seed{
				cached:   list(deleting(self(t, ended("Skipped", time.Minute)))),
				uncached: list(foreignRun(t, prRunning)),
			}
		},
		wantResult: "nil",
		// Ownership, not the phase, decides: the run is read, not deleted.
		wantTekton: []string{getRun},
		check:      both(finalizerGone(true), keeps(foreignUID)),
	}, {
		name: "no pipelineRunRef, our run of the deterministic name (crash before the status write): deleted",
		seed: func(t *testing.T) seed {
			return objects(deleting(self(t, statusPending)), ownPipelineRun(t, prRunning))
		},
		wantResult: "nil",
		wantTekton: []string{deleteOwn},
		wantEvents: []string{"Normal PipelineRunDeleted"},
		check:      finalizerGone(true),
	}, {
		name: "no pipelineRunRef, our run not in the cache: read from the API, deleted",
		seed: func(t *testing.T) seed {
			return seed{
				cached:   list(deleting(self(t, ""))),
				uncached: list(ownPipelineRun(t, prRunning)),
			}
		},
		wantResult: "nil",
		wantTekton: []string{getPR, deleteOwn},
		wantEvents: []string{"Normal PipelineRunDeleted"},
		check:      finalizerGone(true),
	}, {
		name: "no pipelineRunRef, the run of that name is another's: untouched",
		seed: func(t *testing.T) seed {
			return objects(deleting(self(t, statusPending)), foreignRun(t, prRunning))
		},
		wantResult: "nil",
		check:      both(finalizerGone(true), keeps(foreignUID)),
	}, {
		name:       "no pipelineRunRef, no run: nothing",
		seed:       func(t *testing.T) seed { return objects(deleting(self(t, statusPending))) },
		wantResult: "nil",
		wantTekton: []string{getPR},
		check:      finalizerGone(true),
	}, {
		name: "invalid target, no run: nothing",
		seed: func(t *testing.T) seed {
			w := self(t, wantConfigurationError)
			w.Spec.TargetResource = "not a target"
			return objects(deleting(w))
		},
		wantResult: "nil",
		check:      finalizerGone(true),
	}, {
		name: "Running, the run of its ref is now another's: untouched",
		seed: func(t *testing.T) seed {
			return objects(deleting(self(t, statusRunning)), foreignRun(t, prRunning))
		},
		wantResult: "nil",
		check:      both(finalizerGone(true), keeps(foreignUID)),
	}, {
		name: "lock already released: nothing",
		seed: func(t *testing.T) seed {
			return objects(deleting(self(t, released(ended("Completed", 10*time.Minute)))), foreignRun(t, prRunning))
		},
		wantResult: "nil",
		check:      both(finalizerGone(true), keeps(foreignUID)),
	}, {
		name: "delete fails: error, finalizer kept",
		seed: func(t *testing.T) seed {
			return objects(deleting(self(t, statusRunning)), ownPipelineRun(t, prRunning))
		},
		reactors:   failOn("delete", apierrors.NewInternalError(errors.New("boom"))),
		wantResult: "error",
		wantTekton: []string{deleteOwn},
		wantEvents: []string{"Warning InternalError"},
		check:      finalizerGone(false),
	}, {
		name: "read fails: error, finalizer kept",
		seed: func(t *testing.T) seed {
			return objects(deleting(self(t, statusPending)))
		},
		reactors:   failOn("get", apierrors.NewInternalError(errors.New("boom"))),
		wantResult: "error",
		wantTekton: []string{getPR},
		wantEvents: []string{"Warning InternalError"},
		check:      finalizerGone(false),
	}}
	// knative's FinalizerUpdate event for the finalizer's removal is
	// dropped (events.go): no case expects it.
	runReconcileCases(t, cases)
}

// TestFinalizeKindSkippedOwner: an execution reported Skipped that owns the
// target's run nonetheless (it created it, then a stale cache made it skip
// before its status write) must not leak that run when deleted: ownership,
// not the phase, decides (docs/design.md §4.7).
func TestFinalizeKindSkippedOwner(t *testing.T) {
	w := self(t, ended("Skipped", time.Minute))
	ts := metav1.NewTime(now)
	w.DeletionTimestamp = &ts
	f := newFixture(t, objects(w, ownPipelineRun(t, prRunning)))
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	if runExists(t, f, prUID) {
		t.Errorf("the Skipped execution's own PipelineRun leaked; Tekton actions %q", f.tektonActions())
	}
}

// TestIdempotence: reconciling an unchanged world again writes nothing and
// emits nothing (docs/design.md §8: no status write when nothing changed).
func TestIdempotence(t *testing.T) {
	tests := append(transitions(), transition{
		name: "Running, unchanged PipelineRun",
		seed: func(t *testing.T) seed { return objects(self(t, statusRunning), ownPipelineRun(t, prRunning)) },
	}, transition{
		name: "Pending → Failed (ConfigurationError)",
		seed: func(t *testing.T) seed {
			w := self(t, "")
			w.Spec.Parameters["TARGET_RESOURCE"] = "x"
			return objects(w)
		},
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.seed(t))
			if err := f.reconcile(selfKey); reconcileFailed(err) {
				t.Fatalf("first Reconcile() = %v", err)
			}
			first := f.events()
			f.sync()
			before := f.get(selfKey).Status
			if err := f.reconcile(selfKey); reconcileFailed(err) {
				t.Fatalf("second Reconcile() = %v", err)
			}
			if got := f.writes(); len(got) != 0 {
				t.Errorf("second reconcile writes = %q, want none", got)
			}
			if got := f.events(); len(got) != 0 {
				t.Errorf("second reconcile events = %q, want none (first: %q)", got, first)
			}
			var writes []string
			for _, a := range f.tektonActions() {
				if !strings.HasPrefix(a, "get ") {
					writes = append(writes, a)
				}
			}
			if len(writes) != 0 {
				t.Errorf("second reconcile Tekton writes = %q, want none", writes)
			}
			if diff := cmp.Diff(before, f.get(selfKey).Status); diff != "" {
				t.Errorf("status changed (-first, +second):\n%s", diff)
			}
		})
	}
}
