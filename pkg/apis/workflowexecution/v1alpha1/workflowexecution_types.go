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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"knative.dev/pkg/kmeta"
)

// WorkflowExecution asks for one remediation workflow, a Tekton Pipeline
// published as an OCI bundle, to be run against one target resource.
//
// +genclient
// +genreconciler
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=wfe,categories=kubernaut
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Succeeded",type=string,JSONPath=".status.conditions[?(@.type==\"Succeeded\")].status"
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=".status.conditions[?(@.type==\"Succeeded\")].reason"
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=".status.phase"
// +kubebuilder:printcolumn:name="Workflow",type=string,JSONPath=".spec.workflowRef.workflowId"
// +kubebuilder:printcolumn:name="Target",type=string,JSONPath=".spec.targetResource"
// +kubebuilder:printcolumn:name="StartTime",type=date,JSONPath=".status.startTime"
// +kubebuilder:printcolumn:name="CompletionTime",type=date,JSONPath=".status.completionTime"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=".metadata.creationTimestamp"
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 63",message="metadata.name: must be no more than 63 characters (it is used as a label value)"
type WorkflowExecution struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the requested execution. It is immutable.
	// +required
	Spec WorkflowExecutionSpec `json:"spec"`

	// Status is the observed state of the execution.
	// +optional
	Status WorkflowExecutionStatus `json:"status,omitempty"`
}

var (
	_ apis.Validatable   = (*WorkflowExecution)(nil)
	_ kmeta.OwnerRefable = (*WorkflowExecution)(nil)
	_ duckv1.KRShaped    = (*WorkflowExecution)(nil)
)

// WorkflowExecutionSpec is the requested execution.
//
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec is immutable"
type WorkflowExecutionSpec struct {
	// WorkflowRef names the workflow and the Tekton bundle that holds it.
	// +required
	WorkflowRef WorkflowRef `json:"workflowRef"`

	// TargetResource is the resource the workflow acts on:
	// "namespace/kind/name", or "kind/name" for a cluster-scoped resource.
	// +required
	// The kind may be a Kind, a short name or a plural, with ".group" when
	// the group must be named ("deployments.apps"); the controller resolves
	// it through discovery (status.canonicalTarget).
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=635
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/)?[A-Za-z][A-Za-z0-9]{0,62}(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +kubebuilder:validation:XValidation:rule="self.substring(self.lastIndexOf('/') + 1).size() <= 253",message="the name part must be no more than 253 characters"
	TargetResource string `json:"targetResource"`

	// Parameters are passed to the pipeline as Tekton params, unchanged.
	// TARGET_RESOURCE is reserved: the controller sets it to the target.
	// +optional
	// +kubebuilder:validation:MaxProperties=128
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.size() <= 128 && k.matches('^[a-zA-Z_][a-zA-Z0-9_-]*$'))",message="parameter names must start with a letter or underscore and contain only letters, digits, underscores and hyphens (at most 128 characters)"
	// +kubebuilder:validation:XValidation:rule="!('TARGET_RESOURCE' in self)",message="TARGET_RESOURCE is reserved and set by the controller"
	Parameters map[string]string `json:"parameters,omitempty"`

	// Confidence of the requester in this remediation, from 0 to 1. Audit only.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1
	Confidence *float64 `json:"confidence,omitempty"`

	// Rationale of the requester. Audit only.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Rationale string `json:"rationale,omitempty"`

	// ExecutionConfig tunes the PipelineRun.
	// +optional
	ExecutionConfig *ExecutionConfig `json:"executionConfig,omitempty"`

	// RemediationRequestRef is the parent request, used for correlation.
	// +optional
	RemediationRequestRef *corev1.ObjectReference `json:"remediationRequestRef,omitempty"`
}

