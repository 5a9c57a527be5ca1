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

// The per-target lock, whole (docs/design.md §4.2, §4.3).
//
//   - Key: the canonical target (pkg/target, status.canonicalTarget). The
//     informer indexes executions by it (targetIndex); the run holding a
//     target is named after it (resources.PipelineRunName).
//   - Facts: lockFacts is what the cache (and, when the decision asks for
//     it, the API server) shows of the execution, the other executions on
//     its target, the PipelineRun holding the target's name and that run's
//     owner, with the clock and the cooldown. Like Tekton's
//     PipelineRunFacts, it does no I/O.
//   - Decisions: lockFacts.acquire (a Pending execution), lockFacts.release
//     (a terminal one) and lockFacts.stop (a deleted one) are pure
//     functions of the facts.
//     Each returns one lockDecision; a decision may ask for one more fact
//     (lockReadRun, lockReadOwner), which the reconciler reads before
//     asking again.
//   - I/O: Reconciler.acquireLock, releaseLock and stopOwnRun do what the
//     decision names (create, delete, mark, requeue), and nothing else.
//
// To add a rule (waiting in line, budgets, failure holds): add the facts
// it needs to lockFacts and fill them in lockFactsFor; add the rule to
// acquire (or release, stop) at the place of its priority, returning an
// existing action or a new one; give a new action its I/O in acquireLock
// (or releaseLock, stopOwnRun); and add its rows to TestLockDecisions.
// No other file decides about the lock.

import (
	"context"
	"fmt"
	"strings"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/logging"
	"knative.dev/pkg/tracker"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
)

// lockAction is what a lock decision tells the reconciler to do.
type lockAction int

const (
	// acquire
	lockCreate          lockAction = iota // nothing holds the target: create the run
	lockAdopt                             // the run holding the name is the execution's own: record it
	lockSkipBusy                          // another execution's run holds the target: Skipped ResourceBusy
	lockSkipCooldown                      // the same workflow ran on the target within the cooldown: Skipped RecentlyRemediated
	lockWaitOwner                         // a finished run whose owner has not recorded its outcome: look again later
	lockWaitTerminating                   // the run holding the target is being deleted: wait until it is gone
	lockTakeOver                          // a finished or abandoned run holds the name: delete it, then try again
	// release
	lockNotHeld      // the execution holds no lock (never did, or released it)
	lockKeep         // nothing to release yet, and nothing to wait for
	lockWaitCooldown // the cooldown is not over: look again then
	lockRelease      // delete the execution's run, then record the release
	lockReleased     // the run is gone or another's: record the release
	// deletion
	lockStop // delete the deleted execution's own run
	// facts asked for
	lockReadRun   // read the run of the target's name from the API server
	lockReadOwner // read the owner of the run from the API server
)

var lockActionNames = [...]string{
	lockCreate: "create", lockAdopt: "adopt", lockSkipBusy: "skip busy", lockSkipCooldown: "skip cooldown",
	lockWaitOwner: "wait for the owner", lockWaitTerminating: "wait terminating", lockTakeOver: "take over",
	lockNotHeld: "not held", lockKeep: "keep", lockWaitCooldown: "wait cooldown", lockRelease: "release",
	lockReleased: "released", lockReadRun: "read run", lockReadOwner: "read owner",
	lockStop: "stop",
}

func (a lockAction) String() string { return lockActionNames[a] }

// lockDecision is one decision: the action, the skip it records, or how
// long to wait before looking again.
type lockDecision struct {
	action lockAction
	skip   *v1alpha1.SkipDetails
	wait   time.Duration
}

