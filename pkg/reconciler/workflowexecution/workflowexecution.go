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
// Package workflowexecution reconciles WorkflowExecutions: it runs each as a
// Tekton PipelineRun under a per-target lock and mirrors the run back.
package workflowexecution

import (
	"context"
	"fmt"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	pipelineclientset "github.com/tektoncd/pipeline/pkg/client/clientset/versioned"
	pipelinelisters "github.com/tektoncd/pipeline/pkg/client/listers/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	pkgreconciler "knative.dev/pkg/reconciler"
	"knative.dev/pkg/tracker"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	wfeclientset "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned"
	wfereconciler "kubernaut.ai/workflowexecution/pkg/client/injection/reconciler/workflowexecution/v1alpha1/workflowexecution"
	listers "kubernaut.ai/workflowexecution/pkg/client/listers/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/metrics"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/failure"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/safetext"
	"kubernaut.ai/workflowexecution/pkg/target"
	"kubernaut.ai/workflowexecution/pkg/tracing"
)

// holdCheckPeriod bounds how far ahead a Running execution is requeued to
// check its hold limit. The work queue cannot cancel a delayed key: a
// requeue at the deadline itself (timeout + stuck-grace-period, 35 minutes
// by default) stayed queued that long after the run ended, so memory grew
// with the completion rate × 35 minutes (seen in the 30-minute soak). A
// wedged run produces no events, so the check cannot wait for one.
const holdCheckPeriod = time.Minute

// cooldownRequeue schedules the lock release of an execution that ended
// at completion. A cooldown already over (0 s, or a late pass) needs no
// timer: the watch event of the terminal status write brings the
// execution back to release its lock, on a cache that shows it.
func cooldownRequeue(cfg *config.WorkflowExecution, now, completion time.Time) error {
	if wait := cfg.CooldownPeriod - now.Sub(completion); wait > 0 {
		return controller.NewRequeueAfter(wait)
	}
	return nil
}

// ownerRecordDelay is how long to wait before looking again at a finished
// PipelineRun whose execution has not recorded its outcome yet.
const ownerRecordDelay = time.Second

// Reconciler implements the generated WorkflowExecution reconciler's
// Interface and Finalizer.
type Reconciler struct {
	wfeClient         wfeclientset.Interface
	pipelineClient    pipelineclientset.Interface
	wfeLister         listers.WorkflowExecutionLister
	wfeIndexer        cache.Indexer
	pipelineRunLister pipelinelisters.PipelineRunLister
	taskRunLister     pipelinelisters.TaskRunLister
	kubeClient        kubernetes.Interface
	// targets resolves targets through discovery (pkg/target).
	targets *target.Resolver
	// runners remembers the tenant runners known to exist (runner.go).
	runners *runnerCache
	clock   clock.PassiveClock
	metrics *metrics.Recorder
	audit   *auditTrail

	// tracker wakes an execution when an object it waits for changes.
	tracker tracker.Interface

	// fresh guards against acting on a stale cached copy (freshness.go).
	fresh *freshness
	// tracing makes each execution one trace (pkg/tracing); off by default.
	tracing *tracing.Provider
}

var (
	_ wfereconciler.Interface = (*Reconciler)(nil)
	_ wfereconciler.Finalizer = (*Reconciler)(nil)
)

