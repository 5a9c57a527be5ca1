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
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/parse"
)

const (
	// statusRunLost is statusRunning once its run is found gone or replaced
	// (messages aside): Failed, Unknown, at now.
	statusRunLost = `
observedGeneration: 1
phase: Failed
startTime: "2026-03-14T10:00:00Z"
completionTime: "2026-03-14T10:05:00Z"
duration: 5m0s
canonicalTarget: payment/deployment.apps/api
pipelineRunRef:
  name: wfe-f784cd1fcb7ca47c
  namespace: kubernaut-workflows
failureDetails:
  reason: Unknown
  failedAt: "2026-03-14T10:05:00Z"
  executionTimeBeforeFailure: 5m0s
  wasExecutionFailure: true
conditions:
- type: Succeeded
  status: "False"
  reason: Unknown
`
	cancelPR = `patch kubernaut-workflows/wfe-f784cd1fcb7ca47c [{"op":"test","path":"/metadata/uid","value":"` + prUID + `"},{"op":"add","path":"/spec/status","value":"Cancelled"}]`
)

// failureMessage checks the failure message, mirrored in the condition.
func failureMessage(mustContain ...string) func(*testing.T, *fixture, *v1alpha1.WorkflowExecution) {
	return func(t *testing.T, f *fixture, got *v1alpha1.WorkflowExecution) {
		t.Helper()
		d := got.Status.FailureDetails
		if d == nil {
			t.Fatal("failureDetails is nil")
		}
		if c := got.Status.GetSucceededCondition(); c.Message != d.Message {
			t.Errorf("condition message %q != failure message %q", c.Message, d.Message)
		}
		for _, s := range mustContain {
			if !strings.Contains(d.Message, s) {
				t.Errorf("failure message %q does not contain %q", d.Message, s)
			}
		}
		checkSummary(t, d, selfWorkflow, selfTarget)
		if len(f.recorded) != 1 || !strings.HasSuffix(f.recorded[0], d.NaturalLanguageSummary) {
			t.Errorf("event %q does not carry the summary %q", f.recorded, d.NaturalLanguageSummary)
		}
	}
}

// stuckRun is our PipelineRun, started d ago and still running.
func stuckRun(t *testing.T, d time.Duration, timeout string) *pipelinev1.PipelineRun {
	t.Helper()
	pr := ownPipelineRun(t, strings.Replace(prRunning, `"2026-03-14T10:00:00Z"`, fmt.Sprintf("%q", ago(d)), 1))
	if timeout != "" {
		d, err := time.ParseDuration(timeout)
		if err != nil {
			t.Fatal(err)
		}
		pr.Spec.Timeouts.Pipeline.Duration = d
	}
	return pr
}