// lockFacts is what is observed of one execution's lock.
type lockFacts struct {
	wfe *v1alpha1.WorkflowExecution
	// others are the other executions on the canonical target (onTarget).
	others []*v1alpha1.WorkflowExecution
	// runName is the name of the run holding the target ("" when the
	// target does not resolve); run is that PipelineRun: from the cache,
	// or from the API server once runRead.
	runName string
	run     *pipelinev1.PipelineRun
	runRead bool
	// owner is the run's owner as cached (ownerOf), nil when the cache
	// does not know it. ownerRead: the API server was asked; ownerGone:
	// it answered the owner is gone, replaced or terminal.
	owner     *v1alpha1.WorkflowExecution
	ownerRead bool
	ownerGone bool

	now      time.Time
	cooldown time.Duration
}

// stop decides for an execution being deleted: its own run, if it still
// has one that is not already being deleted, is deleted (stopped) so that
// a deleted execution's workflow does not keep acting on the target.
func (f *lockFacts) stop() lockDecision {
	switch {
	case f.wfe.Status.LockReleaseTime != nil, f.runName == "":
		// Released, or a target that does not resolve: only a target that
		// resolves can have a run (a crash between create and status write
		// leaves an unrecorded one).
		return lockDecision{action: lockNotHeld}
	case f.run == nil && !f.runRead:
		return lockDecision{action: lockReadRun}
	case f.run == nil || !resources.IsOwnedBy(f.run, f.wfe) || isTerminating(f.run):
		// Gone, another's, or already being deleted (a finalizer holds
		// it): nothing to stop, and no delete repeated on every pass.
		return lockDecision{action: lockNotHeld}
	}
	return lockDecision{action: lockStop}
}

// acquire decides for a Pending execution whose target is admitted.
func (f *lockFacts) acquire() lockDecision {
	// Our own run wins over whatever the (possibly stale) cache says of
	// other executions: a crash between create and status write, or a
	// stale cache.
	if f.run != nil && resources.IsOwnedBy(f.run, f.wfe) {
		return lockDecision{action: lockAdopt}
	}
	if d, blocked := f.blocked(); blocked {
		if f.run == nil && !f.runRead {
			// A skip must never strand a run the execution already
			// started: its status write was lost and the cache lags.
			return lockDecision{action: lockReadRun}
		}
		return d
	}
	if f.run == nil {
		return lockDecision{action: lockCreate}
	}
	return f.holder()
}

// blocked is layer 1 of the lock (docs/design.md §4.2): a Running execution
// on the target blocks (ResourceBusy); the same workflow ended on the target
// less than the cooldown ago blocks (RecentlyRemediated), the most recent
// one named. Pending executions do not block each other; Skipped ones never
// count.
func (f *lockFacts) blocked() (lockDecision, bool) {
	for _, other := range f.others {
		if other.Status.IsRunning() {
			return lockDecision{action: lockSkipBusy, skip: busyBy(f.wfe, nil, other)}, true
		}
	}
	var recent *v1alpha1.SkipDetails
	var recentAt time.Time
	for _, other := range f.others {
		if skip := cooldownSkip(f.wfe, other, f.cooldown, f.now); skip != nil && other.Status.CompletionTime.After(recentAt) {
			recent, recentAt = skip, other.Status.CompletionTime.Time
		}
	}
	if recent == nil {
		return lockDecision{}, false
	}
	return lockDecision{action: lockSkipCooldown, skip: recent}, true
}

// holder is layer 2 (docs/design.md §4.3): what another execution's run
// holding the target's name means for this execution.
func (f *lockFacts) holder() lockDecision {
	run, owner := f.run, f.owner
	if !run.IsDone() {
		abandoned := false
		switch o := resources.OwnerOf(run); {
		case owner != nil:
			abandoned = owner.Status.IsDone() // a terminal status is final
		case o.Name == "" || o.Namespace == "":
			// not labelled as ours: leave it alone
		case !f.ownerRead:
			// The cache may lag behind a new execution.
			return lockDecision{action: lockReadOwner}
		default:
			abandoned = f.ownerGone
		}
		if !abandoned {
			return lockDecision{action: lockSkipBusy, skip: busyBy(f.wfe, run, owner)}
		}
		// An unfinished run nobody will ever finish or release: its owner
		// ended (e.g. the hold limit cancelled it and Tekton is wedged) or
		// is gone. It must not hold the target.
	} else if owner != nil && !owner.Status.IsDone() {
		// Never delete a run whose result its owner has not read.
		return lockDecision{action: lockWaitOwner, wait: ownerRecordDelay}
	}
	if owner != nil {
		if skip := cooldownSkip(f.wfe, owner, f.cooldown, f.now); skip != nil {
			return lockDecision{action: lockSkipCooldown, skip: skip}
		}
	}
	if isTerminating(run) {
		// Already being deleted (a finalizer holds it): it holds the
		// target until it is gone; deleting it again changes nothing.
		return lockDecision{action: lockWaitTerminating, wait: terminatingRecheck(run, f.now)}
	}
	// A finished (or abandoned) run kept for its cooldown: take it over.
	return lockDecision{action: lockTakeOver}
}

