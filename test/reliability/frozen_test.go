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
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/audit"
	"kubernaut.ai/workflowexecution/test/rig"
)

// TestFrozenReplicaResumesWithAStaleCache aims at windows a stream hits
// only by chance. Replica B is frozen (SIGSTOP) shortly after an execution
// is created, possibly in the middle of reconciling it; replica A runs the
// execution, records its outcome and releases its lock (deletes the
// PipelineRun). When B resumes, its caches are stale and a reconcile it had
// in flight finishes with what it read before the freeze. Whatever B does,
// the execution must stay Completed with its lock released, its workflow
// must have run once (one PipelineRun: the etcd history checks it), and the
// audit sink must never hear that it failed or was skipped.
//
// Set-ups: HA disabled (split brain), with B frozen until A has released
// the lock; the same with fast runs and B frozen for under 2 s (the
// execution is still young when B resumes); and bucketed leader election
// with B frozen past its lease (it resumes believing it still leads).
func TestFrozenReplicaResumesWithAStaleCache(t *testing.T) {
	soak := currentProfile().Name == "soak"
	for _, tc := range []frozenCase{
		{name: "split brain, HA disabled", rounds: 6, runMin: 300 * time.Millisecond, runMax: 600 * time.Millisecond},
		{name: "split brain, fast runs, frozen under 2s", rounds: 10, runMin: 20 * time.Millisecond, runMax: 80 * time.Millisecond,
			maxFreeze: 1200 * time.Millisecond},
		{name: "bucketed leader election, frozen past the lease", ha: true, rounds: 2, runMin: 300 * time.Millisecond, runMax: 600 * time.Millisecond,
			minFreeze: 8 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.ha && !soak {
				// Split brain (--disable-ha on two replicas) is unsupported:
				// a replica paused mid-reconcile may still create a run on a
				// stale copy, which the controller deletes within
				// milliseconds once its status write reveals the execution
				// ended (docs/reliability.md). That residual window makes
				// these rounds timing-dependent: soak mode only.
				t.Skip("split brain is unsupported; run in soak mode (WFE_RELIABILITY_SOAK=1)")
			}
			if soak {
				tc.rounds *= 5
			}
			s := newSuite(t, suiteOptions{Replicas: 2, HA: tc.ha})
			st := s.newStream(streamOptions{Executions: 1, Targets: 1}) // for its player and watcher
			st.player.minDelay, st.player.maxDelay = tc.runMin, tc.runMax
			b := s.controllers[1]
			start := time.Now()
			problems, phases := frozenRounds(t, s, st, b, tc)
			f := figures{Scenario: "frozen replica resumes: " + tc.name, Executions: tc.rounds, Phases: phases,
				Faults: s.faultCounts(), Unexpected: len(problems), Duration: time.Since(start)}
			if len(problems) > 0 {
				t.Errorf("a replica resuming with a stale cache rewrote history %d time(s):\n%s\nreplica B log:\n%s",
					len(problems), strings.Join(head(problems, 40), "\n"), grepLines(b.Logs(), "frozen-", 30))
			}
			if tc.ha {
				// Each freeze is longer than the lease: B must have noticed
				// it stalled (and so read executions from the API server
				// before creating runs) every time.
				if n := strings.Count(b.Logs(), stallLog); n < tc.rounds {
					t.Errorf("replica B logged %q %d time(s), want one per freeze (%d)", stallLog, n, tc.rounds)
				}
			}
			orphans, held := st.checkReleased(context.Background(), 30*time.Second)
			f.Orphans = len(orphans)
			if len(orphans)+len(held) > 0 {
				t.Errorf("PipelineRuns left behind:\n%s", strings.Join(append(orphans, held...), "\n"))
			}
			f.Violations, f.PipelineRuns = st.checkInvariant(t, false)
			f.Panics = s.checkNoPanic()
			report.add(f)
		})
	}
}

// stallLog is what the controller logs when it notices it was stalled
// (pkg/reconciler/workflowexecution/stall.go).
const stallLog = "The process was stalled"

