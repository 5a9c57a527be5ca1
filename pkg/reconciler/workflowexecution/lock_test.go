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
	"fmt"
	pipelinelisters "github.com/tektoncd/pipeline/pkg/client/listers/pipeline/v1"
	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/cache"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/parse"
)

// The other execution of the lock tests: billing/scale-api runs scale-up on
// the same canonical target, written with the kind in another case.
const (
	otherName     = "scale-api"
	otherNS       = "billing"
	otherUID      = "5f0c1c2e-0000-4000-8000-000000000002"
	otherWorkflow = "scale-up"
	otherTarget   = "payment/DEPLOYMENT/api"
	foreignUID    = "7b000000-0000-4000-8000-0000000000b2"
	newerUID      = "7c000000-0000-4000-8000-0000000000c3"

	deleteForeign = "delete kubernaut-workflows/wfe-f784cd1fcb7ca47c uid=" + foreignUID
	// getRun is the read that makes sure a skip never strands the
	// execution's own run when the cache does not have it.
	getRun = "get kubernaut-workflows/wfe-f784cd1fcb7ca47c"
)

// ended is the status of an execution that ended d ago with phase.
func ended(phase string, d time.Duration) string {
	at := ago(d)
	switch phase {
	case "Completed":
		return fmt.Sprintf(`
observedGeneration: 1
phase: Completed
startTime: %q
completionTime: %q
pipelineRunRef: {name: wfe-f784cd1fcb7ca47c, namespace: kubernaut-workflows}
conditions:
- {type: Succeeded, status: "True", reason: Succeeded}
`, ago(d+time.Minute), at)
	case "Failed":
		return fmt.Sprintf(`
observedGeneration: 1
phase: Failed
startTime: %q
completionTime: %q
pipelineRunRef: {name: wfe-f784cd1fcb7ca47c, namespace: kubernaut-workflows}
failureDetails: {reason: TaskFailed, wasExecutionFailure: true}
conditions:
- {type: Succeeded, status: "False", reason: TaskFailed}
`, ago(d+time.Minute), at)
	case "Skipped":
		return fmt.Sprintf(`
observedGeneration: 1
phase: Skipped
completionTime: %q
skipDetails: {reason: ResourceBusy}
conditions:
- {type: Succeeded, status: "False", reason: ResourceBusy}
`, at)
	}
	panic(phase)
}

const otherRunning = `
observedGeneration: 1
phase: Running
startTime: "2026-03-14T10:01:00Z"
pipelineRunRef: {name: wfe-f784cd1fcb7ca47c, namespace: kubernaut-workflows}
conditions:
- {type: Succeeded, status: Unknown, reason: Running}
`

func other(t *testing.T, status string) *v1alpha1.WorkflowExecution {
	t.Helper()
	return wfe(t, otherNS, otherName, otherUID, otherWorkflow, otherTarget, status)
}

// sameWorkflow is an earlier execution of the same workflow on the target.
func sameWorkflow(t *testing.T, name, status string) *v1alpha1.WorkflowExecution {
	t.Helper()
	return wfe(t, selfNS, name, "5f0c1c2e-0000-4000-8000-0000000000"+fmt.Sprintf("%02x", len(name)), selfWorkflow, "payment/deployment/api", status)
}

// foreignRun is the target's PipelineRun owned by billing/scale-api.
func foreignRun(t *testing.T, status string) *pipelinev1.PipelineRun {
	t.Helper()
	pr := pipelineRun(t, otherNS, otherName, otherUID, foreignUID, status)
	pr.Labels["kubernaut.ai/workflow-id"] = otherWorkflow
	pr.Annotations["kubernaut.ai/workflow-id"] = otherWorkflow
	return pr
}

const wantBusyByOther = `
observedGeneration: 1
phase: Skipped
completionTime: "2026-03-14T10:05:00Z"
skipDetails:
  reason: ResourceBusy
  skippedAt: "2026-03-14T10:05:00Z"
  conflictingWorkflow:
    name: scale-api
    namespace: billing
    workflowId: scale-up
    startedAt: "2026-03-14T10:01:00Z"
    targetResource: payment/DEPLOYMENT/api
conditions:
- type: Succeeded
  status: "False"
  reason: ResourceBusy
`

// skipMessage checks the skip message, mirrored in the condition.
func skipMessage(mustContain ...string) func(*testing.T, *fixture, *v1alpha1.WorkflowExecution) {
	return func(t *testing.T, f *fixture, got *v1alpha1.WorkflowExecution) {
		t.Helper()
		d := got.Status.SkipDetails
		if d == nil {
			t.Fatal("skipDetails is nil")
		}
		if c := got.Status.GetSucceededCondition(); c.Message != d.Message {
			t.Errorf("condition message %q != skip message %q", c.Message, d.Message)
		}
		for _, s := range mustContain {
			if !strings.Contains(d.Message, s) {
				t.Errorf("skip message %q does not contain %q", d.Message, s)
			}
		}
		if got.Status.PipelineRunRef != nil {
			t.Errorf("a Skipped execution has pipelineRunRef %+v", got.Status.PipelineRunRef)
		}
	}
}

