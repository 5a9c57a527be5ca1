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
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	tektonfake "github.com/tektoncd/pipeline/pkg/client/clientset/versioned/fake"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"

	fakediscovery "k8s.io/client-go/discovery/fake"
	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	wfefake "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned/fake"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// golden compares got with testdata/NAME.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s (run go test -update to create it): %v", path, err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want, +got):\n%s", path, diff)
	}
}

func exec(ns, name string, uid types.UID, target string, phase v1alpha1.Phase, completed time.Duration) *v1alpha1.WorkflowExecution {
	w := &v1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: uid, CreationTimestamp: metav1.NewTime(now.Add(-20 * time.Minute))},
		Spec: v1alpha1.WorkflowExecutionSpec{
			WorkflowRef: v1alpha1.WorkflowRef{WorkflowID: "restart-deployment", Version: "v1",
				ContainerImage: "registry.example/workflows/restart:v1"},
			TargetResource: target,
		},
	}
	w.Status.Phase = phase
	if phase == v1alpha1.PhaseRunning || phase == v1alpha1.PhaseCompleted || phase == v1alpha1.PhaseFailed {
		start := metav1.NewTime(now.Add(-completed - 10*time.Minute))
		w.Status.StartTime = &start
	}
	ltt := apis.VolatileTime{Inner: metav1.NewTime(now.Add(-completed))}
	switch phase {
	case v1alpha1.PhaseCompleted:
		w.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionTrue, Reason: "Succeeded", LastTransitionTime: ltt}})
	case v1alpha1.PhaseFailed:
		w.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: "TaskFailed", Message: "task restart failed", LastTransitionTime: ltt}})
		one := int32(1)
		w.Status.FailureDetails = &v1alpha1.FailureDetails{Reason: v1alpha1.FailureReasonTaskFailed, FailedTaskName: "restart", FailedStepName: "rollout",
			ExitCode: &one, WasExecutionFailure: true, NaturalLanguageSummary: "Step rollout exited 1.", ExecutionTimeBeforeFailure: "5m0s"}
	case v1alpha1.PhaseRunning:
		w.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown, Reason: "Running", LastTransitionTime: ltt}})
	}
	if phase == v1alpha1.PhaseRunning || phase == v1alpha1.PhaseCompleted || phase == v1alpha1.PhaseFailed {
		canonical, err := targettest.Canonical(target)
		if err != nil {
			panic(err)
		}
		w.Status.PipelineRunRef = &v1alpha1.PipelineRunReference{Namespace: config.DefaultExecutionNamespace, Name: resources.PipelineRunName(canonical)}
	}
	if completed != 0 {
		t := metav1.NewTime(now.Add(-completed))
		w.Status.CompletionTime = &t
		if w.Status.StartTime != nil {
			w.Status.Duration = (10 * time.Minute).String()
		}
	}
	return w
}

// runOf is the PipelineRun that locks w's target, as the controller labels it.
func runOf(w *v1alpha1.WorkflowExecution, succeeded corev1.ConditionStatus) *pipelinev1.PipelineRun {
	canonical, err := targettest.Canonical(w.Spec.TargetResource)
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

type fakes struct {
	*clients
	wfe    *wfefake.Clientset
	tekton *tektonfake.Clientset
	kube   *kubefake.Clientset
}

func fakeClients(wfes []runtime.Object, runs []runtime.Object, kube ...runtime.Object) fakes {
	f := fakes{
		wfe:    wfefake.NewSimpleClientset(wfes...),
		tekton: tektonfake.NewSimpleClientset(runs...),
		kube:   kubefake.NewSimpleClientset(kube...),
	}
	// The cluster serves the kinds the tests target (release resolves them).
	targettest.Install(f.kube.Discovery().(*fakediscovery.FakeDiscovery))
	f.clients = &clients{wfe: f.wfe, tekton: f.tekton, kube: f.kube, namespace: "default"}
	return f
}

func cooldownConfig(d string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kubernaut-system", Name: config.ConfigName},
		Data:       map[string]string{config.CooldownPeriodKey: d},
	}
}

