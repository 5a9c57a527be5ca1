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
	"errors"
	"fmt"
	"sync"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	pipelineclientset "github.com/tektoncd/pipeline/pkg/client/clientset/versioned"
	pipelinelisters "github.com/tektoncd/pipeline/pkg/client/listers/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/clock"
	"knative.dev/pkg/apis"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	pkgreconciler "knative.dev/pkg/reconciler"

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
)

// Event reasons, one per transition.
const (
	EventPipelineRunCreated = "PipelineRunCreated"
	EventWorkflowCompleted  = "WorkflowCompleted"
	EventWorkflowFailed     = "WorkflowFailed"
	EventWorkflowSkipped    = "WorkflowSkipped"
	EventLockReleased       = "LockReleased"
	EventConfigurationError = "ConfigurationError"
	EventPipelineRunDeleted = "PipelineRunDeleted"
)

// confirmPendingAfter is the age past which a Pending execution is read
// from the API server before it creates its run (see freshen).
const confirmPendingAfter = 2 * time.Second

// holdCheckPeriod bounds how far ahead a Running execution is requeued to
// check its hold limit. The work queue cannot cancel a delayed key: a
// requeue at the deadline itself (timeout + stuck-grace-period, 35 minutes
// by default) stayed queued that long after the run ended, so memory grew
// with the completion rate × 35 minutes (seen in the 30-minute soak). A
// wedged run produces no events, so the check cannot wait for one.
var holdCheckPeriod = time.Minute // a variable for tests

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
	runners sync.Map
	clock   clock.PassiveClock
	metrics *metrics.Recorder
	audit   *auditTrail

	enqueueAfter func(obj any, after time.Duration)
	enqueueKey   func(key types.NamespacedName)

	// progress remembers, per execution UID, how far this process moved
	// the status (see rank), until the informer's cache shows it.
	progress sync.Map
	// stalls tells whether this process was recently paused (stall.go).
	stalls *stallWatch
	// observed holds the start points of the latency metrics (observe.go).
	observed *observations
	// tracing makes each execution one trace (tracing.go); off by default.
	tracing *tracer
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
	ctx, endTrace := r.tracing.startPass(ctx, wfe)
	defer func() { endTrace(wfe, result) }()
	if behind, err := r.freshen(ctx, wfe); err != nil || behind {
		// Behind: the watch event of this process's own status write,
		// which the cache does not show yet, will bring the execution
		// back.
		return err
	}
	read := wfe.DeepCopy()
	before := &read.Status
	wfe.Status.InitializeConditions()
	r.recordCanonicalTarget(wfe)
	var event pkgreconciler.Event
	var created *pipelinev1.PipelineRun // the run this pass created, if any
	switch phase := wfe.Status.Phase; {
	case phase == v1alpha1.PhaseCompleted, phase == v1alpha1.PhaseFailed, phase == v1alpha1.PhaseSkipped:
		event = r.reconcileDone(ctx, wfe, cfg)
	case phase == v1alpha1.PhaseRunning && wfe.Status.PipelineRunRef != nil:
		event = r.reconcileRunning(ctx, wfe, cfg)
	default:
		// Running without a run cannot be recorded by this controller:
		// such an execution is treated as not started.
		event, created = r.reconcilePending(ctx, wfe, cfg)
	}
	r.audit.sync(ctx, read, wfe, !equality.Semantic.DeepEqual(before, &wfe.Status))
	if err := r.writeStatus(ctx, wfe, before); err != nil {
		if created != nil && apierrors.IsConflict(err) {
			r.undoSpuriousRun(ctx, wfe, created)
		}
		return err
	}
	r.recordTransition(ctx, wfe, before)
	if rank(&wfe.Status) > rank(before) {
		r.progress.Store(wfe.UID, rank(&wfe.Status))
	}
	return event
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
	r.progress.Delete(wfe.UID)
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
	if err := r.deletePipelineRun(ctx, pr); err != nil {
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
	msg := fmt.Sprintf("The execution was deleted while %s; its PipelineRun was deleted", phaseName(wfe.Status.Phase))
	details := r.failureDetails(view, v1alpha1.FailureReasonUnknown, msg, wfe.Status.StartTime != nil, at,
		msg+".", "Nothing to do unless the deletion was a mistake: then create a new execution.")
	view.Status.MarkFailed(at, details)
	return view
}