// recently is the status of the execution under test Skipped as
// RecentlyRemediated by execution name of the same workflow, which ended
// with outcome at completedAt, remaining cooldown left.
func recently(name, outcome, completedAt, remaining string) string {
	return fmt.Sprintf(`
observedGeneration: 1
phase: Skipped
completionTime: "2026-03-14T10:05:00Z"
skipDetails:
  reason: RecentlyRemediated
  skippedAt: "2026-03-14T10:05:00Z"
  recentRemediation:
    name: %s
    namespace: payment
    workflowId: restart-deployment
    completedAt: %q
    outcome: %s
    targetResource: payment/deployment/api
    cooldownRemaining: %s
conditions:
- type: Succeeded
  status: "False"
  reason: RecentlyRemediated
`, name, completedAt, outcome, remaining)
}

func TestReconcileLockLayer1(t *testing.T) {
	runs := func(c reconcileCase) reconcileCase {
		c.wantResult = "nil"
		c.wantStatus = wantCreated
		c.wantTekton = []string{createPR}
		c.wantEvents = []string{"Normal PipelineRunCreated"}
		return c
	}
	runReconcileCases(t, []reconcileCase{{
		name: "another execution Running on the target (other namespace, kind in other case)",
		seed: func(t *testing.T) seed {
			return objects(self(t, ""), other(t, otherRunning))
		},
		wantResult:     "nil",
		wantStatus:     wantBusyByOther,
		ignoreMessages: true,
		wantEvents:     []string{"Normal WorkflowSkipped"},
		wantTekton:     []string{getRun},
		check:          skipMessage(otherName, otherWorkflow),
	}, runs(reconcileCase{
		name: "another execution Pending on the target does not block",
		seed: func(t *testing.T) seed {
			return objects(self(t, ""), other(t, statusPending))
		},
	}), runs(reconcileCase{
		name: "another execution Running on another target does not block",
		seed: func(t *testing.T) seed {
			o := other(t, otherRunning)
			o.Spec.TargetResource = "payment/Deployment/web"
			return objects(self(t, ""), o)
		},
	}), {
		name: "same workflow Completed 1m ago, cooldown 5m: RecentlyRemediated",
		seed: func(t *testing.T) seed {
			return objects(self(t, ""), sameWorkflow(t, "earlier", ended("Completed", time.Minute)))
		},
		wantResult:     "nil",
		wantStatus:     recently("earlier", "Completed", ago(time.Minute), "4m0s"),
		ignoreMessages: true,
		wantEvents:     []string{"Normal WorkflowSkipped"},
		wantTekton:     []string{getRun},
		check:          skipMessage(selfWorkflow, "4m0s"),
	}, {
		name: "same workflow Failed 90s ago counts too",
		seed: func(t *testing.T) seed {
			return objects(self(t, ""), sameWorkflow(t, "earlier", ended("Failed", 90*time.Second)))
		},
		wantResult:     "nil",
		wantStatus:     recently("earlier", "Failed", ago(90*time.Second), "3m30s"),
		ignoreMessages: true,
		wantEvents:     []string{"Normal WorkflowSkipped"},
		wantTekton:     []string{getRun},
	}, {
		name: "the most recent of two remediations is named",
		seed: func(t *testing.T) seed {
			return objects(self(t, ""),
				sameWorkflow(t, "first", ended("Completed", 3*time.Minute)),
				sameWorkflow(t, "second", ended("Failed", time.Minute)))
		},
		wantResult:     "nil",
		wantStatus:     recently("second", "Failed", ago(time.Minute), "4m0s"),
		ignoreMessages: true,
		wantEvents:     []string{"Normal WorkflowSkipped"},
		wantTekton:     []string{getRun},
	}, {
		name: "custom cooldown",
		seed: func(t *testing.T) seed {
			s := objects(self(t, ""), sameWorkflow(t, "earlier", ended("Completed", time.Minute)))
			s.config = map[string]string{"cooldown-period": "1h"}
			return s
		},
		wantResult:     "nil",
		wantStatus:     recently("earlier", "Completed", ago(time.Minute), "59m0s"),
		ignoreMessages: true,
		wantEvents:     []string{"Normal WorkflowSkipped"},
		wantTekton:     []string{getRun},
	}, runs(reconcileCase{
		name: "exactly at the cooldown boundary the run is allowed",
		seed: func(t *testing.T) seed {
			return objects(self(t, ""), sameWorkflow(t, "earlier", ended("Completed", 5*time.Minute)))
		},
	}), runs(reconcileCase{
		name: "a failure before any PipelineRun (ConfigurationError) does not start the cooldown",
		seed: func(t *testing.T) seed {
			return objects(self(t, ""), sameWorkflow(t, "rejected", fmt.Sprintf(`
observedGeneration: 1
phase: Failed
completionTime: %q
failureDetails: {reason: ConfigurationError, wasExecutionFailure: false}
conditions:
- {type: Succeeded, status: "False", reason: ConfigurationError}
`, ago(time.Minute))))
		},
	}), runs(reconcileCase{
		name: "a different workflow ended 1m ago is allowed",
		seed: func(t *testing.T) seed {
			return objects(self(t, ""), other(t, ended("Completed", time.Minute)))
		},
	}), runs(reconcileCase{
		name: "cooldown 0 disables the check",
		seed: func(t *testing.T) seed {
			s := objects(self(t, ""), sameWorkflow(t, "earlier", ended("Completed", time.Second)))
			s.config = map[string]string{"cooldown-period": "0s"}
			return s
		},
	}), runs(reconcileCase{
		name: "a Skipped execution of the same workflow never counts",
		seed: func(t *testing.T) seed {
			return objects(self(t, ""), sameWorkflow(t, "skipped", ended("Skipped", time.Minute)))
		},
	}), runs(reconcileCase{
		name: "a Pending execution of the same workflow does not count",
		seed: func(t *testing.T) seed {
			return objects(self(t, ""), sameWorkflow(t, "pending", statusPending))
		},
	})})
}