// kubectlWFE runs the plugin's command line against c, as main does, and
// returns stdout, stderr and the error. -n sets c's namespace as the real
// client factory would.
func kubectlWFE(c *clients, args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	factory := func(f *genericclioptions.ConfigFlags) (*clients, error) {
		if c == nil {
			return nil, errors.New("no cluster")
		}
		cc := *c
		if f.Namespace != nil && *f.Namespace != "" {
			cc.namespace, cc.explicit = *f.Namespace, true
		}
		return &cc, nil
	}
	cmd := newRootCommand(streams, factory, func() time.Time { return now })
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// cluster is a small cluster: a running execution holding a node, a failed
// one in its cooldown, a skipped one, and one whose run is gone.
func cluster() fakes {
	running := exec("team-a", "drain", "u1", "Node/worker-1", v1alpha1.PhaseRunning, 0)
	running.Labels = map[string]string{"app": "drain"}
	failed := exec("team-a", "restart-api", "u2", "team-a/Deployment/api", v1alpha1.PhaseFailed, time.Minute)
	failed.Spec.Parameters = map[string]string{"REPLICAS": "3", "REASON": "OOM"}
	skipped := exec("team-a", "restart-again", "u3", "team-a/Deployment/api", v1alpha1.PhaseSkipped, 30*time.Second)
	skipped.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionFalse, Reason: "RecentlyRemediated",
		Message: "restart-deployment ran on the target recently", LastTransitionTime: apis.VolatileTime{Inner: metav1.NewTime(now.Add(-30 * time.Second))}}})
	skippedAt := metav1.NewTime(now.Add(-30 * time.Second))
	completedAt := metav1.NewTime(now.Add(-time.Minute))
	skipped.Status.SkipDetails = &v1alpha1.SkipDetails{Reason: v1alpha1.SkipReasonRecentlyRemediated, Message: "restart-deployment ran on the target recently",
		SkippedAt: &skippedAt, RecentRemediation: &v1alpha1.RecentRemediationRef{Namespace: "team-a", Name: "restart-api", WorkflowID: "restart-deployment",
			CompletedAt: &completedAt, Outcome: v1alpha1.PhaseFailed, TargetResource: "team-a/Deployment/api", CooldownRemaining: "4m30s"}}
	done := exec("team-b", "scale-web", "u4", "team-b/Deployment/web", v1alpha1.PhaseCompleted, 2*time.Hour)
	released := metav1.NewTime(now.Add(-time.Hour))
	done.Status.LockReleaseTime = &released
	gone := exec("team-c", "gone", "u5", "team-c/StatefulSet/db", v1alpha1.PhaseCompleted, time.Minute)

	event := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: "team-a", Name: "restart-api.1"},
		InvolvedObject: corev1.ObjectReference{Kind: "WorkflowExecution", Namespace: "team-a", Name: "restart-api", UID: "u2"},
		Type:           corev1.EventTypeWarning, Reason: "Failed", Message: "task restart failed",
		Source:         corev1.EventSource{Component: "workflowexecution-controller"},
		FirstTimestamp: metav1.NewTime(now.Add(-3 * time.Minute)), LastTimestamp: metav1.NewTime(now.Add(-time.Minute)), Count: 2,
	}
	started := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: "team-a", Name: "restart-api.0"},
		InvolvedObject: corev1.ObjectReference{Kind: "WorkflowExecution", Namespace: "team-a", Name: "restart-api", UID: "u2"},
		Type:           corev1.EventTypeNormal, Reason: "Started", Message: "PipelineRun kubernaut-workflows/x created",
		Source:        corev1.EventSource{Component: "workflowexecution-controller"},
		LastTimestamp: metav1.NewTime(now.Add(-15 * time.Minute)), Count: 1,
	}
	// An event of an earlier execution of the same name is not this one's.
	earlier := started.DeepCopy()
	earlier.Name, earlier.InvolvedObject.UID, earlier.Message = "restart-api.old", "u0", "from an earlier execution"
	return fakeClients(
		[]runtime.Object{running, failed, skipped, done},
		[]runtime.Object{runOf(running, corev1.ConditionUnknown), runOf(failed, corev1.ConditionFalse), runOf(gone, corev1.ConditionTrue)},
		cooldownConfig("5m"), event, started, earlier)
}

