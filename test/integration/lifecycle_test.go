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
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/wait"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

const waitLong = 30 * time.Second

// prName is the controller's PipelineRun name for target.
var prName = framework.PipelineRunName

func TestCompletedLifecycle(t *testing.T) {
	checkInvariant(t)
	ns := env.Namespace(t, "lifecycle")
	target := env.Target(ns, "Deployment")
	params := map[string]string{"REPLICAS": "3", "NOTE": "a=b\nline two ✓"}
	w := env.Create(t, framework.NewWFE(ns, "restart", target, "restart-deployment", image,
		func(w *v1alpha1.WorkflowExecution) { w.Spec.Parameters = params }))

	running := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	name := prName(t, target)
	if diff := cmp.Diff(&v1alpha1.PipelineRunReference{Name: name, Namespace: rig.ExecutionNamespace}, running.Status.PipelineRunRef); diff != "" {
		t.Errorf("pipelineRunRef (-want, +got): %s", diff)
	}
	if running.Status.StartTime == nil {
		t.Error("startTime not set while Running")
	}
	if c := running.Status.GetSucceededCondition(); c == nil || c.Status != corev1.ConditionUnknown {
		t.Errorf("Succeeded condition while Running = %+v, want Unknown", c)
	}

	pr := env.PipelineRun(t, name)
	if pr == nil {
		t.Fatalf("PipelineRun %s does not exist", name)
	}
	wantLabels := map[string]string{
		workflowexecution.WorkflowExecutionLabelKey: w.Name,
		workflowexecution.SourceNamespaceLabelKey:   ns,
		workflowexecution.WorkflowIDLabelKey:        "restart-deployment",
	}
	for k, v := range wantLabels {
		if pr.Labels[k] != v {
			t.Errorf("PipelineRun label %s = %q, want %q", k, pr.Labels[k], v)
		}
	}
	if got := pr.Annotations[workflowexecution.WorkflowExecutionUIDAnnotationKey]; got != string(w.UID) {
		t.Errorf("PipelineRun UID annotation = %q, want %q", got, w.UID)
	}
	gotParams := map[string]string{}
	for _, p := range pr.Spec.Params {
		gotParams[p.Name] = p.Value.StringVal
	}
	wantParams := map[string]string{"REPLICAS": "3", "NOTE": "a=b\nline two ✓", "TARGET_RESOURCE": mustCanonical(t, target)}
	if diff := cmp.Diff(wantParams, gotParams); diff != "" {
		t.Errorf("PipelineRun params (-want, +got): %s", diff)
	}
	if pr.Spec.PipelineRef == nil || pr.Spec.PipelineRef.Resolver != "bundles" {
		t.Errorf("pipelineRef = %+v, want the bundles resolver", pr.Spec.PipelineRef)
	}

	env.FinishPipelineRun(t, name, corev1.ConditionTrue, "Succeeded", "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0")
	done := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseCompleted, waitLong)
	if !done.Status.IsSuccessful() {
		t.Errorf("Completed execution is not successful: %+v", done.Status.GetSucceededCondition())
	}
	if done.Status.CompletionTime == nil || done.Status.Duration == "" {
		t.Errorf("completionTime/duration not set: %v %q", done.Status.CompletionTime, done.Status.Duration)
	}
	// Cooldown 0: the lock is released at once and the run deleted.
	env.WaitFor(t, ns, w.Name, "released", waitLong, func(w *v1alpha1.WorkflowExecution) bool { return w.Status.LockReleaseTime != nil })
	env.WaitPipelineRunGone(t, name, waitLong)
	wantEvents(t, ns, w.Name, "PipelineRunCreated", "WorkflowCompleted", "LockReleased")
	// The API server had nothing to warn about (a finalizer name without
	// a path drew a warning on every patch).
	if warned := grepLine(env.Controller.Logs(), "API Warning"); warned != "" {
		t.Errorf("the API server warned the controller: %s", warned)
	}
}

// grepLine returns the first line of log that contains substr, or "".
func grepLine(log, substr string) string {
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}

