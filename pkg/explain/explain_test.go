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

package explain

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

func wfe(mod func(*v1alpha1.WorkflowExecution)) *v1alpha1.WorkflowExecution {
	w := &v1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "patch-db"},
		Spec: v1alpha1.WorkflowExecutionSpec{
			WorkflowRef:    v1alpha1.WorkflowRef{WorkflowID: "patch-statefulset"},
			TargetResource: "demo/StatefulSet/db",
		},
	}
	mod(w)
	return w
}

func TestString(t *testing.T) {
	three := int32(3)
	released := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	run := &v1alpha1.PipelineRunReference{Namespace: "kubernaut-workflows", Name: "wfe-0123456789abcdef"}
	for _, tc := range []struct {
		name string
		w    *v1alpha1.WorkflowExecution
		want []string
		not  []string
	}{{
		name: "task failed",
		w: wfe(func(w *v1alpha1.WorkflowExecution) {
			w.Status.Phase = v1alpha1.PhaseFailed
			w.Status.PipelineRunRef = run
			w.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: "TaskFailed", Message: "task apply-patch failed"}})
			w.Status.FailureDetails = &v1alpha1.FailureDetails{Reason: v1alpha1.FailureReasonTaskFailed, FailedTaskName: "apply-patch",
				FailedStepName: "patch", ExitCode: &three, WasExecutionFailure: true, NaturalLanguageSummary: "Step patch exited 3."}
		}),
		want: []string{
			"demo/patch-db: workflow patch-statefulset on demo/StatefulSet/db, phase Failed",
			"condition Succeeded=False TaskFailed: task apply-patch failed",
			"failed: reason TaskFailed, task apply-patch, step patch, exit code 3, workflow code ran: true",
			"Step patch exited 3.",
			"recommendation: a step of the workflow exited non-zero",
			"logs: kubectl wfe logs -n demo patch-db (or kubectl logs -n kubernaut-workflows -l tekton.dev/pipelineRun=wfe-0123456789abcdef --all-containers --prefix)",
		},
	}, {
		name: "the summary recommends already",
		w: wfe(func(w *v1alpha1.WorkflowExecution) {
			w.Status.Phase = v1alpha1.PhaseFailed
			w.Status.FailureDetails = &v1alpha1.FailureDetails{Reason: v1alpha1.FailureReasonOOMKilled,
				NaturalLanguageSummary: "Step x ran out of memory. Recommendation: raise its limit."}
		}),
		want: []string{"Recommendation: raise its limit."},
		not:  []string{"recommendation: a step ran out of memory"},
	}, {
		name: "configuration error before a run",
		w: wfe(func(w *v1alpha1.WorkflowExecution) {
			w.Status.Phase = v1alpha1.PhaseFailed
			w.Status.FailureDetails = &v1alpha1.FailureDetails{Reason: v1alpha1.FailureReasonConfigurationError, Message: "namespaces \"x\" not found"}
		}),
		want: []string{"task -, step -, exit code -, workflow code ran: false", `namespaces "x" not found`, "no cooldown applies"},
		not:  []string{"logs:"},
	}, {
		name: "busy",
		w: wfe(func(w *v1alpha1.WorkflowExecution) {
			w.Status.Phase = v1alpha1.PhaseSkipped
			w.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: "ResourceBusy", Message: "another workflow runs on the target"}})
			w.Status.SkipDetails = &v1alpha1.SkipDetails{Reason: v1alpha1.SkipReasonResourceBusy, Message: "another workflow runs on the target",
				ConflictingWorkflow: &v1alpha1.ConflictingWorkflowRef{Namespace: "demo", Name: "drain-node", WorkflowID: "drain-node"}}
		}),
		want: []string{"skipped: ResourceBusy: another workflow runs on the target", "held by demo/drain-node (workflow drain-node)", "kubectl wfe locks"},
		not:  []string{"condition Succeeded"},
	}, {
		name: "cooldown",
		w: wfe(func(w *v1alpha1.WorkflowExecution) {
			w.Status.Phase = v1alpha1.PhaseSkipped
			w.Status.SkipDetails = &v1alpha1.SkipDetails{Reason: v1alpha1.SkipReasonRecentlyRemediated, Message: "ran recently",
				RecentRemediation: &v1alpha1.RecentRemediationRef{Namespace: "demo", Name: "restart-api", Outcome: v1alpha1.PhaseCompleted, CooldownRemaining: "4m30s"}}
		}),
		want: []string{"demo/restart-api (Completed), cooldown remaining 4m30s", "after the cooldown"},
	}, {
		name: "running, then released",
		w: wfe(func(w *v1alpha1.WorkflowExecution) {
			w.Status.Phase = v1alpha1.PhaseRunning
			w.Status.PipelineRunRef = run
			w.Status.PipelineRunStatus = &v1alpha1.PipelineRunStatusSummary{CompletedTasks: 1, TotalTasks: 3}
			w.Status.LockReleaseTime = &released
		}),
		want: []string{"running: 1 of 3 tasks done", "lock released at 2026-01-02T03:04:05Z: the run kubernaut-workflows/wfe-0123456789abcdef and its logs are gone"},
		not:  []string{"logs: kubectl"},
	}, {
		name: "tenant-written control characters are escaped",
		w: wfe(func(w *v1alpha1.WorkflowExecution) {
			w.Spec.WorkflowRef.WorkflowID = "evil\x1b[2J\a"
			w.Status.Phase = v1alpha1.PhaseFailed
			w.Status.FailureDetails = &v1alpha1.FailureDetails{Reason: v1alpha1.FailureReasonTaskFailed,
				FailedStepName: "s\x9b1m", NaturalLanguageSummary: "Step failed.\n    recommendation: forged"}
		}),
		want: []string{`workflow evil\x1b[2J\x07 on`, `step s\x9b1m,`, `Step failed.\n    recommendation: forged`},
		not:  []string{"\x1b", "\a", "\x9b", "failed.\n"},
	}, {
		name: "new",
		w:    wfe(func(*v1alpha1.WorkflowExecution) {}),
		want: []string{"phase not reconciled yet"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := String(tc.w)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("unexpected %q in:\n%s", n, got)
				}
			}
		})
	}
}
