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
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	wfeinformers "kubernaut.ai/workflowexecution/pkg/client/informers/externalversions"
	listers "kubernaut.ai/workflowexecution/pkg/client/listers/workflowexecution/v1alpha1"
)

// weighted is one action of a stream's outcome mix.
type weighted struct {
	act    action
	weight int
}

// defaultMix: three runs in four succeed, one fails.
var defaultMix = []weighted{{actSucceed, 3}, {actFail, 1}}

type streamOptions struct {
	Executions, Targets int
	Mix                 []weighted
	// StuckTimeout is the executionConfig.timeout of executions whose run
	// gets stuck (actStuck).
	StuckTimeout time.Duration
	// Deadline bounds the wait for each execution to end (default 3m).
	Deadline time.Duration
	// MinRun and MaxRun bound how long a simulated run takes (default 10–200 ms).
	MinRun, MaxRun time.Duration
}

// execution is one planned WorkflowExecution of a stream.
type execution struct {
	ns, name, target, workflowID string
	act                          action
	final                        *v1alpha1.WorkflowExecution
	err                          error
}

func (e *execution) key() string { return e.ns + "/" + e.name }

// stream creates executions over a set of targets, one at a time per
// target (the next once the previous is terminal), while the player plays
// Tekton. Faults are injected alongside (see atProgress).
type stream struct {
	s        *suite
	opts     streamOptions
	byTarget [][]*execution
	byKey    map[string]*execution
	player   *tektonPlayer
	watcher  *wfeWatcher

	done     atomic.Int64
	finished chan struct{}
	started  time.Time
	elapsed  time.Duration
	// auditComplete is when the sink had every expected event (verify).
	auditComplete time.Time
	// gapNote explains what the informer checker missed (verify).
	gapNote string
}

func (s *suite) newStream(opts streamOptions) *stream {
	if opts.Deadline == 0 {
		opts.Deadline = 3 * time.Minute
	}
	if opts.MaxRun == 0 {
		opts.MinRun, opts.MaxRun = 10*time.Millisecond, 200*time.Millisecond
	}
	if opts.Mix == nil {
		opts.Mix = defaultMix
	}
	st := &stream{s: s, opts: opts, byKey: map[string]*execution{}, finished: make(chan struct{})}
	total := 0
	for _, w := range opts.Mix {
		total += w.weight
	}
	st.byTarget = make([][]*execution, opts.Targets)
	for i := 0; i < opts.Executions; i++ {
		ti, j := i%opts.Targets, i/opts.Targets
		// Alternate the kind's case: the lock is on the canonical target.
		kind := "Deployment"
		if j%2 == 1 {
			kind = "deployment"
		}
		pick := s.intn(total)
		act := opts.Mix[len(opts.Mix)-1].act
		for _, w := range opts.Mix {
			if pick < w.weight {
				act = w.act
				break
			}
			pick -= w.weight
		}
		e := &execution{
			ns:         namespaces[j%len(namespaces)],
			name:       fmt.Sprintf("t%02d-%04d", ti, j),
			target:     fmt.Sprintf("shop-%02d/%s/api-%02d", ti, kind, ti),
			workflowID: fmt.Sprintf("wf-%d", j%4),
			act:        act,
		}
		st.byTarget[ti] = append(st.byTarget[ti], e)
		st.byKey[e.key()] = e
	}
	st.watcher = s.startWatcher()
	st.player = s.startTekton(func(owner string) action {
		if e, ok := st.byKey[owner]; ok {
			return e.act
		}
		return actSucceed
	}, opts.MinRun, opts.MaxRun)
	return st
}

// Done is the number of executions that reached a terminal phase.
func (st *stream) Done() int { return int(st.done.Load()) }

// Finished is closed when the stream is over.
func (st *stream) Finished() <-chan struct{} { return st.finished }

// run drives the stream to its end (or ctx's).
func (st *stream) run(ctx context.Context) {
	st.started = time.Now()
	var wg sync.WaitGroup
	for _, execs := range st.byTarget {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, e := range execs {
				if !st.runOne(ctx, e) {
					return
				}
			}
		}()
	}
	wg.Wait()
	st.elapsed = time.Since(st.started)
	close(st.finished)
}

// runOne creates one execution and waits until it is terminal.
func (st *stream) runOne(ctx context.Context, e *execution) bool {
	w := &v1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: e.name},
		Spec: v1alpha1.WorkflowExecutionSpec{
			WorkflowRef:    v1alpha1.WorkflowRef{WorkflowID: e.workflowID, Version: "1.0.0", ContainerImage: image},
			TargetResource: e.target,
			Parameters:     map[string]string{"REPLICAS": "3"},
		},
	}
	if e.act == actStuck {
		w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{Timeout: &metav1.Duration{Duration: st.opts.StuckTimeout}}
	}
	if err := st.create(ctx, w); err != nil {
		e.err = err
		return false
	}
	wctx, cancel := context.WithTimeout(ctx, st.opts.Deadline)
	defer cancel()
	e.final, e.err = st.watcher.waitDone(wctx, e.ns, e.name)
	if e.err != nil {
		e.err = fmt.Errorf("not terminal within %s: %w (last seen: %s)", st.opts.Deadline, e.err, describe(e.final))
		return false
	}
	st.done.Add(1)
	if e.act == actStuck {
		// The hold limit cancels a wedged run, but the run stays unfinished
		// until the lock release deletes it; an execution created in between
		// is Skipped (ResourceBusy). That is reported by
		// TestHoldLimitFreesTheTarget; here the next execution waits for
		// the release so that the stream stays deterministic.
		return st.waitReleased(wctx, e)
	}
	return true
}