// ReconcileKind drives one execution through the lifecycle of docs/design.md §4:
// Pending (validate, lock, create) → Running (mirror) → terminal (release
// the lock after the cooldown).
func (r *Reconciler) ReconcileKind(ctx context.Context, wfe *v1alpha1.WorkflowExecution) (result pkgreconciler.Event) {
	cfg := config.FromContextOrDefaults(ctx).WorkflowExecution
	ctx = logging.WithLogger(ctx, logging.FromContext(ctx).With(
		"correlationId", wfe.CorrelationID(), "workflowId", wfe.Spec.WorkflowRef.WorkflowID))
	ctx, endTrace := r.tracing.StartPass(ctx, wfe)
	defer func() { endTrace(wfe, result) }()
	if behind, err := r.fresh.behind(ctx, wfe); err != nil || behind {
		// Behind: the watch event of this process's own status write,
		// which the cache does not show yet, will bring the execution
		// back.
		return err
	}
	read := wfe.DeepCopy()
	before := &read.Status
	wfe.Status.InitializeConditions()
	r.recordCanonicalTarget(wfe)
	// One rule for the pass's outcome: the return value carries errors and
	// requeues only; what the pass did beyond the status is noted in p,
	// and the events follow from the committed transition (events.go).
	p := &pass{}
	var outcome error
	switch phase := wfe.Status.Phase; {
	case phase == v1alpha1.PhaseCompleted, phase == v1alpha1.PhaseFailed, phase == v1alpha1.PhaseSkipped:
		outcome = r.reconcileDone(ctx, wfe, cfg, p)
	case phase == v1alpha1.PhaseRunning && wfe.Status.PipelineRunRef != nil:
		outcome = r.reconcileRunning(ctx, wfe, cfg)
	default:
		// Running without a run cannot be recorded by this controller:
		// such an execution is treated as not started.
		outcome = r.reconcilePending(ctx, wfe, cfg, p)
	}
	if retry := r.audit.sync(ctx, read, wfe, !equality.Semantic.DeepEqual(before, &wfe.Status)); retry > 0 {
		outcome = soonest(outcome, controller.NewRequeueAfter(retry))
	}
	if err := r.writeStatus(ctx, wfe, before); err != nil {
		if p.created != nil && apierrors.IsConflict(err) {
			r.undoSpuriousRun(ctx, wfe, p.created)
		}
		return err
	}
	r.committed(ctx, wfe, before, p)
	return outcome
}

// committed records, once the pass's status write succeeded, what follows
// from the transition it made: metrics (Tekton's durationAndCountMetrics),
// events, and the progress the freshness guard expects the cache to show.
func (r *Reconciler) committed(ctx context.Context, wfe *v1alpha1.WorkflowExecution, before *v1alpha1.WorkflowExecutionStatus, p *pass) {
	r.metrics.DurationAndCount(ctx, wfe, before)
	emitEvents(ctx, wfe, before, p)
	r.fresh.advanced(wfe, before)
}

// soonest combines two outcomes of a pass: an error wins, else the
// sooner requeue.
func soonest(a, b error) error {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	ra, da := controller.IsRequeueKey(a)
	rb, db := controller.IsRequeueKey(b)
	switch {
	case !ra:
		return a
	case !rb:
		return b
	case db < da:
		return b
	}
	return a
}

// forget drops what this process keeps about an execution once the
// informer saw it deleted.
func (r *Reconciler) forget(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	wfe, ok := obj.(*v1alpha1.WorkflowExecution)
	if !ok {
		return
	}
	r.fresh.forget(wfe.UID)
	r.audit.forgetAll(wfe)
}

// undoSpuriousRun handles a run created on a stale copy: the status write
// that should record it conflicted. When the execution is in fact already
// terminal (another process ran it to the end while this one was paused),
// the run is spurious: it is deleted before Tekton gets far (resolving the
// bundle alone takes seconds), so the workflow does not run twice. A run
// of an execution still in progress is left alone: the other process may
// have adopted it.
func (r *Reconciler) undoSpuriousRun(ctx context.Context, wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun) {
	fresh, err := r.wfeClient.WorkflowexecutionV1alpha1().WorkflowExecutions(wfe.Namespace).Get(ctx, wfe.Name, metav1.GetOptions{})
	if err != nil || fresh.UID != wfe.UID || !fresh.Status.IsDone() {
		return
	}
	logging.FromContext(ctx).Warnf("Deleting PipelineRun %s/%s created on a stale copy of an execution that already ended", pr.Namespace, pr.Name)
	if _, err := r.deleteExactly(ctx, pr); err != nil {
		logging.FromContext(ctx).Errorw("Failed to delete a spurious PipelineRun", "error", err)
	}
}

