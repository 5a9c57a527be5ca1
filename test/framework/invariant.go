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
package framework

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	tektonclient "github.com/tektoncd/pipeline/pkg/client/clientset/versioned"
	tektoninformers "github.com/tektoncd/pipeline/pkg/client/informers/externalversions"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"knative.dev/pkg/apis"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	wfeclient "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned"
	wfeinformers "kubernaut.ai/workflowexecution/pkg/client/informers/externalversions"
)

// Checker watches PipelineRuns and WorkflowExecutions and checks the
// product's invariant (docs/design.md §4): at most one unfinished PipelineRun per
// canonical target at any time, and no WorkflowExecution reaches Running
// without owning its PipelineRun. Resource versions order what the two
// watches see, so the checks hold whatever order the events arrive in.
type Checker struct {
	mu       sync.Mutex
	runs     map[types.UID]*runRecord
	running  map[types.UID]*runningRecord
	problems []string
	stop     context.CancelFunc
}

type runRecord struct {
	name, target string
	owner        types.UID
	created      uint64
	finished     uint64 // 0 while unfinished
	deleted      uint64 // 0 while present
}

type runningRecord struct {
	wfe    string
	run    string
	seenAt uint64
}

// StartChecker starts watching until Stop; ctx bounds only the start.
func StartChecker(ctx context.Context, tekton tektonclient.Interface, wfes wfeclient.Interface) (*Checker, error) {
	watchCtx, cancel := context.WithCancel(context.Background())
	c := &Checker{runs: map[types.UID]*runRecord{}, running: map[types.UID]*runningRecord{}, stop: cancel}

	prFactory := tektoninformers.NewSharedInformerFactoryWithOptions(tekton, 0,
		tektoninformers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = workflowexecution.WorkflowExecutionLabelKey }))
	prInf := prFactory.Tekton().V1().PipelineRuns().Informer()
	if _, err := prInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.onRun(obj, false) },
		UpdateFunc: func(_, obj any) { c.onRun(obj, false) },
		DeleteFunc: func(obj any) { c.onRun(obj, true) },
	}); err != nil {
		cancel()
		return nil, err
	}
	wfeFactory := wfeinformers.NewSharedInformerFactory(wfes, 0)
	wfeInf := wfeFactory.Workflowexecution().V1alpha1().WorkflowExecutions().Informer()
	if _, err := wfeInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.onWFE,
		UpdateFunc: func(_, obj any) { c.onWFE(obj) },
	}); err != nil {
		cancel()
		return nil, err
	}
	prFactory.Start(watchCtx.Done())
	wfeFactory.Start(watchCtx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), prInf.HasSynced, wfeInf.HasSynced) {
		cancel()
		return nil, fmt.Errorf("invariant checker: caches did not sync")
	}
	return c, nil
}

// Stop stops watching.
func (c *Checker) Stop() { c.stop() }

func rv(s string) uint64 {
	n, _ := strconv.ParseUint(s, 10, 64)
	return n
}

func (c *Checker) onRun(obj any, deleted bool) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	pr, ok := obj.(*pipelinev1.PipelineRun)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rec := c.runs[pr.UID]
	if rec == nil {
		target, err := v1alpha1.CanonicalTarget(pr.Annotations[workflowexecution.TargetResourceAnnotationKey])
		if err != nil {
			target = "invalid:" + pr.Name
		}
		created := rv(pr.ResourceVersion)
		rec = &runRecord{
			name:    pr.Name,
			target:  target,
			owner:   types.UID(pr.Annotations[workflowexecution.WorkflowExecutionUIDAnnotationKey]),
			created: created,
		}
		c.runs[pr.UID] = rec
	}
	if cond := pr.Status.GetCondition(apis.ConditionSucceeded); rec.finished == 0 && cond != nil && cond.Status != corev1.ConditionUnknown {
		rec.finished = rv(pr.ResourceVersion)
	}
	if deleted && rec.deleted == 0 {
		// The deletion's own revision is not visible; the last one seen
		// bounds it from below, which can only hide overlaps, never invent them.
		rec.deleted = rv(pr.ResourceVersion) + 1
	}
}

func (c *Checker) onWFE(obj any) {
	wfe, ok := obj.(*v1alpha1.WorkflowExecution)
	if !ok || wfe.Status.Phase != v1alpha1.PhaseRunning || wfe.Status.PipelineRunRef == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, seen := c.running[wfe.UID]; !seen {
		c.running[wfe.UID] = &runningRecord{
			wfe:    wfe.Namespace + "/" + wfe.Name,
			run:    wfe.Status.PipelineRunRef.Name,
			seenAt: rv(wfe.ResourceVersion),
		}
	}
}

// Violations lists every violation of the invariant seen so far.
func (c *Checker) Violations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]string{}, c.problems...)

	// At most one unfinished PipelineRun per target.
	byTarget := map[string][]*runRecord{}
	for _, r := range c.runs {
		byTarget[r.target] = append(byTarget[r.target], r)
	}
	for target, runs := range byTarget {
		sort.Slice(runs, func(i, j int) bool { return runs[i].created < runs[j].created })
		for i := 1; i < len(runs); i++ {
			prev, cur := runs[i-1], runs[i]
			if end := prev.end(); end == 0 || cur.created < end {
				out = append(out, fmt.Sprintf("target %s: PipelineRun %s (created at rv %d) overlaps the unfinished PipelineRun %s (created at rv %d, ended at rv %d)",
					target, cur.name, cur.created, prev.name, prev.created, end))
			}
		}
	}
	// Running only with an owned PipelineRun created before.
	for uid, w := range c.running {
		owned := false
		for _, r := range c.runs {
			if r.owner == uid && r.name == w.run && r.created <= w.seenAt {
				owned = true
				break
			}
		}
		if !owned {
			out = append(out, fmt.Sprintf("%s reached Running (rv %d) without owning PipelineRun %s", w.wfe, w.seenAt, w.run))
		}
	}
	sort.Strings(out)
	return out
}

// end is the revision at which the run stopped being unfinished, or 0.
func (r *runRecord) end() uint64 {
	switch {
	case r.finished != 0 && r.deleted != 0:
		return min(r.finished, r.deleted)
	case r.finished != 0:
		return r.finished
	default:
		return r.deleted
	}
}

// Stats returns how many PipelineRuns and Running executions were checked.
func (c *Checker) Stats() (runs, running int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.runs), len(c.running)
}

// Verify fails t with every violation; wait lets in-flight events arrive.
func (c *Checker) Verify(t testing.TB, wait time.Duration) {
	t.Helper()
	deadline := time.Now().Add(wait)
	var v []string
	for {
		v = c.Violations()
		if len(v) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(v) > 0 {
		t.Errorf("invariant violated %d time(s):\n%s", len(v), strings.Join(v, "\n"))
	}
}