// WorkflowRef names a workflow and the Tekton bundle that holds it.
//
// +kubebuilder:validation:XValidation:rule="!has(self.containerDigest) || !self.containerImage.contains('@')",message="containerImage already carries a digest; set containerDigest or a digest in containerImage, not both"
type WorkflowRef struct {
	// WorkflowID identifies the workflow: letters, digits, '.', '_' and
	// '-', starting and ending with a letter or digit (it is shown to
	// operators by kubectl, events and summaries).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`
	WorkflowID string `json:"workflowId"`

	// Version of the workflow: letters, digits, '.', '_', '+' and '-',
	// starting with a letter or digit.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._+-]*$`
	Version string `json:"version"`

	// ContainerImage is the OCI reference of the Tekton bundle. A registry
	// must contain a dot or a port (as for go-containerregistry, which
	// resolves the bundle), and the repository must be 2 to 255 characters.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?((\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)+(:[0-9]+)?|:[0-9]+)/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*(:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`
	// +kubebuilder:validation:XValidation:rule="(self.indexOf('/') > 0 && (self.substring(0, self.indexOf('/')) == 'localhost' || self.substring(0, self.indexOf('/')).matches('[.:]')) ? self.substring(self.indexOf('/') + 1) : self).matches('^[^:@]{2,255}([:@]|$)')",message="the repository part of containerImage must be 2 to 255 characters"
	ContainerImage string `json:"containerImage"`

	// ContainerDigest, when set, pins the bundle: it runs as image@digest.
	// +optional
	// +kubebuilder:validation:Pattern=`^sha256:[a-f0-9]{64}$`
	ContainerDigest string `json:"containerDigest,omitempty"`
}

// ExecutionConfig tunes the PipelineRun.
type ExecutionConfig struct {
	// Timeout of the whole pipeline. Defaults to the controller's
	// default-timeout; at most untrusted-max-timeout for a namespace not in
	// trusted-namespaces.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="timeout must be greater than zero"
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// ServiceAccountName runs the pipeline's pods. It must be one of the
	// controller's allowed-service-accounts (or, from a trusted namespace,
	// trusted-service-accounts). Defaults to the controller's
	// service-account for a trusted namespace, wfe-runner-<namespace>
	// otherwise.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

// Phase is the coarse state of a WorkflowExecution, kept consistent with
// the Succeeded condition.
// +kubebuilder:validation:Enum=Pending;Running;Completed;Failed;Skipped
type Phase string

const (
	// PhasePending means the PipelineRun does not exist yet.
	PhasePending Phase = "Pending"
	// PhaseRunning means the PipelineRun is running.
	PhaseRunning Phase = "Running"
	// PhaseCompleted means the PipelineRun succeeded.
	PhaseCompleted Phase = "Completed"
	// PhaseFailed means the execution failed.
	PhaseFailed Phase = "Failed"
	// PhaseSkipped means the execution was not started because of a lock.
	PhaseSkipped Phase = "Skipped"
)

// FailureReason classifies a failure.
// +kubebuilder:validation:Enum=OOMKilled;DeadlineExceeded;Forbidden;ResourceExhausted;ConfigurationError;ImagePullBackOff;TaskFailed;Unknown
type FailureReason string

const (
	// FailureReasonOOMKilled means a step ran out of memory.
	FailureReasonOOMKilled FailureReason = "OOMKilled"
	// FailureReasonDeadlineExceeded means the pipeline or a task timed out.
	FailureReasonDeadlineExceeded FailureReason = "DeadlineExceeded"
	// FailureReasonForbidden means an RBAC or admission denial.
	FailureReasonForbidden FailureReason = "Forbidden"
	// FailureReasonResourceExhausted means a quota or node capacity was exceeded.
	FailureReasonResourceExhausted FailureReason = "ResourceExhausted"
	// FailureReasonConfigurationError means the request, the bundle or the
	// pipeline definition is invalid.
	FailureReasonConfigurationError FailureReason = "ConfigurationError"
	// FailureReasonImagePullBackOff means a step image could not be pulled.
	FailureReasonImagePullBackOff FailureReason = "ImagePullBackOff"
	// FailureReasonTaskFailed means a step exited non-zero.
	FailureReasonTaskFailed FailureReason = "TaskFailed"
	// FailureReasonUnknown is any other failure.
	FailureReasonUnknown FailureReason = "Unknown"
)

// SkipReason says why an execution was skipped.
// +kubebuilder:validation:Enum=ResourceBusy;RecentlyRemediated
type SkipReason string

const (
	// SkipReasonResourceBusy means another workflow is running on the target.
	SkipReasonResourceBusy SkipReason = "ResourceBusy"
	// SkipReasonRecentlyRemediated means the same workflow ended on the
	// target within the cooldown period.
	SkipReasonRecentlyRemediated SkipReason = "RecentlyRemediated"
)

// WorkflowExecutionStatus is the observed state of a WorkflowExecution. A
// terminal phase is final and a released lock stays released: a writer
// acting on a stale copy is refused instead of rewriting history.
//
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.phase) || !(oldSelf.phase in ['Completed', 'Failed', 'Skipped']) || (has(self.phase) && self.phase == oldSelf.phase)",message="status.phase: a terminal phase is final"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.lockReleaseTime) || has(self.lockReleaseTime)",message="status.lockReleaseTime: a released lock cannot be taken back"
type WorkflowExecutionStatus struct {
	duckv1.Status `json:",inline"`

	// WorkflowExecutionStatusFields inlines the fields specific to this type.
	WorkflowExecutionStatusFields `json:",inline"`
}

