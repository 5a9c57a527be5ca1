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

package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	tektonfake "github.com/tektoncd/pipeline/pkg/client/clientset/versioned/fake"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	wfefake "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned/fake"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func exec(ns, name string, uid types.UID, target string, phase v1alpha1.Phase, completed time.Duration) *v1alpha1.WorkflowExecution {
	w := &v1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: uid},
		Spec: v1alpha1.WorkflowExecutionSpec{
			WorkflowRef:    v1alpha1.WorkflowRef{WorkflowID: "restart-deployment"},
			TargetResource: target,
		},
	}
	w.Status.Phase = phase
	switch phase {
	case v1alpha1.PhaseCompleted:
		w.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionTrue}})
	case v1alpha1.PhaseFailed:
		w.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: "TaskFailed"}})
		w.Status.FailureDetails = &v1alpha1.FailureDetails{Reason: v1alpha1.FailureReasonTaskFailed, FailedTaskName: "restart", NaturalLanguageSummary: "Step rollout exited 1."}
	case v1alpha1.PhaseRunning:
		w.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown}})
	}
	if completed != 0 {
		t := metav1.NewTime(now.Add(-completed))
		w.Status.CompletionTime = &t
	}
	return w
}

// run is the PipelineRun that locks w's target, as the controller labels it.
func runOf(w *v1alpha1.WorkflowExecution, succeeded corev1.ConditionStatus) *pipelinev1.PipelineRun {
	canonical, err := v1alpha1.CanonicalTarget(w.Spec.TargetResource)
	if err != nil {
		panic(err)
	}
	pr := &pipelinev1.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: config.DefaultExecutionNamespace, Name: resources.PipelineRunName(canonical),
			UID: types.UID("run-" + string(w.UID)), ResourceVersion: "7",
			CreationTimestamp: metav1.NewTime(now.Add(-10 * time.Minute)),
			Labels: map[string]string{
				workflowexecution.WorkflowExecutionLabelKey: w.Name,
				workflowexecution.SourceNamespaceLabelKey:   w.Namespace,
			},
			Annotations: map[string]string{
				workflowexecution.WorkflowExecutionUIDAnnotationKey: string(w.UID),
				workflowexecution.TargetResourceAnnotationKey:       w.Spec.TargetResource,
				workflowexecution.WorkflowIDAnnotationKey:           w.Spec.WorkflowRef.WorkflowID,
			},
		},
	}
	if succeeded != "" {
		pr.Status.Status = duckv1.Status{Conditions: duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: succeeded}}}
	}
	return pr
}

func fakeClients(wfes []runtime.Object, runs []runtime.Object, kube ...runtime.Object) (*clients, *tektonfake.Clientset) {
	tk := tektonfake.NewSimpleClientset(runs...)
	return &clients{
		wfe:       wfefake.NewSimpleClientset(wfes...),
		tekton:    tk,
		kube:      kubefake.NewSimpleClientset(kube...),
		namespace: "default",
	}, tk
}

func cooldownConfig(d string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kubernaut-system", Name: config.ConfigName},
		Data:       map[string]string{config.CooldownPeriodKey: d},
	}
}

func TestWhy(t *testing.T) {
	w := exec("default", "restart-api", "u1", "default/Deployment/api", v1alpha1.PhaseFailed, time.Minute)
	c, _ := fakeClients([]runtime.Object{w}, nil)
	var out bytes.Buffer
	if err := why(context.Background(), &out, c, "restart-api"); err != nil {
		t.Fatalf("why() = %v", err)
	}
	for _, want := range []string{"default/restart-api: workflow restart-deployment on default/Deployment/api, phase Failed", "Step rollout exited 1.", "recommendation:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
	err := why(context.Background(), &out, c, "nope")
	if !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), "default/nope") {
		t.Errorf("why(nope) = %v, want NotFound naming default/nope", err)
	}
}

