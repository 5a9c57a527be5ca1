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
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"knative.dev/pkg/apis"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/rig"
)

// ChainsFinalizer is the finalizer Tekton Chains puts on every PipelineRun
// until it has signed it.
const ChainsFinalizer = "chains.tekton.dev/pipelinerun"

// TakeOver is what one take-over measured (TakeOverOnce): the moments a
// watch saw, and the second execution as it ended.
type TakeOver struct {
	// Released is when the finalizer was removed from the first run.
	Released time.Time
	// Created, Succeeded: the second execution's PipelineRun seen created,
	// seen Succeeded; Completed: the execution seen Completed.
	Created, Succeeded, Completed time.Time
	// First is the first execution's name; Execution the second
	// execution, Completed.
	First     string
	Execution *v1alpha1.WorkflowExecution
	// Run is the second execution's PipelineRun as it succeeded, and
	// Children its TaskRuns then (with their owners), for the record.
	Run      *pipelinev1.PipelineRun
	Children []pipelinev1.TaskRun
}

// Mirror is how long the second execution took to show its run's success.
func (o TakeOver) Mirror() time.Duration { return o.Completed.Sub(o.Succeeded) }

// String names the moments, relative to the release.
func (o TakeOver) String() string {
	var owners []string
	for _, tr := range o.Children {
		owner := "none"
		if c := metav1.GetControllerOf(&tr); c != nil {
			owner = string(c.UID)
			if o.Run != nil && c.UID == o.Run.UID {
				owner = "this run"
			}
		}
		owners = append(owners, fmt.Sprintf("%s(owner %s)", tr.Name, owner))
	}
	refs := 0
	if o.Run != nil {
		refs = len(o.Run.Status.ChildReferences)
	}
	return fmt.Sprintf("run created +%s, succeeded +%s, execution completed +%s (mirror %s); %d child references, TaskRuns then: %s",
		o.Created.Sub(o.Released).Round(time.Millisecond), o.Succeeded.Sub(o.Released).Round(time.Millisecond),
		o.Completed.Sub(o.Released).Round(time.Millisecond), o.Mirror().Round(time.Millisecond), refs, strings.Join(owners, ", "))
}

// RemoveFinalizer removes one finalizer from a PipelineRun of the execution
// namespace, as its controller does (Chains once it has signed the run),
// leaving the others: Kubernetes' foregroundDeletion, which the garbage
// collector removes once the run's TaskRuns and pods are gone.
func (e *Env) RemoveFinalizer(name, finalizer string) error {
	prs := e.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pr, err := prs.Get(context.Background(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		pr.Finalizers = slices.DeleteFunc(pr.Finalizers, func(f string) bool { return f == finalizer })
		_, err = prs.Update(context.Background(), pr, metav1.UpdateOptions{})
		return err
	})
}

// TakeOverOnce runs the take-over of a finalizer-held run on a fresh
// target: execution "first" runs image to Completed; its PipelineRun is
// held by ChainsFinalizer (as Chains does until it has signed it);
// execution "next", another workflow on the same target, deletes it once
// and waits (TargetTerminating); the finalizer goes and "next" creates its
// run under the same name, which reuses the first run's TaskRun names while
// the garbage collector removes the first run's TaskRuns. It returns when
// "next" is Completed, with the moments a watch saw.
func (e *Env) TakeOverOnce(t testing.TB, ns, image string, timeout time.Duration) TakeOver {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	target := e.Target(ns, "Deployment")
	name := PipelineRunName(t, target)
	prs := e.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace)

	first := e.Create(t, NewWFE(ns, "first-"+strings.ToLower(strings.ReplaceAll(target, "/", "-")), target, "restart", image))
	e.WaitForPhase(t, ns, first.Name, v1alpha1.PhaseCompleted, timeout)
	if _, err := prs.Patch(ctx, name, types.MergePatchType,
		[]byte(`{"metadata":{"finalizers":["`+ChainsFinalizer+`"]}}`), metav1.PatchOptions{}); err != nil {
		t.Fatalf("adding the finalizer: %v", err)
	}
	release := func() error { return e.RemoveFinalizer(name, ChainsFinalizer) }
	released := false
	defer func() { // never leave the run stuck if the test fails early
		if !released {
			_ = release()
		}
	}()

	next := e.Create(t, NewWFE(ns, "next-"+strings.ToLower(strings.ReplaceAll(target, "/", "-")), target, "scale", image))
	e.WaitFor(t, ns, next.Name, "waiting "+v1alpha1.ReasonTargetTerminating, timeout, func(w *v1alpha1.WorkflowExecution) bool {
		c := w.Status.GetSucceededCondition()
		return c != nil && c.Reason == v1alpha1.ReasonTargetTerminating
	})

	var (
		mu     sync.Mutex
		out    = TakeOver{First: first.Name}
		listed bool
	)
	prw, err := prs.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	defer prw.Stop()
	ww, err := e.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + next.Name})
	if err != nil {
		t.Fatal(err)
	}
	defer ww.Stop()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for ev := range prw.ResultChan() {
			pr, ok := ev.Object.(*pipelinev1.PipelineRun)
			if !ok || pr.Labels[workflowexecution.WorkflowExecutionLabelKey] != next.Name {
				continue
			}
			now := time.Now()
			mu.Lock()
			if out.Created.IsZero() {
				out.Created = now
			}
			if c := pr.Status.GetCondition(apis.ConditionSucceeded); c != nil && c.Status == corev1.ConditionTrue && out.Succeeded.IsZero() {
				out.Succeeded, out.Run = now, pr
				mu.Unlock()
				// For the record: the TaskRuns under the run's name then.
				if trs, err := e.Cluster.Tekton.TektonV1().TaskRuns(rig.ExecutionNamespace).List(ctx, metav1.ListOptions{
					LabelSelector: "tekton.dev/pipelineRun=" + name,
				}); err == nil {
					mu.Lock()
					out.Children = trs.Items
					mu.Unlock()
				}
				mu.Lock()
				listed = true
				mu.Unlock()
				continue
			}
			mu.Unlock()
		}
	}()
	go func() {
		defer wg.Done()
		for ev := range ww.ResultChan() {
			w, ok := ev.Object.(*v1alpha1.WorkflowExecution)
			if !ok || w.Status.Phase != v1alpha1.PhaseCompleted {
				continue
			}
			mu.Lock()
			if out.Completed.IsZero() {
				out.Completed, out.Execution = time.Now(), w
			}
			mu.Unlock()
		}
	}()

	out.Released = time.Now()
	if err := release(); err != nil {
		t.Fatalf("removing the finalizer: %v", err)
	}
	released = true
	err = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return !out.Completed.IsZero() && listed, nil
	})
	if err != nil {
		w := e.Get(t, ns, next.Name)
		t.Fatalf("the taken-over target's next execution did not complete within %s: %s", timeout, describe(w))
	}
	prw.Stop()
	ww.Stop()
	wg.Wait()
	return out
}