// release decides for a terminal execution: its lock is released (its run
// deleted) once the cooldown is over.
func (f *lockFacts) release() lockDecision {
	st := &f.wfe.Status
	switch {
	case !holdsLock(f.wfe):
		return lockDecision{action: lockNotHeld}
	case st.CompletionTime == nil:
		return lockDecision{action: lockKeep}
	}
	if wait := st.CompletionTime.Add(f.cooldown).Sub(f.now); wait > 0 {
		return lockDecision{action: lockWaitCooldown, wait: wait}
	}
	switch {
	case f.run == nil && !f.runRead:
		return lockDecision{action: lockReadRun}
	case f.run == nil || !resources.IsOwnedBy(f.run, f.wfe):
		// Another execution took the finished run over, or it is gone:
		// the lock was already released.
		return lockDecision{action: lockReleased}
	case isTerminating(f.run):
		// The run holds the target until it is gone: the watch brings
		// the execution back then (its labels name it).
		return lockDecision{action: lockWaitTerminating, wait: terminatingRecheck(f.run, f.now)}
	}
	return lockDecision{action: lockRelease}
}

// holdsLock reports whether a terminal execution still has a lock release
// (a status write) ahead of it.
func holdsLock(wfe *v1alpha1.WorkflowExecution) bool {
	return wfe.Status.PipelineRunRef != nil && wfe.Status.LockReleaseTime == nil
}

// workflowRan reports whether an ended execution's workflow ran, the only
// ones the cooldown counts (docs/design.md §4.2): Completed, or Failed
// with failureDetails.wasExecutionFailure. A failure before any step ran
// (ConfigurationError, a bundle that did not resolve, an image that did
// not pull, a quota) remediated nothing and blocks nobody.
func workflowRan(wfe *v1alpha1.WorkflowExecution) bool {
	switch st := &wfe.Status; st.Phase {
	case v1alpha1.PhaseCompleted:
		return st.StartTime != nil
	case v1alpha1.PhaseFailed:
		return st.StartTime != nil && st.FailureDetails != nil && st.FailureDetails.WasExecutionFailure
	}
	return false
}

// cooldownSkip returns the RecentlyRemediated skip when other is the same
// workflow on the same target, ran, and ended less than cooldown ago. Exactly at
// the boundary the run is allowed; a zero cooldown disables the check.
func cooldownSkip(wfe, other *v1alpha1.WorkflowExecution, cooldown time.Duration, now time.Time) *v1alpha1.SkipDetails {
	if cooldown <= 0 || !workflowRan(other) || other.Status.CompletionTime == nil ||
		other.Spec.WorkflowRef.WorkflowID != wfe.Spec.WorkflowRef.WorkflowID {
		return nil
	}
	remaining := other.Status.CompletionTime.Add(cooldown).Sub(now)
	if remaining <= 0 {
		return nil
	}
	completed := *other.Status.CompletionTime
	return &v1alpha1.SkipDetails{
		Reason: v1alpha1.SkipReasonRecentlyRemediated,
		Message: fmt.Sprintf("Workflow %s ended on %s at %s (%s); the same workflow may run again in %s",
			other.Spec.WorkflowRef.WorkflowID, other.Spec.TargetResource, completed.UTC().Format(time.RFC3339),
			other.Status.Phase, remaining.Round(time.Second)),
		RecentRemediation: &v1alpha1.RecentRemediationRef{
			Name:              other.Name,
			Namespace:         other.Namespace,
			WorkflowID:        other.Spec.WorkflowRef.WorkflowID,
			CompletedAt:       &completed,
			Outcome:           other.Status.Phase,
			TargetResource:    other.Spec.TargetResource,
			CooldownRemaining: remaining.Round(time.Second).String(),
		},
	}
}

