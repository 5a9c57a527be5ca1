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
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgotesting "k8s.io/client-go/testing"
	"knative.dev/pkg/apis"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// TestStaleExecutionCache: the informer has not seen the status this
// process wrote when the next reconcile comes (a PipelineRun event can
// arrive first). Reconciling the stale copy must not repeat the
// transition: no second event, no second create or delete, no regression
// of the status (docs/design.md §4 invariant, §6 events once per transition).
func TestStaleExecutionCache(t *testing.T) {
	tests := append(transitions(), transition{
		name: "Completed → lock released",
		seed: func(t *testing.T) seed {
			return objects(self(t, ended("Completed", 6*time.Minute)), ownPipelineRun(t, prSucceeded))
		},
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.seed(t))
			if err := f.reconcile(selfKey); reconcileFailed(err) {
				t.Fatalf("first Reconcile() = %v", err)
			}
			first := f.events()
			if len(first) != 1 {
				t.Fatalf("first reconcile events = %q, want one transition", first)
			}
			after := f.get(selfKey).Status
			f.tekton.ClearActions()
			f.wfes.ClearActions()

			// Second reconcile on the same, now stale, caches.
			if err := f.reconcile(selfKey); reconcileFailed(err) {
				t.Fatalf("second Reconcile() = %v", err)
			}
			if got := f.events(); len(got) != 0 {
				t.Errorf("second reconcile events = %q, want none (first: %q)", got, first)
			}
			for _, a := range f.tektonActions() {
				if !strings.HasPrefix(a, "get ") {
					t.Errorf("second reconcile Tekton write %q", a)
				}
			}
			if diff := cmp.Diff(after, f.get(selfKey).Status,
				cmpopts.IgnoreFields(apis.Condition{}, "LastTransitionTime")); diff != "" {
				t.Errorf("status changed by the stale reconcile (-first, +second):\n%s", diff)
			}
		})
	}
}

// TestStaleExecutionCacheWaitsForTheWatch: a pass on a copy older than
// this process's own status write makes no API call at all (no read back,
// no write, no event); the pass after the informer delivered the write
// goes on from it, here releasing the lock once the cooldown is over.
func TestStaleExecutionCacheWaitsForTheWatch(t *testing.T) {
	f := newFixture(t, objects(self(t, statusRunning), ownPipelineRun(t, prSucceeded)))
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("first Reconcile() = %v", err)
	}
	if got := f.events(); len(got) != 1 {
		t.Fatalf("first reconcile events = %q, want the transition", got)
	}
	f.tekton.ClearActions()
	f.wfes.ClearActions()
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("stale Reconcile() = %v", err)
	}
	if got := f.tektonActions(); len(got) != 0 {
		t.Errorf("stale reconcile made Tekton API calls %q, want none", got)
	}
	if got := f.wfes.Actions(); len(got) != 0 {
		t.Errorf("stale reconcile made %d WorkflowExecution API calls (%v), want none", len(got), got)
	}
	if got := f.events(); len(got) != 0 {
		t.Errorf("stale reconcile events = %q, want none", got)
	}

	// The informer delivers the terminal write; the cooldown passes.
	f.toCache(f.get(selfKey))
	f.clock.SetTime(now.Add(6 * time.Minute))
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() after the watch = %v", err)
	}
	if got := f.events(); len(got) != 1 || got[0] != "Normal "+EventLockReleased {
		t.Errorf("events = %q, want the lock released", got)
	}
	if got := f.get(selfKey); got.Status.LockReleaseTime == nil {
		t.Error("lockReleaseTime not set after the cache caught up")
	}
}

// TestStatusConflictRequeuesWithoutEvent: a status write that conflicts
// (the cached copy was stale) is not forced: the pass fails, emits no
// event, and the next pass, on fresh data, records the transition and its
// event exactly once.
func TestStatusConflictRequeuesWithoutEvent(t *testing.T) {
	f := newFixture(t, objects(self(t, "")))
	f.wfes.PrependReactor("update", "workflowexecutions", func(action clientgotesting.Action) (bool, runtime.Object, error) {
		if action.GetSubresource() != "status" {
			return false, nil, nil
		}
		return true, nil, apierrors.NewConflict(v1alpha1.Resource("workflowexecutions"), "restart-api", errors.New("the object has been modified"))
	})
	if err := f.reconcile(selfKey); err == nil || !apierrors.IsConflict(errors.Unwrap(err)) && !strings.Contains(err.Error(), "modified") {
		t.Fatalf("Reconcile() = %v, want the conflict", err)
	}
	if got := f.events(); len(got) != 0 {
		t.Errorf("events after a failed status write = %q, want none", got)
	}
	f.wfes.ReactionChain = f.wfes.ReactionChain[1:]
	f.sync()
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("second Reconcile() = %v", err)
	}
	if got := f.get(selfKey); got.Status.Phase != v1alpha1.PhaseRunning {
		t.Errorf("phase = %s, want Running (the run created by the first pass adopted)", got.Status.Phase)
	}
	if got := f.events(); len(got) != 1 || got[0] != "Normal PipelineRunCreated" {
		t.Errorf("events = %q, want PipelineRunCreated once", got)
	}
	if n := len(f.pipelineRuns()); n != 1 {
		t.Errorf("%d PipelineRuns, want 1", n)
	}
}