func TestGet(t *testing.T) {
	c := cluster()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"get", []string{"get", "-n", "team-a"}},
		{"get-wide", []string{"get", "-n", "team-a", "-o", "wide"}},
		{"get-all", []string{"get", "-A"}},
		{"get-all-no-headers", []string{"get", "--all-namespaces", "--no-headers"}},
		{"get-selector", []string{"get", "-n", "team-a", "-l", "app=drain"}},
		{"get-name", []string{"get", "-n", "team-a", "-o", "name"}},
		{"get-json", []string{"get", "-n", "team-b", "-o", "json"}},
		{"get-yaml-one", []string{"get", "-n", "team-a", "drain", "-o", "yaml"}},
		{"get-jsonpath", []string{"get", "-A", "-o", "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {.status.phase}{\"\\n\"}{end}"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := kubectlWFE(c.clients, tc.args...)
			if err != nil || errOut != "" {
				t.Fatalf("%v: %v\n%s", tc.args, err, errOut)
			}
			golden(t, tc.name, out)
		})
	}

	out, errOut, err := kubectlWFE(c.clients, "get", "-n", "empty")
	if err != nil || out != "" || errOut != "No resources found in empty namespace.\n" {
		t.Errorf("get in an empty namespace = %v, %q, %q", err, out, errOut)
	}
	out, errOut, err = kubectlWFE(c.clients, "get", "-n", "team-a", "drain", "nope")
	if !apierrors.IsNotFound(err) || !strings.Contains(out, "drain") || !strings.Contains(err.Error(), "team-a/nope") || errOut != "" {
		t.Errorf("get of a missing name = %v, %q, %q; want the found one printed and NotFound", err, out, errOut)
	}
	if _, _, err := kubectlWFE(c.clients, "get", "-A", "drain"); !errors.Is(err, errUsage) {
		t.Errorf("get -A NAME = %v, want a usage error", err)
	}
}

func TestDescribe(t *testing.T) {
	c := cluster()
	for _, tc := range []struct{ name, ns, wfe string }{
		{"describe-failed", "team-a", "restart-api"},
		{"describe-running", "team-a", "drain"},
		{"describe-skipped", "team-a", "restart-again"},
		{"describe-released", "team-b", "scale-web"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := kubectlWFE(c.clients, "describe", "-n", tc.ns, tc.wfe)
			if err != nil || errOut != "" {
				t.Fatalf("describe: %v\n%s", err, errOut)
			}
			golden(t, tc.name, out)
		})
	}
	_, _, err := kubectlWFE(c.clients, "describe", "-n", "team-a", "nope")
	if !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), "team-a/nope") {
		t.Errorf("describe nope = %v, want NotFound naming team-a/nope", err)
	}
}

// TestDescribeCooldownUnknown: a tenant who may not read the controller's
// configuration sees that the cooldown is unknown, not a guess.
func TestDescribeCooldownUnknown(t *testing.T) {
	c := cluster()
	c.kube.PrependReactor("get", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(corev1.Resource("configmaps"), config.ConfigName, errors.New("tenant"))
	})
	out, _, err := kubectlWFE(c.clients, "describe", "-n", "team-a", "restart-api")
	if err != nil || !regexp.MustCompile(`Cooldown: +unknown: cannot read kubernaut-system/config-workflowexecution`).MatchString(out) {
		t.Errorf("describe without the config: %v\n%s", err, out)
	}
}

func TestWhy(t *testing.T) {
	c := cluster()
	out, _, err := kubectlWFE(c.clients, "why", "-n", "team-a", "restart-api")
	if err != nil {
		t.Fatalf("why: %v", err)
	}
	golden(t, "why-failed", out)
	_, _, err = kubectlWFE(c.clients, "why", "nope")
	if !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), "default/nope") {
		t.Errorf("why nope = %v, want NotFound naming default/nope", err)
	}
}

func TestLocks(t *testing.T) {
	c := cluster()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"locks", []string{"locks"}},
		{"locks-wide", []string{"locks", "-o", "wide"}},
		{"locks-namespace", []string{"locks", "-n", "team-c"}},
		{"locks-all", []string{"locks", "-n", "team-c", "-A", "--no-headers"}},
		{"locks-name", []string{"locks", "-o", "name"}},
		{"locks-json", []string{"locks", "-o", "json"}},
		{"locks-yaml", []string{"locks", "-o", "yaml"}},
		{"locks-jsonpath", []string{"locks", "-o", "jsonpath={range .items[*]}{.target} {.holder.state}{\"\\n\"}{end}"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := kubectlWFE(c.clients, tc.args...)
			if err != nil || errOut != "" {
				t.Fatalf("%v: %v\n%s", tc.args, err, errOut)
			}
			golden(t, tc.name, out)
		})
	}

	empty := fakeClients(nil, nil)
	out, errOut, err := kubectlWFE(empty.clients, "locks")
	if err != nil || out != "" || errOut != "No locked targets.\n" {
		t.Errorf("locks on an empty cluster = %v, %q, %q", err, out, errOut)
	}
}

