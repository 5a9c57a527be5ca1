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

package framework

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
	"kubernaut.ai/workflowexecution/test/rig"
)

// Scenario is one scenario that runs pods. The one table, Scenarios, runs
// on the KWOK tier (test/e2e) and on the real-pod tier (test/node) with the
// same expectations: each Task steers a simulated pod with its Annotations
// and a real one with its Script, so a difference between the simulation
// and a kubelet fails one of the two tiers (a finding, not a flake).
type Scenario struct {
	Name, WorkflowID string
	Tasks            []Task
	// Params are the execution's parameters; Timeout its executionConfig
	// timeout (0: the default).
	Params  map[string]string
	Timeout time.Duration
	// MissingImage gives every step an image the registry does not hold
	// (a real node cannot pull it; KWOK is steered by the annotation).
	MissingImage bool
	// Phase is the terminal phase; Failure the failureDetails' summary
	// (Failed only).
	Phase   v1alpha1.Phase
	Failure *Failure
	// Act, if set, replaces waiting for the terminal phase: it drives the
	// execution itself (deletes it mid-run), or, with OwnExecutions, creates
	// its own (a take-over needs two).
	Act           func(t *testing.T, e *Env, r Run)
	OwnExecutions bool
	// Check, if set, checks more of the terminal execution and its run.
	Check func(t *testing.T, e *Env, target string, w *v1alpha1.WorkflowExecution)
}

// Run is what a scenario's Act works on: its namespace, the bundle, and,
// unless the scenario creates its own executions, the target and the
// execution created.
type Run struct {
	NS, Target, Image string
	Execution         *v1alpha1.WorkflowExecution
}

// Failure is the part of failureDetails the tiers must agree on (Index and
// Exit -1 when not set).
type Failure struct {
	Reason           v1alpha1.FailureReason
	Task, Step       string
	Index, Exit      int32
	ExecutionFailure bool
}

// Summarize reduces failureDetails to a Failure.
func Summarize(fd *v1alpha1.FailureDetails) Failure {
	s := Failure{Reason: fd.Reason, Task: fd.FailedTaskName, Step: fd.FailedStepName, Index: -1, Exit: -1, ExecutionFailure: fd.WasExecutionFailure}
	if fd.FailedTaskIndex != nil {
		s.Index = *fd.FailedTaskIndex
	}
	if fd.ExitCode != nil {
		s.Exit = *fd.ExitCode
	}
	return s
}

// ScenarioTimeout covers a cold image pull and three real pods in a row.
const ScenarioTimeout = 3 * time.Minute

// TakeOvers is how many take-overs the take-over scenario runs
// (WFE_TAKEOVERS overrides it). Before the fixes, on real pods, every
// take-over's run adopted the replaced run's TaskRun or pod (8 of 8) and
// the stall hit 5 of 8: four take-overs catch either.
func TakeOvers(t testing.TB) int {
	if s := os.Getenv("WFE_TAKEOVERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("WFE_TAKEOVERS=%q: want a positive integer", s)
		}
		return n
	}
	return 4
}

// TakeOverStall is the mirror time that says an execution waited for the
// TaskRun cache's fallback (5 s) instead of recognising its run's
// children: an ordinary mirror takes milliseconds.
const TakeOverStall = 2500 * time.Millisecond

