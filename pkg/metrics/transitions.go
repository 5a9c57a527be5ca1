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
package metrics

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// DurationAndCount records the metrics of the transition a pass committed,
// from the status it read (before) and the status it wrote (wfe.Status).
// The reconciler defers one call per pass and makes it only once the write
// succeeded: a pass whose write fails (a conflict) records nothing, and
// the pass that retries on fresh data records the transition once
// (Tekton's durationAndCountMetrics).
func (r *Recorder) DurationAndCount(ctx context.Context, wfe *v1alpha1.WorkflowExecution, before *v1alpha1.WorkflowExecutionStatus) {
	if r == nil {
		return
	}
	after := &wfe.Status
	from, to := before.Phase, after.Phase
	if from == "" {
		// First seen: it enters Pending.
		r.PhaseTransition(ctx, "", string(v1alpha1.PhasePending), 0)
		from = v1alpha1.PhasePending
	}
	created := wfe.CreationTimestamp.Time
	switch {
	case from == to:
	case from == v1alpha1.PhasePending && to == v1alpha1.PhaseRunning:
		if after.StartTime != nil {
			r.PhaseTransition(ctx, string(from), string(to), after.StartTime.Sub(created))
		}
	case after.IsDone() && after.CompletionTime != nil && from == v1alpha1.PhasePending:
		// Straight to an end: skipped, rejected, or a run adopted finished.
		completion := after.CompletionTime.Time
		r.ExecutionFinished(ctx, string(to), completion.Sub(created))
		r.PhaseTransition(ctx, string(from), string(to), completion.Sub(created))
		if to == v1alpha1.PhaseSkipped && after.SkipDetails != nil {
			r.Skipped(ctx, string(after.SkipDetails.Reason))
		}
	case after.IsDone() && after.CompletionTime != nil && from == v1alpha1.PhaseRunning:
		completion := after.CompletionTime.Time
		var ran time.Duration
		if after.StartTime != nil {
			ran = completion.Sub(after.StartTime.Time)
		}
		r.ExecutionFinished(ctx, string(to), completion.Sub(created))
		r.PhaseTransition(ctx, string(from), string(to), ran)
		r.recordStatusSync(ctx, wfe, completion)
	}
}

// recordStatusSync observes the status sync of an execution whose run
// Tekton finished (not one cancelled at the hold limit, deleted or
// replaced): from when this process's informer delivered the finished run
// to now, when the terminal status is written; for a run that finished
// before this process watched it, from the run's completionTime.
func (r *Recorder) recordStatusSync(ctx context.Context, wfe *v1alpha1.WorkflowExecution, completion time.Time) {
	done, observed := r.observed.takeRunDone(wfe.UID)
	if sum := wfe.Status.PipelineRunStatus; sum == nil || sum.Status == "" || sum.Status == string(corev1.ConditionUnknown) {
		return
	}
	if !observed {
		done = completion
	}
	r.StatusSync(ctx, r.clock.Now().Sub(done))
}

// PipelineRunCreated counts a successful PipelineRun creation and observes
// its latency: the time since this process's informer first delivered the
// execution, or since its creationTimestamp when it existed before this
// process watched.
func (r *Recorder) PipelineRunCreated(ctx context.Context, wfe *v1alpha1.WorkflowExecution) {
	if r == nil {
		return
	}
	since := r.clock.Since(wfe.CreationTimestamp.Time)
	if seen, ok := r.observed.takeSeen(wfe.UID); ok {
		since = r.clock.Since(seen)
	}
	r.PipelineRunCreation(ctx, CreationSuccess, since)
}
