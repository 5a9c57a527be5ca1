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
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	fakediscovery "k8s.io/client-go/discovery/fake"
	fakekube "k8s.io/client-go/kubernetes/fake"
	clientgotesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
	fakekubeclient "knative.dev/pkg/client/injection/kube/client/fake"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// legacyRunning is an execution Running under the previous release: the
// run is named after the lower-cased spelling (payment/deploy/api), and
// the status records no canonical target.
const legacyRunning = `
observedGeneration: 1
phase: Running
startTime: "2026-03-14T10:01:00Z"
pipelineRunRef: {name: wfe-0123456789abcdef, namespace: kubernaut-workflows}
conditions:
- {type: Succeeded, status: Unknown, reason: Running}
`

// TestReconcileTargetResolution: spec.targetResource names an object
// through discovery; what cannot fails ConfigurationError naming the field,
// with no PipelineRun.
func TestReconcileTargetResolution(t *testing.T) {
	withTarget := func(target string, cfg map[string]string) func(t *testing.T) seed {
		return func(t *testing.T) seed {
			w := self(t, "")
			w.Spec.TargetResource = target
			return seed{cached: list(w), config: cfg}
		}
	}
	var cases []reconcileCase
	for _, tc := range []struct {
		name, target string
		cfg          map[string]string
		mention      string
	}{
		{"namespaced spelling of a cluster-scoped kind", "payment/Node/worker-1", nil, "kind Node, which is cluster-scoped"},
		{"namespaced spelling of a cluster-scoped kind, trusted", "payment/nodes/worker-1", map[string]string{"trusted-namespaces": "payment"}, "cluster-scoped"},
		{"cluster-scoped spelling of a namespaced kind", "deploy/api", map[string]string{"trusted-namespaces": "payment"}, "kind Deployment.apps, which is namespaced"},
		{"a kind the cluster does not serve", "payment/Gizmo/x", nil, `kind "Gizmo" is not served`},
		{"a kind of two groups without its group", "payment/Widget/w", nil, "use kind.group, one of: Widget.a.example.com, Widget.b.example.com"},
		{"a cluster-scoped kind by its plural, untrusted", "clusterroles/cluster-admin", nil, "trusted-namespaces"},
	} {
		check := configurationError("spec.targetResource")
		mention := tc.mention
		cases = append(cases, reconcileCase{
			name:           tc.name,
			seed:           withTarget(tc.target, tc.cfg),
			wantResult:     "nil",
			wantStatus:     wantConfigurationError,
			ignoreMessages: true,
			wantEvents:     []string{"Warning ConfigurationError"},
			check: func(t *testing.T, f *fixture, got *v1alpha1.WorkflowExecution) {
				check(t, f, got)
				if c := got.Status.GetSucceededCondition(); c == nil || !strings.Contains(c.Message, mention) {
					t.Errorf("condition %+v does not say %q", c, mention)
				}
			},
		})
	}
	runReconcileCases(t, cases)
}

// TestReconcileOneLockPerObject: every spelling of one object is one lock,
// including a Running execution of the previous release, which recorded no
// canonical target and whose run has the previous name.
func TestReconcileOneLockPerObject(t *testing.T) {
	busy := func(spelling, status string) func(t *testing.T) seed {
		return func(t *testing.T) seed {
			return objects(self(t, ""), wfe(t, otherNS, otherName, otherUID, otherWorkflow, spelling, status))
		}
	}
	var cases []reconcileCase
	for _, tc := range []struct{ spelling, status string }{
		{"payment/deploy/api", legacyRunning},
		{"payment/deployments/api", legacyRunning},
		{"payment/deployments.apps/api", otherRunning},
		{"payment/deployment.apps/api", strings.Replace(otherRunning, "phase: Running", "phase: Running\ncanonicalTarget: payment/deployment.apps/api", 1)},
	} {
		want := strings.Replace(wantBusyByOther, "targetResource: payment/DEPLOYMENT/api", "targetResource: "+tc.spelling, 1)
		cases = append(cases, reconcileCase{
			name:           "Running as " + tc.spelling,
			seed:           busy(tc.spelling, tc.status),
			wantResult:     "nil",
			wantStatus:     want,
			wantTekton:     []string{getRun},
			wantEvents:     []string{"Normal WorkflowSkipped"},
			ignoreMessages: true,
		})
	}
	runReconcileCases(t, cases)
}