func phaseName(p v1alpha1.Phase) string {
	if p == "" {
		return string(v1alpha1.PhasePending)
	}
	return string(p)
}

// rank orders the statuses an execution goes through: Pending, Running,
// terminal, lock released.
func rank(st *v1alpha1.WorkflowExecutionStatus) int {
	switch {
	case st.LockReleaseTime != nil:
		return 3
	case st.IsDone():
		return 2
	case st.Phase == v1alpha1.PhaseRunning:
		return 1
	default:
		return 0
	}
}

// freshen guards against a stale informer cache. When this process already
// moved the execution further than the cached copy shows (a PipelineRun
// event can arrive before our own status write reaches the cache), acting
// on the copy would repeat events, or worse, start a finished execution
// again; the pass reports it is behind and does nothing. The informer
// delivers every change, so the watch event of that write enqueues the
// execution again, on a cache that shows it: no read needed.
//
// Another process (a previous leader, a replica) may also have moved it:
// an execution the cache shows Pending although it is older than
// confirmPendingAfter is read from the API server, so that a stale copy
// never creates a second run for an execution that already ran. So is a
// young one after this process stalled (see stallWatch): while it was
// frozen, another replica may have led its bucket.
func (r *Reconciler) freshen(ctx context.Context, wfe *v1alpha1.WorkflowExecution) (behind bool, err error) {
	if want, ok := r.progress.Load(wfe.UID); ok {
		if rank(&wfe.Status) < want.(int) {
			return true, nil
		}
		r.progress.CompareAndDelete(wfe.UID, want)
		return false, nil
	}
	if rank(&wfe.Status) > 0 || (r.clock.Since(wfe.CreationTimestamp.Time) < confirmPendingAfter && !r.stalls.suspect()) {
		return false, nil
	}
	fresh, err := r.wfeClient.WorkflowexecutionV1alpha1().WorkflowExecutions(wfe.Namespace).Get(ctx, wfe.Name, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Errorf("reading %s/%s past a stale cache: %w", wfe.Namespace, wfe.Name, err)
	}
	if fresh.UID == wfe.UID {
		wfe.Status = *fresh.Status.DeepCopy()
		wfe.ResourceVersion = fresh.ResourceVersion
	}
	return false, nil
}