type frozenCase struct {
	name   string
	ha     bool
	rounds int
	// runMin and runMax bound how long the player takes to finish a run.
	runMin, runMax time.Duration
	// B stays frozen until A has released the lock, but at least minFreeze
	// and, when maxFreeze is set, at most maxFreeze.
	minFreeze, maxFreeze time.Duration
}

func frozenRounds(t *testing.T, s *suite, st *stream, b *rig.Controller, tc frozenCase) ([]string, map[v1alpha1.Phase]int) {
	phases := map[v1alpha1.Phase]int{}
	ctx := context.Background()
	ns := namespaces[0]
	wfes := s.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(ns)
	var problems []string
	for i := 0; i < tc.rounds; i++ {
		name := fmt.Sprintf("frozen-%02d", i)
		w := &v1alpha1.WorkflowExecution{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: v1alpha1.WorkflowExecutionSpec{
				WorkflowRef:    v1alpha1.WorkflowRef{WorkflowID: "restart", Version: "1.0.0", ContainerImage: image},
				TargetResource: fmt.Sprintf("shop/Deployment/frozen-%02d", i),
			},
		}
		if _, err := wfes.Create(ctx, w, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		// Freeze B where it may have a reconcile of the execution in
		// flight: on even rounds 0–60 ms after the creation (its create or
		// adoption of the run), on odd rounds as soon as the execution is
		// Running (B may still be adopting the run A created).
		if i%2 == 0 {
			if err := pause(ctx, s.between(0, 60*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		} else if err := waitPhase(ctx, s, name, v1alpha1.PhaseRunning); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		frozenAt := time.Now()
		b.Pause()
		s.countFault("replica B SIGSTOP while A finishes and releases")
		limit := 2 * time.Minute
		if tc.maxFreeze > 0 {
			limit = tc.maxFreeze
		}
		wctx, cancel := context.WithTimeout(ctx, limit)
		err := wait.PollUntilContextCancel(wctx, 10*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			got, err := wfes.Get(ctx, name, metav1.GetOptions{})
			return err == nil && got.Status.LockReleaseTime != nil, nil
		})
		cancel()
		if err == nil || tc.maxFreeze > 0 {
			err = pause(ctx, tc.minFreeze-time.Since(frozenAt))
		}
		b.Resume()
		if err != nil {
			t.Fatalf("%s: A did not complete and release it with B frozen: %v", name, err)
		}
		// Let the execution settle (B replays its backlog), then look.
		var got *v1alpha1.WorkflowExecution
		_ = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			got, err = wfes.Get(ctx, name, metav1.GetOptions{})
			return err == nil && got.Status.LockReleaseTime != nil, nil
		})
		if err := pause(ctx, 2*time.Second); err != nil {
			t.Fatal(err)
		}
		if got, err = wfes.Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Fatal(err)
		}
		phases[got.Status.Phase]++
		if got.Status.Phase != v1alpha1.PhaseCompleted || got.Status.LockReleaseTime == nil {
			problems = append(problems, fmt.Sprintf("round %d: %s is now %s (lock released: %v)", i, name, describe(got), got.Status.LockReleaseTime != nil))
		}
		for _, ev := range s.sink.Events() {
			if ev.ResourceID == ns+"/"+name && (ev.EventType == audit.EventTypeFailed || ev.EventType == audit.EventTypeSkipped) {
				why := ""
				if ev.EventData.Failure != nil {
					why = fmt.Sprintf(" (%s: %s)", ev.EventData.Failure.Reason, ev.EventData.Failure.Message)
				}
				problems = append(problems, fmt.Sprintf("round %d: the audit sink received %s%s for %s, which Completed", i, ev.EventType, why, name))
				break
			}
		}
	}
	return append(problems, st.watcher.Flips()...), phases
}

func waitPhase(ctx context.Context, s *suite, name string, phase v1alpha1.Phase) error {
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return wait.PollUntilContextCancel(wctx, 20*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		got, err := s.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(namespaces[0]).Get(ctx, name, metav1.GetOptions{})
		return err == nil && got.Status.Phase == phase, nil
	})
}

// grepLines returns the last n lines of log that contain substr and are
// not routine.
func grepLines(log, substr string, n int) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, substr) && !strings.Contains(l, "Reconcile succeeded") {
			out = append(out, l)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return strings.Join(out, "\n")
}