func TestReconcileRunning(t *testing.T) {
	runReconcileCases(t, []reconcileCase{{
		name: "PipelineRun succeeded: Completed with its completion time",
		seed: func(t *testing.T) seed {
			return objects(self(t, statusRunning), ownPipelineRun(t, prSucceeded))
		},
		wantResult: "requeue-after 2m30s",
		wantStatus: statusCompleted,
		wantEvents: []string{"Normal WorkflowCompleted"},
	}, {
		name: "PipelineRun succeeded without a completion time: now",
		seed: func(t *testing.T) seed {
			return objects(self(t, statusRunning), ownPipelineRun(t, `
startTime: "2026-03-14T10:00:00Z"
conditions:
- type: Succeeded
  status: "True"
  reason: Succeeded
`))
		},
		wantResult:     "requeue-after 5m0s",
		ignoreMessages: true,
		wantStatus: `
observedGeneration: 1
phase: Completed
startTime: "2026-03-14T10:00:00Z"
completionTime: "2026-03-14T10:05:00Z"
duration: 5m0s
canonicalTarget: payment/deployment.apps/api
pipelineRunRef:
  name: wfe-f784cd1fcb7ca47c
  namespace: kubernaut-workflows
pipelineRunStatus:
  status: "True"
  reason: Succeeded
conditions:
- type: Succeeded
  status: "True"
  reason: Succeeded
`,
		wantEvents: []string{"Normal WorkflowCompleted"},
	}, {
		name:       "PipelineRun failed: Failed with failure details from the TaskRuns",
		seed:       recordedFailure,
		wantResult: "requeue-after 1m23s",
		wantStatus: `
observedGeneration: 1
phase: Failed
startTime: "2026-03-14T10:00:00Z"
completionTime: "2026-03-14T10:01:23Z"
duration: 1m23s
canonicalTarget: payment/deployment.apps/api
pipelineRunRef:
  name: wfe-f784cd1fcb7ca47c
  namespace: kubernaut-workflows
pipelineRunStatus:
  status: "False"
  reason: Failed
  message: "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1"
  completedTasks: 2
  totalTasks: 3
failureDetails:
  failedTaskIndex: 1
  failedTaskName: restart-deployment
  failedStepName: rollout-restart
  reason: TaskFailed
  message: '"step-rollout-restart" exited with code 3: Error'
  exitCode: 3
  failedAt: "2026-03-14T10:01:23Z"
  executionTimeBeforeFailure: 1m23s
  wasExecutionFailure: true
conditions:
- type: Succeeded
  status: "False"
  reason: TaskFailed
  message: '"step-rollout-restart" exited with code 3: Error'
`,
		wantEvents: []string{"Warning WorkflowFailed"},
		check: func(t *testing.T, f *fixture, got *v1alpha1.WorkflowExecution) {
			failureMessage()(t, f, got)
			checkSummary(t, got.Status.FailureDetails, "restart-deployment", "rollout-restart", "3")
			if s := got.Status.FailureDetails.NaturalLanguageSummary; strings.Contains(s, "s3cr3tW3bh00k") {
				t.Errorf("summary leaks a parameter value: %q", s)
			}
		},
	}, {
		name: "stale cache: missing from the cache, present in the API: still Running",
		seed: func(t *testing.T) seed {
			return seed{
				cached:   list(self(t, statusRunningMirrored)),
				uncached: list(ownPipelineRun(t, prRunning)),
			}
		},
		wantResult: "requeue-after 1m0s",
		wantTekton: []string{getPR},
	}, {
		name: "stale cache, first mirror: still Running, progress written",
		seed: func(t *testing.T) seed {
			return seed{
				cached:   list(self(t, statusRunning)),
				uncached: list(ownPipelineRun(t, prRunning)),
			}
		},
		wantResult: "requeue-after 1m0s",
		wantStatus: statusRunningMirrored,
		wantTekton: []string{getPR},
	}, {
		name:           "PipelineRun deleted externally: Failed, Unknown",
		seed:           func(t *testing.T) seed { return objects(self(t, statusRunning)) },
		wantResult:     "requeue-after 5m0s",
		wantStatus:     statusRunLost,
		ignoreMessages: true,
		wantTekton:     []string{getPR},
		wantEvents:     []string{"Warning WorkflowFailed"},
		check:          failureMessage("deleted externally", prName),
	}, {
		name: "PipelineRun replaced by another execution's run: Failed, the other run untouched",
		seed: func(t *testing.T) seed {
			return objects(self(t, statusRunning), foreignRun(t, prRunning))
		},
		wantResult:     "requeue-after 5m0s",
		wantStatus:     statusRunLost,
		ignoreMessages: true,
		wantEvents:     []string{"Warning WorkflowFailed"},
		check:          failureMessage(prName),
	}, {
		name:       "PipelineRun unreadable: error, nothing recorded",
		seed:       func(t *testing.T) seed { return objects(self(t, statusRunningMirrored)) },
		reactors:   failOn("get", apierrors.NewInternalError(errors.New("boom"))),
		wantResult: "error",
		wantTekton: []string{getPR},
		wantEvents: []string{"Warning InternalError"},
	}, {
		name:       "Running without a pipelineRunRef: treated as not started",
		seed:       func(t *testing.T) seed { return objects(self(t, runningNoRef)) },
		wantResult: "nil",
		wantStatus: wantCreated,
		wantTekton: []string{createPR},
		wantEvents: []string{"Normal PipelineRunCreated"},
	}})
}

const runningNoRef = `
observedGeneration: 1
phase: Running
conditions:
- type: Succeeded
  status: Unknown
  reason: Running
`

