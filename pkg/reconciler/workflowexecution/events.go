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
	"context"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/controller"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// Event reasons, one per transition (docs/design.md §6).
const (
	EventPipelineRunCreated = "PipelineRunCreated"
	EventWorkflowCompleted  = "WorkflowCompleted"
	EventWorkflowFailed     = "WorkflowFailed"
	EventWorkflowSkipped    = "WorkflowSkipped"
	EventLockReleased       = "LockReleased"
	EventConfigurationError = "ConfigurationError"
	EventPipelineRunDeleted = "PipelineRunDeleted"
)

// pass notes what one reconcile pass did beyond the status it writes: the
// facts its events name that the status does not hold.
type pass struct {
	// created is the run this pass created (nil: none, or adopted).
	created *pipelinev1.PipelineRun
	// deleted is the run FinalizeKind deleted.
	deleted *pipelinev1.PipelineRun
	// rejected: the controller rejected the execution (validation,
	// tenancy, its own configuration) before creating a run.
	rejected bool
	// runGone: the lock release found the run already taken over or deleted.
	runGone bool
}

// emitEvents records the events of a committed transition, from the status
// before and after it (Tekton's k8sevent.EmitK8sEvents): exactly one per
// transition, never for a pass whose write failed. The pass's return value
// carries only errors and requeues.
func emitEvents(ctx context.Context, wfe *v1alpha1.WorkflowExecution, before *v1alpha1.WorkflowExecutionStatus, p *pass) {
	rec := controller.GetEventRecorder(ctx)
	if rec == nil {
		return
	}
	after := &wfe.Status
	if pr := p.deleted; pr != nil {
		rec.Eventf(wfe, corev1.EventTypeNormal, EventPipelineRunDeleted, "Deleted PipelineRun %s/%s", pr.Namespace, pr.Name)
	}
	switch {
	case before.PipelineRunRef == nil && after.PipelineRunRef != nil:
		ref, verb := after.PipelineRunRef, "Adopted"
		if p.created != nil {
			verb = "Created"
		}
		rec.Eventf(wfe, corev1.EventTypeNormal, EventPipelineRunCreated, "%s PipelineRun %s/%s", verb, ref.Namespace, ref.Name)
	case !before.IsDone() && after.IsDone():
		switch {
		case after.Phase == v1alpha1.PhaseCompleted:
			rec.Eventf(wfe, corev1.EventTypeNormal, EventWorkflowCompleted,
				"Workflow %s completed on %s", wfe.Spec.WorkflowRef.WorkflowID, wfe.Spec.TargetResource)
		case after.Phase == v1alpha1.PhaseSkipped && after.SkipDetails != nil:
			rec.Event(wfe, corev1.EventTypeNormal, EventWorkflowSkipped, after.SkipDetails.Message)
		case after.FailureDetails != nil && p.rejected:
			rec.Event(wfe, corev1.EventTypeWarning, EventConfigurationError, after.FailureDetails.Message)
		case after.FailureDetails != nil:
			rec.Event(wfe, corev1.EventTypeWarning, EventWorkflowFailed, after.FailureDetails.NaturalLanguageSummary)
		}
	case before.LockReleaseTime == nil && after.LockReleaseTime != nil:
		msg := "Released the lock on " + wfe.Spec.TargetResource
		if p.runGone {
			msg += " (its PipelineRun was already taken over or deleted)"
		}
		rec.Event(wfe, corev1.EventTypeNormal, EventLockReleased, msg)
	}
}
