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
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/parse"
)

const (
	secretValue = "hunter2-s3cr3t"
	digest      = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

const baseWFE = `
apiVersion: workflowexecution.kubernaut.ai/v1alpha1
kind: WorkflowExecution
metadata:
  name: restart-api
  namespace: payment
  uid: 6f1c2f3e-0000-4000-8000-000000000001
  labels:
    kubernaut.ai/correlation-id: rr-2026-001
spec:
  workflowRef:
    workflowId: restart-deployment
    version: v1.2.0
    containerImage: ghcr.io/kubernaut/workflows/restart:v1.2.0
    containerDigest: ` + digest + `
  targetResource: payment/Deployment/api
  parameters:
    REPLICAS: "3"
    DB_PASSWORD: ` + secretValue + `
  confidence: 0.87
  rationale: Pods crash-loop since the last config change.
  remediationRequestRef:
    name: rr-parent
`

const runningStatus = `
status:
  phase: Running
  startTime: "2026-03-01T10:00:00Z"
  pipelineRunRef: {name: wfe-0123456789abcdef, namespace: kubernaut-workflows}
`

const completedStatus = `
status:
  phase: Completed
  startTime: "2026-03-01T10:00:00Z"
  completionTime: "2026-03-01T10:02:30Z"
  duration: 2m30s
  pipelineRunRef: {name: wfe-0123456789abcdef, namespace: kubernaut-workflows}
`

const failedStatus = `
status:
  phase: Failed
  startTime: "2026-03-01T10:00:00Z"
  completionTime: "2026-03-01T10:02:30Z"
  duration: 2m30s
  pipelineRunRef: {name: wfe-0123456789abcdef, namespace: kubernaut-workflows}
  failureDetails:
    failedTaskIndex: 1
    failedTaskName: restart
    failedStepName: rollout
    reason: TaskFailed
    message: 'step rollout exited with code 1: login with ` + secretValue + ` refused'
    exitCode: 1
    failedAt: "2026-03-01T10:02:29Z"
    executionTimeBeforeFailure: 2m29s
    naturalLanguageSummary: Workflow restart-deployment failed on payment/Deployment/api.
    wasExecutionFailure: true
`

const busyStatus = `
status:
  phase: Skipped
  completionTime: "2026-03-01T10:00:01Z"
  skipDetails:
    reason: ResourceBusy
    message: another workflow is running on payment/deployment/api
    skippedAt: "2026-03-01T10:00:01Z"
    conflictingWorkflow:
      name: scale-api
      namespace: payment
      workflowId: scale-deployment
      startedAt: "2026-03-01T09:59:00Z"
      targetResource: payment/Deployment/api
`

const cooldownStatus = `
status:
  phase: Skipped
  completionTime: "2026-03-01T10:00:01Z"
  skipDetails:
    reason: RecentlyRemediated
    message: restart-deployment ran on payment/deployment/api 1m ago
    skippedAt: "2026-03-01T10:00:01Z"
    recentRemediation:
      name: restart-api-1
      namespace: payment
      workflowId: restart-deployment
      completedAt: "2026-03-01T09:59:01Z"
      outcome: Completed
      targetResource: payment/Deployment/api
      cooldownRemaining: 4m0s
`

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func ptr[T any](v T) *T { return &v }

// wantEvent is the event of type typ about baseWFE, before its event_data.
func wantEvent(typ EventType, action, outcome, ts string, data EventData) Event {
	return Event{
		EventID:        uuid.NewSHA1(idNamespace, []byte("6f1c2f3e-0000-4000-8000-000000000001/"+string(typ))).String(),
		EventVersion:   "1.0",
		EventTimestamp: *at(ts),
		EventType:      typ,
		EventCategory:  "workflow",
		EventAction:    action,
		EventOutcome:   outcome,
		ActorType:      "service",
		ActorID:        "workflowexecution-controller",
		ResourceType:   "WorkflowExecution",
		ResourceID:     "payment/restart-api",
		CorrelationID:  "rr-2026-001",
		Namespace:      "payment",
		EventData:      data,

		RequesterNamespace: "payment",
	}
}

// baseData is the event_data every event about baseWFE carries.
func baseData(phase string) EventData {
	return EventData{
		WorkflowID:      "restart-deployment",
		Version:         "v1.2.0",
		ContainerImage:  "ghcr.io/kubernaut/workflows/restart:v1.2.0",
		ContainerDigest: digest,
		TargetResource:  "payment/Deployment/api",
		Phase:           phase,
		Confidence:      ptr(0.87),
		Rationale:       "Pods crash-loop since the last config change.",
		ParameterNames:  []string{"DB_PASSWORD", "REPLICAS"},
	}
}

func TestNewEvent(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // never used: every status has its times

	started := baseData("Running")
	started.PipelineRunName = "wfe-0123456789abcdef"
	started.StartTime = at("2026-03-01T10:00:00Z")

	completed := started
	completed.Phase = "Completed"
	completed.CompletionTime = at("2026-03-01T10:02:30Z")
	completed.Duration = "2m30s"

	failed := completed
	failed.Phase = "Failed"
	failed.Failure = &FailureData{
		Reason:                     "TaskFailed",
		Message:                    "step rollout exited with code 1: login with [REDACTED] refused",
		FailedTaskIndex:            ptr[int32](1),
		FailedTaskName:             "restart",
		FailedStepName:             "rollout",
		ExitCode:                   ptr[int32](1),
		FailedAt:                   at("2026-03-01T10:02:29Z"),
		ExecutionTimeBeforeFailure: "2m29s",
		WasExecutionFailure:        true,
		NaturalLanguageSummary:     "Workflow restart-deployment failed on payment/Deployment/api.",
	}

	busy := baseData("Skipped")
	busy.CompletionTime = at("2026-03-01T10:00:01Z")
	busy.Skip = &SkipData{
		Reason:    "ResourceBusy",
		Message:   "another workflow is running on payment/deployment/api",
		SkippedAt: at("2026-03-01T10:00:01Z"),
		ConflictingWorkflow: &ConflictingWorkflow{
			Name:           "scale-api",
			Namespace:      "payment",
			WorkflowID:     "scale-deployment",
			StartedAt:      at("2026-03-01T09:59:00Z"),
			TargetResource: "payment/Deployment/api",
		},
	}

	cooldown := baseData("Skipped")
	cooldown.CompletionTime = at("2026-03-01T10:00:01Z")
	cooldown.Skip = &SkipData{
		Reason:    "RecentlyRemediated",
		Message:   "restart-deployment ran on payment/deployment/api 1m ago",
		SkippedAt: at("2026-03-01T10:00:01Z"),
		RecentRemediation: &RecentRemediation{
			Name:              "restart-api-1",
			Namespace:         "payment",
			WorkflowID:        "restart-deployment",
			CompletedAt:       at("2026-03-01T09:59:01Z"),
			Outcome:           "Completed",
			TargetResource:    "payment/Deployment/api",
			CooldownRemaining: "4m0s",
		},
	}

	tests := []struct {
		name   string
		status string
		typ    EventType
		want   Event
	}{{
		name:   "started, from a completed execution",
		status: completedStatus,
		typ:    EventTypeStarted,
		want:   wantEvent(EventTypeStarted, "started", "success", "2026-03-01T10:00:00Z", started),
	}, {
		name:   "started, from a running execution",
		status: runningStatus,
		typ:    EventTypeStarted,
		want:   wantEvent(EventTypeStarted, "started", "success", "2026-03-01T10:00:00Z", started),
	}, {
		name:   "completed",
		status: completedStatus,
		typ:    EventTypeCompleted,
		want:   wantEvent(EventTypeCompleted, "completed", "success", "2026-03-01T10:02:30Z", completed),
	}, {
		name:   "failed",
		status: failedStatus,
		typ:    EventTypeFailed,
		want:   wantEvent(EventTypeFailed, "failed", "failure", "2026-03-01T10:02:30Z", failed),
	}, {
		name:   "skipped, resource busy",
		status: busyStatus,
		typ:    EventTypeSkipped,
		want:   wantEvent(EventTypeSkipped, "skipped", "skipped", "2026-03-01T10:00:01Z", busy),
	}, {
		name:   "skipped, recently remediated",
		status: cooldownStatus,
		typ:    EventTypeSkipped,
		want:   wantEvent(EventTypeSkipped, "skipped", "skipped", "2026-03-01T10:00:01Z", cooldown),
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NewEvent(parse.MustParseWorkflowExecution(t, baseWFE, tc.status), tc.typ, now)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("NewEvent (-want, +got):\n%s", diff)
			}
		})
	}
}