func TestLockStates(t *testing.T) {
	running := exec("team-a", "drain", "u1", "Node/worker-1", v1alpha1.PhaseRunning, 0)
	done := exec("team-b", "restart", "u2", "team-b/Deployment/api", v1alpha1.PhaseCompleted, time.Minute)
	expired := exec("team-b", "old", "u3", "team-b/Deployment/old", v1alpha1.PhaseFailed, time.Hour)
	gone := exec("team-c", "gone", "u4", "team-c/StatefulSet/db", v1alpha1.PhaseCompleted, time.Minute)
	replaced := exec("team-c", "again", "u5", "team-c/Deployment/web", v1alpha1.PhaseCompleted, time.Minute)
	replacement := replaced.DeepCopy()
	replacement.UID = "u6"
	c := fakeClients(
		[]runtime.Object{running, done, expired, replacement},
		[]runtime.Object{runOf(running, corev1.ConditionUnknown), runOf(done, corev1.ConditionTrue), runOf(expired, corev1.ConditionFalse),
			runOf(gone, corev1.ConditionTrue), runOf(replaced, corev1.ConditionTrue)},
		cooldownConfig("5m"))
	ls, err := listLocks(context.Background(), &bytes.Buffer{}, c.clients, "kubernaut-system", "", now)
	if err != nil {
		t.Fatalf("listLocks() = %v", err)
	}
	got := map[string]string{}
	for _, l := range ls {
		got[l.Target] = strings.Join([]string{l.Holder.Namespace + "/" + l.Holder.Name, l.WorkflowID, l.Holder.State, l.PipelineRun.State, l.CooldownRemaining}, " ")
		if !l.Since.Time.Equal(now.Add(-10 * time.Minute)) {
			t.Errorf("%s: since = %v, want the run's creation", l.Target, l.Since)
		}
	}
	want := map[string]string{
		"Node/worker-1":         "team-a/drain restart-deployment Running Running ",
		"team-b/Deployment/api": "team-b/restart restart-deployment Completed Succeeded 4m0s",
		"team-b/Deployment/old": "team-b/old restart-deployment Failed Failed 0s",
		"team-c/StatefulSet/db": "team-c/gone restart-deployment gone Succeeded ",
		"team-c/Deployment/web": "team-c/again restart-deployment replaced Succeeded ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("locks (-want, +got):\n%s", diff)
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
			c := fakeClients(wfes, []runtime.Object{pr})
			args := []string{"release", "default/deployment/api"}
			if tc.dryRun {
				args = append(args, "--dry-run")
			}
			out, _, err := kubectlWFE(c.clients, args...)
			_, getErr := c.tekton.TektonV1().PipelineRuns(pr.Namespace).Get(ctx, pr.Name, metav1.GetOptions{})
			switch {
			case tc.refused != "":
				if err == nil || !strings.Contains(err.Error(), "refusing to release default/deployment/api") || !strings.Contains(err.Error(), tc.refused) {
					t.Errorf("release = %v, want a refusal saying %q", err, tc.refused)
				}
				if getErr != nil {
					t.Errorf("the run is gone after a refusal: %v", getErr)
				}
			case tc.dryRun:
				if err != nil || !strings.HasPrefix(out, "would delete PipelineRun kubernaut-workflows/"+pr.Name) || getErr != nil {
					t.Errorf("dry run: %v, %q, run: %v", err, out, getErr)
				}
			default:
				if err != nil || !strings.HasPrefix(out, "released default/deployment/api: deleted PipelineRun kubernaut-workflows/"+pr.Name) {
					t.Errorf("release = %v, %q", err, out)
				}
				if !apierrors.IsNotFound(getErr) {
					t.Errorf("the run still exists: %v", getErr)
				}
			}
		})
	}

	// Every spelling of the object names its one lock (the run of the
	// canonical target); a kind the cluster does not serve is an error.
	for _, spelling := range []string{"default/deploy/api", "default/deployments.apps/api", "default/Deployment/api"} {
		run := runOf(exec("default", "w", "u1", target, v1alpha1.PhaseCompleted, 0), "True")
		c := fakeClients(nil, []runtime.Object{run})
		if out, _, err := kubectlWFE(c.clients, "release", "--dry-run", spelling); err != nil || !strings.HasPrefix(out, "would delete PipelineRun kubernaut-workflows/"+run.Name) {
			t.Errorf("release --dry-run %s = %v, %q, want the run %s", spelling, err, out, run.Name)
		}
	}
	c := fakeClients(nil, nil)
	if _, _, err := kubectlWFE(c.clients, "release", "default/Gizmo/api"); err == nil || !strings.Contains(err.Error(), `target "default/Gizmo/api"`) {
		t.Errorf("release of an unserved kind = %v, want an error naming the target", err)
	}
	if out, _, err := kubectlWFE(c.clients, "release", target); err != nil || !strings.Contains(out, "is not locked") {
		t.Errorf("release of a free target = %v, %q", err, out)
	}
	if _, _, err := kubectlWFE(c.clients, "release", "not a target"); err == nil || !strings.Contains(err.Error(), `target "not a target"`) {
		t.Errorf("release of a bad target = %v, want an error naming it", err)
	}
}