// Scenarios is the table both pod tiers run.
var Scenarios = []Scenario{{
	Name: "Success", WorkflowID: "restart-deployment", Params: map[string]string{"REPLICAS": "3"},
	Tasks: []Task{{Name: "check", Step: "inspect", Script: `echo "check $(params.TARGET) $(params.REPLICAS)"`},
		{Name: "restart", Step: "rollout", Script: `echo "restart $(params.TARGET) $(params.REPLICAS)"`}},
	Phase: v1alpha1.PhaseCompleted,
	Check: func(t *testing.T, e *Env, target string, w *v1alpha1.WorkflowExecution) {
		if s := w.Status.PipelineRunStatus; s == nil || s.CompletedTasks != 2 || s.TotalTasks != 2 {
			t.Errorf("pipelineRunStatus = %+v, want 2 of 2 tasks", s)
		}
		// TARGET_RESOURCE is the canonical target, whatever the spelling.
		canonical, err := targettest.Canonical(target)
		if err != nil || w.Status.CanonicalTarget != canonical {
			t.Errorf("status.canonicalTarget = %q, want %q (%v)", w.Status.CanonicalTarget, canonical, err)
		}
		trs := e.TaskRuns(t, target)
		for task, step := range map[string]string{"check": "inspect", "restart": "rollout"} {
			tr, ok := trs[task]
			if !ok {
				t.Fatalf("no TaskRun for task %s (have %d)", task, len(trs))
			}
			params := map[string]string{}
			for _, p := range tr.Spec.Params {
				params[p.Name] = p.Value.StringVal
			}
			if diff := cmp.Diff(map[string]string{"TARGET": canonical, "REPLICAS": "3"}, params); diff != "" {
				t.Errorf("TaskRun %s params (-want, +got): %s", tr.Name, diff)
			}
			if e.Cluster.Tier() != rig.Node {
				continue // KWOK runs no step
			}
			want := fmt.Sprintf("%s %s 3", task, canonical)
			if logs := e.StepLogs(t, tr, step); strings.TrimSpace(logs) != want {
				t.Errorf("step %s logs = %q, want %q", step, logs, want)
			}
		}
	},
}, {
	Name: "ExitCodeInTheSecondTask", WorkflowID: "patch-deployment",
	Tasks: []Task{{Name: "check", Step: "inspect", Script: "echo ok"},
		{Name: "patch", Step: "apply", Script: "echo patching; exit 3", Annotations: map[string]string{rig.ExitCodeAnnotation: "3"}},
		{Name: "verify", Step: "verify", Script: "echo never"}},
	Phase: v1alpha1.PhaseFailed, Failure: &Failure{v1alpha1.FailureReasonTaskFailed, "patch", "apply", 1, 3, true},
	Check: func(t *testing.T, _ *Env, _ string, w *v1alpha1.WorkflowExecution) {
		for _, s := range []string{"patch-deployment", "patch", "apply", "3"} {
			if !strings.Contains(w.Status.FailureDetails.NaturalLanguageSummary, s) {
				t.Errorf("summary does not mention %q: %s", s, w.Status.FailureDetails.NaturalLanguageSummary)
			}
		}
	},
}, {
	// The entrypoint skips the step after the failed one.
	Name: "FailingStepOfThree", WorkflowID: "patch-steps",
	Tasks: []Task{{Name: "apply", Steps: []Step{
		{Name: "backup", Script: "echo backup"}, {Name: "patch", Script: "echo patching; exit 3"}, {Name: "verify", Script: "echo never"},
	}, Annotations: map[string]string{rig.ExitCodeAnnotation: "3", rig.FailStepAnnotation: "patch"}}},
	Phase: v1alpha1.PhaseFailed, Failure: &Failure{v1alpha1.FailureReasonTaskFailed, "apply", "patch", 0, 3, true},
	Check: func(t *testing.T, e *Env, target string, _ *v1alpha1.WorkflowExecution) {
		tr := e.TaskRuns(t, target)["apply"]
		want := []StepState{
			{Name: "backup", Reason: "Completed", TerminationReason: "Completed", Exit: 0},
			{Name: "patch", Reason: "Error", TerminationReason: "Error", Exit: 3},
			{Name: "verify", Reason: "Error", TerminationReason: "Skipped", Exit: 1},
		}
		if diff := cmp.Diff(want, StepStates(&tr)); diff != "" {
			t.Errorf("step states (-want, +got): %s", diff)
		}
		if e.Cluster.Tier() == rig.Node {
			if logs := e.StepLogs(t, tr, "verify"); strings.Contains(logs, "never") {
				t.Errorf("the step after the failed one ran: %q", logs)
			}
		}
	},
}, {
	// The step's main process (exec) allocates more than its limit.
	Name: "OOMKilled", WorkflowID: "fill-memory",
	Tasks: []Task{{Name: "fill", Step: "allocate", MemoryLimit: "20Mi", Script: "exec dd if=/dev/zero of=/dev/null bs=64M count=1",
		Annotations: map[string]string{rig.ExitCodeAnnotation: "137", rig.FailReasonAnnotation: "OOMKilled"}}},
	Phase: v1alpha1.PhaseFailed, Failure: &Failure{v1alpha1.FailureReasonOOMKilled, "fill", "allocate", 0, 137, true},
}, {
	Name: "ImagePullBackOff", WorkflowID: "pull-image", MissingImage: true,
	Tasks: []Task{{Name: "run", Step: "run", Script: "echo never", Annotations: map[string]string{rig.ImagePullBackOffAnnotation: "true"}}},
	Phase: v1alpha1.PhaseFailed, Failure: &Failure{v1alpha1.FailureReasonImagePullBackOff, "run", "run", 0, -1, false},
	Check: func(t *testing.T, _ *Env, _ string, w *v1alpha1.WorkflowExecution) {
		fd := w.Status.FailureDetails
		if !strings.Contains(fd.Message, "does-not-exist") && !strings.Contains(fd.NaturalLanguageSummary, "does-not-exist") {
			t.Errorf("failureDetails do not name the image: %+v", fd)
		}
	},
}, {
	// A step that runs past the timeout: it had started, so the target
	// may have been changed (wasExecutionFailure), and the step is named.
	// 25 s leaves a real node the time to start the pod.
	Name: "TimeoutAfterTheStepStarted", WorkflowID: "slow", Timeout: 25 * time.Second,
	Tasks: []Task{{Name: "wait", Step: "sleep", Script: "sleep 3600", Annotations: map[string]string{rig.DelayAnnotation: "1h"}}},
	Phase: v1alpha1.PhaseFailed, Failure: &Failure{v1alpha1.FailureReasonDeadlineExceeded, "wait", "sleep", 0, -1, true},
	Check: func(t *testing.T, e *Env, target string, _ *v1alpha1.WorkflowExecution) {
		e.WaitPodsStopped(t, target)
	},
}, {
	// Deleting a running execution deletes its run; its pods stop.
	Name: "DeletedRunningExecutionStopsItsPods", WorkflowID: "long",
	Tasks: []Task{{Name: "wait", Step: "sleep", Script: "sleep 3600", Annotations: map[string]string{rig.DelayAnnotation: "1h"}}},
	Act: func(t *testing.T, e *Env, r Run) {
		e.WaitForPhase(t, r.NS, r.Execution.Name, v1alpha1.PhaseRunning, ScenarioTimeout)
		e.waitStepRunning(t, r.Target, "step-sleep")
		if err := e.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(r.NS).Delete(context.Background(), r.Execution.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		e.WaitGone(t, r.NS, r.Execution.Name, ScenarioTimeout)
		e.WaitPipelineRunGone(t, PipelineRunName(t, r.Target), ScenarioTimeout)
		e.WaitPodsStopped(t, r.Target)
	},
}, {
	// The next execution takes over a finished run held by Chains'
	// finalizer; its run reuses the held run's name, hence its TaskRun
	// names, while the garbage collector removes the old TaskRuns (and, on
	// a real node, their pods). Its success shows at once (no stall).
	Name: "TakeOverOfAFinalizerHeldRun", WorkflowID: "restart",
	Tasks:         []Task{{Name: "run", Step: "run", Script: "echo run", Annotations: map[string]string{rig.DelayAnnotation: "100ms"}}},
	OwnExecutions: true,
	Act: func(t *testing.T, e *Env, r Run) {
		n := TakeOvers(t)
		var mirrors []time.Duration
		before, err := APIRequestTotals(context.Background(), e.Cluster.Kube, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			o := e.TakeOverOnce(t, r.NS, r.Image, ScenarioTimeout)
			t.Logf("take-over %d: %s", i+1, o)
			mirrors = append(mirrors, o.Mirror())
			if s := o.Execution.Status.PipelineRunStatus; s == nil || s.CompletedTasks != 1 || s.TotalTasks != 1 {
				t.Errorf("take-over %d: pipelineRunStatus = %+v, want 1 of 1 task completed", i+1, s)
			}
			if o.Mirror() >= TakeOverStall {
				t.Errorf("take-over %d: the run's success took %s to show in the execution, want the milliseconds of any other run (a stall of the TaskRun fallback)",
					i+1, o.Mirror().Round(time.Millisecond))
			}
		}
		after, err := APIRequestTotals(context.Background(), e.Cluster.Kube, nil)
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(mirrors, func(i, j int) bool { return mirrors[i] < mirrors[j] })
		// GET taskruns: the controller's reads of children its cache does
		// not show (other scenarios running alongside may add theirs).
		t.Logf("%s tier, %d take-overs: PipelineRun Succeeded seen -> execution Completed seen: median %s, max %s; API requests meanwhile: GET taskruns %.0f, GET pipelineruns %.0f, all %.0f",
			e.Cluster.Tier(), n, mirrors[n/2].Round(time.Millisecond), mirrors[n-1].Round(time.Millisecond),
			CountAPIRequests(after, "GET", "taskruns")-CountAPIRequests(before, "GET", "taskruns"),
			CountAPIRequests(after, "GET", "pipelineruns")-CountAPIRequests(before, "GET", "pipelineruns"),
			sumRequests(after)-sumRequests(before))
	},
}}

func sumRequests(totals map[APIRequest]float64) float64 {
	var n float64
	for _, v := range totals {
		n += v
	}
	return n
}

// RunScenarios runs every scenario of the table as a parallel subtest of t;
// after, if set, sees each terminal execution (the node tier records the
// run as a fixture). Each logs how long it took, for comparing the tiers.
func (e *Env) RunScenarios(t *testing.T, after func(t *testing.T, s Scenario, target string)) {
	for _, s := range Scenarios {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			t.Cleanup(func() { e.Checker.Verify(t, 5*time.Second) })
			start := time.Now()
			target := e.runScenario(t, s)
			t.Logf("%s tier: %s took %s", e.Cluster.Tier(), s.Name, time.Since(start).Round(time.Millisecond))
			if after != nil && target != "" {
				after(t, s, target)
			}
		})
	}
}