// busyBy returns the ResourceBusy skip naming the holder: the execution
// when it is known, else what the PipelineRun says of it.
func busyBy(wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun, holder *v1alpha1.WorkflowExecution) *v1alpha1.SkipDetails {
	ref := &v1alpha1.ConflictingWorkflowRef{}
	switch {
	case holder != nil:
		ref.Name, ref.Namespace = holder.Name, holder.Namespace
		ref.WorkflowID = holder.Spec.WorkflowRef.WorkflowID
		ref.TargetResource = holder.Spec.TargetResource
		ref.StartedAt = holder.Status.StartTime
		if ref.StartedAt == nil && pr != nil {
			started := metav1.NewTime(resources.StartTime(pr))
			ref.StartedAt = &started
		}
	case pr != nil:
		owner := resources.OwnerOf(pr)
		ref.Name, ref.Namespace = owner.Name, owner.Namespace
		if ref.Name == "" {
			ref.Name, ref.Namespace = pr.Name, pr.Namespace
		}
		ref.WorkflowID = pr.Annotations[workflowexecution.WorkflowIDAnnotationKey]
		ref.TargetResource = pr.Annotations[workflowexecution.TargetResourceAnnotationKey]
		started := metav1.NewTime(resources.StartTime(pr))
		ref.StartedAt = &started
	}
	return &v1alpha1.SkipDetails{
		Reason: v1alpha1.SkipReasonResourceBusy,
		Message: fmt.Sprintf("Target %s is busy: workflow %s (%s/%s) is running on it",
			wfe.Spec.TargetResource, ref.WorkflowID, ref.Namespace, ref.Name),
		ConflictingWorkflow: ref,
	}
}

// A PipelineRun with a deletion timestamp (held by a finalizer: Tekton
// Chains signs every run before it lets it go, Results archives it) still
// holds its target until it is gone (docs/design.md §4.3). Deleting it
// again changes nothing: every path waits instead. The tracker wakes the
// waiters when the run disappears (waitForTerminating); the requeue is only
// a safety net.
const (
	terminatingMinRecheck = time.Second
	terminatingMaxRecheck = 30 * time.Second
)

// isTerminating reports whether a PipelineRun is being deleted.
func isTerminating(pr *pipelinev1.PipelineRun) bool {
	return pr.DeletionTimestamp != nil
}

// terminatingRecheck is how long to wait before looking again at a run
// still terminating: a quarter of the time it has been terminating, within
// [terminatingMinRecheck, terminatingMaxRecheck]. A finalizer that goes
// quickly is noticed quickly without the watch; one held for an hour (its
// controller is down) costs two reads a minute.
func terminatingRecheck(pr *pipelinev1.PipelineRun, now time.Time) time.Duration {
	return min(max(now.Sub(pr.DeletionTimestamp.Time)/4, terminatingMinRecheck), terminatingMaxRecheck)
}

// terminatingMessage says what an execution waits for.
func terminatingMessage(pr *pipelinev1.PipelineRun) string {
	held := "none left; the API server has yet to remove it"
	if len(pr.Finalizers) > 0 {
		held = strings.Join(pr.Finalizers, ", ")
	}
	return fmt.Sprintf("Waiting for PipelineRun %s/%s to finish terminating (finalizers: %s)", pr.Namespace, pr.Name, held)
}