// TestReleasePreconditions: the delete carries the UID and resourceVersion
// of the run that was checked.
func TestReleasePreconditions(t *testing.T) {
	w := exec("default", "w", "u1", "default/Deployment/api", v1alpha1.PhaseCompleted, time.Minute)
	pr := runOf(w, corev1.ConditionTrue)
	c := fakeClients([]runtime.Object{w}, []runtime.Object{pr})
	var got *metav1.Preconditions
	c.tekton.PrependReactor("delete", "pipelineruns", func(a k8stesting.Action) (bool, runtime.Object, error) {
		got = a.(k8stesting.DeleteAction).GetDeleteOptions().Preconditions
		return true, nil, apierrors.NewConflict(pipelinev1.Resource("pipelineruns"), pr.Name, errors.New("changed"))
	})
	_, _, err := kubectlWFE(c.clients, "release", "default/Deployment/api")
	if got == nil || *got.UID != pr.UID || *got.ResourceVersion != "7" {
		t.Errorf("preconditions = %+v, want UID %s and resourceVersion 7", got, pr.UID)
	}
	if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "run the command again") {
		t.Errorf("release on a conflict = %v, want the conflict and what to do", err)
	}
}

func TestVersion(t *testing.T) {
	c := fakeClients(nil, nil, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kubernaut-system", Name: infoConfigMap},
		Data:       map[string]string{"version": "v0.1.0"},
	})
	out, _, err := kubectlWFE(c.clients, "version")
	if err != nil || !strings.Contains(out, "controller: v0.1.0") || !strings.HasPrefix(out, "kubectl-wfe version=") {
		t.Errorf("version: %v %q", err, out)
	}
	out, _, err = kubectlWFE(nil, "version", "--client")
	if err != nil || !strings.HasPrefix(out, "kubectl-wfe version=") || strings.Contains(out, "controller") {
		t.Errorf("version --client: %v %q", err, out)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"frob"}, {"why"}, {"why", "a", "b"}, {"describe"}, {"logs"}, {"locks", "x"},
		{"release"}, {"why", "--bogus", "x"}, {"get", "-o", "bogus"}, {"locks", "-o", "bogus"}, {"version", "x"}} {
		if _, _, err := kubectlWFE(nil, args...); !errors.Is(err, errUsage) {
			t.Errorf("%q = %v, want a usage error", args, err)
		}
	}
}

// TestHelp: every command's --help prints its usage and succeeds.
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"", "get", "describe", "why", "logs", "locks", "release", "version", "completion", "options"} {
		args := []string{"--help"}
		if cmd != "" {
			args = []string{cmd, "--help"}
		}
		out, _, err := kubectlWFE(nil, args...)
		if err != nil || !strings.Contains(out, "Usage:\n  kubectl wfe "+cmd) {
			t.Errorf("kubectl wfe %s --help = %v\n%s", cmd, err, out)
		}
	}
}