func (e *Env) runScenario(t *testing.T, s Scenario) string {
	tasks := append([]Task(nil), s.Tasks...)
	for i := range tasks {
		if s.MissingImage {
			tasks[i].Image = e.Cluster.RegistryHost + "/rig/does-not-exist:v1"
		}
	}
	image := e.PushForPods(t, "wf/"+strings.ToLower(s.Name)+":v1", tasks...)
	ns := e.Namespace(t, strings.ToLower(s.Name))
	if s.OwnExecutions {
		s.Act(t, e, Run{NS: ns, Image: image})
		return ""
	}
	target := e.Target(ns, "Deployment")
	w := e.Create(t, NewWFE(ns, strings.ToLower(s.Name), target, s.WorkflowID, image, func(w *v1alpha1.WorkflowExecution) {
		w.Spec.Parameters = s.Params
		if s.Timeout > 0 {
			w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{Timeout: &metav1.Duration{Duration: s.Timeout}}
		}
	}))
	if s.Act != nil {
		s.Act(t, e, Run{NS: ns, Target: target, Image: image, Execution: w})
		return ""
	}
	got := e.WaitForPhase(t, ns, w.Name, s.Phase, ScenarioTimeout)
	if s.Failure != nil {
		fd := got.Status.FailureDetails
		if fd == nil {
			t.Fatal("failureDetails not set")
		}
		if diff := cmp.Diff(*s.Failure, Summarize(fd)); diff != "" {
			t.Errorf("%s tier: failureDetails (-want, +got): %s\nfull: %+v", e.Cluster.Tier(), diff, fd)
		}
	}
	if s.Check != nil {
		s.Check(t, e, target, got)
	}
	return target
}

