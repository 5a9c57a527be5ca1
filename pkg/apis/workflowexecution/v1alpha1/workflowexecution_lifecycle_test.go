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

package v1alpha1

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

var ignoreTransitionTime = cmpopts.IgnoreFields(apis.Condition{}, "LastTransitionTime")

var (
	startTime = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)
	// endTime is 90.0012345s after startTime: the duration is rounded to
	// the millisecond.
	endTime = startTime.Add(90*time.Second + 1234500*time.Nanosecond)
)

func succeeded(status corev1.ConditionStatus, reason, message string) *apis.Condition {
	return &apis.Condition{Type: apis.ConditionSucceeded, Status: status, Reason: reason, Message: message}
}

func started() *WorkflowExecutionStatus {
	s := &WorkflowExecutionStatus{}
	s.InitializeConditions()
	st := metav1.NewTime(startTime)
	s.StartTime = &st
	return s
}

func TestInitializeConditions(t *testing.T) {
	tests := []struct {
		name      string
		status    func() *WorkflowExecutionStatus
		wantPhase Phase
		wantCond  *apis.Condition
	}{{
		name:      "new status",
		status:    func() *WorkflowExecutionStatus { return &WorkflowExecutionStatus{} },
		wantPhase: PhasePending,
		wantCond:  succeeded(corev1.ConditionUnknown, ReasonPending, "Waiting for the PipelineRun to be created"),
	}, {
		name: "running status is left alone",
		status: func() *WorkflowExecutionStatus {
			s := &WorkflowExecutionStatus{}
			s.MarkRunning("Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0")
			return s
		},
		wantPhase: PhaseRunning,
		wantCond:  succeeded(corev1.ConditionUnknown, ReasonRunning, "Tasks Completed: 1 (Failed: 0, Cancelled 0), Incomplete: 2, Skipped: 0"),
	}, {
		name: "completed status is left alone",
		status: func() *WorkflowExecutionStatus {
			s := &WorkflowExecutionStatus{}
			s.MarkSucceeded(endTime, "done")
			return s
		},
		wantPhase: PhaseCompleted,
		wantCond:  succeeded(corev1.ConditionTrue, ReasonSucceeded, "done"),
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.status()
			s.InitializeConditions()
			if diff := cmp.Diff(tc.wantPhase, s.Phase); diff != "" {
				t.Errorf("Phase (-want, +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantCond, s.GetSucceededCondition(), ignoreTransitionTime); diff != "" {
				t.Errorf("Succeeded condition (-want, +got):\n%s", diff)
			}
			if got := len(s.Conditions); got != 1 {
				t.Errorf("got %d conditions, want only Succeeded: %+v", got, s.Conditions)
			}
		})
	}
}