func TestFlags(t *testing.T) {
	var got *genericclioptions.ConfigFlags
	var out, errOut bytes.Buffer
	cmd := newRootCommand(genericiooptions.IOStreams{Out: &out, ErrOut: &errOut}, func(f *genericclioptions.ConfigFlags) (*clients, error) {
		got = f
		return nil, errors.New("stop")
	}, time.Now)
	cmd.SetArgs([]string{"release", "Node/n1", "--dry-run", "--context", "kind", "-n", "x", "--as", "alice", "--as-group", "team-a",
		"--request-timeout", "5s", "--server", "https://127.0.0.1:6443", "--token", "t", "--kubeconfig", "/k", "--system-namespace", "ops"})
	if err := cmd.Execute(); err == nil || err.Error() != "stop" {
		t.Fatalf("execute = %v", err)
	}
	for flag, want := range map[string]string{"context": "kind", "namespace": "x", "as": "alice", "request-timeout": "5s",
		"server": "https://127.0.0.1:6443", "token": "t", "kubeconfig": "/k"} {
		var v string
		switch flag {
		case "context":
			v = *got.Context
		case "namespace":
			v = *got.Namespace
		case "as":
			v = *got.Impersonate
		case "request-timeout":
			v = *got.Timeout
		case "server":
			v = *got.APIServer
		case "token":
			v = *got.BearerToken
		case "kubeconfig":
			v = *got.KubeConfig
		}
		if v != want {
			t.Errorf("--%s = %q, want %q", flag, v, want)
		}
	}
	if g := *got.ImpersonateGroup; len(g) != 1 || g[0] != "team-a" {
		t.Errorf("--as-group = %v", g)
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		out, _, err := kubectlWFE(nil, "completion", shell)
		if err != nil || !strings.Contains(out, "kubectl-wfe") {
			t.Errorf("completion %s = %v, %d bytes", shell, err, len(out))
		}
	}
	c := cluster()
	out, _, err := kubectlWFE(c.clients, "__complete", "describe", "-n", "team-a", "restart")
	if err != nil || out != "restart-again\nrestart-api\n:4\n" {
		t.Errorf("__complete describe = %v, %q", err, out)
	}
	out, _, err = kubectlWFE(c.clients, "__complete", "release", "")
	if err != nil || !strings.HasPrefix(out, "Node/worker-1\nteam-a/Deployment/api\nteam-c/StatefulSet/db\n") {
		t.Errorf("__complete release = %v, %q", err, out)
	}
	out, _, err = kubectlWFE(c.clients, "__complete", "get", "-o", "")
	if err != nil || !strings.HasPrefix(out, "wide\n") || !strings.Contains(out, "jsonpath\n") {
		t.Errorf("__complete get -o = %v, %q", err, out)
	}
}

// runWithTasks is restart-api's run, ended, with two TaskRuns: check
// started first, then restart with two steps and a sidecar.
func runWithTasks(t *testing.T, c fakes) {
	t.Helper()
	ctx := context.Background()
	w, err := c.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions("team-a").Get(ctx, "restart-api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns, run := w.Status.PipelineRunRef.Namespace, w.Status.PipelineRunRef.Name
	terminated := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}
	for i, task := range []struct {
		name  string
		steps []string
	}{{"check", []string{"verify"}}, {"restart", []string{"fetch", "rollout"}}} {
		start := metav1.NewTime(now.Add(time.Duration(i-10) * time.Minute))
		tr := &pipelinev1.TaskRun{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: run + "-" + task.name, CreationTimestamp: metav1.NewTime(now.Add(-time.Duration(i) * time.Hour)),
				Labels: map[string]string{"tekton.dev/pipelineRun": run, "tekton.dev/pipelineTask": task.name}},
		}
		tr.Status.StartTime = &start
		tr.Status.PodName = tr.Name + "-pod"
		tr.Status.SetConditions(apis.Conditions{{Type: apis.ConditionSucceeded, Status: corev1.ConditionTrue}})
		if _, err := c.tekton.TektonV1().TaskRuns(ns).Create(ctx, tr, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tr.Status.PodName}, Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}
		pod.Spec.InitContainers = []corev1.Container{{Name: "prepare"}}
		for _, s := range task.steps {
			pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: "step-" + s})
			pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{Name: "step-" + s, State: terminated})
		}
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: "sidecar-proxy"})
		if _, err := c.kube.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// A TaskRun of another run is not printed.
	other := &pipelinev1.TaskRun{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other-task",
		Labels: map[string]string{"tekton.dev/pipelineRun": "other"}}}
	other.Status.PodName = "other-pod"
	if _, err := c.tekton.TektonV1().TaskRuns(ns).Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestLogs(t *testing.T) {
	c := cluster()
	runWithTasks(t, c)
	var requests []string
	c.kube.PrependReactor("get", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "log" {
			o := a.(k8stesting.GenericAction).GetValue().(*corev1.PodLogOptions)
			requests = append(requests, fmt.Sprintf("%s %s follow=%v", a.(k8stesting.GenericAction).GetNamespace(), o.Container, o.Follow))
		}
		return false, nil, nil
	})
	for _, follow := range []bool{false, true} {
		requests = nil
		args := []string{"logs", "-n", "team-a", "restart-api"}
		if follow {
			args = append(args, "-f")
		}
		out, errOut, err := kubectlWFE(c.clients, args...)
		if err != nil || errOut != "" {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		// The fake API server answers every log request with "fake logs":
		// the prefixes show the order.
		golden(t, "logs", out)
		want := []string{
			fmt.Sprintf("kubernaut-workflows step-verify follow=%v", follow),
			fmt.Sprintf("kubernaut-workflows step-fetch follow=%v", follow),
			fmt.Sprintf("kubernaut-workflows step-rollout follow=%v", follow),
		}
		if diff := cmp.Diff(want, requests); diff != "" {
			t.Errorf("%v: log requests (-want, +got):\n%s", args, diff)
		}
	}
}