func TestReconcileRunningMirrorsTasks(t *testing.T) {
	pr := ownPipelineRun(t, `
startTime: "2026-03-14T10:00:00Z"
conditions:
- type: Succeeded
  status: Unknown
  reason: Running
  message: "Tasks Completed: 2 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0"
pipelineSpec:
  tasks:
  - name: validate-target
    taskRef: {name: validate}
  - name: restart-deployment
    taskRef: {name: restart}
  - name: verify-health
    taskRef: {name: verify}
  finally:
  - name: notify
    taskRef: {name: notify}
`)
	taskRun := func(name, task, ownerUID, status string) *pipelinev1.TaskRun {
		return parse.MustParseV1TaskRun(t, fmt.Sprintf(`
metadata:
  name: %s
  namespace: kubernaut-workflows
  labels:
    kubernaut.ai/workflow-execution: restart-api
    tekton.dev/pipelineRun: wfe-f784cd1fcb7ca47c
    tekton.dev/pipelineTask: %s
  ownerReferences:
  - apiVersion: tekton.dev/v1
    kind: PipelineRun
    name: wfe-f784cd1fcb7ca47c
    uid: %s
    controller: true
status:
  conditions:
  - type: Succeeded
    status: %q
`, name, task, ownerUID, status))
	}
	f := newFixture(t, objects(self(t, statusRunning), pr,
		taskRun("wfe-f784cd1fcb7ca47c-validate-target", "validate-target", prUID, "True"),
		taskRun("wfe-f784cd1fcb7ca47c-restart-deployment", "restart-deployment", prUID, "True"),
		taskRun("wfe-f784cd1fcb7ca47c-verify-health", "verify-health", prUID, "Unknown"),
		// A leftover of an earlier run of the same name: another owner UID.
		taskRun("wfe-f784cd1fcb7ca47c-old", "notify", "7d000000-0000-4000-8000-0000000000d4", "False"),
	))
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	got := f.get(selfKey)
	want := &v1alpha1.PipelineRunStatusSummary{
		Status:         "Unknown",
		Reason:         "Running",
		Message:        "Tasks Completed: 2 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0",
		CompletedTasks: 2,
		TotalTasks:     4,
	}
	if diff := cmp.Diff(want, got.Status.PipelineRunStatus); diff != "" {
		t.Errorf("pipelineRunStatus (-want, +got):\n%s", diff)
	}
	if c := got.Status.GetSucceededCondition(); c.Reason != "Running" || c.Message != want.Message {
		t.Errorf("condition = %s/%q, want Running with the PipelineRun's message", c.Reason, c.Message)
	}
}

func TestReconcileHoldLimit(t *testing.T) {
	started := func(d time.Duration) string {
		return strings.Replace(statusRunningMirrored, `"2026-03-14T10:00:00Z"`, fmt.Sprintf("%q", ago(d)), 1)
	}
	cancelled := func(d time.Duration) string {
		return fmt.Sprintf(`
observedGeneration: 1
phase: Failed
startTime: %q
completionTime: "2026-03-14T10:05:00Z"
duration: %s
canonicalTarget: payment/deployment.apps/api
pipelineRunRef:
  name: wfe-f784cd1fcb7ca47c
  namespace: kubernaut-workflows
pipelineRunStatus:
  status: Unknown
  reason: Running
  message: "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0"
failureDetails:
  reason: DeadlineExceeded
  failedAt: "2026-03-14T10:05:00Z"
  executionTimeBeforeFailure: %s
conditions:
- type: Succeeded
  status: "False"
  reason: DeadlineExceeded
`, ago(d), d, d)
	}
	// Whether workflow code ran is not known for a wedged run.
	anyExecution := []cmp.Option{cmpopts.IgnoreFields(v1alpha1.FailureDetails{}, "WasExecutionFailure")}
	// stuck seeds the execution Running for d on its run, unfinished for d
	// (timeout "" is the configured default).
	stuck := func(d time.Duration, timeout string) func(*testing.T) seed {
		return func(t *testing.T) seed { return objects(self(t, started(d)), stuckRun(t, d, timeout)) }
	}
	// cancels is c with the hold limit firing on an execution Running for d:
	// the run is cancelled and the execution Failed, DeadlineExceeded.
	cancels := func(d time.Duration, c reconcileCase) reconcileCase {
		c.wantResult = "requeue-after 5m0s" // the lock release, a default cooldown after now
		c.wantStatus = cancelled(d)
		c.statusOpts = anyExecution
		c.ignoreMessages = true
		c.wantTekton = []string{cancelPR}
		c.wantEvents = []string{"Warning WorkflowFailed"}
		return c
	}
	over := 35*time.Minute + time.Second
	runReconcileCases(t, []reconcileCase{cancels(over, reconcileCase{
		name:  "unfinished past timeout + stuck-grace-period: cancelled, Failed DeadlineExceeded",
		seed:  stuck(over, ""),
		check: failureMessage(prName, "30m0s", "cancelled"),
	}), cancels(16*time.Minute, reconcileCase{
		name: "the PipelineRun's own timeout counts",
		seed: stuck(16*time.Minute, "10m"),
	}), cancels(31*time.Minute, reconcileCase{
		name: "configured stuck-grace-period counts",
		seed: func(t *testing.T) seed {
			s := stuck(31*time.Minute, "")(t)
			s.config = map[string]string{"stuck-grace-period": "30s"}
			return s
		},
	}), {
		name:       "before the hold limit: nothing",
		seed:       stuck(35*time.Minute-time.Second, ""),
		wantResult: "requeue-after 1s",
	}, cancels(over, reconcileCase{
		name:     "run already gone when cancelling: still Failed",
		seed:     stuck(over, ""),
		reactors: failOn("patch", apierrors.NewNotFound(prResource, prName)),
	}), {
		name:       "cancel fails: error, still Running",
		seed:       stuck(over, ""),
		reactors:   failOn("patch", apierrors.NewInternalError(errors.New("boom"))),
		wantResult: "error",
		wantTekton: []string{cancelPR},
		wantEvents: []string{"Warning InternalError"},
	}})
}