func TestReconcileLockLayer2(t *testing.T) {
	// busyByRun names the holder from what its PipelineRun says.
	const busyByRun = `
observedGeneration: 1
phase: Skipped
completionTime: "2026-03-14T10:05:00Z"
skipDetails:
  reason: ResourceBusy
  skippedAt: "2026-03-14T10:05:00Z"
  conflictingWorkflow:
    name: scale-api
    namespace: billing
    workflowId: scale-up
    startedAt: "2026-03-14T10:00:00Z"
    targetResource: payment/DEPLOYMENT/api
conditions:
- type: Succeeded
  status: "False"
  reason: ResourceBusy
`
	// The PipelineRun of an execution whose status write was lost.
	adoptedRun := func(t *testing.T) *pipelinev1.PipelineRun {
		pr := ownPipelineRun(t, prRunning)
		pr.CreationTimestamp.Time = time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
		return pr
	}

	var cases []reconcileCase
	for _, cached := range []bool{true, false} {
		where := "cached"
		lookup := []string(nil)
		if !cached {
			where = "not cached: AlreadyExists then GET"
			lookup = []string{createPR, getPR}
		}
		build := func(selfStatus string, run func(t *testing.T) *pipelinev1.PipelineRun, others ...func(t *testing.T) *v1alpha1.WorkflowExecution) func(t *testing.T) seed {
			return func(t *testing.T) seed {
				s := seed{}
				s.cached = append(s.cached, self(t, selfStatus))
				for _, o := range others {
					s.cached = append(s.cached, o(t))
				}
				if cached {
					s.cached = append(s.cached, run(t))
				} else {
					s.uncached = append(s.uncached, run(t))
				}
				return s
			}
		}
		otherWith := func(status string) func(t *testing.T) *v1alpha1.WorkflowExecution {
			return func(t *testing.T) *v1alpha1.WorkflowExecution { return other(t, status) }
		}
		cases = append(cases, reconcileCase{
			name:       "own PipelineRun (lost status write) is adopted, " + where,
			seed:       build("", adoptedRun),
			wantResult: "nil",
			wantStatus: statusRunningMirrored,
			wantTekton: lookup,
			wantEvents: []string{"Normal PipelineRunCreated"},
			check: func(t *testing.T, f *fixture, _ *v1alpha1.WorkflowExecution) {
				if prs := f.pipelineRuns(); len(prs) != 1 || prs[0].UID != prUID {
					t.Errorf("PipelineRuns = %d, want only the adopted one", len(prs))
				}
			},
		}, reconcileCase{
			// Nobody will ever finish or release it (the owner is gone, as the
			// API server confirms): the run is abandoned and taken over.
			name:       "foreign unfinished run, owner gone: abandoned, deleted, requeue, " + where,
			seed:       build(statusPending, func(t *testing.T) *pipelinev1.PipelineRun { return foreignRun(t, prRunning) }),
			wantResult: "requeue-now",
			wantTekton: append(append([]string(nil), lookup...), deleteForeign),
		}, reconcileCase{
			// The hold limit failed the owner but Tekton never ended the run.
			name: "foreign unfinished run, owner terminal: abandoned, deleted, requeue, " + where,
			seed: build(statusPending, func(t *testing.T) *pipelinev1.PipelineRun { return foreignRun(t, prRunning) },
				otherWith(ended("Failed", time.Minute))),
			wantResult: "requeue-now",
			wantTekton: append(append([]string(nil), lookup...), deleteForeign),
		}, reconcileCase{
			name: "foreign unfinished run, owner Pending in the cache: Skipped naming it, " + where,
			seed: build(statusPending, func(t *testing.T) *pipelinev1.PipelineRun { return foreignRun(t, prRunning) },
				otherWith(statusPending)),
			wantResult:     "nil",
			wantStatus:     busyByRun,
			ignoreMessages: true,
			wantTekton:     lookup,
			wantEvents:     []string{"Normal WorkflowSkipped"},
			check:          skipMessage(otherName),
		}, reconcileCase{
			name: "foreign finished run, owner terminal: deleted with a UID precondition, requeue, " + where,
			seed: build(statusPending, func(t *testing.T) *pipelinev1.PipelineRun { return foreignRun(t, prSucceeded) },
				otherWith(ended("Completed", time.Minute))),
			wantResult: "requeue-now",
			wantTekton: append(append([]string(nil), lookup...), deleteForeign),
			check: func(t *testing.T, f *fixture, got *v1alpha1.WorkflowExecution) {
				if n := len(f.pipelineRuns()); n != 0 {
					t.Errorf("%d PipelineRuns left, want the finished one deleted", n)
				}
				if got.Status.Phase != v1alpha1.PhasePending {
					t.Errorf("phase = %q, want Pending until the create", got.Status.Phase)
				}
			},
		}, reconcileCase{
			name:       "foreign finished run, owner gone: deleted, requeue, " + where,
			seed:       build(statusPending, func(t *testing.T) *pipelinev1.PipelineRun { return foreignRun(t, prFailed) }),
			wantResult: "requeue-now",
			wantTekton: append(append([]string(nil), lookup...), deleteForeign),
		}, reconcileCase{
			name: "foreign finished run, owner replaced by a namesake: deleted, requeue, " + where,
			seed: build(statusPending, func(t *testing.T) *pipelinev1.PipelineRun { return foreignRun(t, prFailed) },
				func(t *testing.T) *v1alpha1.WorkflowExecution {
					o := other(t, statusPending)
					o.UID = "5f0c1c2e-0000-4000-8000-0000000000ff"
					return o
				}),
			wantResult: "requeue-now",
			wantTekton: append(append([]string(nil), lookup...), deleteForeign),
		}, reconcileCase{
			name: "foreign finished run, owner has not recorded it: requeue, no delete, " + where,
			seed: build(statusPending, func(t *testing.T) *pipelinev1.PipelineRun { return foreignRun(t, prSucceeded) },
				otherWith(statusPending)),
			wantResult: "requeue-after 1s",
			wantTekton: lookup,
			check: func(t *testing.T, f *fixture, _ *v1alpha1.WorkflowExecution) {
				if n := len(f.pipelineRuns()); n != 1 {
					t.Errorf("%d PipelineRuns, want the unread one kept", n)
				}
			},
		})
	}
	cases = append(cases, reconcileCase{
		name:       "AlreadyExists, then gone by the GET: requeue",
		seed:       func(t *testing.T) seed { return objects(self(t, statusPending)) },
		reactors:   failOn("create", apierrors.NewAlreadyExists(prResource, prName)),
		wantResult: "requeue-now",
		wantTekton: []string{createPR, getPR},
	}, reconcileCase{
		name: "AlreadyExists, then the GET fails: error",
		seed: func(t *testing.T) seed { return objects(self(t, statusPending)) },
		reactors: func(f *fixture) {
			failOn("get", apierrors.NewInternalError(errors.New("boom")))(f)
			failOn("create", apierrors.NewAlreadyExists(prResource, prName))(f)
		},
		wantResult: "error",
		wantTekton: []string{createPR, getPR},
		wantEvents: []string{"Warning InternalError"},
	}, reconcileCase{
		name: "taking over fails on a server error: error, nothing recorded",
		seed: func(t *testing.T) seed {
			return objects(self(t, statusPending), foreignRun(t, prSucceeded))
		},
		reactors:   failOn("delete", apierrors.NewInternalError(errors.New("boom"))),
		wantResult: "error",
		wantTekton: []string{deleteForeign},
		wantEvents: []string{"Warning InternalError"},
	}, reconcileCase{
		name: "stale cache: the finished run is already gone, requeue",
		seed: func(t *testing.T) seed {
			return seed{cached: list(self(t, statusPending)), cacheOnly: list(foreignRun(t, prSucceeded))}
		},
		wantResult: "requeue-now",
		wantTekton: []string{deleteForeign},
	}, reconcileCase{
		name: "stale cache: the finished run was replaced; the UID precondition protects the new one",
		seed: func(t *testing.T) seed {
			newer := foreignRun(t, prRunning)
			newer.UID = newerUID
			return seed{
				cached:    list(self(t, statusPending)),
				cacheOnly: list(foreignRun(t, prSucceeded)),
				uncached:  list(newer),
			}
		},
		wantResult: "requeue-now",
		wantTekton: []string{deleteForeign},
		check: func(t *testing.T, f *fixture, _ *v1alpha1.WorkflowExecution) {
			if prs := f.pipelineRuns(); len(prs) != 1 || prs[0].UID != newerUID {
				t.Errorf("the newer PipelineRun was not kept: %d runs", len(prs))
			}
		},
	})
	runReconcileCases(t, cases)
}