func TestLocks(t *testing.T) {
	running := exec("team-a", "drain", "u1", "Node/worker-1", v1alpha1.PhaseRunning, 0)
	done := exec("team-b", "restart", "u2", "team-b/Deployment/api", v1alpha1.PhaseCompleted, time.Minute)
	expired := exec("team-b", "old", "u3", "team-b/Deployment/old", v1alpha1.PhaseFailed, time.Hour)
	gone := exec("team-c", "gone", "u4", "team-c/StatefulSet/db", v1alpha1.PhaseCompleted, time.Minute)
	replaced := exec("team-c", "again", "u5", "team-c/Deployment/web", v1alpha1.PhaseCompleted, time.Minute)
	replacement := replaced.DeepCopy()
	replacement.UID = "u6"
	c, _ := fakeClients(
		[]runtime.Object{running, done, expired, replacement},
		[]runtime.Object{runOf(running, corev1.ConditionUnknown), runOf(done, corev1.ConditionTrue), runOf(expired, corev1.ConditionFalse),
			runOf(gone, corev1.ConditionTrue), runOf(replaced, corev1.ConditionTrue)},
		cooldownConfig("5m"))
	var out bytes.Buffer
	ls, err := listLocks(context.Background(), &out, c, "kubernaut-system", now)
	if err != nil {
		t.Fatalf("listLocks() = %v", err)
	}
	got := map[string]string{}
	for _, l := range ls {
		got[l.target] = strings.Join([]string{l.holder, l.workflow, l.holderState, l.runState, l.cooldown}, " ")
		if !l.since.Equal(now.Add(-10 * time.Minute)) {
			t.Errorf("%s: since = %v, want the run's creation", l.target, l.since)
		}
	}
	want := map[string]string{
		"Node/worker-1":         "team-a/drain restart-deployment Running Running -",
		"team-b/Deployment/api": "team-b/restart restart-deployment Completed Succeeded 4m0s",
		"team-b/Deployment/old": "team-b/old restart-deployment Failed Failed 0s",
		"team-c/StatefulSet/db": "team-c/gone restart-deployment gone Succeeded -",
		"team-c/Deployment/web": "team-c/again restart-deployment replaced Succeeded -",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("lock %s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d locks, want %d: %v", len(got), len(want), got)
	}
	out.Reset()
	if err := locks(context.Background(), &out, c, "kubernaut-system", now); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 6 || !strings.HasPrefix(lines[0], "TARGET") {
		t.Errorf("table:\n%s", out.String())
	}

	empty, _ := fakeClients(nil, nil)
	out.Reset()
	if err := locks(context.Background(), &out, empty, "kubernaut-system", now); err != nil || out.String() != "No locked targets.\n" {
		t.Errorf("locks() on an empty cluster = %v, %q", err, out.String())
	}
}