// PushForPods is Push for a tier that runs pods: on the node tier a step
// without an image runs the rig's busybox (KWOK runs any image).
func (e *Env) PushForPods(t testing.TB, repo string, tasks ...Task) string {
	t.Helper()
	tasks = append([]Task(nil), tasks...)
	for i := range tasks {
		if tasks[i].Image == "" && e.Cluster.Tier() == rig.Node {
			tasks[i].Image = e.Cluster.Images[rig.ImageBusybox]
		}
	}
	return e.Push(t, repo, tasks...)
}

// CheckLatencyWithTakeOvers runs n executions of a one-task workflow on
// fresh targets one after another, then takeOvers take-overs of a
// finalizer-held run (TakeOverOnce), all watched, and checks the
// controller's latency histograms against the watch
// (CheckLatencyHistograms).
func (e *Env) CheckLatencyWithTakeOvers(t *testing.T, n, takeOvers int) {
	ns := e.Namespace(t, "latency")
	image := e.PushForPods(t, "wf/latency:v1", Task{Name: "run", Step: "run", Script: "echo run", Annotations: map[string]string{rig.DelayAnnotation: "100ms"}})
	m := e.WatchMoments(t, ns)
	before := Scrape(t, e.Controller)
	var names []string
	for i := range n {
		w := e.Create(t, NewWFE(ns, fmt.Sprintf("lat-%02d", i), e.Target(ns, "Deployment"), "restart", image))
		names = append(names, w.Name)
		e.WaitFor(t, ns, w.Name, "terminal", ScenarioTimeout, func(w *v1alpha1.WorkflowExecution) bool { return w.Status.IsDone() })
	}
	for i := range takeOvers {
		o := e.TakeOverOnce(t, ns, image, ScenarioTimeout)
		t.Logf("take-over %d: %s", i+1, o)
		names = append(names, o.First, o.Execution.Name)
	}
	e.CheckLatencyHistograms(t, m, before, names)
}