// writeStatus writes the status when it changed, with optimistic
// concurrency on the execution's resourceVersion. The controller writes it
// itself rather than through the generated reconciler, which would write
// with the cached resourceVersion (always a conflict right after it added
// the finalizer in the same pass) and then overwrite, from a fresh read,
// whatever status was there with one computed from the stale copy. A
// conflict here means the view was stale: the error requeues the
// execution, and the next pass recomputes from fresh data.
func (r *Reconciler) writeStatus(ctx context.Context, wfe *v1alpha1.WorkflowExecution, before *v1alpha1.WorkflowExecutionStatus) error {
	if equality.Semantic.DeepEqual(before, &wfe.Status) && before.ObservedGeneration == wfe.Generation {
		return nil
	}
	wfe.Status.ObservedGeneration = wfe.Generation
	updated, err := r.wfeClient.WorkflowexecutionV1alpha1().WorkflowExecutions(wfe.Namespace).UpdateStatus(ctx, wfe, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("updating the status of %s/%s: %w", wfe.Namespace, wfe.Name, err)
	}
	wfe.ResourceVersion = updated.ResourceVersion
	return nil
}

// endedView is the execution as the audit trail sees it at deletion: one
// deleted before it ended ends Failed (its run is deleted too). Only the
// audit event uses this view; the status is not written.
func endedView(r *Reconciler, wfe *v1alpha1.WorkflowExecution) *v1alpha1.WorkflowExecution {
	if wfe.Status.IsDone() {
		return wfe
	}
	view := wfe.DeepCopy()
	at := wfe.DeletionTimestamp.Time
	msg := fmt.Sprintf("The execution was deleted while %s; its PipelineRun was deleted", wfe.Status.PhaseOrPending())
	details := r.failureDetails(view, v1alpha1.FailureReasonUnknown, msg, wfe.Status.StartTime != nil, at,
		msg+".", "Nothing to do unless the deletion was a mistake: then create a new execution.")
	markFailed(view, at, details)
	return view
}

// reconcilePending validates the execution, checks the locks and creates
// the PipelineRun; it notes in p the run it created, if any.
func (r *Reconciler) reconcilePending(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution, p *pass) error {
	now := r.clock.Now()
	if err := validate(ctx, wfe, cfg); err != nil {
		r.markConfigurationError(wfe, err.Error(), now)
		p.rejected = true
		return nil
	}
	target, invalid, err := r.admitTarget(wfe, cfg)
	switch {
	case invalid != nil:
		r.markConfigurationError(wfe, invalid.Error(), now)
		p.rejected = true
		return nil
	case err != nil:
		wfe.Status.MarkPending("Resolving spec.targetResource through discovery failed, retrying: %v", err)
		return fmt.Errorf("resolving the target of %s: %w", wfe.Describe(), err)
	}
	if err := r.ensureRunner(ctx, wfe, cfg); err != nil {
		wfe.Status.MarkPending("Creating the ServiceAccount the workflow runs as failed, retrying: %v", err)
		return err
	}
	wfe.Status.MarkPending("Waiting for the PipelineRun to be created")
	pr := resources.MakePipelineRun(wfe, cfg, target)
	r.tracing.Annotate(pr, wfe)

	return r.acquireLock(ctx, wfe, pr, target, cfg, now, func() (*pipelinev1.PipelineRun, error) {
		return r.createRun(ctx, wfe, pr, p, now)
	})
}

