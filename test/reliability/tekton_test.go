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

package reliability

import (
	"context"
	"fmt"
	"sync"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	tektoninformers "github.com/tektoncd/pipeline/pkg/client/informers/externalversions"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// action is what the simulated Tekton does with an execution's PipelineRun.
type action string

const (
	// actSucceed finishes the run with Succeeded=True.
	actSucceed action = "succeed"
	// actFail finishes the run with Succeeded=False (a task failed).
	actFail action = "fail"
	// actDelete deletes the run while it is unfinished (someone deleted it).
	actDelete action = "delete"
	// actPrune finishes the run and deletes it moments later, maybe before
	// the controller has read the outcome (an aggressive pruner).
	actPrune action = "prune"
	// actStuck never finishes the run and ignores cancellation (a wedged
	// Tekton): only the controller's hold limit frees the target.
	actStuck action = "stuck"
)

// playerRetry bounds how long the player keeps trying to act on a run
// through API server outages.
const playerRetry = 3 * time.Minute

// tektonPlayer plays Tekton on the integration tier: it watches our
// PipelineRuns and, after a short random delay (the run's duration), acts
// on each as the plan of its execution says, through the API server.
type tektonPlayer struct {
	s        *suite
	plan     func(owner string) action
	minDelay time.Duration
	maxDelay time.Duration

	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu        sync.Mutex
	handled   map[types.UID]bool
	cancelled map[string]bool // owner "ns/name" -> saw spec.status Cancelled
	acted     map[action]int
	problems  []string
}

func (s *suite) startTekton(plan func(owner string) action, minDelay, maxDelay time.Duration) *tektonPlayer {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &tektonPlayer{
		s: s, plan: plan, minDelay: minDelay, maxDelay: maxDelay, ctx: ctx, stop: cancel,
		handled: map[types.UID]bool{}, cancelled: map[string]bool{}, acted: map[action]int{},
	}
	factory := tektoninformers.NewSharedInformerFactoryWithOptions(s.cluster.Tekton, 0,
		tektoninformers.WithNamespace(rig.ExecutionNamespace),
		tektoninformers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = workflowexecution.WorkflowExecutionLabelKey }))
	inf := factory.Tekton().V1().PipelineRuns().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    p.onRun,
		UpdateFunc: func(_, obj any) { p.onRun(obj) },
	}); err != nil {
		s.t.Fatal(err)
	}
	factory.Start(ctx.Done())
	syncCtx, syncCancel := context.WithTimeout(ctx, time.Minute)
	defer syncCancel()
	if !cache.WaitForCacheSync(syncCtx.Done(), inf.HasSynced) {
		s.t.Fatal("tekton player: cache did not sync")
	}
	s.t.Cleanup(p.Stop)
	return p
}

// Stop stops acting and waits for the actions in flight.
func (p *tektonPlayer) Stop() {
	p.stop()
	p.wg.Wait()
}

func ownerKey(pr *pipelinev1.PipelineRun) string {
	o := resources.OwnerOf(pr)
	return o.Namespace + "/" + o.Name
}

func (p *tektonPlayer) onRun(obj any) {
	pr, ok := obj.(*pipelinev1.PipelineRun)
	if !ok {
		return
	}
	owner := ownerKey(pr)
	p.mu.Lock()
	defer p.mu.Unlock()
	if pr.Spec.Status == pipelinev1.PipelineRunSpecStatusCancelled {
		p.cancelled[owner] = true
	}
	if pr.IsDone() || p.handled[pr.UID] {
		return
	}
	p.handled[pr.UID] = true
	act := p.plan(owner)
	p.acted[act]++
	delay := p.s.between(p.minDelay, p.maxDelay)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		select {
		case <-p.ctx.Done():
			return
		case <-time.After(delay):
		}
		p.act(pr, act)
	}()
}

func (p *tektonPlayer) act(pr *pipelinev1.PipelineRun, act action) {
	switch act {
	case actSucceed:
		p.finish(pr, corev1.ConditionTrue)
	case actFail:
		p.finish(pr, corev1.ConditionFalse)
	case actDelete:
		p.delete(pr)
	case actPrune:
		if p.finish(pr, corev1.ConditionTrue) {
			select {
			case <-p.ctx.Done():
				return
			case <-time.After(p.s.between(0, 30*time.Millisecond)):
			}
			p.delete(pr)
		}
	case actStuck:
	}
}

// finish marks the run finished through the status subresource, retrying
// through outages; it reports whether it did.
func (p *tektonPlayer) finish(pr *pipelinev1.PipelineRun, status corev1.ConditionStatus) bool {
	prs := p.s.cluster.Tekton.TektonV1().PipelineRuns(pr.Namespace)
	reason, message := "Succeeded", "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0"
	if status == corev1.ConditionFalse {
		reason, message = "Failed", "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0"
	}
	return p.retry("finishing "+pr.Name, func(ctx context.Context) (bool, error) {
		cur, err := prs.Get(ctx, pr.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		} else if err != nil {
			return false, err
		}
		if cur.UID != pr.UID || cur.IsDone() {
			return true, nil
		}
		framework.MarkPipelineRunDone(cur, status, reason, message)
		_, err = prs.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err == nil, ignoreConflict(err)
	})
}

// delete deletes exactly this run (UID precondition), retrying through outages.
func (p *tektonPlayer) delete(pr *pipelinev1.PipelineRun) bool {
	prs := p.s.cluster.Tekton.TektonV1().PipelineRuns(pr.Namespace)
	uid := pr.UID
	return p.retry("deleting "+pr.Name, func(ctx context.Context) (bool, error) {
		err := prs.Delete(ctx, pr.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return true, nil
		}
		return false, err
	})
}

// retry runs fn until it is done, backing off on errors, for up to
// playerRetry; a problem is recorded if it never succeeds.
func (p *tektonPlayer) retry(what string, fn func(context.Context) (bool, error)) bool {
	deadline := time.Now().Add(playerRetry)
	backoff := 50 * time.Millisecond
	var last error
	for time.Now().Before(deadline) {
		if p.ctx.Err() != nil {
			return false
		}
		ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
		done, err := fn(ctx)
		cancel()
		if done {
			return true
		}
		if err == nil {
			continue // a conflict: read again at once
		}
		last = err
		select {
		case <-p.ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
	p.mu.Lock()
	p.problems = append(p.problems, fmt.Sprintf("tekton player: %s gave up after %s: %v", what, playerRetry, last))
	p.mu.Unlock()
	return false
}

func ignoreConflict(err error) error {
	if apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// sawCancel reports whether the owner's run was cancelled by the controller.
func (p *tektonPlayer) sawCancel(owner string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cancelled[owner]
}

// Problems returns what the player could not do.
func (p *tektonPlayer) Problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.problems...)
}

// Acted returns how many runs got each action.
func (p *tektonPlayer) Acted() map[action]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[action]int{}
	for k, v := range p.acted {
		out[k] = v
	}
	return out
}

// runName is the name of the PipelineRun of a target.
func (p *tektonPlayer) runName(target string) string {
	c, err := targettest.Canonical(target)
	if err != nil {
		return ""
	}
	return resources.PipelineRunName(c)
}
