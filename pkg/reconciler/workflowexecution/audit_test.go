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
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilcache "k8s.io/apimachinery/pkg/util/cache"
	clientgotesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/audit"
)

// auditSink is a datastorage audit sink.
type auditSink struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	events []map[string]any
}

func newAuditSink(t *testing.T, status int) *auditSink {
	t.Helper()
	s := &auditSink{status: status}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/audit/events/batch" {
			t.Errorf("audit request %s %s, want POST /api/v1/audit/events/batch", r.Method, r.URL.Path)
		}
		var batch []map[string]any
		if err := json.NewDecoder(r.Body).Decode(&batch); err != nil {
			t.Errorf("audit body is not a JSON array: %v", err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.status/100 == 2 {
			s.events = append(s.events, batch...)
		}
		w.WriteHeader(s.status)
	}))
	t.Cleanup(s.Close)
	return s
}

// types returns the event types received, in order.
func (s *auditSink) types() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range s.events {
		out = append(out, e["event_type"].(string))
	}
	return out
}

// waitFor waits until the sink received n events.
func (s *auditSink) waitFor(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if len(s.types()) >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the sink received %q, want %d events", s.types(), n)
}

// TestAuditDeliveredAndRecorded: the started and completed events reach
// the sink once, and their delivery is recorded in the status so that a
// restarted controller does not send them again (docs/design.md §6).
func TestAuditDeliveredAndRecorded(t *testing.T) {
	sink := newAuditSink(t, http.StatusOK)
	s := objects(self(t, statusRunning), ownPipelineRun(t, prSucceeded))
	s.config = map[string]string{"audit-sink-url": sink.URL}
	f := newFixture(t, s)

	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	// Only the committed state is audited: the pass that read Running sends
	// started; completed goes out once the Completed status is read back.
	sink.waitFor(t, 1)
	if diff := cmp.Diff([]string{string(audit.EventTypeStarted)}, sink.types()); diff != "" {
		t.Errorf("audit events of the pass that marked Completed (-want, +got):\n%s", diff)
	}
	f.sync()
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() on the committed Completed status = %v", err)
	}
	sink.waitFor(t, 2)
	if diff := cmp.Diff(sorted([]string{string(audit.EventTypeStarted), string(audit.EventTypeCompleted)}), sorted(sink.types())); diff != "" {
		t.Errorf("audit events (-want, +got):\n%s", diff)
	}
	// The delivery callback enqueues the execution to record it.
	if !f.enqueued(10 * time.Second) {
		t.Fatal("the execution was not enqueued after the delivery")
	}
	f.events()
	f.writes()
	f.sync()
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() after delivery = %v", err)
	}
	// The execution holds its lock for the cooldown: the delivery is
	// recorded with the release, in the same write.
	if got := f.writes(); len(got) != 0 {
		t.Errorf("writes during the cooldown = %q, want none (recorded with the release)", got)
	}
	f.clock.SetTime(now.Add(6 * time.Minute))
	f.sync()
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() after the cooldown = %v", err)
	}
	got := f.get(selfKey)
	if diff := cmp.Diff(sorted([]string{string(audit.EventTypeStarted), string(audit.EventTypeCompleted)}), sorted(got.Status.AuditDelivered)); diff != "" {
		t.Errorf("auditDelivered (-want, +got):\n%s", diff)
	}
	if got.Status.LockReleaseTime == nil {
		t.Error("the lock was not released after the cooldown")
	}
	if got := f.writes(); len(got) != 1 {
		t.Errorf("writes = %q, want the one status write recording the release and the delivery", got)
	}
	if got := f.events(); len(got) != 1 || !strings.Contains(got[0], "LockReleased") {
		t.Errorf("events = %q, want only LockReleased (none for the audit bookkeeping)", got)
	}

	// Nothing is sent or written again.
	f.sync()
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("third Reconcile() = %v", err)
	}
	if got := f.writes(); len(got) != 0 {
		t.Errorf("third reconcile writes = %q, want none", got)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(sink.types()); n != 2 {
		t.Errorf("the sink received %d events, want 2 (no re-send)", n)
	}
	// The event ids are deterministic (WFE UID + type).
	sink.mu.Lock()
	defer sink.mu.Unlock()
	for _, e := range sink.events {
		want := audit.EventID(got, audit.EventType(e["event_type"].(string)))
		if e["event_id"] != want {
			t.Errorf("event_id = %v, want %s", e["event_id"], want)
		}
	}
}

