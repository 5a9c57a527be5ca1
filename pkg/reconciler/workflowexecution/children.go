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
	"fmt"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"knative.dev/pkg/logging"
)

// childWait bounds how long a finished run's execution waits for the
// TaskRun cache to show a child the run names, and that the cache shows
// unfinished, finished, before it reads it from the API server. The TaskRun
// informer's handler (taskRunHandler) brings the execution back as soon as
// a child is seen finished, so the wait is normally the few milliseconds by
// which the TaskRun's watch event trails the PipelineRun's.
const childWait = 5 * time.Second

// children returns the TaskRuns of a finished run for its terminal
// analysis: those in cached (the run's own: controlled by it, by UID),
// completed with the children that status.childReferences names and the
// cache does not show finished.
//
// A child is this run's TaskRun only if the run controls it (owner UID),
// never by its name alone: the run's name is the target's lock, so a run
// that took a target over has the name, and so the TaskRun names, of the
// run it replaced, whose TaskRuns the garbage collector removes only
// after that run is gone. A child the cache shows as another run's TaskRun
// (or not at all) will not turn into this run's by waiting for an event:
// it is read from the API server at once. A child the cache shows as this
// run's but unfinished is waited for until childWait has passed since the
// run's completion (a wait is returned; the informer delivers it), then
// read. A child gone from the API server, or not this run's there either,
// is left out.
func (r *Reconciler) children(ctx context.Context, pr *pipelinev1.PipelineRun, cached []*pipelinev1.TaskRun, now time.Time) ([]*pipelinev1.TaskRun, time.Duration, error) {
	byName := make(map[string]*pipelinev1.TaskRun, len(cached))
	for _, tr := range cached {
		byName[tr.Name] = tr
	}
	var missing []string
	readNow := false
	for _, ref := range pr.Status.ChildReferences {
		if ref.Kind != "" && ref.Kind != "TaskRun" {
			continue
		}
		tr, ok := byName[ref.Name]
		if ok && tr.IsDone() {
			continue
		}
		missing = append(missing, ref.Name)
		readNow = readNow || !ok
	}
	if len(missing) == 0 {
		return cached, 0, nil
	}
	if wait := completionTime(pr, now).Add(childWait).Sub(now); wait > 0 && !readNow {
		logging.FromContext(ctx).Debugf("Waiting for the TaskRun cache to show %d child(ren) of %s/%s finished", len(missing), pr.Namespace, pr.Name)
		return nil, wait, nil
	}
	out := append([]*pipelinev1.TaskRun(nil), cached...)
	for _, name := range missing {
		tr, err := r.pipelineClient.TektonV1().TaskRuns(pr.Namespace).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return nil, 0, fmt.Errorf("reading TaskRun %s/%s of PipelineRun %s: %w", pr.Namespace, name, pr.Name, err)
		case !metav1.IsControlledBy(tr, pr):
			continue
		}
		if old, ok := byName[name]; ok {
			for i := range out {
				if out[i] == old {
					out[i] = tr
				}
			}
		} else {
			out = append(out, tr)
		}
	}
	return out, 0, nil
}

// taskRunHandler hands to enqueueOwner (knative's label enqueue, as for
// PipelineRuns: Tekton copies the run's labels, which name the execution,
// to its TaskRuns) each TaskRun seen finished: a finished run whose
// children the cache did not show yet is analysed as soon as they arrive.
// Unfinished TaskRuns, and deletions, enqueue nothing.
func taskRunHandler(enqueueOwner func(any)) cache.ResourceEventHandler {
	return cache.FilteringResourceEventHandler{
		FilterFunc: func(obj any) bool {
			tr, ok := obj.(*pipelinev1.TaskRun)
			return ok && tr.IsDone()
		},
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc:    enqueueOwner,
			UpdateFunc: func(_, obj any) { enqueueOwner(obj) },
		},
	}
}
