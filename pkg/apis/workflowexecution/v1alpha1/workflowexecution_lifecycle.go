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
	"cmp"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
)

// Reasons of the Succeeded condition besides the FailureReason and
// SkipReason values.
const (
	// ReasonPending: the PipelineRun does not exist yet.
	ReasonPending = "Pending"
	// ReasonRunning: the PipelineRun is running.
	ReasonRunning = "Running"
	// ReasonSucceeded: the PipelineRun succeeded.
	ReasonSucceeded = "Succeeded"
	// ReasonTargetTerminating: the PipelineRun that held the target is
	// being deleted but still exists (a finalizer, e.g. Tekton Chains',
	// holds it); the execution waits for it to be gone (docs/design.md §4.3).
	ReasonTargetTerminating = "TargetTerminating"
)

var condSet = apis.NewBatchConditionSet()

// GetConditionSet implements duckv1.KRShaped.
func (*WorkflowExecution) GetConditionSet() apis.ConditionSet {
	return condSet
}

// GetStatus implements duckv1.KRShaped.
func (w *WorkflowExecution) GetStatus() *duckv1.Status {
	return &w.Status.Status
}

// GetCondition returns the condition of the given type, or nil.
func (s *WorkflowExecutionStatus) GetCondition(t apis.ConditionType) *apis.Condition {
	return condSet.Manage(s).GetCondition(t)
}

// GetSucceededCondition returns the Succeeded condition, or nil.
func (s *WorkflowExecutionStatus) GetSucceededCondition() *apis.Condition {
	return s.GetCondition(apis.ConditionSucceeded)
}

// InitializeConditions sets the Succeeded condition to Unknown/Pending and
// the phase to Pending when the status is new; it never touches a status
// that has a Succeeded condition.
func (s *WorkflowExecutionStatus) InitializeConditions() {
	if s.GetSucceededCondition() == nil {
		s.MarkPending("Waiting for the PipelineRun to be created")
	}
}

// MarkPending marks the execution Pending: Succeeded Unknown/Pending.
func (s *WorkflowExecutionStatus) MarkPending(messageFormat string, args ...any) {
	s.Phase = PhasePending
	condSet.Manage(s).MarkUnknown(apis.ConditionSucceeded, ReasonPending, messageFormat, args...)
}

// MarkWaiting marks the execution Pending with a reason saying what it
// waits for: Succeeded Unknown/reason.
func (s *WorkflowExecutionStatus) MarkWaiting(reason, messageFormat string, args ...any) {
	s.Phase = PhasePending
	condSet.Manage(s).MarkUnknown(apis.ConditionSucceeded, reason, messageFormat, args...)
}

// MarkRunning marks the execution Running: Succeeded Unknown/Running.
func (s *WorkflowExecutionStatus) MarkRunning(messageFormat string, args ...any) {
	s.Phase = PhaseRunning
	condSet.Manage(s).MarkUnknown(apis.ConditionSucceeded, ReasonRunning, messageFormat, args...)
}

// MarkSucceeded marks the execution Completed: Succeeded True.
func (s *WorkflowExecutionStatus) MarkSucceeded(completion time.Time, messageFormat string, args ...any) {
	s.Phase = PhaseCompleted
	s.FailureDetails = nil
	s.setCompletion(completion)
	condSet.Manage(s).MarkTrueWithReason(apis.ConditionSucceeded, ReasonSucceeded, messageFormat, args...)
}

// MarkFailed marks the execution Failed: Succeeded False with the
// details' reason (Unknown when it has none) and message.
func (s *WorkflowExecutionStatus) MarkFailed(completion time.Time, details *FailureDetails) {
	reason, message := FailureReasonUnknown, ""
	if details != nil {
		reason, message = cmp.Or(details.Reason, reason), details.Message
	}
	s.Phase = PhaseFailed
	s.FailureDetails = details
	s.setCompletion(completion)
	condSet.Manage(s).MarkFalse(apis.ConditionSucceeded, string(reason), "%s", message)
}

// MarkSkipped marks the execution Skipped: Succeeded False with the skip reason.
func (s *WorkflowExecutionStatus) MarkSkipped(at time.Time, details *SkipDetails) {
	if details == nil {
		details = &SkipDetails{Reason: SkipReasonResourceBusy}
	}
	s.Phase = PhaseSkipped
	s.SkipDetails = details
	s.setCompletion(at)
	condSet.Manage(s).MarkFalse(apis.ConditionSucceeded, string(details.Reason), "%s", details.Message)
}

func (s *WorkflowExecutionStatus) setCompletion(t time.Time) {
	mt := metav1.NewTime(t)
	s.CompletionTime = &mt
	if s.StartTime != nil {
		s.Duration = t.Sub(s.StartTime.Time).Round(time.Millisecond).String()
	}
}

// IsDone is true when the execution is terminal: Completed, Failed or Skipped.
func (s *WorkflowExecutionStatus) IsDone() bool {
	c := s.GetSucceededCondition()
	return c != nil && c.Status != corev1.ConditionUnknown
}

// IsSuccessful is true when the execution Completed.
func (s *WorkflowExecutionStatus) IsSuccessful() bool {
	c := s.GetSucceededCondition()
	return c != nil && c.Status == corev1.ConditionTrue
}

// IsRunning is true while the execution's PipelineRun runs.
func (s *WorkflowExecutionStatus) IsRunning() bool {
	return s.Phase == PhaseRunning && !s.IsDone()
}

// PhaseOrPending is the phase's name, Pending for an execution not yet
// reconciled (no phase).
func (s *WorkflowExecutionStatus) PhaseOrPending() string {
	if s.Phase == "" {
		return string(PhasePending)
	}
	return string(s.Phase)
}

// HasEnded is true for an execution that ran and ended (Completed or
// Failed); Skipped executions never ran.
func (s *WorkflowExecutionStatus) HasEnded() bool {
	return s.Phase == PhaseCompleted || s.Phase == PhaseFailed
}

// IsAuditDelivered reports whether the audit event of the given type was delivered.
func (s *WorkflowExecutionStatus) IsAuditDelivered(eventType string) bool {
	for _, t := range s.AuditDelivered {
		if t == eventType {
			return true
		}
	}
	return false
}

// MarkAuditDelivered records the delivery of an audit event type.
func (s *WorkflowExecutionStatus) MarkAuditDelivered(eventType string) {
	if !s.IsAuditDelivered(eventType) {
		s.AuditDelivered = append(s.AuditDelivered, eventType)
	}
}

// String renders a FailureReason.
func (r FailureReason) String() string { return string(r) }

// CorrelationID ties the execution to its request in logs and audit: the
// label kubernaut.ai/correlation-id, else the name of the remediation
// request, else the name of the execution.
func (w *WorkflowExecution) CorrelationID() string {
	if id := w.Labels[workflowexecution.CorrelationIDLabelKey]; id != "" {
		return id
	}
	if ref := w.Spec.RemediationRequestRef; ref != nil && ref.Name != "" {
		return ref.Name
	}
	return w.Name
}

// Describe returns "namespace/name" of the execution.
func (w *WorkflowExecution) Describe() string {
	return fmt.Sprintf("%s/%s", w.Namespace, w.Name)
}
