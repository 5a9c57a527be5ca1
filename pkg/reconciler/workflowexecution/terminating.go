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
	"strings"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/tracker"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// A PipelineRun with a deletion timestamp (held by a finalizer: Tekton
// Chains signs every run before it lets it go, Results archives it) still
// holds its target until it is gone (docs/design.md §4.3). Deleting it again changes
// nothing: every path waits instead. The tracker wakes the waiters when the
// run disappears (waitForTerminating); the requeue below is only a safety net.
const (
	terminatingMinRecheck = time.Second
	terminatingMaxRecheck = 30 * time.Second
)

// isTerminating reports whether a PipelineRun is being deleted.
func isTerminating(pr *pipelinev1.PipelineRun) bool {
	return pr.DeletionTimestamp != nil
}

// terminatingRecheck is how long to wait before looking again at a run
// still terminating: a quarter of the time it has been terminating, within
// [terminatingMinRecheck, terminatingMaxRecheck]. A finalizer that goes
// quickly is noticed quickly without the watch; one held for an hour (its
// controller is down) costs two reads a minute.
func terminatingRecheck(pr *pipelinev1.PipelineRun, now time.Time) time.Duration {
	return min(max(now.Sub(pr.DeletionTimestamp.Time)/4, terminatingMinRecheck), terminatingMaxRecheck)
}

// terminatingMessage says what an execution waits for.
func terminatingMessage(pr *pipelinev1.PipelineRun) string {
	held := "none left; the API server has yet to remove it"
	if len(pr.Finalizers) > 0 {
		held = strings.Join(pr.Finalizers, ", ")
	}
	return fmt.Sprintf("Waiting for PipelineRun %s/%s to finish terminating (finalizers: %s)", pr.Namespace, pr.Name, held)
}

// waitForTerminating keeps a Pending execution waiting for the terminating
// run that holds its target, saying so in the status. The tracker wakes
// the execution when the run is gone (its informer's deletion).
func (r *Reconciler) waitForTerminating(wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun, now time.Time) error {
	ref := tracker.Reference{APIVersion: pipelineRunGVK.GroupVersion().String(), Kind: pipelineRunGVK.Kind, Namespace: pr.Namespace, Name: pr.Name}
	if err := r.tracker.TrackReference(ref, wfe); err != nil {
		return fmt.Errorf("tracking PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
	wfe.Status.MarkWaiting(v1alpha1.ReasonTargetTerminating, "%s", terminatingMessage(pr))
	// The status shows the object it waits for (kubectl wfe).
	if ref, err := r.resolveTarget(wfe); err == nil {
		wfe.Status.CanonicalTarget = ref.String()
	}
	return controller.NewRequeueAfter(terminatingRecheck(pr, now))
}

// pipelineRunGVK is the kind the tracker follows.
var pipelineRunGVK = pipelinev1.SchemeGroupVersion.WithKind("PipelineRun")