// createRun creates the execution's run and notes it in p. When the name
// is already taken it returns the run holding it, read from the API
// server, for the lock to decide about (lock.go).
func (r *Reconciler) createRun(ctx context.Context, wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun, p *pass, now time.Time) (*pipelinev1.PipelineRun, error) {
	created, err := r.pipelineClient.TektonV1().PipelineRuns(pr.Namespace).Create(ctx, pr, metav1.CreateOptions{})
	switch {
	case err == nil:
		r.metrics.PipelineRunCreated(ctx, wfe)
		r.markStarted(wfe, created)
		p.created = created
		return nil, nil
	case apierrors.IsAlreadyExists(err):
		r.metrics.PipelineRunCreation(ctx, metrics.CreationAlreadyExists, 0)
		existing, getErr := r.pipelineClient.TektonV1().PipelineRuns(pr.Namespace).Get(ctx, pr.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(getErr) {
			return nil, controller.NewRequeueImmediately()
		} else if getErr != nil {
			return nil, fmt.Errorf("getting the existing PipelineRun %s/%s: %w", pr.Namespace, pr.Name, getErr)
		}
		return existing, nil
	default:
		r.metrics.PipelineRunCreation(ctx, metrics.CreationError, 0)
		if reason, permanent := classifyCreateError(err); permanent {
			r.markCreateFailed(wfe, reason, err, now)
			return nil, nil
		}
		wfe.Status.MarkPending("Creating the PipelineRun failed, retrying: %v", err)
		return nil, fmt.Errorf("creating PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
}

// markStarted records the PipelineRun the execution now owns.
func (r *Reconciler) markStarted(wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun) {
	start := pr.CreationTimestamp
	wfe.Status.StartTime = &start
	wfe.Status.PipelineRunRef = &v1alpha1.PipelineRunReference{Name: pr.Name, Namespace: pr.Namespace}
	// The run's annotation is its canonical target (MakePipelineRun).
	wfe.Status.CanonicalTarget = pr.Annotations[workflowexecution.TargetResourceAnnotationKey]
	wfe.Status.SkipDetails = nil
	wfe.Status.MarkRunning("PipelineRun %s/%s is running", pr.Namespace, pr.Name)
	r.mirror(wfe, pr)
}

// reconcileRunning mirrors the PipelineRun into the status.
func (r *Reconciler) reconcileRunning(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) error {
	now := r.clock.Now()
	ref := wfe.Status.PipelineRunRef // set: ReconcileKind routes a Running execution without one to reconcilePending
	// The cache may lag behind our own create: getPipelineRun asks the
	// API server then.
	pr, err := r.getPipelineRun(ctx, ref.Namespace, ref.Name)
	switch {
	case apierrors.IsNotFound(err):
		return r.markLost(ctx, wfe, "was deleted", now)
	case err != nil:
		return fmt.Errorf("getting PipelineRun %s/%s: %w", ref.Namespace, ref.Name, err)
	case !resources.IsOwnedBy(pr, wfe):
		return r.markLost(ctx, wfe, "was replaced by another execution's run", now)
	}

	trs := r.taskRuns(pr)
	if pr.IsDone() {
		// A terminal status is final: it is built from every child the
		// run names, never from a TaskRun cache that lags behind it.
		var wait time.Duration
		if trs, wait, err = r.children(ctx, pr, trs, now); err != nil {
			return err
		} else if wait > 0 {
			return controller.NewRequeueAfter(wait)
		}
	}
	r.mirrorTaskRuns(wfe, pr, trs)
	cond := pr.Status.GetCondition(apis.ConditionSucceeded)
	switch {
	case cond != nil && cond.Status == corev1.ConditionTrue:
		completion := completionTime(pr, now)
		wfe.Status.MarkSucceeded(completion, "PipelineRun %s/%s succeeded", pr.Namespace, pr.Name)
		return cooldownRequeue(cfg, now, completion)
	case cond != nil && cond.Status == corev1.ConditionFalse:
		completion := completionTime(pr, now)
		details := failure.Analyze(failure.Input{
			WorkflowID:  wfe.Spec.WorkflowRef.WorkflowID,
			Target:      wfe.Spec.TargetResource,
			PipelineRun: pr,
			TaskRuns:    trs,
			StartTime:   wfe.Status.StartTime,
			Now:         now,
		})
		return r.markRunFailed(wfe, cfg, now, completion, details)
	}
	if isTerminating(pr) {
		// Deleted by someone else before it finished; a finalizer keeps
		// it a while, but it will not finish.
		return r.markLost(ctx, wfe, "was deleted", now)
	}
	return r.enforceHoldLimit(ctx, wfe, pr, cfg, now)
}

// enforceHoldLimit cancels a run still unfinished stuck-grace-period after
// its timeout, so that a wedged Tekton cannot hold a lock forever.
func (r *Reconciler) enforceHoldLimit(ctx context.Context, wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun, cfg *config.WorkflowExecution, now time.Time) error {
	timeout := cfg.DefaultTimeout
	if pr.Spec.Timeouts != nil && pr.Spec.Timeouts.Pipeline != nil && pr.Spec.Timeouts.Pipeline.Duration > 0 {
		timeout = pr.Spec.Timeouts.Pipeline.Duration
	}
	deadline := resources.StartTime(pr).Add(timeout + cfg.StuckGracePeriod)
	if now.Before(deadline) {
		return controller.NewRequeueAfter(min(deadline.Sub(now), holdCheckPeriod))
	}
	if err := r.cancelPipelineRun(ctx, pr); err != nil {
		return err
	}
	msg := fmt.Sprintf("PipelineRun %s/%s was still running %s after its %s timeout; it was cancelled to free the lock",
		pr.Namespace, pr.Name, cfg.StuckGracePeriod, timeout)
	details := r.failureDetails(wfe, v1alpha1.FailureReasonDeadlineExceeded, msg, failure.Executed(r.taskRuns(pr)), now,
		msg+". Tekton did not end the run by itself (stuck-grace-period passed).",
		failure.Recommendation(v1alpha1.FailureReasonDeadlineExceeded)+" Check the health of the Tekton controller.")
	return r.markRunFailed(wfe, cfg, now, now, details)
}

// markLost fails an execution whose PipelineRun disappeared while running.
func (r *Reconciler) markLost(ctx context.Context, wfe *v1alpha1.WorkflowExecution, what string, now time.Time) error {
	cfg := config.FromContextOrDefaults(ctx).WorkflowExecution
	ref := wfe.Status.PipelineRunRef
	msg := fmt.Sprintf("PipelineRun %s/%s %s externally while running", ref.Namespace, ref.Name, what)
	details := r.failureDetails(wfe, v1alpha1.FailureReasonUnknown, msg, true, now,
		msg+"; the controller does not run it again.",
		"Find out who removed the PipelineRun (a pruning job, a person; the API server's audit log tells), then create a new execution.")
	return r.markRunFailed(wfe, cfg, now, now, details)
}

// markFailed ends an execution Failed. Its messages quote the tenant's
// spec and what its workflow printed: control characters are escaped
// (safetext) before they reach the status, events and terminals.
func markFailed(wfe *v1alpha1.WorkflowExecution, completion time.Time, details *v1alpha1.FailureDetails) {
	details.Message = safetext.Escape(details.Message)
	details.NaturalLanguageSummary = safetext.Escape(details.NaturalLanguageSummary)
	wfe.Status.MarkFailed(completion, details)
}

// markRunFailed ends an execution whose run failed (or was lost) Failed,
// and schedules its lock release.
func (r *Reconciler) markRunFailed(wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution, now, completion time.Time, details *v1alpha1.FailureDetails) error {
	markFailed(wfe, completion, details)
	return cooldownRequeue(cfg, now, completion)
}

// reconcileDone releases the lock of a terminal execution after the
// cooldown (lock.go), then expires it after its retention.
func (r *Reconciler) reconcileDone(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution, p *pass) error {
	return r.releaseLock(ctx, wfe, cfg, r.clock.Now(), p)
}

// FinalizeKind deletes the execution's PipelineRun, only if it is its own,
// then waits (bounded by audit-drain-timeout) for the terminal audit event
// to be delivered. The run is stopped first: a deleted execution's workflow
// must not keep acting on the target while the audit sink is down.
func (r *Reconciler) FinalizeKind(ctx context.Context, wfe *v1alpha1.WorkflowExecution) pkgreconciler.Event {
	cfg := config.FromContextOrDefaults(ctx).WorkflowExecution
	pr, err := r.stopOwnRun(ctx, wfe, cfg)
	if err != nil {
		return err
	}
	// The run's deletion is committed in the API server: its event
	// follows, whatever the pass returns.
	emitEvents(ctx, wfe, &wfe.Status, &pass{deleted: pr})
	if wait := r.audit.drainWait(ctx, endedView(r, wfe), cfg, r.clock.Now()); wait > 0 {
		return controller.NewRequeueAfter(wait)
	}
	return nil
}