func TestFailedLifecycle(t *testing.T) {
	checkInvariant(t)
	ns := env.Namespace(t, "failed")
	target := env.Target(ns, "StatefulSet")
	w := env.Create(t, framework.NewWFE(ns, "scale", target, "scale-statefulset", image))
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	env.FinishPipelineRun(t, prName(t, target), corev1.ConditionFalse, "PipelineRunTimeout", "PipelineRun \"x\" failed to finish within \"1h0m0s\"")
	got := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseFailed, waitLong)
	fd := got.Status.FailureDetails
	if fd == nil {
		t.Fatal("failureDetails not set")
	}
	if fd.Reason != v1alpha1.FailureReasonDeadlineExceeded {
		t.Errorf("failure reason = %s, want DeadlineExceeded", fd.Reason)
	}
	if c := got.Status.GetSucceededCondition(); c == nil || c.Reason != string(v1alpha1.FailureReasonDeadlineExceeded) {
		t.Errorf("Succeeded condition = %+v, want reason DeadlineExceeded", c)
	}
	if !strings.Contains(fd.NaturalLanguageSummary, "scale-statefulset") || !strings.Contains(fd.NaturalLanguageSummary, target) {
		t.Errorf("summary does not name the workflow and target: %q", fd.NaturalLanguageSummary)
	}
	wantEvents(t, ns, w.Name, "PipelineRunCreated", "WorkflowFailed")
}

func TestInvalidTargetFailsWithoutPipelineRunWhenAdmissionIsBypassed(t *testing.T) {
	// A spec the API server accepts but the controller's configuration
	// forbids: a ServiceAccount outside allowed-service-accounts.
	checkInvariant(t)
	ns := env.Namespace(t, "forbidden-sa")
	target := env.Target(ns, "Deployment")
	forbiddenSA := func(w *v1alpha1.WorkflowExecution) {
		w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{ServiceAccountName: "cluster-admin-sa"}
	}
	withoutPolicy(t, framework.NewWFE(ns, "probe", target, "restart", image, forbiddenSA))
	w := env.Create(t, framework.NewWFE(ns, "sa", target, "restart", image, forbiddenSA))
	got := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseFailed, waitLong)
	if got.Status.FailureDetails == nil || got.Status.FailureDetails.Reason != v1alpha1.FailureReasonConfigurationError {
		t.Fatalf("failureDetails = %+v, want ConfigurationError", got.Status.FailureDetails)
	}
	if !strings.Contains(got.Status.FailureDetails.Message, "serviceAccountName") {
		t.Errorf("message does not name the field: %q", got.Status.FailureDetails.Message)
	}
	if got.Status.FailureDetails.WasExecutionFailure {
		t.Error("wasExecutionFailure = true for a configuration error")
	}
	if pr := env.PipelineRun(t, prName(t, target)); pr != nil {
		t.Errorf("a PipelineRun was created for an invalid execution: %s", pr.Name)
	}
	wantEvents(t, ns, w.Name, "ConfigurationError")
}

func TestFinalizerDeletesOwnRunOnly(t *testing.T) {
	checkInvariant(t)
	ns := env.Namespace(t, "finalizer")
	target := env.Target(ns, "Deployment")
	holder := env.Create(t, framework.NewWFE(ns, "holder", target, "restart", image))
	env.WaitForPhase(t, ns, holder.Name, v1alpha1.PhaseRunning, waitLong)
	skipped := env.Create(t, framework.NewWFE(ns, "second", target, "other-workflow", image))
	env.WaitForPhase(t, ns, skipped.Name, v1alpha1.PhaseSkipped, waitLong)

	// Deleting the Skipped execution must not touch the holder's run.
	deleteWFE(t, ns, skipped.Name)
	env.WaitGone(t, ns, skipped.Name, waitLong)
	if pr := env.PipelineRun(t, prName(t, target)); pr == nil {
		t.Fatal("deleting the Skipped execution deleted the holder's PipelineRun")
	}
	// Deleting the holder deletes its run and lets the finalizer go.
	deleteWFE(t, ns, holder.Name)
	env.WaitGone(t, ns, holder.Name, waitLong)
	env.WaitPipelineRunGone(t, prName(t, target), waitLong)
}

