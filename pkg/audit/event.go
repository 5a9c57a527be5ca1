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

package audit

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/redact"
)

// EventType is the type of an audit event. Its string form is also what
// Status.AuditDelivered records.
type EventType string

const (
	// EventTypeStarted: the PipelineRun of the execution was created or adopted.
	EventTypeStarted EventType = "workflowexecution.workflow.started"
	// EventTypeCompleted: the execution Completed.
	EventTypeCompleted EventType = "workflowexecution.workflow.completed"
	// EventTypeFailed: the execution Failed.
	EventTypeFailed EventType = "workflowexecution.workflow.failed"
	// EventTypeSkipped: the execution was Skipped because of a lock.
	EventTypeSkipped EventType = "workflowexecution.workflow.skipped"
)

// Values of Event.EventOutcome. A started event reports OutcomeSuccess: the
// action it records, starting the PipelineRun, succeeded.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeSkipped = "skipped"
)

// Values of the constant fields of every Event.
const (
	EventVersion  = "1.0"
	EventCategory = "workflow"
	ActorType     = "service"
	ActorID       = "workflowexecution-controller"
	ResourceType  = "WorkflowExecution"
)

// Redacted replaces a parameter value found in a free-text field.
const Redacted = redact.Marker

// idNamespace is the UUIDv5 namespace of event ids.
var idNamespace = uuid.NewSHA1(uuid.NameSpaceDNS, []byte("audit."+workflowexecution.GroupName))

// Action is the event_action of the type: started, completed, failed or skipped.
func (t EventType) Action() string {
	return string(t)[strings.LastIndexByte(string(t), '.')+1:]
}

// Outcome is the event_outcome of the type: success, failure or skipped.
func (t EventType) Outcome() string {
	switch t {
	case EventTypeFailed:
		return OutcomeFailure
	case EventTypeSkipped:
		return OutcomeSkipped
	default:
		return OutcomeSuccess
	}
}

// Event is one audit event in the unified audit format. Its JSON form is
// what the sink receives (the data of a CloudEvent in the cloudevents format).
type Event struct {
	EventID        string    `json:"event_id"`
	EventVersion   string    `json:"event_version"`
	EventTimestamp time.Time `json:"event_timestamp"`
	EventType      EventType `json:"event_type"`
	EventCategory  string    `json:"event_category"`
	EventAction    string    `json:"event_action"`
	EventOutcome   string    `json:"event_outcome"`
	ActorType      string    `json:"actor_type"`
	ActorID        string    `json:"actor_id"`
	ResourceType   string    `json:"resource_type"`
	// ResourceID is "namespace/name" of the WorkflowExecution.
	ResourceID string `json:"resource_id"`
	// CorrelationID ties the event to its remediation. An untrusted
	// namespace's is scoped by it ("namespace/id", SetRequester): it
	// cannot join another remediation's timeline.
	CorrelationID string `json:"correlation_id"`
	Namespace     string `json:"namespace"`
	// RequesterNamespace is the namespace that asked for the execution
	// (where it was created), and RequesterTrusted whether it is one of
	// trusted-namespaces.
	RequesterNamespace string    `json:"requester_namespace"`
	RequesterTrusted   bool      `json:"requester_trusted"`
	EventData          EventData `json:"event_data"`
	// TraceParent is the W3C traceparent of the execution's trace when
	// tracing is on: the traceparent extension of a CloudEvent. It is not
	// part of the JSON payload.
	TraceParent string `json:"-"`
}

// EventData is the payload of an Event. Parameters appear by name only.
type EventData struct {
	WorkflowID      string     `json:"workflow_id"`
	Version         string     `json:"version"`
	ContainerImage  string     `json:"container_image"`
	ContainerDigest string     `json:"container_digest,omitempty"`
	TargetResource  string     `json:"target_resource"`
	Phase           string     `json:"phase"`
	PipelineRunName string     `json:"pipelinerun_name,omitempty"`
	StartTime       *time.Time `json:"start_time,omitempty"`
	CompletionTime  *time.Time `json:"completion_time,omitempty"`
	// Duration is a Go duration string, as in the status.
	Duration       string   `json:"duration,omitempty"`
	Confidence     *float64 `json:"confidence,omitempty"`
	Rationale      string   `json:"rationale,omitempty"`
	ParameterNames []string `json:"parameter_names,omitempty"`

	Failure *FailureData `json:"failure,omitempty"`
	Skip    *SkipData    `json:"skip,omitempty"`
}

// FailureData explains a failed execution.
type FailureData struct {
	Reason                     string     `json:"reason"`
	Message                    string     `json:"message,omitempty"`
	FailedTaskIndex            *int32     `json:"failed_task_index,omitempty"`
	FailedTaskName             string     `json:"failed_task_name,omitempty"`
	FailedStepName             string     `json:"failed_step_name,omitempty"`
	ExitCode                   *int32     `json:"exit_code,omitempty"`
	FailedAt                   *time.Time `json:"failed_at,omitempty"`
	ExecutionTimeBeforeFailure string     `json:"execution_time_before_failure,omitempty"`
	WasExecutionFailure        bool       `json:"was_execution_failure"`
	NaturalLanguageSummary     string     `json:"natural_language_summary,omitempty"`
}

