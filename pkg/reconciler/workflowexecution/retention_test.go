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
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	clientgotesting "k8s.io/client-go/testing"
)

// expiredDelete renders the delete of the execution under test.
const expiredDelete = "delete payment/restart-api uid=" + selfUID

// wfeDeletes renders the WorkflowExecution deletes as "delete ns/name uid=UID".
func (f *fixture) wfeDeletes() []string {
	var out []string
	for _, a := range f.wfes.Actions() {
		if d, ok := a.(clientgotesting.DeleteActionImpl); ok {
			uid := "<none>"
			if p := d.GetDeleteOptions().Preconditions; p != nil && p.UID != nil {
				uid = string(*p.UID)
			}
			out = append(out, "delete "+d.GetNamespace()+"/"+d.GetName()+" uid="+uid)
		}
	}
	return out
}

// delivered records the audit events of a status as delivered.
func delivered(status string, types ...string) string {
	s := status + "auditDelivered:\n"
	for _, t := range types {
		s += "- " + t + "\n"
	}
	return s
}

// TestRetention: a terminal execution is deleted once retention-period has
// passed since its completion, its lock is released and its audit is
// delivered, never earlier (docs/design.md §4.6).
func TestRetention(t *testing.T) {
	// A closed sink: audit enabled, nothing is ever delivered.
	closed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(closed.Close)

	week := 168 * time.Hour
	tests := []struct {
		name   string
		status string
		config map[string]string
		// wantDelete: the execution is deleted in this pass.
		wantDelete bool
		// wantRequeue: the execution comes back by itself after this
		// (a timer: the pass returns the requeue).
		wantRequeue time.Duration
	}{{
		name:       "released, ended more than 168h (the default) ago: deleted",
		status:     released(ended("Completed", week+time.Second)),
		wantDelete: true,
	}, {
		name:       "exactly at the boundary: deleted",
		status:     released(ended("Failed", time.Hour)),
		config:     map[string]string{"retention-period": "1h"},
		wantDelete: true,
	}, {
		name:        "a second before the boundary: kept, timer set",
		status:      released(ended("Completed", time.Hour-time.Second)),
		config:      map[string]string{"retention-period": "1h"},
		wantRequeue: time.Second,
	}, {
		name:        "ended a day ago: kept, timer set (capped)",
		status:      released(ended("Completed", 24*time.Hour)),
		wantRequeue: retentionCheckPeriod,
	}, {
		name:       "Skipped (never held a lock), old: deleted",
		status:     ended("Skipped", week+time.Minute),
		wantDelete: true,
	}, {
		name:   "retention 0 keeps it forever",
		status: released(ended("Completed", 1000*week)),
		config: map[string]string{"retention-period": "0"},
	}, {
		name:   "audit enabled, terminal event not delivered: kept",
		status: released(ended("Completed", week+time.Minute)),
		config: map[string]string{"audit-sink-url": closed.URL},
	}, {
		name:       "audit enabled and delivered: deleted",
		status:     delivered(released(ended("Completed", week+time.Minute)), "workflowexecution.workflow.started", "workflowexecution.workflow.completed"),
		config:     map[string]string{"audit-sink-url": closed.URL},
		wantDelete: true,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := objects(self(t, tc.status))
			s.config = tc.config
			f := newFixture(t, s)
			wantResult := "nil"
			if tc.wantRequeue > 0 {
				wantResult = "requeue-after " + tc.wantRequeue.String()
			}
			if got := requeue(f.reconcile(selfKey)); got != wantResult {
				t.Fatalf("Reconcile() = %s, want %s", got, wantResult)
			}
			var want []string
			if tc.wantDelete {
				want = []string{expiredDelete}
			}
			if diff := cmp.Diff(want, f.wfeDeletes(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("deletes (-want, +got):\n%s", diff)
			}
			if got := f.tektonActions(); len(got) != 0 {
				t.Errorf("Tekton actions = %q, want none", got)
			}
			if f.enqueued(100 * time.Millisecond) {
				t.Error("enqueued by a side effect: the pass returns its requeue")
			}
		})
	}
}

// TestRetentionWaitsForTheLockRelease: an old execution still holding its
// lock is not deleted in the pass that releases it; the pass after the
// release (the watch event of its status write) deletes it.
func TestRetentionWaitsForTheLockRelease(t *testing.T) {
	status := ended("Completed", 200*time.Hour)
	f := newFixture(t, objects(self(t, status), ownPipelineRun(t, prSucceeded)))
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("release pass: %v", err)
	}
	if got := f.wfeDeletes(); len(got) != 0 {
		t.Fatalf("deleted in the pass that released the lock: %q", got)
	}
	if got := f.get(selfKey); got.Status.LockReleaseTime == nil {
		t.Fatal("the lock was not released")
	}
	f.sync()
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("second pass: %v", err)
	}
	if diff := cmp.Diff([]string{expiredDelete}, f.wfeDeletes()); diff != "" {
		t.Errorf("deletes (-want, +got):\n%s", diff)
	}
}

// TestRetentionFollowsTheClock: kept until the fake clock passes the
// expiry, then deleted.
func TestRetentionFollowsTheClock(t *testing.T) {
	s := objects(self(t, released(ended("Completed", time.Minute))))
	s.config = map[string]string{"retention-period": "10m"}
	f := newFixture(t, s)
	for _, step := range []struct {
		advance    time.Duration
		wantDelete bool
	}{{0, false}, {8*time.Minute + 59*time.Second, false}, {time.Second, true}} {
		f.clock.SetTime(f.clock.Now().Add(step.advance))
		if err := f.reconcile(selfKey); reconcileFailed(err) {
			t.Fatalf("Reconcile() = %v", err)
		}
		if got := slices.Contains(f.wfeDeletes(), expiredDelete); got != step.wantDelete {
			t.Errorf("at %s: deleted = %v, want %v", f.clock.Now().Format(time.TimeOnly), got, step.wantDelete)
		}
	}
}