func TestLogsErrors(t *testing.T) {
	c := cluster()
	for _, tc := range []struct{ name, ns, wfe, want string }{
		{"no run", "team-a", "restart-again", "team-a/restart-again has no PipelineRun (phase Skipped): no workflow step ran"},
		{"released", "team-b", "scale-web", "its run kubernaut-workflows/wfe-e06a8383df119e4e, and the logs with it, were deleted"},
		{"run gone", "team-a", "drain", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := kubectlWFE(c.clients, "logs", "-n", tc.ns, tc.wfe)
			if tc.want == "" {
				if err != nil {
					t.Errorf("logs of a run without TaskRuns yet = %v, want nothing printed and success", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("logs = %v, want %q", err, tc.want)
			}
		})
	}

	// A tenant may not read the execution namespace: the error says what to ask for.
	c.tekton.PrependReactor("get", "pipelineruns", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(pipelinev1.Resource("pipelineruns"), "x", errors.New(`User "alice" cannot get resource "pipelineruns"`))
	})
	_, _, err := kubectlWFE(c.clients, "logs", "-n", "team-a", "restart-api")
	for _, want := range []string{"cannot read the run kubernaut-workflows/", "of team-a/restart-api", `User "alice" cannot get`,
		"Ask your cluster operator", "pods/log in kubernaut-workflows", `docs/security.md, "Run logs"`, "kubectl wfe describe -n team-a restart-api"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("logs as a tenant = %v, want %q", err, want)
		}
	}
}

// TestEscaping: control characters written by a tenant (ESC, BEL, CSI,
// newlines) reach no terminal through any text output; -o json keeps them.
func TestEscaping(t *testing.T) {
	const (
		evilID      = "wf\x1b]0;pwned\a\x1b[2J"
		evilParam   = "3\nforged: line"
		evilMessage = "failed\r\x1b[1A\u009b2K ok\x07"
	)
	w := exec("team-a", "evil", "u9", "team-a/Deployment/api", v1alpha1.PhaseFailed, time.Minute)
	w.Spec.WorkflowRef.WorkflowID = evilID
	w.Spec.Parameters = map[string]string{"REPLICAS": evilParam}
	w.Status.Conditions[0].Message = evilMessage
	w.Status.FailureDetails.Message = evilMessage
	w.Status.FailureDetails.NaturalLanguageSummary = evilMessage
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: "team-a", Name: "evil.1"},
		InvolvedObject: corev1.ObjectReference{Namespace: "team-a", Name: "evil", UID: "u9"},
		Type:           corev1.EventTypeWarning, Reason: "Failed", Message: evilMessage, LastTimestamp: metav1.NewTime(now),
	}
	c := fakeClients([]runtime.Object{w}, []runtime.Object{runOf(w, corev1.ConditionFalse)}, cooldownConfig("5m"), ev)
	for _, args := range [][]string{
		{"get", "-n", "team-a"}, {"get", "-n", "team-a", "-o", "wide"}, {"get", "-A"},
		{"describe", "-n", "team-a", "evil"}, {"why", "-n", "team-a", "evil"},
		{"locks"}, {"locks", "-o", "wide"}, {"locks", "-o", "name"},
	} {
		out, errOut, err := kubectlWFE(c.clients, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		for _, text := range []string{out, errOut} {
			for i, r := range text {
				if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) {
					t.Errorf("%v: control character %U at %d in:\n%s", args, r, i, text)
					break
				}
			}
		}
		if args[len(args)-1] != "name" && !strings.Contains(out, `wf\x1b]0;pwned\x07\x1b[2J`) {
			t.Errorf("%v: the escaped text is missing:\n%s", args, out)
		}
	}
	out, _, err := kubectlWFE(c.clients, "describe", "-n", "team-a", "evil")
	if err != nil || !regexp.MustCompile(`REPLICAS: +3\\nforged: line`).MatchString(out) || !strings.Contains(out, `failed\r\x1b[1A\u009b2K ok\x07`) {
		t.Errorf("describe: %v\n%s", err, out)
	}

	out, _, err = kubectlWFE(c.clients, "get", "-n", "team-a", "evil", "-o", "json")
	var got v1alpha1.WorkflowExecution
	if err == nil {
		err = json.Unmarshal([]byte(out), &got)
	}
	if err != nil || got.Spec.WorkflowRef.WorkflowID != evilID || got.Spec.Parameters["REPLICAS"] != evilParam || got.Status.FailureDetails.Message != evilMessage {
		t.Errorf("-o json must keep the data as stored: %v\n%s", err, out)
	}
}