func TestMarkStatus(t *testing.T) {
	oneExit := int32(1)
	oom := &FailureDetails{
		FailedTaskName:      "restart",
		Reason:              FailureReasonOOMKilled,
		Message:             "container step-restart was OOMKilled",
		ExitCode:            &oneExit,
		WasExecutionFailure: true,
	}
	noReason := &FailureDetails{FailedTaskName: "restart", Message: "exit 1"}
	configErr := &FailureDetails{Reason: FailureReasonConfigurationError, Message: "spec.targetResource: invalid"}
	busy := &SkipDetails{
		Reason:              SkipReasonResourceBusy,
		Message:             "another workflow is running on payment/deployment/api (100% busy)",
		ConflictingWorkflow: &ConflictingWorkflowRef{Name: "wfe-other", Namespace: "kubernaut-system"},
	}
	recent := &SkipDetails{
		Reason:            SkipReasonRecentlyRemediated,
		Message:           "restart-deployment ran on payment/deployment/api 2m ago",
		RecentRemediation: &RecentRemediationRef{Name: "wfe-before", Outcome: PhaseCompleted, CooldownRemaining: "3m0s"},
	}
	completion := metav1.NewTime(endTime)

	tests := []struct {
		name   string
		status func() *WorkflowExecutionStatus
		mark   func(s *WorkflowExecutionStatus)

		wantPhase          Phase
		wantCond           *apis.Condition
		wantCompletionTime *metav1.Time
		wantDuration       string
		wantFailure        *FailureDetails
		wantSkip           *SkipDetails

		wantDone, wantSuccessful, wantRunning, wantEnded bool
	}{{
		name:      "pending",
		status:    func() *WorkflowExecutionStatus { return &WorkflowExecutionStatus{} },
		mark:      func(s *WorkflowExecutionStatus) { s.MarkPending("waiting for the %s", "lock") },
		wantPhase: PhasePending,
		wantCond:  succeeded(corev1.ConditionUnknown, ReasonPending, "waiting for the lock"),
	}, {
		name:      "waiting for a terminating run",
		status:    func() *WorkflowExecutionStatus { return &WorkflowExecutionStatus{} },
		mark:      func(s *WorkflowExecutionStatus) { s.MarkWaiting(ReasonTargetTerminating, "waiting for %s", "x") },
		wantPhase: PhasePending,
		wantCond:  succeeded(corev1.ConditionUnknown, ReasonTargetTerminating, "waiting for x"),
	}, {
		name:        "running",
		status:      started,
		mark:        func(s *WorkflowExecutionStatus) { s.MarkRunning("Tasks Completed: %d", 1) },
		wantPhase:   PhaseRunning,
		wantCond:    succeeded(corev1.ConditionUnknown, ReasonRunning, "Tasks Completed: 1"),
		wantRunning: true,
	}, {
		name:               "succeeded",
		status:             started,
		mark:               func(s *WorkflowExecutionStatus) { s.MarkSucceeded(endTime, "All %d tasks succeeded", 3) },
		wantPhase:          PhaseCompleted,
		wantCond:           succeeded(corev1.ConditionTrue, ReasonSucceeded, "All 3 tasks succeeded"),
		wantCompletionTime: &completion,
		wantDuration:       "1m30.001s",
		wantDone:           true,
		wantSuccessful:     true,
		wantEnded:          true,
	}, {
		name:               "succeeded without a start time has no duration",
		status:             func() *WorkflowExecutionStatus { return &WorkflowExecutionStatus{} },
		mark:               func(s *WorkflowExecutionStatus) { s.MarkSucceeded(endTime, "done") },
		wantPhase:          PhaseCompleted,
		wantCond:           succeeded(corev1.ConditionTrue, ReasonSucceeded, "done"),
		wantCompletionTime: &completion,
		wantDone:           true,
		wantSuccessful:     true,
		wantEnded:          true,
	}, {
		name: "succeeded clears earlier failure details",
		status: func() *WorkflowExecutionStatus {
			s := started()
			s.FailureDetails = oom.DeepCopy()
			return s
		},
		mark:               func(s *WorkflowExecutionStatus) { s.MarkSucceeded(endTime, "done") },
		wantPhase:          PhaseCompleted,
		wantCond:           succeeded(corev1.ConditionTrue, ReasonSucceeded, "done"),
		wantCompletionTime: &completion,
		wantDuration:       "1m30.001s",
		wantDone:           true,
		wantSuccessful:     true,
		wantEnded:          true,
	}, {
		name:   "failed without details: Unknown",
		status: started,
		mark: func(s *WorkflowExecutionStatus) {
			s.MarkFailed(endTime, nil)
		},
		wantPhase:          PhaseFailed,
		wantCond:           succeeded(corev1.ConditionFalse, string(FailureReasonUnknown), ""),
		wantCompletionTime: &completion,
		wantDuration:       "1m30.001s",
		wantDone:           true,
		wantEnded:          true,
	}, {
		name:   "failed: the details' reason and message",
		status: started,
		mark: func(s *WorkflowExecutionStatus) {
			s.MarkFailed(endTime, oom.DeepCopy())
		},
		wantPhase:          PhaseFailed,
		wantCond:           succeeded(corev1.ConditionFalse, string(FailureReasonOOMKilled), oom.Message),
		wantCompletionTime: &completion,
		wantDuration:       "1m30.001s",
		wantFailure:        oom,
		wantDone:           true,
		wantEnded:          true,
	}, {
		name:   "failed: details without a reason are Unknown",
		status: started,
		mark: func(s *WorkflowExecutionStatus) {
			s.MarkFailed(endTime, noReason.DeepCopy())
		},
		wantPhase:          PhaseFailed,
		wantCond:           succeeded(corev1.ConditionFalse, string(FailureReasonUnknown), "exit 1"),
		wantCompletionTime: &completion,
		wantDuration:       "1m30.001s",
		wantFailure:        noReason,
		wantDone:           true,
		wantEnded:          true,
	}, {
		name:   "failed before it started: configuration error",
		status: func() *WorkflowExecutionStatus { return &WorkflowExecutionStatus{} },
		mark: func(s *WorkflowExecutionStatus) {
			s.MarkFailed(endTime, configErr.DeepCopy())
		},
		wantPhase:          PhaseFailed,
		wantCond:           succeeded(corev1.ConditionFalse, string(FailureReasonConfigurationError), "spec.targetResource: invalid"),
		wantCompletionTime: &completion,
		wantFailure:        configErr,
		wantDone:           true,
		wantEnded:          true,
	}, {
		name:               "skipped: resource busy, the message is not a format",
		status:             func() *WorkflowExecutionStatus { return &WorkflowExecutionStatus{} },
		mark:               func(s *WorkflowExecutionStatus) { s.MarkSkipped(endTime, busy.DeepCopy()) },
		wantPhase:          PhaseSkipped,
		wantCond:           succeeded(corev1.ConditionFalse, string(SkipReasonResourceBusy), busy.Message),
		wantCompletionTime: &completion,
		wantSkip:           busy,
		wantDone:           true,
	}, {
		name:               "skipped: recently remediated",
		status:             func() *WorkflowExecutionStatus { return &WorkflowExecutionStatus{} },
		mark:               func(s *WorkflowExecutionStatus) { s.MarkSkipped(endTime, recent.DeepCopy()) },
		wantPhase:          PhaseSkipped,
		wantCond:           succeeded(corev1.ConditionFalse, string(SkipReasonRecentlyRemediated), recent.Message),
		wantCompletionTime: &completion,
		wantSkip:           recent,
		wantDone:           true,
	}, {
		name: "a phase that disagrees with a terminal condition is not running",
		status: func() *WorkflowExecutionStatus {
			s := started()
			s.MarkFailed(endTime, &FailureDetails{Message: "gone"})
			s.FailureDetails = nil
			return s
		},
		mark:               func(s *WorkflowExecutionStatus) { s.Phase = PhaseRunning },
		wantPhase:          PhaseRunning,
		wantCond:           succeeded(corev1.ConditionFalse, string(FailureReasonUnknown), "gone"),
		wantCompletionTime: &completion,
		wantDuration:       "1m30.001s",
		wantDone:           true,
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.status()
			tc.mark(s)
			if diff := cmp.Diff(tc.wantPhase, s.Phase); diff != "" {
				t.Errorf("Phase (-want, +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantCond, s.GetSucceededCondition(), ignoreTransitionTime); diff != "" {
				t.Errorf("Succeeded condition (-want, +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantCond, s.GetCondition(apis.ConditionSucceeded), ignoreTransitionTime); diff != "" {
				t.Errorf("GetCondition(Succeeded) (-want, +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantCompletionTime, s.CompletionTime); diff != "" {
				t.Errorf("CompletionTime (-want, +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantDuration, s.Duration); diff != "" {
				t.Errorf("Duration (-want, +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantFailure, s.FailureDetails); diff != "" {
				t.Errorf("FailureDetails (-want, +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantSkip, s.SkipDetails); diff != "" {
				t.Errorf("SkipDetails (-want, +got):\n%s", diff)
			}
			got := map[string]bool{"IsDone": s.IsDone(), "IsSuccessful": s.IsSuccessful(), "IsRunning": s.IsRunning(), "HasEnded": s.HasEnded()}
			want := map[string]bool{"IsDone": tc.wantDone, "IsSuccessful": tc.wantSuccessful, "IsRunning": tc.wantRunning, "HasEnded": tc.wantEnded}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("predicates (-want, +got):\n%s", diff)
			}
		})
	}
}

// TestPredicatesForEveryPhase checks IsDone, IsSuccessful, IsRunning and
// HasEnded for each phase as the helpers set it, and for a new status.
func TestPredicatesForEveryPhase(t *testing.T) {
	tests := []struct {
		phase Phase
		mark  func(s *WorkflowExecutionStatus)

		done, successful, running, ended bool
	}{{
		phase: "",
		mark:  func(*WorkflowExecutionStatus) {},
	}, {
		phase: PhasePending,
		mark:  func(s *WorkflowExecutionStatus) { s.MarkPending("") },
	}, {
		phase:   PhaseRunning,
		mark:    func(s *WorkflowExecutionStatus) { s.MarkRunning("") },
		running: true,
	}, {
		phase:      PhaseCompleted,
		mark:       func(s *WorkflowExecutionStatus) { s.MarkSucceeded(endTime, "") },
		done:       true,
		successful: true,
		ended:      true,
	}, {
		phase: PhaseFailed,
		mark: func(s *WorkflowExecutionStatus) {
			s.MarkFailed(endTime, &FailureDetails{Reason: FailureReasonTaskFailed})
		},
		done:  true,
		ended: true,
	}, {
		phase: PhaseSkipped,
		mark:  func(s *WorkflowExecutionStatus) { s.MarkSkipped(endTime, &SkipDetails{Reason: SkipReasonResourceBusy}) },
		done:  true,
	}}

	for _, tc := range tests {
		t.Run(string(tc.phase), func(t *testing.T) {
			s := &WorkflowExecutionStatus{}
			tc.mark(s)
			if s.Phase != tc.phase {
				t.Fatalf("Phase = %q, want %q", s.Phase, tc.phase)
			}
			got := [4]bool{s.IsDone(), s.IsSuccessful(), s.IsRunning(), s.HasEnded()}
			want := [4]bool{tc.done, tc.successful, tc.running, tc.ended}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("[IsDone IsSuccessful IsRunning HasEnded] (-want, +got):\n%s", diff)
			}
		})
	}
}

func TestAuditDelivered(t *testing.T) {
	s := &WorkflowExecutionStatus{}
	if s.IsAuditDelivered("workflowexecution.started") {
		t.Error("IsAuditDelivered on a new status = true, want false")
	}
	for _, e := range []string{"workflowexecution.started", "workflowexecution.completed", "workflowexecution.started"} {
		s.MarkAuditDelivered(e)
	}
	if diff := cmp.Diff([]string{"workflowexecution.started", "workflowexecution.completed"}, s.AuditDelivered); diff != "" {
		t.Errorf("AuditDelivered (-want, +got):\n%s", diff)
	}
	tests := []struct {
		event string
		want  bool
	}{
		{event: "workflowexecution.started", want: true},
		{event: "workflowexecution.completed", want: true},
		{event: "workflowexecution.failed"},
		{event: ""},
	}
	for _, tc := range tests {
		t.Run(tc.event, func(t *testing.T) {
			if got := s.IsAuditDelivered(tc.event); got != tc.want {
				t.Errorf("IsAuditDelivered(%q) = %v, want %v", tc.event, got, tc.want)
			}
		})
	}
}

func TestKRShaped(t *testing.T) {
	w := validWorkflowExecution()
	var kr duckv1.KRShaped = w

	if diff := cmp.Diff(apis.ConditionSucceeded, kr.GetConditionSet().GetTopLevelConditionType()); diff != "" {
		t.Errorf("top-level condition (-want, +got):\n%s", diff)
	}
	// GetStatus points into the object: the generated reconciler writes
	// ObservedGeneration through it.
	kr.GetStatus().ObservedGeneration = 7
	if got := w.Status.ObservedGeneration; got != 7 {
		t.Errorf("ObservedGeneration after a write through GetStatus = %d, want 7", got)
	}
	manager := kr.GetConditionSet().Manage(kr.GetStatus())
	if manager.IsHappy() {
		t.Error("a new execution is happy, want not")
	}
	w.Status.MarkSucceeded(endTime, "done")
	if !kr.GetConditionSet().Manage(kr.GetStatus()).IsHappy() {
		t.Error("a succeeded execution is not happy")
	}
	w.Status.MarkFailed(endTime, &FailureDetails{Reason: FailureReasonTaskFailed, Message: "failed"})
	if got := kr.GetConditionSet().Manage(kr.GetStatus()).GetTopLevelCondition(); !got.IsFalse() {
		t.Errorf("top-level condition of a failed execution = %+v, want False", got)
	}
}

func TestGetGroupVersionKind(t *testing.T) {
	want := schema.GroupVersionKind{Group: "workflowexecution.kubernaut.ai", Version: "v1alpha1", Kind: "WorkflowExecution"}
	if diff := cmp.Diff(want, (&WorkflowExecution{}).GetGroupVersionKind()); diff != "" {
		t.Errorf("GetGroupVersionKind (-want, +got):\n%s", diff)
	}
}

func TestDescribeAndReasonString(t *testing.T) {
	w := validWorkflowExecution()
	if diff := cmp.Diff("kubernaut-system/restart-api-1", w.Describe()); diff != "" {
		t.Errorf("Describe (-want, +got):\n%s", diff)
	}
	if diff := cmp.Diff("ImagePullBackOff", FailureReasonImagePullBackOff.String()); diff != "" {
		t.Errorf("FailureReason.String (-want, +got):\n%s", diff)
	}
}