// TestReconcileOwnRunWinsOverStaleCache: an execution whose own PipelineRun
// exists holds the lock, whatever a stale cache says of other executions;
// skipping it would leave its workflow running, reported Skipped, with
// nobody to mirror or clean it (docs/design.md §4.3: the run belongs to this WFE →
// adopt it).
func TestReconcileOwnRunWinsOverStaleCache(t *testing.T) {
	run := ownPipelineRun(t, prRunning)
	f := newFixture(t, objects(self(t, ""), other(t, otherRunning), run))
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	got := f.get(selfKey)
	if got.Status.Phase != v1alpha1.PhaseRunning || got.Status.PipelineRunRef == nil {
		t.Errorf("phase = %q, pipelineRunRef = %+v; want Running with its own PipelineRun", got.Status.Phase, got.Status.PipelineRunRef)
	}
	if diff := cmp.Diff([]string{"Normal PipelineRunCreated"}, f.events()); diff != "" {
		t.Errorf("events (-want, +got):\n%s", diff)
	}
}

// TestReconcileRaceForAStaleRun: two executions racing for the target's
// finished run (its owner gone) end with exactly one Running (docs/design.md §4.3).
func TestReconcileRaceForAStaleRun(t *testing.T) {
	for _, syncedBeforeLoser := range []bool{true, false} {
		t.Run(fmt.Sprintf("loser's cache synced=%v", syncedBeforeLoser), func(t *testing.T) {
			stale := pipelineRun(t, "ops", "old-restart", "5f0c1c2e-0000-4000-8000-0000000000aa", foreignUID, prSucceeded)
			a := self(t, statusPending)
			b := wfe(t, otherNS, "restart-api-2", otherUID, selfWorkflow, otherTarget, statusPending)
			s := objects(a, b, stale)
			s.config = map[string]string{"trusted-namespaces": otherNS} // b targets payment/
			f := newFixture(t, s)
			bKey := otherNS + "/restart-api-2"

			// Both see the stale run and delete it; one delete finds it gone.
			if got := requeue(f.reconcile(selfKey)); got != "requeue-now" {
				t.Fatalf("A: %s, want requeue-now", got)
			}
			if got := requeue(f.reconcile(bKey)); got != "requeue-now" {
				t.Fatalf("B: %s, want requeue-now", got)
			}
			f.sync()
			// B creates first.
			if err := f.reconcile(bKey); reconcileFailed(err) {
				t.Fatalf("B: %v", err)
			}
			if syncedBeforeLoser {
				f.sync()
			}
			// A loses: layer 1 if its cache saw B Running, else layer 2.
			if err := f.reconcile(selfKey); reconcileFailed(err) {
				t.Fatalf("A: %v", err)
			}

			gotA, gotB := f.get(selfKey), f.get(bKey)
			if gotB.Status.Phase != v1alpha1.PhaseRunning {
				t.Errorf("B phase = %q, want Running", gotB.Status.Phase)
			}
			if gotA.Status.Phase != v1alpha1.PhaseSkipped || gotA.Status.SkipDetails.Reason != v1alpha1.SkipReasonResourceBusy {
				t.Errorf("A phase = %q, skip = %+v; want Skipped ResourceBusy", gotA.Status.Phase, gotA.Status.SkipDetails)
			} else if cw := gotA.Status.SkipDetails.ConflictingWorkflow; cw == nil || cw.Name != "restart-api-2" || cw.Namespace != otherNS {
				t.Errorf("A conflictingWorkflow = %+v, want billing/restart-api-2", cw)
			}
			prs := f.pipelineRuns()
			if len(prs) != 1 {
				t.Fatalf("%d PipelineRuns, want 1", len(prs))
			}
			if prs[0].Labels["kubernaut.ai/workflow-execution"] != "restart-api-2" {
				t.Errorf("the PipelineRun belongs to %q, want restart-api-2", prs[0].Labels["kubernaut.ai/workflow-execution"])
			}
		})
	}
}