func TestNewEventJSON(t *testing.T) {
	ev := NewEvent(parse.MustParseWorkflowExecution(t, baseWFE, failedStatus), EventTypeFailed, time.Now())
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	data := got["event_data"].(map[string]any)
	delete(got, "event_data")
	want := map[string]any{
		"event_id":            ev.EventID,
		"event_version":       "1.0",
		"event_timestamp":     "2026-03-01T10:02:30Z",
		"event_type":          "workflowexecution.workflow.failed",
		"event_category":      "workflow",
		"event_action":        "failed",
		"event_outcome":       "failure",
		"actor_type":          "service",
		"actor_id":            "workflowexecution-controller",
		"resource_type":       "WorkflowExecution",
		"resource_id":         "payment/restart-api",
		"correlation_id":      "rr-2026-001",
		"namespace":           "payment",
		"requester_namespace": "payment",
		"requester_trusted":   false,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event fields (-want, +got):\n%s", diff)
	}
	wantKeys := map[string][]string{
		"event_data": {"workflow_id", "version", "container_image", "container_digest", "target_resource",
			"phase", "pipelinerun_name", "start_time", "completion_time", "duration", "confidence",
			"rationale", "parameter_names", "failure"},
		"failure": {"reason", "message", "failed_task_index", "failed_task_name", "failed_step_name",
			"exit_code", "failed_at", "execution_time_before_failure", "was_execution_failure",
			"natural_language_summary"},
	}
	gotKeys := map[string][]string{
		"event_data": slices.Sorted(maps.Keys(data)),
		"failure":    slices.Sorted(maps.Keys(data["failure"].(map[string]any))),
	}
	for _, keys := range wantKeys {
		slices.Sort(keys)
	}
	if diff := cmp.Diff(wantKeys, gotKeys); diff != "" {
		t.Errorf("event_data keys (-want, +got):\n%s", diff)
	}
}