func TestExternallyDeletedRunFailsAndFreesTheLock(t *testing.T) {
	checkInvariant(t)
	ns := env.Namespace(t, "pruned")
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "pruned", target, "restart", image))
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	name := prName(t, target)
	if err := env.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting the PipelineRun: %v", err)
	}
	got := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseFailed, waitLong)
	fd := got.Status.FailureDetails
	if fd == nil || fd.Reason != v1alpha1.FailureReasonUnknown || !fd.WasExecutionFailure || !strings.Contains(fd.Message, "deleted externally") {
		t.Errorf("failureDetails = %+v, want Unknown, wasExecutionFailure, 'deleted externally'", fd)
	}
	// The lock is free: the next execution runs.
	next := env.Create(t, framework.NewWFE(ns, "next", target, "restart", image))
	env.WaitForPhase(t, ns, next.Name, v1alpha1.PhaseRunning, waitLong)
}

func TestHoldLimitCancelsAWedgedRun(t *testing.T) {
	useConfig(t, map[string]string{"cooldown-period": "0s", "stuck-grace-period": "1s"})
	checkInvariant(t)
	ns := env.Namespace(t, "wedged")
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "wedged", target, "restart", image, func(w *v1alpha1.WorkflowExecution) {
		w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{Timeout: &metav1.Duration{Duration: time.Second}}
	}))
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	// Nothing finishes the run: the hold limit must.
	got := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseFailed, waitLong)
	if got.Status.FailureDetails == nil || got.Status.FailureDetails.Reason != v1alpha1.FailureReasonDeadlineExceeded {
		t.Fatalf("failureDetails = %+v, want DeadlineExceeded", got.Status.FailureDetails)
	}
	// The run was cancelled, then deleted when the lock was released.
	env.WaitPipelineRunGone(t, prName(t, target), waitLong)
}

func TestAdoptsARunCreatedBeforeACrash(t *testing.T) {
	checkInvariant(t)
	ctx := context.Background()
	ns := env.Namespace(t, "adopt")
	target := env.Target(ns, "Deployment")

	// The controller "crashes" after creating the PipelineRun and before
	// writing the status: stop it, create the execution and its run as the
	// controller would have, then start it again.
	if err := env.Controller.Stop(); err != nil {
		t.Logf("stopping the controller: %v", err)
	}
	w := env.Create(t, framework.NewWFE(ns, "adopt", target, "restart", image))
	pr := resources.MakePipelineRun(w, config.Defaults(), mustCanonical(t, target))
	created, err := env.Cluster.Tekton.TektonV1().PipelineRuns(pr.Namespace).Create(ctx, pr, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating the PipelineRun: %v", err)
	}
	if err := env.Controller.Restart(); err != nil {
		t.Fatalf("restarting the controller: %v", err)
	}
	got := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	if got.Status.PipelineRunRef == nil || got.Status.PipelineRunRef.Name != created.Name {
		t.Errorf("pipelineRunRef = %+v, want %s", got.Status.PipelineRunRef, created.Name)
	}
	now := env.PipelineRun(t, created.Name)
	if now == nil || now.UID != created.UID {
		t.Errorf("the adopted run was replaced: %v", now)
	}
}

func deleteWFE(t *testing.T, ns, name string) {
	t.Helper()
	if err := env.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("deleting %s/%s: %v", ns, name, err)
	}
}