// reconcilePending validates the execution, checks the locks and creates
// the PipelineRun; it returns the run it created, if any.
func (r *Reconciler) reconcilePending(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) (pkgreconciler.Event, *pipelinev1.PipelineRun) {
	now := r.clock.Now()
	if err := validate(ctx, wfe, cfg); err != nil {
		return r.markConfigurationError(ctx, wfe, err.Error(), now), nil
	}
	target, invalid, err := r.admitTarget(wfe, cfg)
	switch {
	case invalid != nil:
		return r.markConfigurationError(ctx, wfe, invalid.Error(), now), nil
	case err != nil:
		wfe.Status.MarkPending("Resolving spec.targetResource through discovery failed, retrying: %v", err)
		return fmt.Errorf("resolving the target of %s: %w", wfe.Describe(), err), nil
	}
	if err := r.ensureRunner(ctx, wfe, cfg); err != nil {
		wfe.Status.MarkPending("Creating the ServiceAccount the workflow runs as failed, retrying: %v", err)
		return err, nil
	}
	wfe.Status.MarkPending("Waiting for the PipelineRun to be created")
	pr := resources.MakePipelineRun(wfe, cfg, target)
	r.tracing.annotate(pr, wfe)

	// A cached PipelineRun of that name answers without a doomed create;
	// our own run wins over whatever the (possibly stale) cache says of
	// other executions.
	existing, err := r.pipelineRunLister.PipelineRuns(pr.Namespace).Get(pr.Name)
	if err == nil && resources.IsOwnedBy(existing, wfe) {
		return r.handleExisting(ctx, wfe, existing, cfg, now), nil
	}
	if skip := r.checkLocks(wfe, target, cfg, now); skip != nil {
		if own := r.ownRunPastTheCache(ctx, wfe, pr, existing); own != nil {
			return r.handleExisting(ctx, wfe, own, cfg, now), nil
		}
		return r.markSkipped(ctx, wfe, skip, now), nil
	}
	if existing != nil {
		return r.handleExisting(ctx, wfe, existing, cfg, now), nil
	}
	created, err := r.pipelineClient.TektonV1().PipelineRuns(pr.Namespace).Create(ctx, pr, metav1.CreateOptions{})
	switch {
	case err == nil:
		r.metrics.PipelineRunCreation(ctx, metrics.CreationSuccess, r.sinceSeen(wfe))
		r.markStarted(ctx, wfe, created)
		return pkgreconciler.NewEvent(corev1.EventTypeNormal, EventPipelineRunCreated,
			"Created PipelineRun %s/%s", created.Namespace, created.Name), created
	case apierrors.IsAlreadyExists(err):
		r.metrics.PipelineRunCreation(ctx, metrics.CreationAlreadyExists, 0)
		existing, getErr := r.pipelineClient.TektonV1().PipelineRuns(pr.Namespace).Get(ctx, pr.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(getErr) {
			return controller.NewRequeueImmediately(), nil
		} else if getErr != nil {
			return fmt.Errorf("getting the existing PipelineRun %s/%s: %w", pr.Namespace, pr.Name, getErr), nil
		}
		return r.handleExisting(ctx, wfe, existing, cfg, now), nil
	default:
		r.metrics.PipelineRunCreation(ctx, metrics.CreationError, 0)
		if reason, permanent := classifyCreateError(err); permanent {
			return r.markCreateFailed(ctx, wfe, reason, err, now), nil
		}
		wfe.Status.MarkPending("Creating the PipelineRun failed, retrying: %v", err)
		return fmt.Errorf("creating PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err), nil
	}
}

// abandoned reports whether an unfinished run has no live owner: its owner
// is terminal (a terminal status is final) or does not exist. An owner the
// cache does not know is looked up on the API server, since the cache may
// lag behind a new execution.
func (r *Reconciler) abandoned(ctx context.Context, pr *pipelinev1.PipelineRun, owner *v1alpha1.WorkflowExecution) (bool, error) {
	if owner != nil {
		return owner.Status.IsDone(), nil
	}
	o := resources.OwnerOf(pr)
	if o.Name == "" || o.Namespace == "" {
		return false, nil // not labelled as ours: leave it alone
	}
	fresh, err := r.wfeClient.WorkflowexecutionV1alpha1().WorkflowExecutions(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("reading the owner %s of PipelineRun %s/%s: %w", o.NamespacedName, pr.Namespace, pr.Name, err)
	default:
		return fresh.UID != o.UID || fresh.Status.IsDone(), nil
	}
}

// ownRunPastTheCache returns the execution's own run when the cache missed
// it (its status write was lost and the cache lags): a skip must never
// strand a run the execution already started.
func (r *Reconciler) ownRunPastTheCache(ctx context.Context, wfe *v1alpha1.WorkflowExecution, want, cached *pipelinev1.PipelineRun) *pipelinev1.PipelineRun {
	if cached != nil {
		return nil // the cache has the run of that name, and it is not ours
	}
	pr, err := r.pipelineClient.TektonV1().PipelineRuns(want.Namespace).Get(ctx, want.Name, metav1.GetOptions{})
	if err != nil || !resources.IsOwnedBy(pr, wfe) {
		return nil
	}
	return pr
}

// handleExisting decides what a PipelineRun already holding the target's
// name means for this execution (docs/design.md §4.3).
func (r *Reconciler) handleExisting(ctx context.Context, wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun, cfg *config.WorkflowExecution, now time.Time) pkgreconciler.Event {
	logger := logging.FromContext(ctx)
	if resources.IsOwnedBy(pr, wfe) {
		// Ours: a crash between create and status write, or a stale cache.
		logger.Infof("Adopting PipelineRun %s/%s", pr.Namespace, pr.Name)
		r.markStarted(ctx, wfe, pr)
		return pkgreconciler.NewEvent(corev1.EventTypeNormal, EventPipelineRunCreated,
			"Adopted PipelineRun %s/%s", pr.Namespace, pr.Name)
	}
	owner := r.ownerOf(pr)
	if !pr.IsDone() {
		abandoned, err := r.abandoned(ctx, pr, owner)
		if err != nil {
			return err
		}
		if !abandoned {
			return r.markSkipped(ctx, wfe, busyBy(wfe, pr, owner, now), now)
		}
		// An unfinished run nobody will ever finish or release: its owner
		// ended (e.g. the hold limit cancelled it and Tekton is wedged) or
		// is gone. It must not hold the target.
	} else if owner != nil && !owner.Status.IsDone() {
		// Never delete a run whose result its owner has not read.
		return controller.NewRequeueAfter(ownerRecordDelay)
	}
	if owner != nil {
		if skip := cooldownSkip(wfe, owner, cfg.CooldownPeriod, now); skip != nil {
			return r.markSkipped(ctx, wfe, skip, now)
		}
	}
	if isTerminating(pr) {
		// Already being deleted (a finalizer holds it): it holds the
		// target until it is gone; deleting it again changes nothing.
		return r.waitForTerminating(wfe, pr, now)
	}
	// A finished (or abandoned) run kept for its cooldown: take the lock over.
	logger.Infof("Taking over the PipelineRun %s/%s of %s", pr.Namespace, pr.Name, resources.OwnerOf(pr).NamespacedName)
	if err := r.deletePipelineRun(ctx, pr); err != nil {
		return err
	}
	return controller.NewRequeueImmediately()
}

// markStarted records the PipelineRun the execution now owns.
func (r *Reconciler) markStarted(ctx context.Context, wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun) {
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
func (r *Reconciler) reconcileRunning(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) pkgreconciler.Event {
	now := r.clock.Now()
	ref := wfe.Status.PipelineRunRef // set: ReconcileKind routes a Running execution without one to reconcilePending
	pr, err := r.pipelineRunLister.PipelineRuns(ref.Namespace).Get(ref.Name)
	if apierrors.IsNotFound(err) {
		// The cache may lag behind our own create: ask the API server.
		pr, err = r.pipelineClient.TektonV1().PipelineRuns(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	}
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
			r.enqueueAfter(wfe, wait)
			return nil
		}
	}
	r.mirrorTaskRuns(wfe, pr, trs)
	cond := pr.Status.GetCondition(apis.ConditionSucceeded)
	switch {
	case cond != nil && cond.Status == corev1.ConditionTrue:
		completion := completionTime(pr, now)
		wfe.Status.MarkSucceeded(completion, "PipelineRun %s/%s succeeded", pr.Namespace, pr.Name)
		r.finished(wfe, cfg, now, completion)
		return pkgreconciler.NewEvent(corev1.EventTypeNormal, EventWorkflowCompleted,
			"Workflow %s completed on %s", wfe.Spec.WorkflowRef.WorkflowID, wfe.Spec.TargetResource)
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
func (r *Reconciler) enforceHoldLimit(ctx context.Context, wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun, cfg *config.WorkflowExecution, now time.Time) pkgreconciler.Event {
	timeout := cfg.DefaultTimeout
	if pr.Spec.Timeouts != nil && pr.Spec.Timeouts.Pipeline != nil && pr.Spec.Timeouts.Pipeline.Duration > 0 {
		timeout = pr.Spec.Timeouts.Pipeline.Duration
	}
	deadline := resources.StartTime(pr).Add(timeout + cfg.StuckGracePeriod)
	if now.Before(deadline) {
		r.enqueueAfter(wfe, min(deadline.Sub(now), holdCheckPeriod))
		return nil
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
func (r *Reconciler) markLost(ctx context.Context, wfe *v1alpha1.WorkflowExecution, what string, now time.Time) pkgreconciler.Event {
	cfg := config.FromContextOrDefaults(ctx).WorkflowExecution
	ref := wfe.Status.PipelineRunRef
	msg := fmt.Sprintf("PipelineRun %s/%s %s externally while running", ref.Namespace, ref.Name, what)
	details := r.failureDetails(wfe, v1alpha1.FailureReasonUnknown, msg, true, now,
		msg+"; the controller does not run it again.",
		"Find out who removed the PipelineRun (a pruning job, a person; the API server's audit log tells), then create a new execution.")
	return r.markRunFailed(wfe, cfg, now, now, details)
}

// markFailed ends an execution that never got a run Failed.
func (r *Reconciler) markFailed(wfe *v1alpha1.WorkflowExecution, completion time.Time, details *v1alpha1.FailureDetails) pkgreconciler.Event {
	// Messages quote the tenant's spec and what its workflow printed.
	details.Message = safetext.Escape(details.Message)
	details.NaturalLanguageSummary = safetext.Escape(details.NaturalLanguageSummary)
	wfe.Status.MarkFailed(completion, details)
	return pkgreconciler.NewEvent(corev1.EventTypeWarning, EventWorkflowFailed, "%s", details.NaturalLanguageSummary)
}

// markRunFailed ends an execution whose run failed (or was lost) Failed,
// and schedules its lock release.
func (r *Reconciler) markRunFailed(wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution, now, completion time.Time, details *v1alpha1.FailureDetails) pkgreconciler.Event {
	event := r.markFailed(wfe, completion, details)
	r.finished(wfe, cfg, now, completion)
	return event
}

// finished schedules the lock release of a terminal execution (its
// metrics are recorded once the status write commits: recordTransition).
func (r *Reconciler) finished(wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution, now, completion time.Time) {
	// A cooldown already over (0 s, or a late pass) needs no timer: the
	// watch event of the terminal status write brings the execution back
	// to release its lock, on a cache that shows it.
	if wait := cfg.CooldownPeriod - now.Sub(completion); wait > 0 {
		r.enqueueAfter(wfe, wait)
	}
}

// reconcileDone releases the lock of a terminal execution after the cooldown.
func (r *Reconciler) reconcileDone(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) pkgreconciler.Event {
	st := &wfe.Status
	now := r.clock.Now()
	if !holdsLock(wfe) {
		return r.expire(ctx, wfe, cfg, now)
	}
	if st.CompletionTime == nil {
		return nil
	}
	if wait := st.CompletionTime.Add(cfg.CooldownPeriod).Sub(now); wait > 0 {
		r.enqueueAfter(wfe, wait)
		return nil
	}
	deleted, err := r.deleteOwnedPipelineRun(ctx, wfe, st.PipelineRunRef.Namespace, st.PipelineRunRef.Name)
	if te := (*terminatingError)(nil); errors.As(err, &te) {
		// The run holds the target until it is gone: the watch brings the
		// execution back then (its labels name it).
		return controller.NewRequeueAfter(terminatingRecheck(te.pr, now))
	} else if err != nil {
		return err
	}
	released := metav1.NewTime(now)
	st.LockReleaseTime = &released
	if !deleted {
		// Another execution took the finished run over, or it is gone:
		// the lock was already released. The transition (lockReleaseTime
		// recorded) is reported all the same.
		return pkgreconciler.NewEvent(corev1.EventTypeNormal, EventLockReleased,
			"Released the lock on %s (its PipelineRun was already taken over or deleted)", wfe.Spec.TargetResource)
	}
	return pkgreconciler.NewEvent(corev1.EventTypeNormal, EventLockReleased,
		"Released the lock on %s", wfe.Spec.TargetResource)
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
	if wait := r.audit.drainWait(ctx, endedView(r, wfe), cfg, r.clock.Now()); wait > 0 {
		if pr != nil {
			// The pass ends with a requeue, which carries no event.
			controller.GetEventRecorder(ctx).Eventf(wfe, corev1.EventTypeNormal, EventPipelineRunDeleted,
				"Deleted PipelineRun %s/%s", pr.Namespace, pr.Name)
		}
		return controller.NewRequeueAfter(wait)
	}
	if pr == nil {
		return nil
	}
	return pkgreconciler.NewEvent(corev1.EventTypeNormal, EventPipelineRunDeleted,
		"Deleted PipelineRun %s/%s", pr.Namespace, pr.Name)
}

// stopOwnRun deletes the execution's run, if it still owns one, and returns
// it when this call deleted it.
func (r *Reconciler) stopOwnRun(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) (*pipelinev1.PipelineRun, error) {
	if wfe.Status.LockReleaseTime != nil {
		return nil, nil
	}
	ns, name := cfg.ExecutionNamespace, ""
	if ref := wfe.Status.PipelineRunRef; ref != nil {
		ns, name = ref.Namespace, ref.Name
	} else if name = r.runNameOf(wfe); name == "" {
		// A crash between create and status write leaves an unrecorded
		// run: only a target that resolves can have one.
		return nil, nil
	}
	pr, err := r.getPipelineRun(ctx, ns, name)
	if apierrors.IsNotFound(err) || (err == nil && (!resources.IsOwnedBy(pr, wfe) || pr.DeletionTimestamp != nil)) {
		// Gone, another's, or already being deleted (a finalizer holds
		// it): nothing to stop, and no delete repeated on every pass.
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if isTerminating(pr) {
		return nil, nil // already being deleted: nothing left to do
	}
	if deleted, err := r.deleteExactly(ctx, pr); err != nil || !deleted {
		return nil, err
	}
	return pr, nil
}