// WorkflowExecutionStatusFields are the status fields specific to WorkflowExecution.
type WorkflowExecutionStatusFields struct {
	// Phase is the coarse state, consistent with the Succeeded condition.
	// +optional
	Phase Phase `json:"phase,omitempty"`

	// StartTime is when the PipelineRun was created or adopted.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`

	// CompletionTime is when the execution reached a terminal phase.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`

	// Duration from StartTime to CompletionTime, as a Go duration string.
	// +optional
	Duration string `json:"duration,omitempty"`

	// CanonicalTarget is spec.targetResource resolved through the API
	// server's discovery (docs/design.md §4, Targets are objects):
	// "namespace/kind.group/name", or "kind.group/name" for a
	// cluster-scoped kind, the kind lower-cased and the group omitted for
	// core kinds (e.g. "payment/deployment.apps/api", "node/worker-1").
	// Every spelling of one object has the same canonical target: it is the
	// lock key, and its hash names the PipelineRun. Set when the controller
	// resolved the target.
	// +optional
	CanonicalTarget string `json:"canonicalTarget,omitempty"`
	// PipelineRunRef names the PipelineRun of this execution.
	// +optional
	PipelineRunRef *PipelineRunReference `json:"pipelineRunRef,omitempty"`

	// PipelineRunStatus mirrors the PipelineRun's progress.
	// +optional
	PipelineRunStatus *PipelineRunStatusSummary `json:"pipelineRunStatus,omitempty"`

	// FailureDetails explains a Failed execution.
	// +optional
	FailureDetails *FailureDetails `json:"failureDetails,omitempty"`

	// SkipDetails explains a Skipped execution.
	// +optional
	SkipDetails *SkipDetails `json:"skipDetails,omitempty"`

	// LockReleaseTime is when the controller released the target's lock
	// (deleted the PipelineRun after the cooldown). Unset while it is held.
	// +optional
	LockReleaseTime *metav1.Time `json:"lockReleaseTime,omitempty"`

	// AuditDelivered lists the audit event types already delivered to the
	// audit sink, so that a restarted controller re-sends only the others.
	// +optional
	// +listType=set
	AuditDelivered []string `json:"auditDelivered,omitempty"`
}

// PipelineRunReference names a PipelineRun.
type PipelineRunReference struct {
	// Name of the PipelineRun.
	Name string `json:"name"`
	// Namespace of the PipelineRun.
	Namespace string `json:"namespace"`
}

// PipelineRunStatusSummary mirrors the PipelineRun's Succeeded condition and task counts.
type PipelineRunStatusSummary struct {
	// Status of the PipelineRun's Succeeded condition: True, False or Unknown.
	// +optional
	Status string `json:"status,omitempty"`
	// Reason of the PipelineRun's Succeeded condition.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Message of the PipelineRun's Succeeded condition.
	// +optional
	Message string `json:"message,omitempty"`
	// CompletedTasks counts the finished TaskRuns.
	// +optional
	CompletedTasks int32 `json:"completedTasks,omitempty"`
	// TotalTasks counts the pipeline's tasks.
	// +optional
	TotalTasks int32 `json:"totalTasks,omitempty"`
}