// TaskRuns lists the TaskRuns of the run for target, by pipeline task.
func (e *Env) TaskRuns(t testing.TB, target string) map[string]pipelinev1.TaskRun {
	t.Helper()
	trs, err := e.Cluster.Tekton.TektonV1().TaskRuns(rig.ExecutionNamespace).List(context.Background(), metav1.ListOptions{
		LabelSelector: "tekton.dev/pipelineRun=" + PipelineRunName(t, target),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]pipelinev1.TaskRun{}
	for _, tr := range trs.Items {
		out[tr.Labels["tekton.dev/pipelineTask"]] = tr
	}
	return out
}

// StepLogs reads a step's log through the API server (and the kubelet).
func (e *Env) StepLogs(t testing.TB, tr pipelinev1.TaskRun, step string) string {
	t.Helper()
	b, err := e.Cluster.Kube.CoreV1().Pods(tr.Namespace).GetLogs(tr.Status.PodName, &corev1.PodLogOptions{Container: "step-" + step}).DoRaw(context.Background())
	if err != nil {
		t.Fatalf("logs of %s/%s step %s: %v", tr.Namespace, tr.Status.PodName, step, err)
	}
	return string(b)
}

// waitStepRunning waits until a container of the run's pod is running.
func (e *Env) waitStepRunning(t testing.TB, target, container string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, ScenarioTimeout, true, func(ctx context.Context) (bool, error) {
		pods, err := e.Cluster.Kube.CoreV1().Pods(rig.ExecutionNamespace).List(ctx, metav1.ListOptions{LabelSelector: "tekton.dev/pipelineRun=" + PipelineRunName(t, target)})
		if err != nil || len(pods.Items) == 0 {
			return false, err
		}
		for _, s := range pods.Items[0].Status.ContainerStatuses {
			if s.Name == container && s.State.Running != nil {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("waiting for %s to run: %v", container, err)
	}
}

// WaitPodsStopped waits until the run's pods are gone or all their
// containers terminated.
func (e *Env) WaitPodsStopped(t testing.TB, target string) {
	t.Helper()
	var left []string
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, ScenarioTimeout, true, func(ctx context.Context) (bool, error) {
		pods, err := e.Cluster.Kube.CoreV1().Pods(rig.ExecutionNamespace).List(ctx, metav1.ListOptions{LabelSelector: "tekton.dev/pipelineRun=" + PipelineRunName(t, target)})
		if err != nil {
			return false, err
		}
		left = left[:0]
		for _, p := range pods.Items {
			for _, s := range p.Status.ContainerStatuses {
				if s.State.Terminated == nil {
					left = append(left, p.Name+"/"+s.Name)
				}
			}
		}
		return len(left) == 0, nil
	})
	if err != nil {
		t.Errorf("containers still running: %v", left)
	}
}
