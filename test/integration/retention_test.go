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

package integration

import (
	"context"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/audit"
	"kubernaut.ai/workflowexecution/test/framework"
)

// TestRetentionDeletesTerminalExecutions: with a retention of seconds, a
// terminal execution is deleted by the controller once retention-period
// has passed since its completion, its lock is released and its audit is
// delivered; never earlier (docs/design.md §4.6).
func TestRetentionDeletesTerminalExecutions(t *testing.T) {
	const retention = 3 * time.Second
	rcv := newReceiver(t)
	rcv.setStatus(http.StatusServiceUnavailable) // audit cannot be delivered yet
	useConfig(t, map[string]string{
		"cooldown-period":     "1s",
		"retention-period":    retention.String(),
		"audit-sink-url":      rcv.srv.URL,
		"audit-drain-timeout": "1s",
	})
	checkInvariant(t)
	ctx := context.Background()
	ns := env.Namespace(t, "retention")
	wfes := env.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(ns)
	events, err := wfes.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer events.Stop()

	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "short-lived", target, "restart", image))
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	env.FinishPipelineRun(t, prName(t, target), corev1.ConditionTrue, "Succeeded", "done")
	done := env.WaitFor(t, ns, w.Name, "terminal and released", waitLong, func(w *v1alpha1.WorkflowExecution) bool {
		return w.Status.IsDone() && w.Status.LockReleaseTime != nil
	})
	expiry := done.Status.CompletionTime.Add(retention)

	// Past its expiry, but the audit sink is down: the execution stays.
	keptUntil := expiry.Add(3 * time.Second)
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, waitLong, true, func(ctx context.Context) (bool, error) {
		got := env.Get(t, ns, w.Name)
		if got.DeletionTimestamp != nil {
			t.Fatalf("deleted before its audit was delivered: %v", got.Status.AuditDelivered)
		}
		return time.Now().After(keptUntil), nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The sink recovers: the events are delivered, recorded, then the
	// execution is deleted.
	rcv.setStatus(http.StatusOK)
	rcv.waitFor(t, ns+"/"+w.Name, audit.EventTypeStarted, audit.EventTypeCompleted)
	var last *v1alpha1.WorkflowExecution
	timeout := time.After(waitLong)
	for gone := false; !gone; {
		select {
		case ev, ok := <-events.ResultChan():
			if !ok {
				t.Fatal("the watch ended")
			}
			if o, isWFE := ev.Object.(*v1alpha1.WorkflowExecution); isWFE && o.Name == w.Name {
				last = o
				gone = ev.Type == watch.Deleted
			}
		case <-timeout:
			t.Fatalf("not deleted within %s of the audit delivery; last seen %+v", waitLong, last.Status)
		}
	}
	st := last.Status
	if last.DeletionTimestamp == nil || last.DeletionTimestamp.Time.Before(expiry) {
		t.Errorf("deletionTimestamp %v, want at or after the expiry %s", last.DeletionTimestamp, expiry.UTC().Format(time.RFC3339))
	}
	if st.LockReleaseTime == nil || !st.IsAuditDelivered(string(audit.EventTypeStarted)) || !st.IsAuditDelivered(string(audit.EventTypeCompleted)) {
		t.Errorf("deleted with lockReleaseTime %v, auditDelivered %v: want both", st.LockReleaseTime, st.AuditDelivered)
	}
	t.Logf("completed %s, expiry %s, deleted %s (audit sink down until %s)",
		st.CompletionTime.UTC().Format(time.TimeOnly), expiry.UTC().Format(time.TimeOnly),
		last.DeletionTimestamp.UTC().Format(time.TimeOnly), keptUntil.UTC().Format(time.TimeOnly))
}