// SkipData explains a skipped execution.
type SkipData struct {
	Reason              string               `json:"reason"`
	Message             string               `json:"message,omitempty"`
	SkippedAt           *time.Time           `json:"skipped_at,omitempty"`
	ConflictingWorkflow *ConflictingWorkflow `json:"conflicting_workflow,omitempty"`
	RecentRemediation   *RecentRemediation   `json:"recent_remediation,omitempty"`
}

// ConflictingWorkflow is the execution that held the target (ResourceBusy).
type ConflictingWorkflow struct {
	Name           string     `json:"name"`
	Namespace      string     `json:"namespace,omitempty"`
	WorkflowID     string     `json:"workflow_id,omitempty"`
	StartedAt      *time.Time `json:"started_at,omitempty"`
	TargetResource string     `json:"target_resource,omitempty"`
}

// RecentRemediation is the execution that ended within the cooldown
// period (RecentlyRemediated).
type RecentRemediation struct {
	Name              string     `json:"name"`
	Namespace         string     `json:"namespace,omitempty"`
	WorkflowID        string     `json:"workflow_id,omitempty"`
	CompletedAt       *time.Time `json:"completed_at,omitempty"`
	Outcome           string     `json:"outcome,omitempty"`
	TargetResource    string     `json:"target_resource,omitempty"`
	CooldownRemaining string     `json:"cooldown_remaining,omitempty"`
}

// EventID is the deterministic id of the event of type t about wfe: a
// UUIDv5 of the execution's UID and the type (of "namespace/name" and the
// type when the UID is unset), so a re-sent event keeps its id.
func EventID(wfe *v1alpha1.WorkflowExecution, t EventType) string {
	key := string(wfe.UID)
	if key == "" {
		key = wfe.Describe()
	}
	return uuid.NewSHA1(idNamespace, []byte(key+"/"+string(t))).String()
}

// EventTypeFor returns the terminal event type of a WorkflowExecution in its
// current phase, and false while it is not terminal.
func EventTypeFor(wfe *v1alpha1.WorkflowExecution) (EventType, bool) {
	switch wfe.Status.Phase {
	case v1alpha1.PhaseCompleted:
		return EventTypeCompleted, true
	case v1alpha1.PhaseFailed:
		return EventTypeFailed, true
	case v1alpha1.PhaseSkipped:
		return EventTypeSkipped, true
	default:
		return "", false
	}
}

// EventTypesFor returns, in order, the event types a WorkflowExecution has
// produced so far: started once its PipelineRun exists (Status.StartTime is
// set and it is Running, Completed or Failed), then the terminal type.
func EventTypesFor(wfe *v1alpha1.WorkflowExecution) []EventType {
	var types []EventType
	switch wfe.Status.Phase {
	case v1alpha1.PhaseRunning, v1alpha1.PhaseCompleted, v1alpha1.PhaseFailed:
		if wfe.Status.StartTime != nil {
			types = append(types, EventTypeStarted)
		}
	}
	if t, ok := EventTypeFor(wfe); ok {
		types = append(types, t)
	}
	return types
}

// Undelivered returns the event types of EventTypesFor that the status does
// not record as delivered: those the caller still has to enqueue.
func Undelivered(wfe *v1alpha1.WorkflowExecution) []EventType {
	var types []EventType
	for _, t := range EventTypesFor(wfe) {
		if !wfe.Status.IsAuditDelivered(string(t)) {
			types = append(types, t)
		}
	}
	return types
}