// TestStalePendingCopyOfAnotherProcessDoesNotRunAgain: the cache shows an
// old execution Pending, but another process (a previous leader) already
// ran it to the end and released the lock. The execution is read from the
// API server before any create: no second run.
func TestStalePendingCopyOfAnotherProcessDoesNotRunAgain(t *testing.T) {
	released := self(t, ended("Completed", 6*time.Minute))
	released.Status.LockReleaseTime = released.Status.CompletionTime
	f := newFixture(t, objects(released))
	f.toCache(self(t, statusPending))
	f.wantNoSecondRun()
}

// TestSpuriousRunIsDeletedWhenTheExecutionAlreadyEnded: a paused process
// resumes with a young, stale Pending copy and creates a run; its status
// write conflicts because another process already ran the execution to
// the end. The run it just created is deleted: the workflow does not run
// twice.
func TestSpuriousRunIsDeletedWhenTheExecutionAlreadyEnded(t *testing.T) {
	young := self(t, "")
	young.CreationTimestamp = metav1.NewTime(now)
	f := newFixture(t, objects(young))
	// The API server holds the execution Completed and released (by
	// another process); the cache still shows it new.
	ended := self(t, ended("Completed", time.Second))
	ended.CreationTimestamp = young.CreationTimestamp
	ended.Status.LockReleaseTime = ended.Status.CompletionTime
	if err := f.wfes.Tracker().Update(v1alpha1.SchemeGroupVersion.WithResource("workflowexecutions"), ended, ended.Namespace); err != nil {
		t.Fatal(err)
	}
	f.wfes.PrependReactor("update", "workflowexecutions", func(action clientgotesting.Action) (bool, runtime.Object, error) {
		if action.GetSubresource() != "status" {
			return false, nil, nil
		}
		return true, nil, apierrors.NewConflict(v1alpha1.Resource("workflowexecutions"), "restart-api", errors.New("the object has been modified"))
	})
	if err := f.reconcile(selfKey); err == nil {
		t.Fatal("Reconcile() = nil, want the conflict")
	}
	if n := len(f.pipelineRuns()); n != 0 {
		t.Errorf("%d PipelineRuns left, want the spurious one deleted", n)
	}
	if got := f.events(); len(got) != 0 {
		t.Errorf("events = %q, want none", got)
	}
}

// wantNoSecondRun reconciles the execution, which the API server holds
// Completed and released, from a stale Pending copy: no run may be created,
// no event emitted, and the status must stay as it is.
func (f *fixture) wantNoSecondRun() {
	f.t.Helper()
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		f.t.Fatalf("Reconcile() = %v", err)
	}
	if got := f.tektonActions(); len(got) != 0 {
		f.t.Errorf("Tekton actions = %q, want none (no second run)", got)
	}
	if got := f.events(); len(got) != 0 {
		f.t.Errorf("events = %q, want none", got)
	}
	if got := f.get(selfKey); got.Status.Phase != v1alpha1.PhaseCompleted || got.Status.LockReleaseTime == nil {
		f.t.Errorf("status = %s, released %v; want it untouched", got.Status.Phase, got.Status.LockReleaseTime)
	}
}

// TestYoungStaleCopyAfterAStallDoesNotRunAgain is bug 6: a leader frozen
// past its lease resumes with a young, stale Pending copy of an execution
// that another replica already ran to the end and released. Its age alone
// would let the cache be trusted; the stall makes the reconciler read the
// execution before any create: no second run, not even a short-lived one.
func TestYoungStaleCopyAfterAStallDoesNotRunAgain(t *testing.T) {
	released := self(t, ended("Completed", time.Second))
	released.Status.LockReleaseTime = released.Status.CompletionTime
	f := newFixture(t, objects(released))
	// The process was frozen for 3 s; the execution was created just
	// before the freeze ended, so it is still young.
	resumed := now.Add(3 * time.Second)
	young := self(t, statusPending)
	young.CreationTimestamp = metav1.NewTime(resumed.Add(-500 * time.Millisecond))
	f.toCache(young)
	f.clock.SetTime(resumed)
	f.wantNoSecondRun()
}