func TestEventID(t *testing.T) {
	types := []EventType{EventTypeStarted, EventTypeCompleted, EventTypeFailed, EventTypeSkipped}
	a := parse.MustParseWorkflowExecution(t, baseWFE)
	b := parse.MustParseWorkflowExecution(t, baseWFE)
	b.UID = "6f1c2f3e-0000-4000-8000-000000000002"
	seen := map[string]string{}
	for _, wfe := range []*v1alpha1.WorkflowExecution{a, b} {
		for _, typ := range types {
			id := EventID(wfe, typ)
			if again := EventID(wfe.DeepCopy(), typ); again != id {
				t.Errorf("EventID(%s, %s) = %s then %s, want the same", wfe.UID, typ, id, again)
			}
			u, err := uuid.Parse(id)
			if err != nil || u.Version() != 5 {
				t.Errorf("EventID(%s, %s) = %q, want a UUIDv5 (err %v)", wfe.UID, typ, id, err)
			}
			what := string(wfe.UID) + " " + string(typ)
			if other, ok := seen[id]; ok {
				t.Errorf("EventID(%s) = EventID(%s) = %s, want distinct ids", what, other, id)
			}
			seen[id] = what
			if got := NewEvent(wfe, typ, time.Now()).EventID; got != id {
				t.Errorf("NewEvent(%s).EventID = %s, want EventID %s", what, got, id)
			}
		}
	}
	// The same name and namespace again, a new object: a new id.
	if EventID(a, EventTypeStarted) == EventID(b, EventTypeStarted) {
		t.Error("two executions with different UIDs share an event id")
	}
}

