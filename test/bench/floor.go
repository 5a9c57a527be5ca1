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

package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	tektoninformers "github.com/tektoncd/pipeline/pkg/client/informers/externalversions"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	wfeinformers "kubernaut.ai/workflowexecution/pkg/client/informers/externalversions"
	listers "kubernaut.ai/workflowexecution/pkg/client/listers/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
)

// floor is the least a client can do for the workload, on the same
// watches: on an execution's ADDED event it creates the PipelineRun; when the
// PipelineRun finishes it writes the execution's terminal status. No
// finalizer, no lock, no Running write, no events, no cleanup; every API call
// on its own goroutine. The controller's latencies are compared to it.
type floor struct {
	cls    clients
	ns     string
	execNS string
	cfg    *config.WorkflowExecution
	wfes   listers.WorkflowExecutionLister
	cancel context.CancelFunc
	once   sync.Once
	wg     sync.WaitGroup
	errs   atomic.Int64
}

func (b *bench) startFloor(ctx context.Context, ns, execNS string) (*floor, error) {
	cls, err := b.clients("floor")
	if err != nil {
		return nil, err
	}
	cfg := config.Defaults()
	cfg.ExecutionNamespace = execNS
	f := &floor{cls: cls, ns: ns, execNS: execNS, cfg: cfg}
	runCtx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel

	wf := wfeinformers.NewSharedInformerFactoryWithOptions(cls.wfe, 0, wfeinformers.WithNamespace(ns))
	wi := wf.Workflowexecution().V1alpha1().WorkflowExecutions()
	f.wfes = wi.Lister()
	if _, err := wi.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if w, ok := obj.(*v1alpha1.WorkflowExecution); ok && !w.Status.IsDone() {
				f.goDo(func() error { return f.createRun(runCtx, w) })
			}
		},
	}); err != nil {
		cancel()
		return nil, err
	}
	pf := tektoninformers.NewSharedInformerFactoryWithOptions(cls.tekton, 0,
		tektoninformers.WithNamespace(execNS),
		tektoninformers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.LabelSelector = workflowexecution.SourceNamespaceLabelKey + "=" + ns
		}))
	pi := pf.Tekton().V1().PipelineRuns().Informer()
	if _, err := pi.AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(oldObj, obj any) {
			old, ok1 := oldObj.(*pipelinev1.PipelineRun)
			pr, ok2 := obj.(*pipelinev1.PipelineRun)
			if ok1 && ok2 && pr.IsDone() && !old.IsDone() {
				f.goDo(func() error { return f.complete(runCtx, pr) })
			}
		},
	}); err != nil {
		cancel()
		return nil, err
	}
	wf.Start(runCtx.Done())
	pf.Start(runCtx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), wi.Informer().HasSynced, pi.HasSynced) {
		cancel()
		return nil, fmt.Errorf("floor caches did not sync")
	}
	return f, nil
}

func (f *floor) goDo(fn func() error) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		if err := fn(); err != nil {
			f.errs.Add(1)
		}
	}()
}

// stop waits for in-flight calls and stops the watches.
func (f *floor) stop() {
	f.once.Do(func() {
		f.wg.Wait()
		f.cancel()
	})
}

// createRun creates the PipelineRun the controller would, named after the
// execution (unique: the floor needs no lock and no cleanup).
func (f *floor) createRun(ctx context.Context, w *v1alpha1.WorkflowExecution) error {
	target, err := targettest.Canonical(w.Spec.TargetResource)
	if err != nil {
		return err
	}
	pr := resources.MakePipelineRun(w, f.cfg, target)
	pr.Name, pr.Namespace = w.Name, f.execNS
	_, err = f.cls.tekton.TektonV1().PipelineRuns(f.execNS).Create(ctx, pr, metav1.CreateOptions{})
	return err
}

// complete writes the terminal status of the run's execution.
func (f *floor) complete(ctx context.Context, pr *pipelinev1.PipelineRun) error {
	name := pr.Labels[workflowexecution.WorkflowExecutionLabelKey]
	cur, err := f.wfes.WorkflowExecutions(f.ns).Get(name)
	if err != nil {
		return err
	}
	wfes := f.cls.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(f.ns)
	for attempt := 0; attempt < 5; attempt++ {
		w := cur.DeepCopy()
		start := pr.CreationTimestamp
		completion := metav1.Now()
		if pr.Status.CompletionTime != nil {
			completion = *pr.Status.CompletionTime
		}
		w.Status.StartTime = &start
		w.Status.PipelineRunRef = &v1alpha1.PipelineRunReference{Name: pr.Name, Namespace: pr.Namespace}
		w.Status.MarkSucceeded(completion.Time, "PipelineRun %s/%s succeeded", pr.Namespace, pr.Name)
		_, err = wfes.UpdateStatus(ctx, w, metav1.UpdateOptions{})
		if !apierrors.IsConflict(err) {
			return err
		}
		if cur, err = wfes.Get(ctx, name, metav1.GetOptions{}); err != nil {
			return err
		}
	}
	return err
}