// pipelineRunGVK is the kind the tracker follows.
var pipelineRunGVK = pipelinev1.SchemeGroupVersion.WithKind("PipelineRun")

// ---- The I/O: observing the facts, doing what a decision names. ----

// lockFactsFor observes, from the cache, the lock of an execution whose
// run is (or would be) ns/name on the canonical target.
func (r *Reconciler) lockFactsFor(wfe *v1alpha1.WorkflowExecution, target, ns, name string, cfg *config.WorkflowExecution, now time.Time) *lockFacts {
	f := &lockFacts{wfe: wfe, runName: name, now: now, cooldown: cfg.CooldownPeriod}
	if target != "" {
		f.others = r.onTarget(wfe, target)
	}
	if name != "" {
		if pr, err := r.pipelineRunLister.PipelineRuns(ns).Get(name); err == nil {
			f.run, f.owner = pr, r.ownerOf(pr)
		}
	}
	return f
}

// readRun asks the API server for the run of the facts' name. A run that
// is not there leaves run nil; other errors are returned.
func (r *Reconciler) readRun(ctx context.Context, f *lockFacts, ns, name string) error {
	f.runRead = true
	pr, err := r.pipelineClient.TektonV1().PipelineRuns(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	f.run, f.owner = pr, r.ownerOf(pr)
	f.ownerRead, f.ownerGone = false, false
	return nil
}

// readOwner asks the API server for the owner of the facts' run, which the
// cache does not know: gone, replaced by one of the same name, or terminal.
func (r *Reconciler) readOwner(ctx context.Context, f *lockFacts) error {
	o := resources.OwnerOf(f.run)
	fresh, err := r.wfeClient.WorkflowexecutionV1alpha1().WorkflowExecutions(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		f.ownerGone = true
	case err != nil:
		return fmt.Errorf("reading the owner %s of PipelineRun %s/%s: %w", o.NamespacedName, f.run.Namespace, f.run.Name, err)
	default:
		f.ownerGone = fresh.UID != o.UID || fresh.Status.IsDone()
	}
	f.ownerRead = true
	return nil
}

// acquireLock takes the target's lock for a Pending execution and creates
// its run pr (create), or records why it cannot (docs/design.md §4.2, §4.3).
func (r *Reconciler) acquireLock(ctx context.Context, wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun, target string,
	cfg *config.WorkflowExecution, now time.Time, create func() (*pipelinev1.PipelineRun, error)) error {
	logger := logging.FromContext(ctx)
	f := r.lockFactsFor(wfe, target, pr.Namespace, pr.Name, cfg, now)
	for {
		d := f.acquire()
		switch d.action {
		case lockReadRun:
			// Any failure leaves the fact as the cache shows it.
			_ = r.readRun(ctx, f, pr.Namespace, pr.Name)
		case lockReadOwner:
			if err := r.readOwner(ctx, f); err != nil {
				return err
			}
		case lockAdopt:
			logger.Infof("Adopting PipelineRun %s/%s", f.run.Namespace, f.run.Name)
			r.markStarted(wfe, f.run)
			return nil
		case lockSkipBusy, lockSkipCooldown:
			r.markSkipped(wfe, d.skip, now)
			return nil
		case lockWaitOwner:
			return controller.NewRequeueAfter(d.wait)
		case lockWaitTerminating:
			return r.waitForTerminating(wfe, f.run, d.wait)
		case lockTakeOver:
			logger.Infof("Taking over the PipelineRun %s/%s of %s", f.run.Namespace, f.run.Name, resources.OwnerOf(f.run).NamespacedName)
			if _, err := r.deleteExactly(ctx, f.run); err != nil {
				return err
			}
			return controller.NewRequeueImmediately()
		case lockCreate:
			// create returns the run that already holds the name, read
			// from the API server, when the create found one.
			existing, err := create()
			if existing == nil {
				return err
			}
			f.run, f.owner, f.runRead = existing, r.ownerOf(existing), true
			f.ownerRead, f.ownerGone = false, false
		default:
			return fmt.Errorf("lock decision %q does not apply to a Pending execution", d.action)
		}
	}
}

// waitForTerminating keeps a Pending execution waiting for the terminating
// run that holds its target, saying so in the status. The tracker wakes
// the execution when the run is gone (its informer's deletion).
func (r *Reconciler) waitForTerminating(wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun, recheck time.Duration) error {
	ref := tracker.Reference{APIVersion: pipelineRunGVK.GroupVersion().String(), Kind: pipelineRunGVK.Kind, Namespace: pr.Namespace, Name: pr.Name}
	if err := r.tracker.TrackReference(ref, wfe); err != nil {
		return fmt.Errorf("tracking PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
	wfe.Status.MarkWaiting(v1alpha1.ReasonTargetTerminating, "%s", terminatingMessage(pr))
	// The status shows the object it waits for (kubectl wfe).
	if ref, err := r.resolveTarget(wfe); err == nil {
		wfe.Status.CanonicalTarget = ref.String()
	}
	return controller.NewRequeueAfter(recheck)
}

// releaseLock releases the lock of a terminal execution after the
// cooldown; one that holds none goes on to its retention (expire).
func (r *Reconciler) releaseLock(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution, now time.Time, p *pass) error {
	var ns, name string
	if ref := wfe.Status.PipelineRunRef; ref != nil {
		ns, name = ref.Namespace, ref.Name
	}
	f := r.lockFactsFor(wfe, "", ns, name, cfg, now)
	for {
		d := f.release()
		switch d.action {
		case lockNotHeld:
			return r.expire(ctx, wfe, cfg, now)
		case lockKeep:
			return nil
		case lockWaitCooldown, lockWaitTerminating:
			return controller.NewRequeueAfter(d.wait)
		case lockReadRun:
			if err := r.readRun(ctx, f, ns, name); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("getting PipelineRun %s/%s: %w", ns, name, err)
			}
		case lockRelease, lockReleased:
			deleted := false
			if d.action == lockRelease {
				var err error
				if deleted, err = r.deleteExactly(ctx, f.run); err != nil {
					return err
				}
			}
			released := metav1.NewTime(now)
			wfe.Status.LockReleaseTime = &released
			// Not deleted: another execution took the finished run over,
			// or it is gone; the lock was already released. The
			// transition (lockReleaseTime recorded) is reported all the
			// same.
			p.runGone = !deleted
			return nil
		default:
			return fmt.Errorf("lock decision %q does not apply to a terminal execution", d.action)
		}
	}
}

// stopOwnRun deletes the execution's run, if it still owns one, and returns
// it when this call deleted it.
func (r *Reconciler) stopOwnRun(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) (*pipelinev1.PipelineRun, error) {
	ns, name := cfg.ExecutionNamespace, ""
	if ref := wfe.Status.PipelineRunRef; ref != nil {
		ns, name = ref.Namespace, ref.Name
	} else if wfe.Status.LockReleaseTime == nil {
		name = r.runNameOf(wfe)
	}
	f := r.lockFactsFor(wfe, "", ns, name, cfg, r.clock.Now())
	for {
		d := f.stop()
		switch d.action {
		case lockNotHeld:
			return nil, nil
		case lockReadRun:
			if err := r.readRun(ctx, f, ns, name); err != nil && !apierrors.IsNotFound(err) {
				return nil, err
			}
		case lockStop:
			if deleted, err := r.deleteExactly(ctx, f.run); err != nil || !deleted {
				return nil, err
			}
			return f.run, nil
		default:
			return nil, fmt.Errorf("lock decision %q does not apply to a deleted execution", d.action)
		}
	}
}

// ---- Ownership and the index. ----

// ownerOf returns the execution a PipelineRun belongs to, from the cache,
// or nil when it is gone (or replaced by one of the same name).
func (r *Reconciler) ownerOf(pr *pipelinev1.PipelineRun) *v1alpha1.WorkflowExecution {
	o := resources.OwnerOf(pr)
	if o.Name == "" || o.Namespace == "" {
		return nil
	}
	wfe, err := r.wfeLister.WorkflowExecutions(o.Namespace).Get(o.Name)
	if err != nil || wfe.UID != o.UID {
		return nil
	}
	return wfe
}

// targetIndex indexes WorkflowExecutions of all namespaces by canonical
// target (status.canonicalTarget, docs/design.md §4, Targets are objects).
const targetIndex = "canonicalTarget"

// unresolvedTarget is the index key of executions that may hold a lock
// but whose status does not record a canonical target: started by a
// release that did not resolve targets. They are resolved when a lock is
// checked (onTarget), and record theirs on their next pass
// (recordCanonicalTarget). A Pending execution holds nothing: it is not
// indexed until it records its target.
const unresolvedTarget = "\x00unresolved"

func indexByTarget(obj any) ([]string, error) {
	wfe, ok := obj.(*v1alpha1.WorkflowExecution)
	if !ok {
		return nil, nil
	}
	st := &wfe.Status
	switch {
	case st.CanonicalTarget != "":
		return []string{st.CanonicalTarget}, nil
	case st.PipelineRunRef != nil && st.LockReleaseTime == nil:
		return []string{unresolvedTarget}, nil
	}
	return nil, nil
}

// onTarget lists the other executions on a canonical target, from the
// informer's index: the cost grows with the executions on that target only
// (and those a previous release started, until they record their target).
func (r *Reconciler) onTarget(wfe *v1alpha1.WorkflowExecution, target string) []*v1alpha1.WorkflowExecution {
	objs, err := r.wfeIndexer.ByIndex(targetIndex, target)
	if err != nil {
		return nil
	}
	objs = append(objs, r.unresolvedOn(target)...)
	out := make([]*v1alpha1.WorkflowExecution, 0, len(objs))
	for _, o := range objs {
		if other, ok := o.(*v1alpha1.WorkflowExecution); ok && other.UID != wfe.UID {
			out = append(out, other)
		}
	}
	return out
}

// unresolvedOn lists the executions of unresolvedTarget whose target
// resolves to target. One that does not resolve cannot be on target: the
// execution asking resolved its own target through the same discovery.
func (r *Reconciler) unresolvedOn(target string) []any {
	objs, err := r.wfeIndexer.ByIndex(targetIndex, unresolvedTarget)
	if err != nil {
		return nil
	}
	var out []any
	for _, o := range objs {
		if other, ok := o.(*v1alpha1.WorkflowExecution); ok {
			if ref, err := r.resolveTarget(other); err == nil && ref.String() == target {
				out = append(out, other)
			}
		}
	}
	return out
}

// runNameOf is the name of the execution's run, for one that may have
// created it without recording it (a crash between the create and the
// status write): "" when its target does not resolve.
func (r *Reconciler) runNameOf(wfe *v1alpha1.WorkflowExecution) string {
	if c := wfe.Status.CanonicalTarget; c != "" {
		return resources.PipelineRunName(c)
	}
	if ref, err := r.resolveTarget(wfe); err == nil {
		return resources.PipelineRunName(ref.String())
	}
	return ""
}

// countLocksHeld counts the targets locked by this controller's executions:
// executions whose PipelineRun exists, is theirs, and is not yet released
// (running, or kept for its cooldown).
func (r *Reconciler) countLocksHeld() int64 {
	var n int64
	for _, obj := range r.wfeIndexer.List() {
		wfe, ok := obj.(*v1alpha1.WorkflowExecution)
		if !ok || wfe.Status.PipelineRunRef == nil || wfe.Status.LockReleaseTime != nil {
			continue
		}
		ref := wfe.Status.PipelineRunRef
		if pr, err := r.pipelineRunLister.PipelineRuns(ref.Namespace).Get(ref.Name); err == nil && resources.IsOwnedBy(pr, wfe) {
			n++
		}
	}
	return n
}