// mustCanonical is the canonical target the controller resolves target to.
func mustCanonical(t *testing.T, target string) string {
	t.Helper()
	c, err := targettest.Canonical(target)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantEvents waits until the execution has at least the given events (by
// reason), each once, and no event docs/design.md §6 does not list.
func wantEvents(t *testing.T, ns, name string, reasons ...string) {
	t.Helper()
	var got map[string]int
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, waitLong, true, func(ctx context.Context) (bool, error) {
		list, err := env.Cluster.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{
			FieldSelector: fields.OneTermEqualSelector("involvedObject.name", name).String(),
		})
		if err != nil {
			return false, nil
		}
		got = map[string]int{}
		for _, e := range list.Items {
			got[e.Reason] += int(e.Count)
		}
		for _, r := range reasons {
			if got[r] == 0 {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Errorf("events of %s/%s = %v, want at least %v", ns, name, got, reasons)
	}
	for _, r := range reasons {
		if got[r] > 1 {
			t.Errorf("event %s emitted %d times, want once", r, got[r])
		}
	}
	for r := range got {
		if !specEvents.Has(r) {
			t.Errorf("event %s on %s/%s is not one of design.md §6's %v", r, ns, name, sets.List(specEvents))
		}
	}
}

// specEvents are the event reasons docs/design.md §6 lists: one per transition, and
// nothing else (knative's FinalizerUpdate is dropped).
var specEvents = sets.New("PipelineRunCreated", "WorkflowCompleted", "WorkflowFailed", "WorkflowSkipped",
	"LockReleased", "ConfigurationError", "PipelineRunDeleted")

func TestConfigurationReloadsLive(t *testing.T) {
	checkInvariant(t)
	ctx := context.Background()
	ns := env.Namespace(t, "live-config")
	withSA := func(w *v1alpha1.WorkflowExecution) {
		w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{ServiceAccountName: "special-runner"}
	}
	// The controller's live reload, without the admission policy (which
	// reads the same ConfigMap through its own informer).
	withoutPolicy(t, framework.NewWFE(ns, "probe", env.Target(ns, "Deployment"), "restart", image, withSA))
	// Not allowed yet: ConfigurationError.
	first := env.Create(t, framework.NewWFE(ns, "before", env.Target(ns, "Deployment"), "restart", image, withSA))
	env.WaitForPhase(t, ns, first.Name, v1alpha1.PhaseFailed, waitLong)

	// Allow it without restarting the controller; a bad value in the same
	// change is rejected while the good one applies. (The config policy
	// would refuse the bad value at admission: off, as if not installed.)
	withoutConfigPolicy(t)
	cfg := map[string]string{"cooldown-period": "0s", "allowed-service-accounts": "special-runner", "default-timeout": "not-a-duration"}
	if err := env.SetConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.SetConfig(ctx, baseConfig) })
	var got *v1alpha1.WorkflowExecution
	for i := 0; ; i++ {
		w := env.Create(t, framework.NewWFE(ns, fmt.Sprintf("after-%d", i), env.Target(ns, "Deployment"), "restart", image, withSA))
		got = env.WaitFor(t, ns, w.Name, "started or rejected", waitLong, func(w *v1alpha1.WorkflowExecution) bool {
			return w.Status.Phase == v1alpha1.PhaseRunning || w.Status.Phase == v1alpha1.PhaseFailed
		})
		if got.Status.Phase == v1alpha1.PhaseRunning || i == 50 {
			break
		}
	}
	if got.Status.Phase != v1alpha1.PhaseRunning {
		t.Fatalf("the live change of allowed-service-accounts never applied: %+v", got.Status.FailureDetails)
	}
	pr := env.PipelineRun(t, got.Status.PipelineRunRef.Name)
	if pr.Spec.TaskRunTemplate.ServiceAccountName != "special-runner" {
		t.Errorf("serviceAccountName = %q, want special-runner", pr.Spec.TaskRunTemplate.ServiceAccountName)
	}
	if pr.Spec.Timeouts == nil || pr.Spec.Timeouts.Pipeline == nil || pr.Spec.Timeouts.Pipeline.Duration != 30*time.Minute {
		t.Errorf("timeout = %v, want the default 30m kept when default-timeout is rejected", pr.Spec.Timeouts)
	}
	if !strings.Contains(env.Controller.Logs(), "default-timeout") {
		t.Error("the rejected default-timeout was not logged with its key")
	}
}

func TestATerminalStatusIsFinalAtTheAPIServer(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t, "final")
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "final", target, "restart", image))
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	env.FinishPipelineRun(t, prName(t, target), corev1.ConditionTrue, "Succeeded", "done")
	done := env.WaitFor(t, ns, w.Name, "released", waitLong, func(w *v1alpha1.WorkflowExecution) bool { return w.Status.LockReleaseTime != nil })
	// A writer acting on a stale copy (status from before the end) is refused.
	stale := done.DeepCopy()
	stale.Status.Phase = v1alpha1.PhaseRunning
	stale.Status.LockReleaseTime = nil
	_, err := env.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).UpdateStatus(ctx, stale, metav1.UpdateOptions{})
	if err == nil || !strings.Contains(err.Error(), "a terminal phase is final") || !strings.Contains(err.Error(), "cannot be taken back") {
		t.Errorf("rewriting a terminal status: %v, want it refused naming both rules", err)
	}
}