// TestAuditDeletionWaitsForTerminalEvent: deleting an execution waits for
// its terminal audit event up to audit-drain-timeout, then goes on.
func TestAuditDeletionWaitsForTerminalEvent(t *testing.T) {
	tests := []struct {
		name       string
		delivered  bool
		later      time.Duration // a second reconcile this much later
		wantFirst  string
		wantResult string
		// wantFinalized: the finalizer is removed. The run is deleted by
		// the first pass in every case, before any wait.
		wantFinalized bool
	}{{
		name:       "undelivered: wait the drain timeout from when the deletion is first seen",
		wantFirst:  "requeue-after 30s",
		later:      10 * time.Second,
		wantResult: "requeue-after 20s",
	}, {
		name:          "undelivered, drain timeout passed: dropped, cleanup goes on",
		wantFirst:     "requeue-after 30s",
		later:         31 * time.Second,
		wantResult:    "nil",
		wantFinalized: true,
	}, {
		name:          "delivered: cleanup goes on",
		delivered:     true,
		wantFirst:     "nil",
		wantResult:    "nil",
		wantFinalized: true,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := newAuditSink(t, http.StatusServiceUnavailable)
			w := self(t, ended("Completed", time.Minute))
			// Deleted long ago, e.g. while the controller was down: the
			// event still gets the whole drain timeout.
			ts := metav1.NewTime(now.Add(-time.Hour))
			w.DeletionTimestamp = &ts
			if tc.delivered {
				w.Status.AuditDelivered = []string{string(audit.EventTypeStarted), string(audit.EventTypeCompleted)}
			}
			s := objects(w, ownPipelineRun(t, prSucceeded))
			s.config = map[string]string{"audit-sink-url": sink.URL, "audit-drain-timeout": "30s"}
			f := newFixture(t, s)
			if got := requeue(f.reconcile(selfKey)); got != tc.wantFirst {
				t.Errorf("first Reconcile() = %s, want %s", got, tc.wantFirst)
			}
			if got := f.tektonActions(); !slices.Equal(got, []string{deleteOwn}) {
				t.Errorf("first pass Tekton actions = %q, want the run deleted before any wait", got)
			}
			if got := f.events(); !slices.Equal(got, []string{"Normal PipelineRunDeleted"}) {
				t.Errorf("first pass events = %q, want PipelineRunDeleted", got)
			}
			if !tc.delivered {
				f.clock.SetTime(now.Add(tc.later))
				if got := requeue(f.reconcile(selfKey)); got != tc.wantResult {
					t.Errorf("Reconcile() %s later = %s, want %s", tc.later, got, tc.wantResult)
				}
			}
			if runExists(t, f, prUID) {
				t.Error("the PipelineRun still exists")
			}
			if got := f.events(); len(got) != 0 {
				t.Errorf("events of the later pass = %q, want none: the deletion is reported once", got)
			}
			finalized := !slices.Contains(f.get(selfKey).Finalizers, finalizer)
			if finalized != tc.wantFinalized {
				t.Errorf("finalizer removed = %v, want %v", finalized, tc.wantFinalized)
			}
		})
	}
}