func TestCorrelationID(t *testing.T) {
	tests := []struct {
		name  string
		patch func(*v1alpha1.WorkflowExecution)
		want  string
	}{{
		name:  "label wins",
		patch: func(*v1alpha1.WorkflowExecution) {},
		want:  "rr-2026-001",
	}, {
		name:  "remediation request without the label",
		patch: func(w *v1alpha1.WorkflowExecution) { w.Labels = nil },
		want:  "rr-parent",
	}, {
		name: "name without label or request",
		patch: func(w *v1alpha1.WorkflowExecution) {
			w.Labels = map[string]string{"kubernaut.ai/correlation-id": ""}
			w.Spec.RemediationRequestRef = nil
		},
		want: "restart-api",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wfe := parse.MustParseWorkflowExecution(t, baseWFE, runningStatus)
			tc.patch(wfe)
			if got := NewEvent(wfe, EventTypeStarted, time.Now()).CorrelationID; got != tc.want {
				t.Errorf("correlation_id = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEventTypesFor(t *testing.T) {
	tests := []struct {
		name            string
		status          string
		delivered       []string
		wantTerminal    EventType
		wantAll         []EventType
		wantUndelivered []EventType
	}{{
		name:   "pending",
		status: "status: {phase: Pending}\n",
	}, {
		name:            "running",
		status:          runningStatus,
		wantAll:         []EventType{EventTypeStarted},
		wantUndelivered: []EventType{EventTypeStarted},
	}, {
		name:            "completed",
		status:          completedStatus,
		wantTerminal:    EventTypeCompleted,
		wantAll:         []EventType{EventTypeStarted, EventTypeCompleted},
		wantUndelivered: []EventType{EventTypeStarted, EventTypeCompleted},
	}, {
		name:            "completed, started delivered",
		status:          completedStatus,
		delivered:       []string{string(EventTypeStarted)},
		wantTerminal:    EventTypeCompleted,
		wantAll:         []EventType{EventTypeStarted, EventTypeCompleted},
		wantUndelivered: []EventType{EventTypeCompleted},
	}, {
		name:         "failed, all delivered",
		status:       failedStatus,
		delivered:    []string{string(EventTypeFailed), string(EventTypeStarted)},
		wantTerminal: EventTypeFailed,
		wantAll:      []EventType{EventTypeStarted, EventTypeFailed},
	}, {
		name:            "failed before it started",
		status:          "status: {phase: Failed, completionTime: \"2026-03-01T10:00:00Z\"}\n",
		wantTerminal:    EventTypeFailed,
		wantAll:         []EventType{EventTypeFailed},
		wantUndelivered: []EventType{EventTypeFailed},
	}, {
		name:            "skipped",
		status:          busyStatus,
		wantTerminal:    EventTypeSkipped,
		wantAll:         []EventType{EventTypeSkipped},
		wantUndelivered: []EventType{EventTypeSkipped},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wfe := parse.MustParseWorkflowExecution(t, baseWFE, tc.status)
			wfe.Status.AuditDelivered = tc.delivered
			got, ok := EventTypeFor(wfe)
			if got != tc.wantTerminal || ok != (tc.wantTerminal != "") {
				t.Errorf("EventTypeFor = %q, %v, want %q", got, ok, tc.wantTerminal)
			}
			if diff := cmp.Diff(tc.wantAll, EventTypesFor(wfe)); diff != "" {
				t.Errorf("EventTypesFor (-want, +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantUndelivered, Undelivered(wfe)); diff != "" {
				t.Errorf("Undelivered (-want, +got):\n%s", diff)
			}
		})
	}
}

// TestNewEventIsStable checks that an event built again later, after a
// restart (the status read back from the API server, with times to the
// second) or after the execution moved on, is byte-identical.
func TestNewEventIsStable(t *testing.T) {
	running := parse.MustParseWorkflowExecution(t, baseWFE, runningStatus)
	// In memory, before the status write, times have nanoseconds.
	running.Status.StartTime.Time = running.Status.StartTime.Add(123456789 * time.Nanosecond)
	first := mustJSON(t, NewEvent(running, EventTypeStarted, time.Now()))

	for name, wfe := range map[string]*v1alpha1.WorkflowExecution{
		"read back":     roundTrip(t, running),
		"after the end": parse.MustParseWorkflowExecution(t, baseWFE, failedStatus),
		"after delivery": func() *v1alpha1.WorkflowExecution {
			w := roundTrip(t, running)
			w.Status.MarkAuditDelivered("x")
			return w
		}(),
	} {
		if again := mustJSON(t, NewEvent(wfe, EventTypeStarted, time.Now().Add(time.Hour))); again != first {
			t.Errorf("%s: started event changed:\n%s\n%s", name, first, again)
		}
	}

	failed := parse.MustParseWorkflowExecution(t, baseWFE, failedStatus)
	if a, b := mustJSON(t, NewEvent(failed, EventTypeFailed, time.Now())),
		mustJSON(t, NewEvent(roundTrip(t, failed), EventTypeFailed, time.Now().Add(time.Hour))); a != b {
		t.Errorf("failed event changed:\n%s\n%s", a, b)
	}
}

func TestNewEventWithoutTimes(t *testing.T) {
	wfe := parse.MustParseWorkflowExecution(t, baseWFE, "status: {phase: Failed}\n")
	now := time.Date(2026, 3, 1, 11, 0, 0, 5, time.FixedZone("CET", 3600))
	ev := NewEvent(wfe, EventTypeFailed, now)
	if !ev.EventTimestamp.Equal(now) || ev.EventTimestamp.Location() != time.UTC {
		t.Errorf("event_timestamp = %v, want now in UTC %v", ev.EventTimestamp, now.UTC())
	}
	if diff := cmp.Diff(&FailureData{Reason: "Unknown"}, ev.EventData.Failure); diff != "" {
		t.Errorf("failure without details (-want, +got):\n%s", diff)
	}
	wfe.Status.MarkFailed(now, &v1alpha1.FailureDetails{Reason: "OOMKilled", Message: "step rollout ran out of memory with " + secretValue})
	wfe.Status.FailureDetails = nil // the condition alone tells
	wfe.Status.CompletionTime = nil
	want := &FailureData{Reason: "OOMKilled", Message: "step rollout ran out of memory with [REDACTED]"}
	if diff := cmp.Diff(want, NewEvent(wfe, EventTypeFailed, now).EventData.Failure); diff != "" {
		t.Errorf("failure from the condition (-want, +got):\n%s", diff)
	}
	wfe.UID = ""
	if got, want := EventID(wfe, EventTypeFailed), EventID(wfe, EventTypeFailed); got != want || got == "" {
		t.Errorf("EventID without UID = %q then %q, want a stable id", got, want)
	}
}

func TestNewEventNeverCarriesParameterValues(t *testing.T) {
	for _, status := range []string{runningStatus, completedStatus, failedStatus, busyStatus, cooldownStatus} {
		wfe := parse.MustParseWorkflowExecution(t, baseWFE, status)
		if wfe.Status.SkipDetails != nil {
			wfe.Status.SkipDetails.Message += " (" + secretValue + ")"
		}
		for _, typ := range EventTypesFor(wfe) {
			b := mustJSON(t, NewEvent(wfe, typ, time.Now()))
			if strings.Contains(b, secretValue) {
				t.Errorf("%s event carries a parameter value: %s", typ, b)
			}
			if !strings.Contains(b, `"DB_PASSWORD"`) {
				t.Errorf("%s event lacks the parameter name: %s", typ, b)
			}
		}
	}
}

func TestRedactor(t *testing.T) {
	redact := redactor(map[string]string{"A": "abc", "B": "secret", "C": "secret-longer", "D": "6chars"})
	tests := map[string]string{
		"":                              "",
		"abc stays: too short":          "abc stays: too short",
		"x secret-longer y secret z":    "x [REDACTED] y [REDACTED] z",
		"6chars6chars":                  "[REDACTED][REDACTED]",
		"nothing to hide in this text.": "nothing to hide in this text.",
	}
	for in, want := range tests {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// roundTrip returns wfe as read back from the API server.
func roundTrip(t *testing.T, wfe *v1alpha1.WorkflowExecution) *v1alpha1.WorkflowExecution {
	t.Helper()
	out := &v1alpha1.WorkflowExecution{}
	if err := json.Unmarshal([]byte(mustJSON(t, wfe)), out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSetRequester: an untrusted namespace's correlation id is scoped by
// it, so that it cannot join another remediation's timeline; a trusted
// one's is kept.
func TestSetRequester(t *testing.T) {
	w := &v1alpha1.WorkflowExecution{}
	w.Namespace, w.Name = "tenant", "x"
	w.Labels = map[string]string{"kubernaut.ai/correlation-id": "rr-of-another-team"}
	ev := NewEvent(w, EventTypeStarted, time.Now())
	ev.SetRequester(false)
	if ev.CorrelationID != "tenant/rr-of-another-team" || ev.RequesterNamespace != "tenant" || ev.RequesterTrusted {
		t.Errorf("untrusted: correlation %q, requester %q trusted=%v; want tenant/rr-of-another-team, tenant, false",
			ev.CorrelationID, ev.RequesterNamespace, ev.RequesterTrusted)
	}
	w.Namespace = "kubernaut-system"
	ev = NewEvent(w, EventTypeStarted, time.Now())
	ev.SetRequester(true)
	if ev.CorrelationID != "rr-of-another-team" || ev.RequesterNamespace != "kubernaut-system" || !ev.RequesterTrusted {
		t.Errorf("trusted: correlation %q, requester %q trusted=%v; want rr-of-another-team, kubernaut-system, true",
			ev.CorrelationID, ev.RequesterNamespace, ev.RequesterTrusted)
	}
}