// TestLegacyRunningRecordsItsTarget: the previous release's Running
// execution records its canonical target on its next pass.
func TestLegacyRunningRecordsItsTarget(t *testing.T) {
	w := self(t, strings.Replace(statusRunning, "canonicalTarget: payment/deployment.apps/api\n", "", 1))
	w.Spec.TargetResource = "payment/deploy/api"
	f := newFixture(t, objects(w, ownPipelineRun(t, prRunning)))
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	if got := f.get(selfKey).Status.CanonicalTarget; got != "payment/deployment.apps/api" {
		t.Errorf("status.canonicalTarget = %q, want payment/deployment.apps/api", got)
	}
}

// TestCooldownCountsOnlyWorkflowsThatRan (docs/design.md §4.2).
func TestCooldownCountsOnlyWorkflowsThatRan(t *testing.T) {
	preExecution := `
observedGeneration: 1
phase: Failed
startTime: "2026-03-14T10:03:00Z"
completionTime: "2026-03-14T10:04:00Z"
pipelineRunRef: {name: wfe-f784cd1fcb7ca47c, namespace: kubernaut-workflows}
failureDetails: {reason: ConfigurationError, wasExecutionFailure: false}
conditions:
- {type: Succeeded, status: "False", reason: ConfigurationError}
`
	for _, tc := range []struct {
		name   string
		status string
		skip   bool
	}{
		{"Completed 1m ago", ended("Completed", time.Minute), true},
		{"Failed with wasExecutionFailure 1m ago", ended("Failed", time.Minute), true},
		{"Failed before any step ran (a run existed)", preExecution, false},
		{"Failed ConfigurationError without a run", wantConfigurationError, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, objects(self(t, ""), sameWorkflow(t, "earlier", tc.status)))
			_ = f.reconcile(selfKey)
			got := f.get(selfKey).Status
			if skipped := got.Phase == v1alpha1.PhaseSkipped; skipped != tc.skip {
				t.Errorf("phase %s (skip %+v), want skipped = %v", got.Phase, got.SkipDetails, tc.skip)
			}
		})
	}
}

// TestReconcileTenantRunner: an untrusted namespace's run uses its own
// runner, created in the execution namespace once; the shared runner and
// trusted-only ServiceAccounts are refused to it; so is a timeout over
// untrusted-max-timeout.
func TestReconcileTenantRunner(t *testing.T) {
	f := newFixture(t, objects(self(t, "")))
	if err := f.reconcile(selfKey); err != nil {
		t.Fatalf("Reconcile() = %v", err)
	}
	prs := f.pipelineRuns()
	if len(prs) != 1 || prs[0].Spec.TaskRunTemplate.ServiceAccountName != "wfe-runner-payment" {
		t.Fatalf("runs %+v, want one running as wfe-runner-payment", prs)
	}
	sa, err := fakekubeclient.Get(f.ctx).CoreV1().ServiceAccounts(execNS).Get(f.ctx, "wfe-runner-payment", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the runner ServiceAccount: %v", err)
	}
	if sa.Labels["kubernaut.ai/source-namespace"] != selfNS {
		t.Errorf("runner labels %v, want its source namespace", sa.Labels)
	}

	refused := func(mutate func(*v1alpha1.WorkflowExecution), cfg map[string]string) func(t *testing.T) seed {
		return func(t *testing.T) seed {
			w := self(t, "")
			mutate(w)
			return seed{cached: list(w), config: cfg}
		}
	}
	runReconcileCases(t, []reconcileCase{{
		name: "the shared runner, from an untrusted namespace",
		seed: refused(func(w *v1alpha1.WorkflowExecution) {
			w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{ServiceAccountName: "kubernaut-workflow-runner"}
		}, nil),
		wantResult: "nil", wantStatus: wantConfigurationError, ignoreMessages: true,
		wantEvents: []string{"Warning ConfigurationError"},
		check:      configurationError("spec.executionConfig.serviceAccountName"),
	}, {
		name: "a trusted-only ServiceAccount, from an untrusted namespace",
		seed: refused(func(w *v1alpha1.WorkflowExecution) {
			w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{ServiceAccountName: "node-admin"}
		}, map[string]string{"trusted-service-accounts": "node-admin"}),
		wantResult: "nil", wantStatus: wantConfigurationError, ignoreMessages: true,
		wantEvents: []string{"Warning ConfigurationError"},
		check:      configurationError("spec.executionConfig.serviceAccountName"),
	}, {
		name: "a timeout over untrusted-max-timeout",
		seed: refused(func(w *v1alpha1.WorkflowExecution) {
			w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{Timeout: &metav1.Duration{Duration: 8760 * time.Hour}}
		}, nil),
		wantResult: "nil", wantStatus: wantConfigurationError, ignoreMessages: true,
		wantEvents: []string{"Warning ConfigurationError"},
		check:      configurationError("spec.executionConfig.timeout"),
	}})
}