// TestAuditSinkChangedLive: when the audit configuration changes, the
// events not recorded as delivered go to the new sink; disabling audit
// stops sending.
func TestAuditSinkChangedLive(t *testing.T) {
	down := newAuditSink(t, http.StatusServiceUnavailable)
	up := newAuditSink(t, http.StatusOK)
	s := objects(self(t, statusRunning), ownPipelineRun(t, prSucceeded))
	s.config = map[string]string{"audit-sink-url": down.URL, "audit-drain-timeout": "0s"}
	f := newFixture(t, s)
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	f.setConfig(map[string]string{"audit-sink-url": up.URL})
	f.sync()
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() after the change = %v", err)
	}
	up.waitFor(t, 2)
	if diff := cmp.Diff(sorted([]string{string(audit.EventTypeStarted), string(audit.EventTypeCompleted)}), sorted(up.types())); diff != "" {
		t.Errorf("events at the new sink (-want, +got):\n%s", diff)
	}

	// Same configuration again: the sender is kept (no re-send).
	f.setConfig(map[string]string{"audit-sink-url": up.URL})
	// Disabled: nothing is sent, nothing is recorded.
	f.setConfig(map[string]string{})
	other := objects(wfe(t, otherNS, otherName, otherUID, otherWorkflow, "payment/Deployment/web", ""))
	for _, o := range other.cached {
		f.toAPI(o)
		f.toCache(o)
	}
	if err := f.reconcile(otherNS + "/" + otherName); reconcileFailed(err) {
		t.Fatalf("Reconcile() with audit disabled = %v", err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(up.types()); n != 2 {
		t.Errorf("the sink received %d events %q, want 2 (audit disabled)", n, up.types())
	}
	if got := f.get(otherNS + "/" + otherName).Status.AuditDelivered; len(got) != 0 {
		t.Errorf("auditDelivered = %q with audit disabled, want none", got)
	}
}

// TestAuditDeletedWhileRunning: an execution deleted before it ended gets
// a terminal (failed) audit event; its status is not written.
func TestAuditDeletedWhileRunning(t *testing.T) {
	sink := newAuditSink(t, http.StatusOK)
	w := self(t, statusRunning)
	ts := metav1.NewTime(now)
	w.DeletionTimestamp = &ts
	s := objects(w, ownPipelineRun(t, prRunning))
	s.config = map[string]string{"audit-sink-url": sink.URL}
	f := newFixture(t, s)
	if got := requeue(f.reconcile(selfKey)); got != "requeue-after 30s" {
		t.Errorf("Reconcile() = %s, want a wait for the terminal event", got)
	}
	sink.waitFor(t, 2)
	if diff := cmp.Diff(sorted([]string{string(audit.EventTypeStarted), string(audit.EventTypeFailed)}), sorted(sink.types())); diff != "" {
		t.Errorf("audit events (-want, +got):\n%s", diff)
	}
	if got := f.writes(); len(got) != 0 {
		t.Errorf("status writes for a deleted execution: %v", got)
	}
}

// TestAuditTrailPrune: outcomes that outlive auditForgetAfter belong to
// executions that are gone; they expire, the recent ones stay, and the
// cache is bounded.
func TestAuditTrailPrune(t *testing.T) {
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clk := clocktesting.NewFakePassiveClock(at)
	a := newAuditTrail(clk)
	a.settle("old")
	clk.SetTime(at.Add(auditForgetAfter))
	a.settle("recent")
	clk.SetTime(at.Add(auditForgetAfter + time.Second))
	var left []string
	for _, k := range a.settled.Keys() {
		left = append(left, fmt.Sprint(k))
	}
	if len(left) != 1 || left[0] != "recent" {
		t.Errorf("settled after auditForgetAfter = %q, want [recent]", left)
	}
	for i := range auditEntries + 10 {
		a.settle(fmt.Sprint(i))
	}
	if n := len(a.settled.Keys()); n != auditEntries {
		t.Errorf("%d outcomes remembered, want at most %d", n, auditEntries)
	}
}

// TestAuditFinalizationRetriedAfterDelivery: deletion waited for the
// terminal event, which was delivered; the finalizer patch that followed
// conflicted. The retried finalization goes on at once: it neither waits
// for the drain timeout again nor sends the events a second time.
func TestAuditFinalizationRetriedAfterDelivery(t *testing.T) {
	sink := newAuditSink(t, http.StatusOK)
	w := self(t, released(ended("Completed", time.Minute)))
	ts := metav1.NewTime(now)
	w.DeletionTimestamp = &ts
	s := objects(w)
	s.config = map[string]string{"audit-sink-url": sink.URL, "audit-drain-timeout": "30s"}
	f := newFixture(t, s)
	if got := requeue(f.reconcile(selfKey)); got != "requeue-after 30s" {
		t.Fatalf("first Reconcile() = %s, want requeue-after 30s (waiting for the terminal event)", got)
	}
	sink.waitFor(t, 2)
	if !f.enqueued(10 * time.Second) {
		t.Fatal("the delivery did not enqueue the execution")
	}
	conflicted := false
	f.wfes.PrependReactor("patch", "workflowexecutions", func(clientgotesting.Action) (bool, runtime.Object, error) {
		if conflicted {
			return false, nil, nil
		}
		conflicted = true
		return true, nil, apierrors.NewConflict(v1alpha1.Resource("workflowexecutions"), selfName, errors.New("the object has been modified"))
	})
	if got := requeue(f.reconcile(selfKey)); got != "error" {
		t.Fatalf("second Reconcile() = %s, want error (the finalizer patch conflicted)", got)
	}
	if got := requeue(f.reconcile(selfKey)); got != "nil" {
		t.Errorf("retried Reconcile() = %s, want nil (the event was delivered)", got)
	}
	if slices.Contains(f.get(selfKey).Finalizers, finalizer) {
		t.Error("the finalizer is still there after the retry")
	}
	if got := sink.types(); len(got) != 2 {
		t.Errorf("the sink received %q, want the 2 events once", got)
	}
}

// TestForgetOnDelete: once the informer saw an execution deleted, nothing
// the process kept about it remains, tombstones included.
func TestForgetOnDelete(t *testing.T) {
	r := &Reconciler{audit: newAuditTrail(clocktesting.NewFakePassiveClock(now)), fresh: newFreshness(clocktesting.NewFakePassiveClock(now), nil, nil)}
	gone := self(t, released(ended("Completed", time.Minute)))
	tomb := wfe(t, otherNS, otherName, otherUID, otherWorkflow, "payment/Deployment/web", ended("Failed", time.Minute))
	for _, w := range []*v1alpha1.WorkflowExecution{gone, tomb} {
		r.fresh.progress.Add(w.UID, 2, progressTTL)
		r.audit.deleting.Add(w.UID, now, time.Hour)
		for _, typ := range audit.EventTypesFor(w) {
			r.audit.settle(audit.EventID(w, typ))
		}
	}
	r.forget(gone)
	r.forget(cache.DeletedFinalStateUnknown{Key: otherNS + "/" + otherName, Obj: tomb})
	r.forget("not an execution")
	if keys := r.fresh.progress.Keys(); len(keys) != 0 {
		t.Errorf("progress still holds %v", keys)
	}
	for name, m := range map[string]*utilcache.LRUExpireCache{"settled": r.audit.settled, "deleting": r.audit.deleting} {
		if keys := m.Keys(); len(keys) != 0 {
			t.Errorf("%s still holds %v", name, keys)
		}
	}
}

// TestDeletedRunningExecutionStopsItsRunBeforeTheAuditWait: with the audit
// sink down, deleting a running execution stops its run at once; only the
// finalizer waits (audit-drain-timeout) for the terminal event.
func TestDeletedRunningExecutionStopsItsRunBeforeTheAuditWait(t *testing.T) {
	sink := newAuditSink(t, http.StatusServiceUnavailable)
	w := self(t, statusRunning)
	ts := metav1.NewTime(now)
	w.DeletionTimestamp = &ts
	s := objects(w, ownPipelineRun(t, prRunning))
	s.config = map[string]string{"audit-sink-url": sink.URL, "audit-drain-timeout": "30s"}
	f := newFixture(t, s)
	if got := requeue(f.reconcile(selfKey)); got != "requeue-after 30s" {
		t.Errorf("Reconcile() = %s, want requeue-after 30s (the finalizer waits for the audit)", got)
	}
	if runExists(t, f, prUID) {
		t.Errorf("the run is still there while the finalizer waits for the audit sink (actions %q)", f.tektonActions())
	}
	if got := f.events(); !slices.Equal(got, []string{"Normal PipelineRunDeleted"}) {
		t.Errorf("events = %q, want PipelineRunDeleted", got)
	}
	if !slices.Contains(f.get(selfKey).Finalizers, finalizer) {
		t.Error("the finalizer was removed before the audit drain")
	}
}

// TestAuditLongRunDoesNotResendStarted: a run whose status does not change
// for longer than auditForgetAfter (one long task) must not send its
// started event again when the settled outcome is pruned: the outcome is
// recorded in the status once it has waited auditRecordAfter, and what the
// status records is never sent again.
func TestAuditLongRunDoesNotResendStarted(t *testing.T) {
	sink := newAuditSink(t, http.StatusOK)
	clk := clocktesting.NewFakePassiveClock(now)
	enqueued := make(chan types.NamespacedName, 10)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	senders := audit.NewSwitch(ctx, zap.NewNop().Sugar(), nil, nil)
	senders.OnStore(config.ConfigName, &config.WorkflowExecution{
		AuditSinkURL: sink.URL, AuditFormat: "datastorage", AuditBufferSize: 100,
	})
	senders.StartWhenSynced()
	a := newAuditTrail(clk)
	a.senders = senders
	a.enqueue = func(k types.NamespacedName) { enqueued <- k }
	sender := a.sender()

	// pass runs the audit part of a pass on the committed status read and
	// returns the status the pass would write (nil: nothing to write).
	pass := func(read *v1alpha1.WorkflowExecution) *v1alpha1.WorkflowExecution {
		t.Helper()
		w := read.DeepCopy()
		a.sync(ctx, read, w, false)
		if cmp.Equal(read.Status, w.Status) {
			return nil
		}
		return w
	}
	committed := self(t, statusRunning)
	if w := pass(committed); w != nil {
		t.Fatalf("the first pass writes %v", w.Status.AuditDelivered)
	}
	sink.waitFor(t, 1)
	select {
	case <-enqueued:
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery did not enqueue the execution")
	}
	// The hold-limit check brings a running execution back every minute.
	for m := 1; m < 5; m++ {
		clk.SetTime(now.Add(time.Duration(m) * time.Minute))
		if w := pass(committed); w != nil {
			t.Fatalf("after %d min: a write just to record the delivery (%v); want it only after %s", m, w.Status.AuditDelivered, auditRecordAfter)
		}
	}
	clk.SetTime(now.Add(auditRecordAfter))
	if w := pass(committed); w == nil || !w.Status.IsAuditDelivered(string(audit.EventTypeStarted)) {
		t.Errorf("after %s: the delivery of started is not recorded in the status", auditRecordAfter)
	} else {
		committed = w
	}
	// The status write committed; the pass on its watch event forgets the
	// outcome. Long after, its expiry has nothing left to forget.
	if w := pass(committed); w != nil {
		t.Errorf("the pass after the recording writes again: %v", w.Status.AuditDelivered)
	}
	for m := 6; m <= 25; m++ {
		clk.SetTime(now.Add(time.Duration(m) * time.Minute))
		if w := pass(committed); w != nil {
			t.Errorf("after %d min: a write (%v)", m, w.Status.AuditDelivered)
		}
		if n := sender.Pending(); n != 0 {
			t.Fatalf("after %d min: %d event(s) queued again: started is re-sent", m, n)
		}
	}
	if got := sink.types(); len(got) != 1 {
		t.Errorf("the sink received %q, want started once", got)
	}
}

// TestDeletedExecutionDoesNotDeleteATerminatingRunAgain: while the
// finalizer waits for the audit sink, the execution's run is already being
// deleted (a finalizer of Tekton Chains or Results holds it): the passes
// neither delete it again nor report it again.
func TestDeletedExecutionDoesNotDeleteATerminatingRunAgain(t *testing.T) {
	sink := newAuditSink(t, http.StatusServiceUnavailable)
	w := self(t, statusRunning)
	ts := metav1.NewTime(now)
	w.DeletionTimestamp = &ts
	pr := ownPipelineRun(t, prRunning)
	pr.DeletionTimestamp = &ts
	pr.Finalizers = []string{"chains.tekton.dev"}
	s := objects(w, pr)
	s.config = map[string]string{"audit-sink-url": sink.URL, "audit-drain-timeout": "30s"}
	f := newFixture(t, s)
	for i := 0; i < 2; i++ {
		if got := requeue(f.reconcile(selfKey)); got == "error" {
			t.Fatalf("Reconcile() = %s", got)
		}
	}
	if got := f.tektonActions(); len(got) != 0 {
		t.Errorf("Tekton requests = %q, want none: the run is already being deleted", got)
	}
	if got := f.events(); len(got) != 0 {
		t.Errorf("events = %q, want none", got)
	}
}