func withStatus(t *testing.T, kind, status string) *v1alpha1.WorkflowExecution {
	return wfe(t, "payment", "x", "uid-x", selfWorkflow, "payment/"+kind+"/api", status)
}

func TestIndexByTarget(t *testing.T) {
	tests := []struct {
		name string
		obj  any
		want []string
	}{
		{"recorded", withStatus(t, "deploy", statusRunning), []string{"payment/deployment.apps/api"}},
		{"waiting for a terminating run", withStatus(t, "deployments", waitingForTerminating), []string{"payment/deployment.apps/api"}},
		// Started by a release that did not record it: resolved when a
		// lock is checked (unresolvedOn).
		{"running, not recorded", withStatus(t, "deploy", strings.Replace(statusRunning, "canonicalTarget: payment/deployment.apps/api\n", "", 1)), []string{unresolvedTarget}},
		{"pending, not recorded", withStatus(t, "deploy", statusPending), nil},
		{"new", withStatus(t, "deploy", ""), nil},
		{"not an execution", &pipelinev1.PipelineRun{}, nil},
		{"tombstone", cache.DeletedFinalStateUnknown{Key: "a/b"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := indexByTarget(tc.obj)
			if err != nil {
				t.Fatalf("indexByTarget() = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("indexByTarget() (-want, +got):\n%s", diff)
			}
		})
	}
}

func TestCountLocksHeld(t *testing.T) {
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{targetIndex: indexByTarget})
	runs := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	released := parse.MustParseWorkflowExecutionStatus(t, ended("Completed", 10*time.Minute))
	released.LockReleaseTime = released.CompletionTime
	for i, st := range []string{
		"",                              // new
		statusPending,                   // Pending
		statusRunning,                   // holds
		ended("Completed", time.Minute), // holds until released
		ended("Failed", time.Minute),    // holds until released
		ended("Skipped", time.Minute),   // never held
		ended("Completed", time.Minute), // its run was taken over: not held
	} {
		w := wfe(t, "ns", fmt.Sprintf("w%d", i), fmt.Sprintf("uid-%d", i), selfWorkflow, selfTarget, st)
		if w.Status.PipelineRunRef != nil {
			w.Status.PipelineRunRef.Name = fmt.Sprintf("run-%d", i)
			owner := w
			if i == 6 {
				owner = wfe(t, "ns", "taker", "uid-taker", otherWorkflow, selfTarget, "")
			}
			pr := resources.MakePipelineRun(owner, config.Defaults(), "ns/deployment/api")
			pr.Name = w.Status.PipelineRunRef.Name
			pr.Namespace = w.Status.PipelineRunRef.Namespace
			if err := runs.Add(pr); err != nil {
				t.Fatal(err)
			}
		}
		if err := indexer.Add(w); err != nil {
			t.Fatal(err)
		}
	}
	w := wfe(t, "ns", "released", "uid-r", selfWorkflow, selfTarget, "")
	w.Status = released
	if err := indexer.Add(w); err != nil {
		t.Fatal(err)
	}
	r := &Reconciler{wfeIndexer: indexer, pipelineRunLister: pipelinelisters.NewPipelineRunLister(runs)}
	if got := r.countLocksHeld(); got != 3 {
		t.Errorf("countLocksHeld() = %d, want 3", got)
	}
}

