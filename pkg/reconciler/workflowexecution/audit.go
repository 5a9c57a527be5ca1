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
	"errors"
	"time"

	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/types"
	utilcache "k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/utils/clock"
	"knative.dev/pkg/logging"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/audit"
	"kubernaut.ai/workflowexecution/pkg/metrics"
)

// auditForgetAfter is how long an outcome stays in auditTrail.settled
// before it expires. Outcomes are normally forgotten within
// seconds (recorded in status, or the execution deleted); what outlives
// this settled after its execution was gone (a late delivery of an event
// dropped at the drain timeout). Dropping a live one costs at most a
// re-sent event with the same event_id.
const auditForgetAfter = 10 * time.Minute

// auditRecordAfter is how long a settled outcome may wait for a status
// write that happens anyway before a pass writes the status just to record
// it. Without this, a long run whose status does not change (one long task)
// would keep its started outcome in memory only, and auditForgetAfter would
// drop it and send the event again, every 11 minutes or so. It costs one
// write, only for runs that outlive it without any other status change.
const auditRecordAfter = auditForgetAfter / 2

// auditFullRetry is how long an execution waits to enqueue its audit events
// again when the sender's buffer was full.
const auditFullRetry = 5 * time.Second

// auditEntries bounds each of the trail's two caches; past it the least
// recently used entries go first (at worst an event re-sent with the same
// event_id, or a drain timeout counted again from a later pass).
const auditEntries = 1 << 16

// auditTrail connects the reconciler to the audit sender. Delivery state
// lives in each execution's status (AuditDelivered); settled holds the
// outcomes the sender reported that are not yet written there. Both of its
// caches are bounded, and each has one clean-up rule: an entry expires
// (settled: auditForgetAfter after the outcome settled; deleting: the drain
// timeout plus auditForgetAfter after the deletion was first seen), unless
// it is dropped sooner because the status records it or the execution is
// gone (forgetRecorded, forgetAll).
type auditTrail struct {
	metrics *metrics.Recorder
	clock   clock.PassiveClock
	senders *audit.Switch
	// settled: event id -> time.Time it settled.
	settled *utilcache.LRUExpireCache
	// deleting remembers when this process first saw each execution being
	// deleted: the drain timeout counts from then, so an execution deleted
	// while the controller was down still gets its chance.
	deleting *utilcache.LRUExpireCache // UID -> time.Time
	enqueue  func(types.NamespacedName)
	// traceParent, when set, gives the traceparent of an execution's
	// events (tracing.go); "" when tracing is off.
	traceParent func(*v1alpha1.WorkflowExecution) string
}

// newAuditTrail returns a trail with empty caches on clk.
func newAuditTrail(clk clock.PassiveClock) *auditTrail {
	return &auditTrail{clock: clk,
		settled:  utilcache.NewLRUExpireCacheWithClock(auditEntries, clk),
		deleting: utilcache.NewLRUExpireCacheWithClock(auditEntries, clk)}
}

// settle records that an outcome settled now.
func (a *auditTrail) settle(id string) {
	a.settled.Add(id, a.clock.Now(), auditForgetAfter)
}

func (a *auditTrail) sender() *audit.Sender {
	if a == nil {
		return nil
	}
	return a.senders.Sender()
}

// sync enqueues the audit events of read, the execution as this pass read
// it (committed state: an event is never sent for a transition whose status
// write may still fail), and records in wfe's status (the status being
// written) the outcomes the sender settled. To save API writes, settled
// events are recorded only when the status is written anyway (changed),
// when the execution is terminal and holds no lock (whose release would
// write the status later), or once the outcome has waited auditRecordAfter
// (a long run with nothing else to write). Until recorded, a restart
// re-sends an event with the same event_id. It returns when to try again
// when the sender's buffer was full, else 0.
func (a *auditTrail) sync(ctx context.Context, read, wfe *v1alpha1.WorkflowExecution, changed bool) time.Duration {
	sender := a.sender()
	if !sender.Enabled() {
		return 0
	}
	now := a.clock.Now()
	key := types.NamespacedName{Namespace: read.Namespace, Name: read.Name}
	for _, t := range audit.Undelivered(read) {
		id := audit.EventID(read, t)
		if at, ok := a.settled.Get(id); ok {
			if changed || (wfe.Status.IsDone() && !holdsLock(wfe)) || now.Sub(at.(time.Time)) >= auditRecordAfter {
				wfe.Status.MarkAuditDelivered(string(t))
			}
			continue
		}
		ev := audit.NewEvent(read, t, now)
		ev.SetRequester(config.FromContextOrDefaults(ctx).WorkflowExecution.NamespaceTrusted(read.Namespace))
		if a.traceParent != nil {
			ev.TraceParent = a.traceParent(read)
		}
		err := sender.Enqueue(ev, func(ev audit.Event, result string) {
			a.settle(ev.EventID)
			a.enqueue(key)
		})
		if errors.Is(err, audit.ErrBufferFull) {
			logging.FromContext(ctx).Warnw("Audit buffer full; retrying later", zap.String("event", string(t)))
			return auditFullRetry
		}
	}
	// Forget only what the read (committed) status already records: a
	// recording in a status write that fails must not lose the outcome,
	// or the event would be sent again.
	a.forgetRecorded(read)
	return 0
}

// forgetRecorded drops settled outcomes already written in the status.
func (a *auditTrail) forgetRecorded(wfe *v1alpha1.WorkflowExecution) {
	for _, t := range wfe.Status.AuditDelivered {
		a.settled.Remove(audit.EventID(wfe, audit.EventType(t)))
	}
}

// drainWait returns how long deletion should still wait for the terminal
// audit event of wfe, or 0 to go on (delivered, or the drain timeout
// passed: the event is then dropped and counted).
func (a *auditTrail) drainWait(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution, now time.Time) time.Duration {
	sender := a.sender()
	t, terminal := audit.EventTypeFor(wfe)
	if !sender.Enabled() || !terminal {
		return 0
	}
	id := audit.EventID(wfe, t)
	// What is settled stays remembered until the execution is gone (forget,
	// on the informer's delete): a finalization that fails after this (a
	// conflicting finalizer patch) must not wait, nor send, again.
	if _, settled := a.settled.Get(id); settled || wfe.Status.IsAuditDelivered(string(t)) {
		return 0
	}
	first, ok := a.deleting.Get(wfe.UID)
	if !ok {
		// One pass at a time per execution: no other writer of this key.
		first = now
		a.deleting.Add(wfe.UID, now, cfg.AuditDrainTimeout+auditForgetAfter)
	}
	if wait := first.(time.Time).Add(cfg.AuditDrainTimeout).Sub(now); wait > 0 {
		a.sync(ctx, wfe, wfe, false)
		return wait
	}
	if !sender.Drop(id) {
		// Not queued (e.g. the buffer was full): count the loss all the same.
		a.metrics.EventSent(audit.ResultDropped, 1)
	}
	logging.FromContext(ctx).Warnf("Dropped audit event %s of a deleted execution after %s", t, cfg.AuditDrainTimeout)
	a.settle(id)
	return 0
}

// forgetAll drops what the trail keeps about an execution that is gone.
func (a *auditTrail) forgetAll(wfe *v1alpha1.WorkflowExecution) {
	if a == nil {
		return
	}
	a.deleting.Remove(wfe.UID)
	for _, t := range audit.EventTypesFor(wfe) {
		a.settled.Remove(audit.EventID(wfe, t))
	}
}