func TestRelease(t *testing.T) {
	const target = "default/Deployment/api"
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		owner   *v1alpha1.WorkflowExecution // nil: gone
		run     corev1.ConditionStatus
		notOurs bool
		dryRun  bool
		refused string // substring of the refusal; empty: released
	}{
		{name: "running owner", owner: exec("default", "w", "u1", target, v1alpha1.PhaseRunning, 0), run: corev1.ConditionUnknown, refused: "is Running and owns the run"},
		{name: "owner has not read the result", owner: exec("default", "w", "u1", target, v1alpha1.PhaseRunning, 0), run: corev1.ConditionTrue, refused: "kubectl delete wfe -n default w"},
		{name: "pending owner", owner: exec("default", "w", "u1", target, "", 0), run: corev1.ConditionUnknown, refused: "is Pending"},
		{name: "not created by the controller", owner: exec("default", "w", "u1", target, v1alpha1.PhaseFailed, time.Minute), run: corev1.ConditionUnknown, notOurs: true, refused: "not created by the controller"},
		{name: "failed owner, run still running (Tekton ignored the cancel)", owner: exec("default", "w", "u1", target, v1alpha1.PhaseFailed, time.Minute), run: corev1.ConditionUnknown},
		{name: "completed owner within the cooldown", owner: exec("default", "w", "u1", target, v1alpha1.PhaseCompleted, time.Minute), run: corev1.ConditionTrue},
		{name: "owner gone", run: corev1.ConditionUnknown},
		{name: "dry run", run: corev1.ConditionTrue, dryRun: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			template := tc.owner
			if template == nil {
				template = exec("default", "w", "u1", target, v1alpha1.PhaseRunning, 0)
			}
			pr := runOf(template, tc.run)
			if tc.notOurs {
				pr.Annotations = nil
			}
			var wfes []runtime.Object
			if tc.owner != nil {
				wfes = append(wfes, tc.owner)
			}
			c, tk := fakeClients(wfes, []runtime.Object{pr})
			var out bytes.Buffer
			err := release(ctx, &out, c, "kubernaut-system", "default/deployment/api", tc.dryRun)
			_, getErr := tk.TektonV1().PipelineRuns(pr.Namespace).Get(ctx, pr.Name, metav1.GetOptions{})
			switch {
			case tc.refused != "":
				if err == nil || !strings.Contains(err.Error(), "refusing to release default/deployment/api") || !strings.Contains(err.Error(), tc.refused) {
					t.Errorf("release() = %v, want a refusal saying %q", err, tc.refused)
				}
				if getErr != nil {
					t.Errorf("the run is gone after a refusal: %v", getErr)
				}
			case tc.dryRun:
				if err != nil || !strings.HasPrefix(out.String(), "would delete PipelineRun kubernaut-workflows/"+pr.Name) || getErr != nil {
					t.Errorf("dry run: %v, %q, run: %v", err, out.String(), getErr)
				}
			default:
				if err != nil || !strings.HasPrefix(out.String(), "released default/deployment/api: deleted PipelineRun kubernaut-workflows/"+pr.Name) {
					t.Errorf("release() = %v, %q", err, out.String())
				}
				if !apierrors.IsNotFound(getErr) {
					t.Errorf("the run still exists: %v", getErr)
				}
			}
		})
	}

	c, _ := fakeClients(nil, nil)
	var out bytes.Buffer
	if err := release(ctx, &out, c, "kubernaut-system", target, false); err != nil || !strings.Contains(out.String(), "is not locked") {
		t.Errorf("release() of a free target = %v, %q", err, out.String())
	}
	if err := release(ctx, &out, c, "kubernaut-system", "not a target", false); err == nil || !strings.Contains(err.Error(), `target "not a target"`) {
		t.Errorf("release() of a bad target = %v, want an error naming it", err)
	}
}

func TestRunUsage(t *testing.T) {
	noClients := func(options) (*clients, error) { return nil, errors.New("no cluster") }
	for _, args := range [][]string{nil, {"frob"}, {"why"}, {"why", "a", "b"}, {"locks", "x"}, {"release"}, {"why", "--bogus", "x"}} {
		if err := run(context.Background(), args, &bytes.Buffer{}, noClients); !errors.Is(err, errUsage) {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
	}
	var got options
	capture := func(o options) (*clients, error) { got = o; return nil, errors.New("stop") }
	_ = run(context.Background(), []string{"release", "Node/n1", "--dry-run", "--context", "kind", "-n", "x"}, &bytes.Buffer{}, capture)
	if !got.dryRun || got.context != "kind" || got.namespace != "x" || got.systemNamespace != "kubernaut-system" {
		t.Errorf("flags after the argument: %+v", got)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, &out, noClients); err != nil || !strings.Contains(out.String(), "kubectl wfe release") {
		t.Errorf("help: %v %q", err, out.String())
	}
}

func TestVersion(t *testing.T) {
	c, _ := fakeClients(nil, nil, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kubernaut-system", Name: infoConfigMap},
		Data:       map[string]string{"version": "v0.1.0"},
	})
	var out bytes.Buffer
	if err := printVersion(context.Background(), &out, c, "kubernaut-system"); err != nil || !strings.Contains(out.String(), "controller: v0.1.0") ||
		!strings.HasPrefix(out.String(), "kubectl-wfe version=") {
		t.Errorf("version: %v %q", err, out.String())
	}
}