// FailureDetails explains a failed execution in structured form and in a
// natural-language summary.
type FailureDetails struct {
	// FailedTaskIndex is the position of the failed task in the pipeline.
	// +optional
	FailedTaskIndex *int32 `json:"failedTaskIndex,omitempty"`
	// FailedTaskName is the pipeline task name of the first failed task.
	// +optional
	FailedTaskName string `json:"failedTaskName,omitempty"`
	// FailedStepName is the failed step of that task.
	// +optional
	FailedStepName string `json:"failedStepName,omitempty"`
	// Reason classifies the failure.
	Reason FailureReason `json:"reason"`
	// Message is the underlying error message.
	// +optional
	Message string `json:"message,omitempty"`
	// ExitCode of the failed step, when it ran.
	// +optional
	ExitCode *int32 `json:"exitCode,omitempty"`
	// FailedAt is when the failure happened.
	// +optional
	FailedAt *metav1.Time `json:"failedAt,omitempty"`
	// ExecutionTimeBeforeFailure is how long the execution ran before it
	// failed, as a Go duration string.
	// +optional
	ExecutionTimeBeforeFailure string `json:"executionTimeBeforeFailure,omitempty"`
	// NaturalLanguageSummary explains the failure in one paragraph.
	// +optional
	NaturalLanguageSummary string `json:"naturalLanguageSummary,omitempty"`
	// WasExecutionFailure is true when workflow code started running (some
	// step started); false for failures before execution (validation,
	// resolution, image pull, quota, RBAC).
	WasExecutionFailure bool `json:"wasExecutionFailure"`
}

// SkipDetails explains a skipped execution.
type SkipDetails struct {
	// Reason of the skip.
	Reason SkipReason `json:"reason"`
	// Message explains the skip.
	// +optional
	Message string `json:"message,omitempty"`
	// SkippedAt is when the execution was skipped.
	// +optional
	SkippedAt *metav1.Time `json:"skippedAt,omitempty"`
	// ConflictingWorkflow is the execution holding the target (ResourceBusy).
	// +optional
	ConflictingWorkflow *ConflictingWorkflowRef `json:"conflictingWorkflow,omitempty"`
	// RecentRemediation is the execution that ended recently (RecentlyRemediated).
	// +optional
	RecentRemediation *RecentRemediationRef `json:"recentRemediation,omitempty"`
}

// ConflictingWorkflowRef names the execution that holds a target.
type ConflictingWorkflowRef struct {
	// Name of the WorkflowExecution, or of the PipelineRun when the
	// execution is not known.
	Name string `json:"name"`
	// Namespace of the WorkflowExecution.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// WorkflowID of that execution.
	// +optional
	WorkflowID string `json:"workflowId,omitempty"`
	// StartedAt is when that execution started.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// TargetResource of that execution.
	// +optional
	TargetResource string `json:"targetResource,omitempty"`
}

// RecentRemediationRef names an execution that ended within the cooldown period.
type RecentRemediationRef struct {
	// Name of the WorkflowExecution.
	Name string `json:"name"`
	// Namespace of the WorkflowExecution.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// WorkflowID of that execution.
	// +optional
	WorkflowID string `json:"workflowId,omitempty"`
	// CompletedAt is when that execution ended.
	// +optional
	CompletedAt *metav1.Time `json:"completedAt,omitempty"`
	// Outcome of that execution: Completed or Failed.
	// +optional
	Outcome Phase `json:"outcome,omitempty"`
	// TargetResource of that execution.
	// +optional
	TargetResource string `json:"targetResource,omitempty"`
	// CooldownRemaining until the same workflow may run again, as a Go duration string.
	// +optional
	CooldownRemaining string `json:"cooldownRemaining,omitempty"`
}

// WorkflowExecutionList is a list of WorkflowExecutions.
//
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
type WorkflowExecutionList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkflowExecution `json:"items"`
}

// GetGroupVersionKind implements kmeta.OwnerRefable.
func (*WorkflowExecution) GetGroupVersionKind() schema.GroupVersionKind {
	return SchemeGroupVersion.WithKind("WorkflowExecution")
}