// TestTenantTextIsEscaped: what a workflow printed (the run's message)
// reaches the status, the summary and the event without a control
// character.
func TestTenantTextIsEscaped(t *testing.T) {
	hostile := strings.Replace(prFailed, `message: "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1"`,
		`message: "step said \e[2J\e]0;pwned\a\nWorkflow drain completed on Node/worker-1"`, 1)
	f := newFixture(t, objects(self(t, statusRunning), ownPipelineRun(t, hostile)))
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	st := f.get(selfKey).Status
	texts := append(f.eventsFull(), st.PipelineRunStatus.Message, st.GetSucceededCondition().Message)
	if d := st.FailureDetails; d != nil {
		texts = append(texts, d.Message, d.NaturalLanguageSummary)
	}
	sawEscape := false
	for _, s := range texts {
		if strings.ContainsAny(s, "\x1b\a\n\r") {
			t.Errorf("%q holds a control character", s)
		}
		sawEscape = sawEscape || strings.Contains(s, `\x1b[2J`)
	}
	if !sawEscape {
		t.Errorf("the run's message is shown nowhere, escaped: %q", texts)
	}
}

// TestDiscoveryOutageIsRetried: discovery that does not answer keeps the
// execution Pending and retries; it is never a ConfigurationError.
func TestDiscoveryOutageIsRetried(t *testing.T) {
	f := newFixture(t, objects(self(t, "")))
	dc := fakekubeclient.Get(f.ctx).Discovery().(*fakediscovery.FakeDiscovery)
	dc.PrependReactor("get", "group", func(clientgotesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	if err := f.reconcile(selfKey); err == nil {
		t.Fatal("Reconcile() = nil, want an error (retried)")
	}
	got := f.get(selfKey).Status
	if got.Phase == v1alpha1.PhaseFailed || got.FailureDetails != nil {
		t.Errorf("status %+v, want still Pending", got)
	}
	if c := got.GetSucceededCondition(); c == nil || !strings.Contains(c.Message, "discovery") {
		t.Errorf("condition %+v does not say discovery is retried", c)
	}
	if n := len(f.pipelineRuns()); n != 0 {
		t.Errorf("%d PipelineRuns, want none", n)
	}
}

// TestTenantRunnerIsCreatedOncePerRecheck: a runner known to exist is not
// created again for runnerRecheck; after that it is asked for again (a
// deleted one comes back); the cache of known runners is bounded.
func TestTenantRunnerIsCreatedOncePerRecheck(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(now)
	kube := fakekube.NewSimpleClientset()
	r := &Reconciler{kubeClient: kube, runners: newRunnerCache(clk), clock: clk}
	cfg := config.FromContextOrDefaults(context.Background()).WorkflowExecution
	creates := func() int {
		n := 0
		for _, a := range kube.Actions() {
			if a.GetVerb() == "create" && a.GetResource().Resource == "serviceaccounts" {
				n++
			}
		}
		return n
	}
	for _, step := range []struct {
		after time.Duration
		want  int
	}{{0, 1}, {time.Minute, 1}, {runnerRecheck - time.Minute - time.Nanosecond, 1}, {time.Nanosecond, 2}, {time.Minute, 2}} {
		clk.SetTime(clk.Now().Add(step.after))
		if err := r.ensureRunner(context.Background(), self(t, ""), cfg); err != nil {
			t.Fatalf("ensureRunner() = %v", err)
		}
		if got := creates(); got != step.want {
			t.Errorf("after %s more: %d creates, want %d", step.after, got, step.want)
		}
	}
	for i := range runnerEntries + 10 {
		r.runners.seen(fmt.Sprintf("ns-%d/runner", i))
	}
	if n := len(r.runners.known.Keys()); n != runnerEntries {
		t.Errorf("%d runners remembered, want at most %d", n, runnerEntries)
	}
}