// TestReconcileHoldLimitRequeueIsBounded: a deadline far ahead (a fresh
// run: 30m timeout + 5m grace) is checked again after holdCheckPeriod, not
// at the deadline: a delayed key cannot be cancelled, and one per finished
// execution would stay queued for 35 minutes.
func TestReconcileHoldLimitRequeueIsBounded(t *testing.T) {
	f := newFixture(t, objects(self(t, statusRunningMirrored), stuckRun(t, 0, "")))
	if got, want := requeue(f.reconcile(selfKey)), "requeue-after "+holdCheckPeriod.String(); got != want {
		t.Errorf("Reconcile() = %s, want %s", got, want)
	}
	if got := f.tektonActions(); len(got) != 0 {
		t.Errorf("Tekton actions = %q, want none before the deadline", got)
	}
}

// TestReconcileHoldLimitRequeue: before the hold limit the execution is
// requeued for the deadline, not polled.
func TestReconcileHoldLimitRequeue(t *testing.T) {
	s := objects(self(t, statusRunningMirrored), stuckRun(t, 35*time.Minute, ""))
	// The deadline is 300ms after now.
	s.config = map[string]string{"stuck-grace-period": "5m0.3s"}
	f := newFixture(t, s)
	if got := requeue(f.reconcile(selfKey)); got != "requeue-after 300ms" {
		t.Fatalf("Reconcile() = %s, want requeue-after 300ms (its hold-limit deadline)", got)
	}
}

// TestReconcileHoldLimitCancelsOnlyItsOwnRun: the cache still shows the
// execution's wedged run, but the name now holds a newer execution's run
// (the old one was deleted and the target taken over). The hold limit
// cancels by UID: the newer run is left running. The API server's bare 422
// costs one read, to tell a replaced run from an invalid patch.
func TestReconcileHoldLimitCancelsOnlyItsOwnRun(t *testing.T) {
	over := 35*time.Minute + time.Second
	started := strings.Replace(statusRunningMirrored, `"2026-03-14T10:00:00Z"`, fmt.Sprintf("%q", ago(over)), 1)
	f := newFixture(t, seed{
		cached:    list(self(t, started), other(t, otherRunning)),
		cacheOnly: list(stuckRun(t, over, "")),
		uncached:  list(foreignRun(t, prRunning)),
	})
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	if diff := cmp.Diff([]string{cancelPR, getRun}, f.tektonActions()); diff != "" {
		t.Errorf("Tekton actions (-want, +got):\n%s", diff)
	}
	prs := f.pipelineRuns()
	if len(prs) != 1 || prs[0].UID != foreignUID {
		t.Fatalf("PipelineRuns = %v, want the newer execution's run only", prs)
	}
	if prs[0].Spec.Status != "" {
		t.Errorf("the newer execution's run has spec.status %q: another execution's run was cancelled", prs[0].Spec.Status)
	}
	if got := f.get(selfKey).Status; got.Phase != v1alpha1.PhaseFailed || got.FailureDetails == nil ||
		got.FailureDetails.Reason != v1alpha1.FailureReasonDeadlineExceeded {
		t.Errorf("status = %s/%v, want Failed DeadlineExceeded (its own run no longer holds the target)", got.Phase, got.FailureDetails)
	}
}
