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
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/audit"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/test/rig"
)

type verifyOptions struct {
	// AllowSkips accepts executions that end Skipped (counted); otherwise
	// a Skipped execution is a wrong terminal state: each is created only
	// once the previous one on its target is terminal, with no cooldown.
	AllowSkips bool
	// ReleaseDeadline bounds the wait for every lock to be released (default 1m).
	ReleaseDeadline time.Duration
	// AuditDeadline bounds the wait for every audit event (default 2m).
	AuditDeadline time.Duration
	// WatchGapsExpected: the informer checker may report what the etcd
	// history disproves (its watches were cut by an API server restart).
	WatchGapsExpected bool
}

// checkInvariant verifies the invariant on the gap-free etcd history and
// on the informer checker, and returns the violations and the number of
// PipelineRuns checked.
func (st *stream) checkInvariant(t *testing.T, gapsExpected bool) (int, int) {
	t.Helper()
	s := st.s
	h := s.history
	var violations []string
	// Let the last revisions arrive.
	_ = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		violations = h.checker.Violations()
		return len(violations) == 0, nil
	})
	violations = append(violations, h.Findings()...)
	if len(violations) > 0 {
		t.Errorf("invariant violated %d time(s) (etcd history):\n%s", len(violations), strings.Join(head(violations, 30), "\n"))
	}
	for _, p := range h.Problems() {
		t.Errorf("etcd history: %s", p)
	}
	runs, running := h.checker.Stats()
	informerRuns, _ := s.checker.Stats()
	if h.events.Load() == 0 || runs < informerRuns || running == 0 {
		t.Errorf("the etcd history is incomplete: %d revisions, %d PipelineRuns (informers saw %d), %d Running executions",
			h.events.Load(), runs, informerRuns, running)
	}
	var informer []string
	_ = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		informer = s.checker.Violations()
		return len(informer) == 0, nil
	})
	switch {
	case len(informer) == 0:
	case gapsExpected && len(violations) == 0:
		st.gapNote = fmt.Sprintf("the informer-based checker, whose watches relisted across the API server restart (it saw %d of %d PipelineRuns, some only after their creation), reported %d finding(s) that the etcd history disproves, e.g. %q",
			informerRuns, runs, len(informer), truncate(informer[0], 160))
		t.Logf("the informer checker reported %d finding(s) that the etcd history disproves (its watches missed writes while the API server was down; it saw %d of %d PipelineRuns):\n%s",
			len(informer), informerRuns, runs, strings.Join(head(informer, 10), "\n"))
	default:
		t.Errorf("invariant violated %d time(s) (informer checker):\n%s", len(informer), strings.Join(head(informer, 30), "\n"))
	}
	return len(violations), runs
}

// verify runs every end-of-stream check, fails t with what it finds and
// returns the scenario's figures.
func (st *stream) verify(t *testing.T, scenario string, opts verifyOptions) figures {
	t.Helper()
	if opts.ReleaseDeadline == 0 {
		opts.ReleaseDeadline = time.Minute
	}
	if opts.AuditDeadline == 0 {
		opts.AuditDeadline = 2 * time.Minute
	}
	s := st.s
	f := figures{Scenario: scenario, Executions: st.opts.Executions, Phases: map[v1alpha1.Phase]int{}, Faults: s.faultCounts(), Duration: st.elapsed}
	ctx := context.Background()

	// 1. Every execution ended, as its PipelineRun dictates.
	var wrong []string
	for _, execs := range st.byTarget {
		for _, e := range execs {
			if e.final != nil && e.err == nil {
				f.Phases[e.final.Status.Phase]++
			}
			if msg := st.checkTerminal(e, opts.AllowSkips); msg != "" {
				wrong = append(wrong, fmt.Sprintf("%s (%s on %s): %s", e.key(), e.act, e.target, msg))
			}
		}
	}
	f.Unexpected = len(wrong)
	if len(wrong) > 0 {
		t.Errorf("%d execution(s) did not end as their PipelineRun dictates:\n%s", len(wrong), strings.Join(head(wrong, 30), "\n"))
	}
	for _, p := range st.player.Problems() {
		t.Error(p)
	}
	// A terminal state is final: no execution may change it afterwards.
	if flips := st.watcher.Flips(); len(flips) > 0 {
		f.Unexpected += len(flips)
		t.Errorf("%d terminal state(s) changed afterwards:\n%s", len(flips), strings.Join(head(flips, 30), "\n"))
	}

	// 2. Every lock is released and no PipelineRun is left behind.
	orphans, held := st.checkReleased(ctx, opts.ReleaseDeadline)
	f.Orphans = len(orphans)
	if len(orphans) > 0 {
		t.Errorf("%d orphaned PipelineRun(s):\n%s", len(orphans), strings.Join(head(orphans, 30), "\n"))
	}
	if len(held) > 0 {
		t.Errorf("%d lock(s) still held %s after the stream (cooldown 0):\n%s", len(held), opts.ReleaseDeadline, strings.Join(head(held, 30), "\n"))
	}

	// 3. The invariant held throughout: the etcd history is the authority
	// (it sees every write); the informer checker must agree unless its
	// watches had gaps (a restarted API server).
	f.Violations, f.PipelineRuns = st.checkInvariant(t, opts.WatchGapsExpected)
	if st.gapNote != "" {
		f.Notes = append(f.Notes, st.gapNote)
	}

	// 4. Every audit event reached the sink.
	a := st.checkAudit(ctx, opts.AuditDeadline)
	f.AuditExpected, f.AuditLost, f.AuditDuplicates = a.expected, a.lost, a.duplicates
	if len(a.problems) > 0 {
		t.Errorf("audit trail: %d problem(s):\n%s", len(a.problems), strings.Join(head(a.problems, 30), "\n"))
	}

	// 5. Nothing panicked.
	f.Panics = s.checkNoPanic()
	return f
}

