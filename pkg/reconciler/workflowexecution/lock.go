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
	"fmt"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
)

// onTarget lists the other executions on a canonical target, from the
// informer's index: the cost grows with the executions on that target only
// (and those a previous release started, until they record their target).
func (r *Reconciler) onTarget(wfe *v1alpha1.WorkflowExecution, target string) []*v1alpha1.WorkflowExecution {
	objs, err := r.wfeIndexer.ByIndex(targetIndex, target)
	if err != nil {
		return nil
	}
	objs = append(objs, r.unresolvedOn(target)...)
	out := make([]*v1alpha1.WorkflowExecution, 0, len(objs))
	for _, o := range objs {
		if other, ok := o.(*v1alpha1.WorkflowExecution); ok && other.UID != wfe.UID {
			out = append(out, other)
		}
	}
	return out
}

// checkLocks is layer 1 of the lock (docs/design.md §4.2): a Running execution on the
// target blocks (ResourceBusy); the same workflow ended on the target less
// than the cooldown ago blocks (RecentlyRemediated). Pending executions do
// not block each other; Skipped ones never count.
func (r *Reconciler) checkLocks(wfe *v1alpha1.WorkflowExecution, target string, cfg *config.WorkflowExecution, now time.Time) *v1alpha1.SkipDetails {
	others := r.onTarget(wfe, target)
	for _, other := range others {
		if other.Status.IsRunning() {
			return busyBy(wfe, nil, other, now)
		}
	}
	var recent *v1alpha1.SkipDetails
	var recentAt time.Time
	for _, other := range others {
		if skip := cooldownSkip(wfe, other, cfg.CooldownPeriod, now); skip != nil && other.Status.CompletionTime.After(recentAt) {
			recent, recentAt = skip, other.Status.CompletionTime.Time
		}
	}
	return recent
}

// cooldownSkip returns the RecentlyRemediated skip when other is the same
// workflow on the same target, ran, and ended less than cooldown ago. Exactly at
// the boundary the run is allowed; a zero cooldown disables the check.
func cooldownSkip(wfe, other *v1alpha1.WorkflowExecution, cooldown time.Duration, now time.Time) *v1alpha1.SkipDetails {
	if cooldown <= 0 || !workflowRan(other) || other.Status.CompletionTime == nil ||
		other.Spec.WorkflowRef.WorkflowID != wfe.Spec.WorkflowRef.WorkflowID {
		return nil
	}
	remaining := other.Status.CompletionTime.Add(cooldown).Sub(now)
	if remaining <= 0 {
		return nil
	}
	completed := *other.Status.CompletionTime
	return &v1alpha1.SkipDetails{
		Reason: v1alpha1.SkipReasonRecentlyRemediated,
		Message: fmt.Sprintf("Workflow %s ended on %s at %s (%s); the same workflow may run again in %s",
			other.Spec.WorkflowRef.WorkflowID, other.Spec.TargetResource, completed.UTC().Format(time.RFC3339),
			other.Status.Phase, remaining.Round(time.Second)),
		RecentRemediation: &v1alpha1.RecentRemediationRef{
			Name:              other.Name,
			Namespace:         other.Namespace,
			WorkflowID:        other.Spec.WorkflowRef.WorkflowID,
			CompletedAt:       &completed,
			Outcome:           other.Status.Phase,
			TargetResource:    other.Spec.TargetResource,
			CooldownRemaining: remaining.Round(time.Second).String(),
		},
	}
}

// busyBy returns the ResourceBusy skip naming the holder: the execution
// when it is known, else what the PipelineRun says of it.
func busyBy(wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun, holder *v1alpha1.WorkflowExecution, now time.Time) *v1alpha1.SkipDetails {
	ref := &v1alpha1.ConflictingWorkflowRef{}
	switch {
	case holder != nil:
		ref.Name, ref.Namespace = holder.Name, holder.Namespace
		ref.WorkflowID = holder.Spec.WorkflowRef.WorkflowID
		ref.TargetResource = holder.Spec.TargetResource
		ref.StartedAt = holder.Status.StartTime
		if ref.StartedAt == nil && pr != nil {
			started := metav1.NewTime(resources.StartTime(pr))
			ref.StartedAt = &started
		}
	case pr != nil:
		owner := resources.OwnerOf(pr)
		ref.Name, ref.Namespace = owner.Name, owner.Namespace
		if ref.Name == "" {
			ref.Name, ref.Namespace = pr.Name, pr.Namespace
		}
		ref.WorkflowID = pr.Annotations[workflowexecution.WorkflowIDAnnotationKey]
		ref.TargetResource = pr.Annotations[workflowexecution.TargetResourceAnnotationKey]
		started := metav1.NewTime(resources.StartTime(pr))
		ref.StartedAt = &started
	}
	return &v1alpha1.SkipDetails{
		Reason: v1alpha1.SkipReasonResourceBusy,
		Message: fmt.Sprintf("Target %s is busy: workflow %s (%s/%s) is running on it",
			wfe.Spec.TargetResource, ref.WorkflowID, ref.Namespace, ref.Name),
		ConflictingWorkflow: ref,
	}
}

// ownerOf returns the execution a PipelineRun belongs to, from the cache,
// or nil when it is gone (or replaced by one of the same name).
func (r *Reconciler) ownerOf(pr *pipelinev1.PipelineRun) *v1alpha1.WorkflowExecution {
	o := resources.OwnerOf(pr)
	if o.Name == "" || o.Namespace == "" {
		return nil
	}
	wfe, err := r.wfeLister.WorkflowExecutions(o.Namespace).Get(o.Name)
	if err != nil || wfe.UID != o.UID {
		return nil
	}
	return wfe
}

// countLocksHeld counts the targets locked by this controller's executions:
// executions whose PipelineRun exists, is theirs, and is not yet released
// (running, or kept for its cooldown).
func (r *Reconciler) countLocksHeld() int64 {
	var n int64
	for _, obj := range r.wfeIndexer.List() {
		wfe, ok := obj.(*v1alpha1.WorkflowExecution)
		if !ok || wfe.Status.PipelineRunRef == nil || wfe.Status.LockReleaseTime != nil {
			continue
		}
		ref := wfe.Status.PipelineRunRef
		if pr, err := r.pipelineRunLister.PipelineRuns(ref.Namespace).Get(ref.Name); err == nil && resources.IsOwnedBy(pr, wfe) {
			n++
		}
	}
	return n
}
