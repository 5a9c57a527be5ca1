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
	"encoding/json"
	"fmt"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/logging"
)

// getPipelineRun reads a PipelineRun from the cache, then from the API
// server when the cache does not have it (it may lag behind a create).
func (r *Reconciler) getPipelineRun(ctx context.Context, ns, name string) (*pipelinev1.PipelineRun, error) {
	pr, err := r.pipelineRunLister.PipelineRuns(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return r.pipelineClient.TektonV1().PipelineRuns(ns).Get(ctx, name, metav1.GetOptions{})
	}
	return pr, err
}

// deleteOptions deletes exactly pr (the UID precondition makes the delete
// fail rather than remove another run of the same name). A run with
// TaskRuns (in the cache, controlled by it) is deleted in the foreground: it
// stays, terminating, until the garbage collector has removed its TaskRuns
// and their pods. The next run on the target has the same name, hence the
// same TaskRun and pod names, and Tekton finds a pipeline task's TaskRun,
// and a TaskRun's pod, by name without checking the owner: a run created
// while the old ones are still there "succeeds" at once on them without
// running anything (seen on real pods in 8 take-overs of 8). Every path
// waits for a terminating run (lock.go), so no run is created before
// its predecessor's children are gone. A run without TaskRuns has nothing
// to wait for: it goes at once (background).
func (r *Reconciler) deleteOptions(pr *pipelinev1.PipelineRun) metav1.DeleteOptions {
	uid := pr.UID
	propagation := metav1.DeletePropagationBackground
	if len(r.taskRuns(pr)) > 0 {
		propagation = metav1.DeletePropagationForeground
	}
	return metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}, PropagationPolicy: &propagation}
}

// deleteExactly deletes exactly this PipelineRun (deleteOptions) and
// reports whether this call deleted it (false: it was already gone, or
// replaced: no error), so that the deletion is reported once.
func (r *Reconciler) deleteExactly(ctx context.Context, pr *pipelinev1.PipelineRun) (bool, error) {
	err := r.pipelineClient.TektonV1().PipelineRuns(pr.Namespace).Delete(ctx, pr.Name, r.deleteOptions(pr))
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err) || apierrors.IsConflict(err):
		return false, nil
	default:
		return false, fmt.Errorf("deleting PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
}

// cancelPipelineRun asks Tekton to cancel exactly this run: the JSON
// patch's test of metadata.uid makes the API server refuse it when the
// name now holds another run, e.g. a newer execution's run that a stale
// cache does not show yet. The API server answers a failed test with a
// bare 422 (the cause is not sent): only then is the run read, once, to
// tell a replaced run from an invalid patch. A run gone or replaced counts
// as cancelled: it no longer holds the lock for this execution.
func (r *Reconciler) cancelPipelineRun(ctx context.Context, pr *pipelinev1.PipelineRun) error {
	patch, err := json.Marshal([]map[string]string{
		{"op": "test", "path": "/metadata/uid", "value": string(pr.UID)},
		{"op": "add", "path": "/spec/status", "value": string(pipelinev1.PipelineRunSpecStatusCancelled)},
	})
	if err != nil {
		return fmt.Errorf("cancelling PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
	_, err = r.pipelineClient.TektonV1().PipelineRuns(pr.Namespace).Patch(ctx, pr.Name, types.JSONPatchType, patch, metav1.PatchOptions{})
	switch {
	case err == nil, apierrors.IsNotFound(err):
		return nil
	case apierrors.IsInvalid(err) && r.replaced(ctx, pr):
		logging.FromContext(ctx).Infof("Not cancelling PipelineRun %s/%s: the name holds another run now (UID precondition %s failed)",
			pr.Namespace, pr.Name, pr.UID)
		return nil
	default:
		return fmt.Errorf("cancelling PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
}

// replaced reports whether the name of pr now holds another run, or none.
func (r *Reconciler) replaced(ctx context.Context, pr *pipelinev1.PipelineRun) bool {
	fresh, err := r.pipelineClient.TektonV1().PipelineRuns(pr.Namespace).Get(ctx, pr.Name, metav1.GetOptions{})
	return apierrors.IsNotFound(err) || (err == nil && fresh.UID != pr.UID)
}