// checkTerminal returns what is wrong with an execution's end, or "".
func (st *stream) checkTerminal(e *execution, allowSkips bool) string {
	if e.err != nil {
		return e.err.Error()
	}
	if e.final == nil {
		return "never created (its target's stream stopped earlier)"
	}
	w := e.final
	st2 := w.Status
	c := st2.GetSucceededCondition()
	fd := st2.FailureDetails
	lost := st2.Phase == v1alpha1.PhaseFailed && fd != nil && fd.Reason == v1alpha1.FailureReasonUnknown &&
		strings.Contains(fd.Message, "deleted externally") && fd.WasExecutionFailure && c != nil && c.Reason == string(v1alpha1.FailureReasonUnknown)
	if st2.Phase == v1alpha1.PhaseSkipped {
		if allowSkips && st2.SkipDetails != nil {
			return ""
		}
		return "unexpectedly Skipped: " + describe(w)
	}
	if st2.Phase == v1alpha1.PhaseCompleted && (c == nil || c.Status != corev1.ConditionTrue) ||
		st2.Phase == v1alpha1.PhaseFailed && (c == nil || c.Status != corev1.ConditionFalse) {
		return "phase and Succeeded condition disagree: " + describe(w)
	}
	switch e.act {
	case actSucceed:
		if st2.Phase != v1alpha1.PhaseCompleted {
			return "want Completed, got " + describe(w)
		}
	case actFail:
		if st2.Phase != v1alpha1.PhaseFailed || fd == nil || strings.Contains(fd.Message, "externally") ||
			fd.Reason == v1alpha1.FailureReasonConfigurationError || fd.Reason == v1alpha1.FailureReasonDeadlineExceeded {
			return "want Failed by the PipelineRun, got " + describe(w)
		}
	case actDelete:
		if !lost {
			return "want Failed/Unknown \"deleted externally\" with wasExecutionFailure, got " + describe(w)
		}
	case actPrune:
		if st2.Phase != v1alpha1.PhaseCompleted && !lost {
			return "want Completed (or Failed/Unknown \"deleted externally\" if pruned before it was read), got " + describe(w)
		}
	case actStuck:
		if st2.Phase != v1alpha1.PhaseFailed || fd == nil || fd.Reason != v1alpha1.FailureReasonDeadlineExceeded {
			return "want Failed/DeadlineExceeded by the hold limit, got " + describe(w)
		}
		if !st.player.sawCancel(e.key()) {
			return "the hold limit failed the execution but its PipelineRun was never cancelled"
		}
	}
	if st2.PipelineRunRef == nil || st2.StartTime == nil || st2.CompletionTime == nil {
		return "a terminal execution that ran lacks pipelineRunRef, startTime or completionTime: " + describe(w)
	}
	return ""
}

