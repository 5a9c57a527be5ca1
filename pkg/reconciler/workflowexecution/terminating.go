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
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"knative.dev/pkg/controller"
	pkgreconciler "knative.dev/pkg/reconciler"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// A PipelineRun with a deletion timestamp (held by a finalizer: Tekton
// Chains signs every run before it lets it go, Results archives it) still
// holds its target until it is gone (docs/design.md §4.3). Deleting it again changes
// nothing: every path waits instead. The watch wakes the waiters when the
// run disappears (wakeWaiters); the requeue below is only a safety net.
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
// run that holds its target, saying so in the status.
func (r *Reconciler) waitForTerminating(wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun, now time.Time) pkgreconciler.Event {
	wfe.Status.MarkWaiting(v1alpha1.ReasonTargetTerminating, "%s", terminatingMessage(pr))
	// Indexed under its canonical target, so that the run's deletion
	// wakes it (wakeWaiters).
	if ref, err := r.resolveTarget(wfe); err == nil {
		wfe.Status.CanonicalTarget = ref.String()
	}
	return controller.NewRequeueAfter(terminatingRecheck(pr, now))
}

// wakeWaiters, on a PipelineRun's deletion, enqueues the unfinished
// executions indexed on its target: one of them may be waiting for the run
// to be gone (waitForTerminating indexed it). The run's own execution is enqueued by its labels.
func (r *Reconciler) wakeWaiters(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	pr, ok := obj.(*pipelinev1.PipelineRun)
	if !ok {
		return
	}
	// The annotation is the run's canonical target (MakePipelineRun).
	objs, err := r.wfeIndexer.ByIndex(targetIndex, pr.Annotations[workflowexecution.TargetResourceAnnotationKey])
	if err != nil {
		return
	}
	for _, o := range objs {
		if wfe, ok := o.(*v1alpha1.WorkflowExecution); ok && !wfe.Status.IsDone() {
			r.enqueueKey(types.NamespacedName{Namespace: wfe.Namespace, Name: wfe.Name})
		}
	}
}