// NewEvent builds the event of type t about wfe. It depends only on wfe,
// except for the timestamp when the status lacks the time of the event
// (then now is used): the started event is built from what is known at
// start, the terminal events from the final status, and times are truncated
// to the second as the API server stores them, so the event of a given
// execution and type is the same whenever it is built.
//
// Parameter values never appear: event_data lists parameter names, and a
// parameter value of 6 characters or more found in a failure or skip
// message is replaced with Redacted.
func NewEvent(wfe *v1alpha1.WorkflowExecution, t EventType, now time.Time) Event {
	st := &wfe.Status
	data := EventData{
		WorkflowID:      wfe.Spec.WorkflowRef.WorkflowID,
		Version:         wfe.Spec.WorkflowRef.Version,
		ContainerImage:  wfe.Spec.WorkflowRef.ContainerImage,
		ContainerDigest: wfe.Spec.WorkflowRef.ContainerDigest,
		TargetResource:  wfe.Spec.TargetResource,
		Phase:           string(phaseOf(t)),
		StartTime:       timeOf(st.StartTime),
		Confidence:      wfe.Spec.Confidence,
		Rationale:       wfe.Spec.Rationale,
		ParameterNames:  slices.Sorted(maps.Keys(wfe.Spec.Parameters)),
	}
	if st.PipelineRunRef != nil {
		data.PipelineRunName = st.PipelineRunRef.Name
	}
	when := data.StartTime
	if t != EventTypeStarted {
		data.CompletionTime = timeOf(st.CompletionTime)
		data.Duration = st.Duration
		when = data.CompletionTime
	}
	redact := redactor(wfe.Spec.Parameters)
	switch t {
	case EventTypeFailed:
		data.Failure = failureData(st, redact)
		when = cmp.Or(when, data.Failure.FailedAt)
	case EventTypeSkipped:
		data.Skip = skipData(st.SkipDetails, redact)
		when = cmp.Or(when, data.Skip.SkippedAt)
	}
	ts := now.UTC()
	if when != nil {
		ts = *when
	}
	return Event{
		EventID:        EventID(wfe, t),
		EventVersion:   EventVersion,
		EventTimestamp: ts,
		EventType:      t,
		EventCategory:  EventCategory,
		EventAction:    t.Action(),
		EventOutcome:   t.Outcome(),
		ActorType:      ActorType,
		ActorID:        ActorID,
		ResourceType:   ResourceType,
		ResourceID:     wfe.Describe(),
		CorrelationID:  wfe.CorrelationID(),
		Namespace:      wfe.Namespace,
		EventData:      data,

		RequesterNamespace: wfe.Namespace,
	}
}

// SetRequester records whether the requesting namespace is trusted, and
// scopes the correlation id of an untrusted one by its namespace: a
// tenant sets its execution's correlation label or remediationRequestRef
// freely, so unscoped it could claim another remediation's id and join its
// audit timeline.
func (ev *Event) SetRequester(trusted bool) {
	ev.RequesterTrusted = trusted
	if !trusted {
		ev.CorrelationID = ev.RequesterNamespace + "/" + ev.CorrelationID
	}
}

// phaseOf is the phase an execution is in when it produces an event of type t.
func phaseOf(t EventType) v1alpha1.Phase {
	switch t {
	case EventTypeCompleted:
		return v1alpha1.PhaseCompleted
	case EventTypeFailed:
		return v1alpha1.PhaseFailed
	case EventTypeSkipped:
		return v1alpha1.PhaseSkipped
	default:
		return v1alpha1.PhaseRunning
	}
}

func failureData(st *v1alpha1.WorkflowExecutionStatus, redact func(string) string) *FailureData {
	fd := st.FailureDetails
	if fd == nil {
		// Not expected from the reconciler; fall back on the condition.
		f := &FailureData{Reason: string(v1alpha1.FailureReasonUnknown)}
		if c := st.GetSucceededCondition(); c != nil {
			f.Reason = cmp.Or(c.Reason, f.Reason)
			f.Message = redact(c.Message)
		}
		return f
	}
	return &FailureData{
		Reason:                     string(fd.Reason),
		Message:                    redact(fd.Message),
		FailedTaskIndex:            fd.FailedTaskIndex,
		FailedTaskName:             fd.FailedTaskName,
		FailedStepName:             fd.FailedStepName,
		ExitCode:                   fd.ExitCode,
		FailedAt:                   timeOf(fd.FailedAt),
		ExecutionTimeBeforeFailure: fd.ExecutionTimeBeforeFailure,
		WasExecutionFailure:        fd.WasExecutionFailure,
		NaturalLanguageSummary:     redact(fd.NaturalLanguageSummary),
	}
}

func skipData(sd *v1alpha1.SkipDetails, redact func(string) string) *SkipData {
	if sd == nil {
		return &SkipData{}
	}
	s := &SkipData{
		Reason:    string(sd.Reason),
		Message:   redact(sd.Message),
		SkippedAt: timeOf(sd.SkippedAt),
	}
	if c := sd.ConflictingWorkflow; c != nil {
		s.ConflictingWorkflow = &ConflictingWorkflow{
			Name:           c.Name,
			Namespace:      c.Namespace,
			WorkflowID:     c.WorkflowID,
			StartedAt:      timeOf(c.StartedAt),
			TargetResource: c.TargetResource,
		}
	}
	if r := sd.RecentRemediation; r != nil {
		s.RecentRemediation = &RecentRemediation{
			Name:              r.Name,
			Namespace:         r.Namespace,
			WorkflowID:        r.WorkflowID,
			CompletedAt:       timeOf(r.CompletedAt),
			Outcome:           string(r.Outcome),
			TargetResource:    r.TargetResource,
			CooldownRemaining: r.CooldownRemaining,
		}
	}
	return s
}

// timeOf converts a status time as the API server stores it: UTC, to the second.
func timeOf(t *metav1.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}

// redactor returns a function that hides the parameter values in a text
// (redact.Parameters).
func redactor(params map[string]string) func(string) string {
	return func(s string) string { return redact.Parameters(s, params) }
}