// TestLogsFollowWaits: with -f the plugin waits for the TaskRuns to appear,
// for each step to start, and for the run to end.
func TestLogsFollowWaits(t *testing.T) {
	c := cluster()
	runWithTasks(t, c)
	ctx := context.Background()
	var prGets, trLists, podGets int
	c.tekton.PrependReactor("get", "pipelineruns", func(a k8stesting.Action) (bool, runtime.Object, error) {
		prGets++
		obj, err := c.tekton.Tracker().Get(pipelinev1.SchemeGroupVersion.WithResource("pipelineruns"), a.GetNamespace(), a.(k8stesting.GetAction).GetName())
		if err != nil {
			return true, nil, err
		}
		pr := obj.(*pipelinev1.PipelineRun).DeepCopy()
		if prGets < 3 { // running for the first two looks
			pr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: corev1.ConditionUnknown})
		}
		return true, pr, nil
	})
	c.tekton.PrependReactor("list", "taskruns", func(k8stesting.Action) (bool, runtime.Object, error) {
		trLists++
		if trLists == 1 { // no TaskRun yet
			return true, &pipelinev1.TaskRunList{}, nil
		}
		return false, nil, nil
	})
	c.kube.PrependReactor("get", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "" || !strings.HasSuffix(a.(k8stesting.GetAction).GetName(), "-restart-pod") {
			return false, nil, nil
		}
		podGets++
		obj, err := c.kube.Tracker().Get(corev1.SchemeGroupVersion.WithResource("pods"), a.GetNamespace(), a.(k8stesting.GetAction).GetName())
		if err != nil {
			return true, nil, err
		}
		pod := obj.(*corev1.Pod).DeepCopy()
		if podGets < 3 { // the steps have not started on the first two looks
			pod.Status.Phase = corev1.PodPending
			for i := range pod.Status.ContainerStatuses {
				pod.Status.ContainerStatuses[i].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}
			}
		}
		return true, pod, nil
	})
	var out, errOut bytes.Buffer
	c.clients.namespace = "team-a"
	if err := logs(ctx, &out, &errOut, c.clients, "restart-api", logsOptions{follow: true, poll: time.Millisecond}); err != nil || errOut.Len() != 0 {
		t.Fatalf("logs -f: %v\n%s", err, errOut.String())
	}
	golden(t, "logs", out.String())
	if trLists < 2 || podGets < 3 || prGets < 3 {
		t.Errorf("logs -f did not wait: %d TaskRun lists, %d pod gets, %d PipelineRun gets", trLists, podGets, prGets)
	}
}

// TestLogsFollowPodGone: a pod deleted while -f waits for its step (a
// cancelled run) is reported, and the other tasks are still printed.
func TestLogsFollowPodGone(t *testing.T) {
	c := cluster()
	runWithTasks(t, c)
	gets := 0
	c.kube.PrependReactor("get", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "" || !strings.HasSuffix(a.(k8stesting.GetAction).GetName(), "-restart-pod") {
			return false, nil, nil
		}
		if gets++; gets > 1 {
			return true, nil, apierrors.NewNotFound(corev1.Resource("pods"), a.(k8stesting.GetAction).GetName())
		}
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: a.GetNamespace(), Name: a.(k8stesting.GetAction).GetName()},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "step-fetch"}}}, Status: corev1.PodStatus{Phase: corev1.PodPending}}
		return true, pod, nil
	})
	var out, errOut bytes.Buffer
	c.clients.namespace = "team-a"
	err := logs(context.Background(), &out, &errOut, c.clients, "restart-api", logsOptions{follow: true, poll: time.Millisecond})
	if err != nil || out.String() != "[check : verify] fake logs\n" || !strings.Contains(errOut.String(), "[restart : fetch] pod ") || !strings.Contains(errOut.String(), "not found") {
		t.Errorf("logs -f with a pod gone = %v, %q, %q", err, out.String(), errOut.String())
	}
}