// TestLockDecisions is the table of the lock's rules (lock.go), decided
// from facts alone: no cluster, no fixture. Each row names the test
// through the reconciler that proves the same rule end to end.
func TestLockDecisions(t *testing.T) {
	const cooldown = 5 * time.Minute
	earlier := func(t *testing.T, status string) *v1alpha1.WorkflowExecution {
		return sameWorkflow(t, "earlier", status)
	}
	// earlierRun is the target's run owned by an earlier execution of the
	// same workflow.
	earlierRun := func(t *testing.T, status string) *pipelinev1.PipelineRun {
		e := earlier(t, "")
		return pipelineRun(t, e.Namespace, e.Name, string(e.UID), foreignUID, status)
	}
	unlabelled := func(t *testing.T) *pipelinev1.PipelineRun {
		pr := foreignRun(t, prRunning)
		pr.Labels = nil
		return pr
	}
	released := func(d time.Duration) string {
		return ended("Completed", d) + fmt.Sprintf("lockReleaseTime: %q\n", ago(d-cooldown))
	}
	type want struct {
		action lockAction
		named  string // the execution the skip names
		wait   time.Duration
	}
	for _, tc := range []struct {
		name    string
		release bool
		stop    bool
		facts   func(t *testing.T) *lockFacts
		want    want
	}{{
		// TestReconcilePendingCreates
		name:  "nothing on the target: create",
		facts: func(t *testing.T) *lockFacts { return &lockFacts{wfe: self(t, statusPending)} },
		want:  want{action: lockCreate},
	}, {
		// TestReconcileLockLayer1
		name: "another execution Running on the target: skip busy naming it",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), others: []*v1alpha1.WorkflowExecution{other(t, otherRunning)}, runRead: true}
		},
		want: want{action: lockSkipBusy, named: otherName},
	}, {
		name: "blocked, the run not in the cache: read it first",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), others: []*v1alpha1.WorkflowExecution{other(t, otherRunning)}}
		},
		want: want{action: lockReadRun},
	}, {
		// TestReconcileOwnRunWinsOverStaleCache
		name: "own run wins over a Running execution in a stale cache: adopt",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), others: []*v1alpha1.WorkflowExecution{other(t, otherRunning)},
				run: ownPipelineRun(t, prRunning)}
		},
		want: want{action: lockAdopt},
	}, {
		name: "the same workflow Completed within the cooldown: skip cooldown",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), others: []*v1alpha1.WorkflowExecution{earlier(t, ended("Completed", time.Minute))},
				runRead: true, now: now, cooldown: cooldown}
		},
		want: want{action: lockSkipCooldown, named: "earlier"},
	}, {
		name: "the most recent of two ended runs is named",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), runRead: true, now: now, cooldown: cooldown,
				others: []*v1alpha1.WorkflowExecution{earlier(t, ended("Completed", 3*time.Minute)), sameWorkflow(t, "latest", ended("Failed", time.Minute))}}
		},
		want: want{action: lockSkipCooldown, named: "latest"},
	}, {
		// TestCooldownCountsOnlyWorkflowsThatRan
		name: "the same workflow Failed before it ran: create",
		facts: func(t *testing.T) *lockFacts {
			st := strings.Replace(ended("Failed", time.Minute), "wasExecutionFailure: true", "wasExecutionFailure: false", 1)
			return &lockFacts{wfe: self(t, statusPending), others: []*v1alpha1.WorkflowExecution{earlier(t, st)}, now: now, cooldown: cooldown}
		},
		want: want{action: lockCreate},
	}, {
		name: "the same workflow Skipped: create",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), others: []*v1alpha1.WorkflowExecution{earlier(t, ended("Skipped", time.Minute))}, now: now, cooldown: cooldown}
		},
		want: want{action: lockCreate},
	}, {
		name: "another workflow ended within the cooldown: create",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), others: []*v1alpha1.WorkflowExecution{other(t, ended("Completed", time.Minute))}, now: now, cooldown: cooldown}
		},
		want: want{action: lockCreate},
	}, {
		name: "the cooldown ends exactly now: create",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), others: []*v1alpha1.WorkflowExecution{earlier(t, ended("Completed", cooldown))}, now: now, cooldown: cooldown}
		},
		want: want{action: lockCreate},
	}, {
		name: "a zero cooldown: create",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), others: []*v1alpha1.WorkflowExecution{earlier(t, ended("Completed", time.Second))}, now: now}
		},
		want: want{action: lockCreate},
	}, {
		name: "a Pending execution does not block: create",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), others: []*v1alpha1.WorkflowExecution{other(t, statusPending)}, now: now, cooldown: cooldown}
		},
		want: want{action: lockCreate},
	}, {
		// TestReconcileLockLayer2
		name: "foreign unfinished run, owner Pending in the cache: skip busy naming it",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), run: foreignRun(t, prRunning), owner: other(t, statusPending), now: now}
		},
		want: want{action: lockSkipBusy, named: otherName},
	}, {
		name: "foreign unfinished run, owner terminal in the cache: take over",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), run: foreignRun(t, prRunning), owner: other(t, ended("Failed", time.Minute)), now: now, cooldown: cooldown}
		},
		want: want{action: lockTakeOver},
	}, {
		name: "foreign unfinished run, owner not cached: read it",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), run: foreignRun(t, prRunning), now: now}
		},
		want: want{action: lockReadOwner},
	}, {
		name: "foreign unfinished run, owner gone on the API server: take over",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), run: foreignRun(t, prRunning), ownerRead: true, ownerGone: true, now: now}
		},
		want: want{action: lockTakeOver},
	}, {
		name: "foreign unfinished run, owner alive on the API server: skip busy naming it from the run",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), run: foreignRun(t, prRunning), ownerRead: true, now: now}
		},
		want: want{action: lockSkipBusy, named: otherName},
	}, {
		name: "unfinished run not labelled as ours: skip busy naming the run",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), run: unlabelled(t), now: now}
		},
		want: want{action: lockSkipBusy, named: prName},
	}, {
		name: "foreign finished run, owner yet to record it: wait for the owner",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), run: foreignRun(t, prSucceeded), owner: other(t, otherRunning), now: now}
		},
		want: want{action: lockWaitOwner, wait: ownerRecordDelay},
	}, {
		name: "foreign finished run, owner terminal: take over",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), run: foreignRun(t, prSucceeded), owner: other(t, ended("Completed", time.Minute)), now: now, cooldown: cooldown}
		},
		want: want{action: lockTakeOver},
	}, {
		name: "foreign finished run, owner gone: take over",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), run: foreignRun(t, prSucceeded), now: now, cooldown: cooldown}
		},
		want: want{action: lockTakeOver},
	}, {
		name: "finished run of the same workflow within the cooldown (its owner no longer indexed): skip cooldown",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), run: earlierRun(t, prSucceeded), owner: earlier(t, ended("Completed", time.Minute)), now: now, cooldown: cooldown}
		},
		want: want{action: lockSkipCooldown, named: "earlier"},
	}, {
		// TestReconcileTerminatingRun
		name: "finished run terminating for 20s: wait terminating 5s",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), run: terminatingRun(foreignRun(t, prSucceeded), 20*time.Second),
				owner: other(t, ended("Completed", time.Minute)), now: now, cooldown: cooldown}
		},
		want: want{action: lockWaitTerminating, wait: 5 * time.Second},
	}, {
		name: "abandoned run terminating for an hour: wait terminating 30s",
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), run: terminatingRun(foreignRun(t, prRunning), time.Hour),
				ownerRead: true, ownerGone: true, now: now}
		},
		want: want{action: lockWaitTerminating, wait: terminatingMaxRecheck},
	}, {
		// TestReconcileTerminal
		name:    "release: never held a lock",
		release: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, ended("Skipped", time.Minute)), now: now}
		},
		want: want{action: lockNotHeld},
	}, {
		name:    "release: already released",
		release: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, released(10*time.Minute)), now: now, cooldown: cooldown}
		},
		want: want{action: lockNotHeld},
	}, {
		name:    "release: within the cooldown: wait its rest",
		release: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, ended("Completed", time.Minute)), run: ownPipelineRun(t, prSucceeded), now: now, cooldown: cooldown}
		},
		want: want{action: lockWaitCooldown, wait: 4 * time.Minute},
	}, {
		name:    "release: cooldown over, own run: delete it and release",
		release: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, ended("Failed", cooldown)), run: ownPipelineRun(t, prFailed), now: now, cooldown: cooldown}
		},
		want: want{action: lockRelease},
	}, {
		name:    "release: run not in the cache: read it",
		release: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, ended("Completed", cooldown)), now: now, cooldown: cooldown}
		},
		want: want{action: lockReadRun},
	}, {
		name:    "release: run gone: released",
		release: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, ended("Completed", cooldown)), runRead: true, now: now, cooldown: cooldown}
		},
		want: want{action: lockReleased},
	}, {
		name:    "release: run taken over by another: released",
		release: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, ended("Completed", cooldown)), run: foreignRun(t, prRunning), now: now, cooldown: cooldown}
		},
		want: want{action: lockReleased},
	}, {
		name:    "release: own run terminating: wait terminating",
		release: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, ended("Completed", cooldown)), run: terminatingRun(ownPipelineRun(t, prSucceeded), 0), now: now, cooldown: cooldown}
		},
		want: want{action: lockWaitTerminating, wait: terminatingMinRecheck},
	}, {
		// TestFinalizeKind
		name: "stop: the run not in the cache: read it",
		stop: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusRunning), runName: prName}
		},
		want: want{action: lockReadRun},
	}, {
		name: "stop: own run: delete it",
		stop: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusRunning), runName: prName, run: ownPipelineRun(t, prRunning)}
		},
		want: want{action: lockStop},
	}, {
		name: "stop: own run already terminating: nothing to stop",
		stop: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusRunning), runName: prName, run: terminatingRun(ownPipelineRun(t, prRunning), time.Second)}
		},
		want: want{action: lockNotHeld},
	}, {
		name: "stop: another's run: nothing to stop",
		stop: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusPending), runName: prName, run: foreignRun(t, prRunning)}
		},
		want: want{action: lockNotHeld},
	}, {
		name: "stop: the run gone: nothing to stop",
		stop: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, statusRunning), runName: prName, runRead: true}
		},
		want: want{action: lockNotHeld},
	}, {
		name:  "stop: a target that does not resolve: no run",
		stop:  true,
		facts: func(t *testing.T) *lockFacts { return &lockFacts{wfe: self(t, statusPending)} },
		want:  want{action: lockNotHeld},
	}, {
		name: "stop: lock released: nothing to stop",
		stop: true,
		facts: func(t *testing.T) *lockFacts {
			return &lockFacts{wfe: self(t, released(10*time.Minute)), runName: prName, run: ownPipelineRun(t, prSucceeded)}
		},
		want: want{action: lockNotHeld},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.facts(t)
			d := f.acquire
			switch {
			case tc.release:
				d = f.release
			case tc.stop:
				d = f.stop
			}
			got := d()
			g := want{action: got.action, wait: got.wait}
			switch s := got.skip; {
			case s != nil && s.ConflictingWorkflow != nil:
				g.named = s.ConflictingWorkflow.Name
			case s != nil && s.RecentRemediation != nil:
				g.named = s.RecentRemediation.Name
			}
			if diff := cmp.Diff(tc.want, g, cmp.AllowUnexported(want{}), cmp.Transformer("", lockAction.String)); diff != "" {
				t.Errorf("decision (-want, +got):\n%s", diff)
			}
			if (got.action == lockSkipBusy || got.action == lockSkipCooldown) != (got.skip != nil) {
				t.Errorf("decision %s with skip %+v", got.action, got.skip)
			}
		})
	}
}
