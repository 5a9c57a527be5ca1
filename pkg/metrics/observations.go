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
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/types"
	utilcache "k8s.io/apimachinery/pkg/util/cache"
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
// An entry is taken when its latency is observed, seen is dropped when
// the execution is seen started, and both are dropped when the execution
// or its run is deleted. Each lives in a bounded cache (startPoints) with
// one clean-up rule besides: an entry expires observationTTL after it was
// stored, and past observationEntries the least recently used go first. A
// lost entry costs precision only: the API's timestamps stand in.
type observations struct {
	// seen: execution UID -> when the informer first delivered it not started.
	seen startPoints
	// runDone: execution UID -> when the informer first delivered its
	// PipelineRun finished.
	runDone startPoints
}

const (
	observationTTL     = time.Hour
	observationEntries = 1 << 16
)

// startPoints is one bounded cache of start points by execution UID.
type startPoints struct {
	clock clock.PassiveClock
	c     *utilcache.LRUExpireCache
}

func newStartPoints(clk clock.PassiveClock) startPoints {
	return startPoints{clock: clk, c: utilcache.NewLRUExpireCacheWithClock(observationEntries, clk)}
}

// storeOnce stores now as the start point of uid, unless it has one.
// Each cache has one writer (its informer's handler).
func (p startPoints) storeOnce(uid types.UID) {
	if _, ok := p.c.Get(uid); !ok {
		p.c.Add(uid, p.clock.Now(), observationTTL)
	}
}

// take returns and forgets the start point of uid.
func (p startPoints) take(uid types.UID) (time.Time, bool) {
	at, ok := p.c.Get(uid)
	if !ok {
		return time.Time{}, false
	}
	p.c.Remove(uid)
	return at.(time.Time), true
}

// drop forgets the start point of uid.
func (p startPoints) drop(uid types.UID) { p.c.Remove(uid) }

// len is the number of start points kept.
func (p startPoints) len() int { return len(p.c.Keys()) }

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
				o.seen.drop(wfe.UID)
				o.runDone.drop(wfe.UID)
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
			o.seen.storeOnce(wfe.UID)
		}
		return
	}
	// Started: its creation latency is observed (or was, by another
	// process). runDone is not dropped on the terminal status here: the
	// watch event of the terminal write can overtake the write's response,
	// and the pass that wrote it takes runDone after that response. An
	// entry nobody takes goes with the run's or the execution's deletion.
	o.seen.drop(wfe.UID)
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
				o.runDone.drop(resources.OwnerOf(pr).UID)
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
		o.runDone.storeOnce(uid)
	}
}

// takeSeen returns and forgets when the execution was first seen.
func (o *observations) takeSeen(uid types.UID) (time.Time, bool) {
	return o.seen.take(uid)
}

// takeRunDone returns and forgets when the execution's run was first seen
// finished.
func (o *observations) takeRunDone(uid types.UID) (time.Time, bool) {
	return o.runDone.take(uid)
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
