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
	"sync"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
)

// observations are the times this process's informers delivered two
// moments of an execution, with the precision of the clock (the API's
// timestamps have one second): when the execution was first seen while not
// started, and when its PipelineRun was first seen finished. Objects of an
// informer's initial list were not seen at that moment (they existed
// before this process watched): the API's timestamps stand in for them. They are the
// start points of workflowexecution_pipelinerun_creation_duration_seconds
// and workflowexecution_status_sync_duration_seconds, and
// cost no API request.
//
// The memory is bounded by the executions in flight and the finished runs
// kept for their cooldown: an entry is taken when its latency is observed,
// seen is dropped when the execution is seen started, and both are dropped
// when the execution or its run is deleted.
type observations struct {
	clock clock.PassiveClock
	// seen: execution UID -> when the informer first delivered it not started.
	seen sync.Map
	// runDone: execution UID -> when the informer first delivered its
	// PipelineRun finished.
	runDone sync.Map
}

// ExecutionHandler keeps the creation latency's start points up to date
// from the execution informer,
// then hands the event to next (the enqueue): the observation is stored
// before any pass can run.
func (r *Recorder) ExecutionHandler(next func(any)) cache.ResourceEventHandler {
	o := &r.observed
	return cache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initialList bool) {
			o.onExecution(obj, !initialList)
			next(obj)
		},
		UpdateFunc: func(_, obj any) {
			o.onExecution(obj, false)
			next(obj)
		},
		DeleteFunc: func(obj any) {
			if wfe := asExecution(obj); wfe != nil {
				o.seen.Delete(wfe.UID)
				o.runDone.Delete(wfe.UID)
			}
			next(obj)
		},
	}
}

// onExecution stores when a new execution was added (created while this
// process watched), and forgets it once the execution is seen started.
func (o *observations) onExecution(obj any, added bool) {
	wfe := asExecution(obj)
	if wfe == nil {
		return
	}
	if wfe.Status.StartTime == nil && !wfe.Status.IsDone() {
		if added {
			o.seen.LoadOrStore(wfe.UID, o.clock.Now())
		}
		return
	}
	// Started: its creation latency is observed (or was, by another
	// process). runDone is not dropped on the terminal status here: the
	// watch event of the terminal write can overtake the write's response,
	// and the pass that wrote it takes runDone after that response. An
	// entry nobody takes goes with the run's or the execution's deletion.
	o.seen.Delete(wfe.UID)
}

// RunHandler keeps the status sync's start points up to date from the
// PipelineRun informer, then
// hands the event to next (the enqueue of the owner).
func (r *Recorder) RunHandler(next func(any)) cache.ResourceEventHandler {
	o := &r.observed
	return cache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initialList bool) {
			if !initialList {
				o.onRun(nil, obj)
			}
			next(obj)
		},
		UpdateFunc: func(old, obj any) {
			o.onRun(old, obj)
			next(obj)
		},
		DeleteFunc: func(obj any) {
			if pr := asPipelineRun(obj); pr != nil {
				o.runDone.Delete(resources.OwnerOf(pr).UID)
			}
			next(obj)
		},
	}
}

func (o *observations) onRun(old, obj any) {
	pr := asPipelineRun(obj)
	if pr == nil || !pr.IsDone() {
		return
	}
	if before := asPipelineRun(old); before != nil && before.IsDone() {
		return // not the moment it finished
	}
	if uid := resources.OwnerOf(pr).UID; uid != "" {
		o.runDone.LoadOrStore(uid, o.clock.Now())
	}
}

// takeSeen returns and forgets when the execution was first seen.
func (o *observations) takeSeen(uid types.UID) (time.Time, bool) {
	at, ok := o.seen.LoadAndDelete(uid)
	if !ok {
		return time.Time{}, false
	}
	return at.(time.Time), true
}

// takeRunDone returns and forgets when the execution's run was first seen
// finished.
func (o *observations) takeRunDone(uid types.UID) (time.Time, bool) {
	at, ok := o.runDone.LoadAndDelete(uid)
	if !ok {
		return time.Time{}, false
	}
	return at.(time.Time), true
}

func asExecution(obj any) *v1alpha1.WorkflowExecution {
	wfe, _ := unwrap(obj).(*v1alpha1.WorkflowExecution)
	return wfe
}

func asPipelineRun(obj any) *pipelinev1.PipelineRun {
	pr, _ := unwrap(obj).(*pipelinev1.PipelineRun)
	return pr
}

// unwrap returns the object of an informer's tombstone, else obj.
func unwrap(obj any) any {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return tomb.Obj
	}
	return obj
}
