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

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilcache "k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/utils/clock"

	"kubernaut.ai/workflowexecution/pkg/apirecovery"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	wfeclientset "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned"
)

// confirmPendingAfter is the age past which a Pending execution is read
// from the API server before it creates its run (see behind).
const confirmPendingAfter = 2 * time.Second

// The progress this process expects the cache to show is per-object
// memory: it lives in one bounded cache with one clean-up rule. An entry
// goes when the cache shows the progress (or the execution is deleted);
// whatever the watch never confirms expires after progressTTL, and the
// least recently used go first past progressEntries. Losing an entry
// early costs at most one pass on a stale copy, which the
// resourceVersion-checked status write rejects.
const (
	progressTTL     = 10 * time.Minute
	progressEntries = 1 << 16
)

// freshness is the reconciler's freshness guard: whether a cached copy of
// an execution may be acted on.
type freshness struct {
	clock     clock.PassiveClock
	wfeClient wfeclientset.Interface
	// stalls tells whether this process was recently paused.
	stalls *apirecovery.StallWatch
	// progress: execution UID -> how far this process moved its status
	// (rank), until the informer's cache shows it.
	progress *utilcache.LRUExpireCache
}

func newFreshness(clk clock.PassiveClock, wfeClient wfeclientset.Interface, stalls *apirecovery.StallWatch) *freshness {
	return &freshness{clock: clk, wfeClient: wfeClient, stalls: stalls,
		progress: utilcache.NewLRUExpireCacheWithClock(progressEntries, clk)}
}

// advanced remembers the progress a committed status write made.
func (f *freshness) advanced(wfe *v1alpha1.WorkflowExecution, before *v1alpha1.WorkflowExecutionStatus) {
	if rank(&wfe.Status) > rank(before) {
		f.progress.Add(wfe.UID, rank(&wfe.Status), progressTTL)
	}
}

// forget drops what the guard keeps about a deleted execution.
func (f *freshness) forget(uid types.UID) {
	f.progress.Remove(uid)
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

// behind guards against a stale informer cache. When this process already
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
// young one after this process stalled (apirecovery.StallWatch): while it was
// frozen, another replica may have led its bucket.
func (f *freshness) behind(ctx context.Context, wfe *v1alpha1.WorkflowExecution) (bool, error) {
	if want, ok := f.progress.Get(wfe.UID); ok {
		if rank(&wfe.Status) < want.(int) {
			return true, nil
		}
		f.progress.Remove(wfe.UID)
		return false, nil
	}
	if rank(&wfe.Status) > 0 || (f.clock.Since(wfe.CreationTimestamp.Time) < confirmPendingAfter && !f.stalls.Suspect()) {
		return false, nil
	}
	fresh, err := f.wfeClient.WorkflowexecutionV1alpha1().WorkflowExecutions(wfe.Namespace).Get(ctx, wfe.Name, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Errorf("reading %s/%s past a stale cache: %w", wfe.Namespace, wfe.Name, err)
	}
	if fresh.UID == wfe.UID {
		wfe.Status = *fresh.Status.DeepCopy()
		wfe.ResourceVersion = fresh.ResourceVersion
	}
	return false, nil
}