// checkReleased waits until every lock is released and no PipelineRun is
// left, then explains whatever is: orphans (no owner holding the lock) and
// locks still held.
func (st *stream) checkReleased(ctx context.Context, deadline time.Duration) (orphans, held []string) {
	s := st.s
	prs := s.cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace)
	var left []string
	_ = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, deadline, true, func(ctx context.Context) (bool, error) {
		orphans, held, left = nil, nil, nil
		list, err := prs.List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		wfes := map[string]*v1alpha1.WorkflowExecution{}
		for _, ns := range namespaces {
			l, err := s.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, nil
			}
			for i := range l.Items {
				w := &l.Items[i]
				wfes[w.Namespace+"/"+w.Name] = w
				if w.Status.PipelineRunRef != nil && w.Status.LockReleaseTime == nil {
					held = append(held, fmt.Sprintf("%s/%s (%s) still holds %s", w.Namespace, w.Name, describe(w), w.Status.PipelineRunRef.Name))
				}
			}
		}
		for i := range list.Items {
			pr := &list.Items[i]
			o := resources.OwnerOf(pr)
			w := wfes[o.Namespace+"/"+o.Name]
			desc := fmt.Sprintf("PipelineRun %s (uid %s, owner %s/%s uid %s, done %v, spec.status %q)",
				pr.Name, pr.UID, o.Namespace, o.Name, o.UID, pr.IsDone(), pr.Spec.Status)
			switch {
			case w == nil || w.UID != o.UID:
				orphans = append(orphans, desc+": its execution is gone")
			case w.Status.LockReleaseTime != nil:
				orphans = append(orphans, desc+": its execution released the lock at "+w.Status.LockReleaseTime.String())
			case w.Status.PipelineRunRef == nil || w.Status.PipelineRunRef.Name != pr.Name:
				orphans = append(orphans, desc+": its execution does not reference it ("+describe(w)+")")
			default:
				left = append(left, desc)
			}
		}
		return len(list.Items) == 0 && len(held) == 0, nil
	})
	return orphans, held
}

type auditResult struct {
	expected, lost, duplicates int
	problems                   []string
}

// checkAudit waits until the sink has every event the executions call
// for, then checks ids, duplicates and spurious events.
func (st *stream) checkAudit(ctx context.Context, deadline time.Duration) auditResult {
	s := st.s
	// The final copies: expected events follow from the terminal status.
	want := map[string]map[audit.EventType]*v1alpha1.WorkflowExecution{}
	var res auditResult
	for _, e := range st.byKey {
		w := e.final
		if w == nil || !w.Status.IsDone() {
			continue
		}
		types := map[audit.EventType]*v1alpha1.WorkflowExecution{}
		switch w.Status.Phase {
		case v1alpha1.PhaseCompleted:
			types[audit.EventTypeCompleted] = w
		case v1alpha1.PhaseFailed:
			types[audit.EventTypeFailed] = w
		case v1alpha1.PhaseSkipped:
			types[audit.EventTypeSkipped] = w
		}
		if w.Status.Phase != v1alpha1.PhaseSkipped && w.Status.PipelineRunRef != nil {
			types[audit.EventTypeStarted] = w
		}
		want[e.key()] = types
		res.expected += len(types)
	}
	type got struct {
		ids   map[string]bool
		count int
		ev    audit.Event
	}
	var received map[string]map[audit.EventType]*got
	collect := func() int {
		received = map[string]map[audit.EventType]*got{}
		for _, ev := range s.sink.Events() {
			m := received[ev.ResourceID]
			if m == nil {
				m = map[audit.EventType]*got{}
				received[ev.ResourceID] = m
			}
			g := m[ev.EventType]
			if g == nil {
				g = &got{ids: map[string]bool{}, ev: ev}
				m[ev.EventType] = g
			}
			g.ids[ev.EventID] = true
			g.count++
		}
		missing := 0
		for key, types := range want {
			for t := range types {
				if received[key][t] == nil {
					missing++
				}
			}
		}
		return missing
	}
	_ = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, deadline, true, func(context.Context) (bool, error) {
		return collect() == 0, nil
	})
	st.auditComplete = time.Now()
	collect()
	var lostList []string
	for key, types := range want {
		for t, w := range types {
			g := received[key][t]
			if g == nil {
				res.lost++
				lostList = append(lostList, fmt.Sprintf("%s %s never delivered (status auditDelivered=%v)", key, t, w.Status.AuditDelivered))
				continue
			}
			res.duplicates += g.count - 1
			wantID := audit.EventID(w, t)
			for id := range g.ids {
				if id != wantID {
					res.problems = append(res.problems, fmt.Sprintf("%s %s delivered with event_id %s, want %s", key, t, id, wantID))
				}
			}
			if g.ev.EventOutcome != t.Outcome() {
				res.problems = append(res.problems, fmt.Sprintf("%s %s has event_outcome %q, want %q", key, t, g.ev.EventOutcome, t.Outcome()))
			}
		}
	}
	sort.Strings(lostList)
	res.problems = append(res.problems, lostList...)
	for key, types := range received {
		if _, ours := st.byKey[key]; !ours {
			continue
		}
		for t := range types {
			if _, ok := want[key][t]; !ok {
				why := ""
				if f := types[t].ev.EventData.Failure; f != nil {
					why = fmt.Sprintf(" saying %s: %s", f.Reason, f.Message)
				}
				res.problems = append(res.problems, fmt.Sprintf("%s: spurious %s event%s (final state %s)", key, t, why, describe(st.byKey[key].final)))
			}
		}
	}
	return res
}