// waitReleased waits until the execution has released its lock.
func (st *stream) waitReleased(ctx context.Context, e *execution) bool {
	err := wait.PollUntilContextCancel(ctx, 20*time.Millisecond, true, func(context.Context) (bool, error) {
		got, err := st.watcher.lister.WorkflowExecutions(e.ns).Get(e.name)
		return err == nil && got.Status.LockReleaseTime != nil, nil
	})
	if err != nil {
		e.err = fmt.Errorf("its lock was not released within %s after it ended: %w", st.opts.Deadline, err)
		return false
	}
	return true
}

// create creates the execution, retrying through API server outages.
func (st *stream) create(ctx context.Context, w *v1alpha1.WorkflowExecution) error {
	wfes := st.s.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(w.Namespace)
	backoff := 50 * time.Millisecond
	deadline := time.Now().Add(st.opts.Deadline)
	for {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := wfes.Create(cctx, w, metav1.CreateOptions{})
		cancel()
		// AlreadyExists: an earlier attempt went through but its answer was lost.
		if err == nil || apierrors.IsAlreadyExists(err) {
			return nil
		}
		if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("creating %s/%s: %w", w.Namespace, w.Name, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// wfeWatcher tells when executions become terminal, from a watch.
type wfeWatcher struct {
	lister listers.WorkflowExecutionLister

	mu      sync.Mutex
	waiters map[string]chan struct{}
	// terminal is the first terminal state seen of each execution; flips
	// lists every later change of it (a terminal state is final).
	terminal map[string]string
	flips    []string
}

func terminalState(w *v1alpha1.WorkflowExecution) string {
	c := w.Status.GetSucceededCondition()
	return fmt.Sprintf("%s/%s/%s", w.Status.Phase, c.Status, c.Reason)
}

// Flips returns every change of a terminal state seen.
func (w *wfeWatcher) Flips() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.flips...)
}

func (s *suite) startWatcher() *wfeWatcher {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s.t.Cleanup(cancel)
	factory := wfeinformers.NewSharedInformerFactory(s.wfe, 0)
	inf := factory.Workflowexecution().V1alpha1().WorkflowExecutions()
	w := &wfeWatcher{lister: inf.Lister(), waiters: map[string]chan struct{}{}, terminal: map[string]string{}}
	if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    w.onEvent,
		UpdateFunc: func(_, obj any) { w.onEvent(obj) },
	}); err != nil {
		s.t.Fatal(err)
	}
	factory.Start(ctx.Done())
	syncCtx, syncCancel := context.WithTimeout(ctx, time.Minute)
	defer syncCancel()
	if !cache.WaitForCacheSync(syncCtx.Done(), inf.Informer().HasSynced) {
		s.t.Fatal("watcher: cache did not sync")
	}
	return w
}

func (w *wfeWatcher) onEvent(obj any) {
	wfe, ok := obj.(*v1alpha1.WorkflowExecution)
	if !ok || !wfe.Status.IsDone() {
		return
	}
	key := wfe.Namespace + "/" + wfe.Name
	w.mu.Lock()
	defer w.mu.Unlock()
	state := terminalState(wfe)
	if first, ok := w.terminal[key]; !ok {
		w.terminal[key] = state
	} else if first != state {
		w.flips = append(w.flips, fmt.Sprintf("%s went from terminal %s to %s (rv %s): %s", key, first, state, wfe.ResourceVersion, describe(wfe)))
		w.terminal[key] = state
	}
	if ch, ok := w.waiters[key]; ok {
		close(ch)
		delete(w.waiters, key)
	}
}

// waitDone waits until ns/name is terminal and returns it (or the last
// copy seen, with ctx's error).
func (w *wfeWatcher) waitDone(ctx context.Context, ns, name string) (*v1alpha1.WorkflowExecution, error) {
	key := ns + "/" + name
	ch := make(chan struct{})
	w.mu.Lock()
	w.waiters[key] = ch
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		if w.waiters[key] == ch {
			delete(w.waiters, key)
		}
		w.mu.Unlock()
	}()
	if got, err := w.lister.WorkflowExecutions(ns).Get(name); err == nil && got.Status.IsDone() {
		return got, nil
	}
	select {
	case <-ch:
	case <-ctx.Done():
		got, _ := w.lister.WorkflowExecutions(ns).Get(name)
		return got, ctx.Err()
	}
	return w.lister.WorkflowExecutions(ns).Get(name)
}

func describe(w *v1alpha1.WorkflowExecution) string {
	if w == nil {
		return "<never seen>"
	}
	c := w.Status.GetSucceededCondition()
	if c == nil {
		return fmt.Sprintf("phase=%q (no condition)", w.Status.Phase)
	}
	s := fmt.Sprintf("phase=%q succeeded=%s reason=%s message=%q", w.Status.Phase, c.Status, c.Reason, c.Message)
	if w.Status.PipelineRunRef != nil {
		s += " run=" + w.Status.PipelineRunRef.Name
	}
	return s
}
