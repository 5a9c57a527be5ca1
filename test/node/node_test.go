//go:build node

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

// Package node runs our controller on the rig's node tier: the real Tekton
// controller, Tekton's own images (built with ko) and real pods on a real
// kubelet with containerd and runc. The failures are the kernel's and the
// runtime's, not a simulation: exit codes, OOM kills, image pulls,
// timeouts. Each test expects the failureDetails that the KWOK tier
// (test/e2e) and the failure package's fixtures expect for the same
// scenario, so the simulation cannot drift from reality unnoticed.
//
//	go test -tags node ./test/node/     (Linux, root; see hack/rig/node-deps.sh)
//
// WFE_NODE_FIXTURES=DIR writes the PipelineRun and TaskRuns of every failed
// run to DIR, in the format of pkg/reconciler/workflowexecution/failure/testdata.
package node

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

var env *framework.Env

// waitLong covers a cold image pull and three real pods in a row.
const waitLong = 3 * time.Minute

func TestMain(m *testing.M) {
	framework.Main(m, &env, framework.Suite{
		Name: "node tier", Tier: rig.Node, Config: map[string]string{"cooldown-period": "1h"},
		StartTimeout: 30 * time.Minute, Check: rig.NodeCheck,
	})
}

// push pushes framework.Pipeline(tasks...) as repo, with the rig's busybox
// for the steps that name no image, and returns its reference.
func push(t *testing.T, repo string, tasks ...framework.Task) string {
	t.Helper()
	for i := range tasks {
		if tasks[i].Image == "" {
			tasks[i].Image = env.Cluster.Images[rig.ImageBusybox]
		}
	}
	return env.Push(t, repo, tasks...)
}

// prName is the controller's PipelineRun name for target.
var prName = framework.PipelineRunName

func checkInvariant(t *testing.T) {
	t.Cleanup(func() { env.Checker.Verify(t, 5*time.Second) })
}

// taskRuns lists the TaskRuns of the run for target, by pipeline task.
func taskRuns(t *testing.T, target string) map[string]pipelinev1.TaskRun {
	t.Helper()
	trs, err := env.Cluster.Tekton.TektonV1().TaskRuns(rig.ExecutionNamespace).List(context.Background(), metav1.ListOptions{
		LabelSelector: "tekton.dev/pipelineRun=" + prName(t, target),
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

// stepLogs reads a step's log through the API server (and the kubelet).
func stepLogs(t *testing.T, tr pipelinev1.TaskRun, stepName string) string {
	t.Helper()
	b, err := env.Cluster.Kube.CoreV1().Pods(tr.Namespace).GetLogs(tr.Status.PodName, &corev1.PodLogOptions{Container: "step-" + stepName}).DoRaw(context.Background())
	if err != nil {
		t.Fatalf("logs of %s/%s step %s: %v", tr.Namespace, tr.Status.PodName, stepName, err)
	}
	return string(b)
}

// saveFixture writes the run's PipelineRun and TaskRuns to
// $WFE_NODE_FIXTURES/<name>.yaml (for refreshing the failure fixtures).
func saveFixture(t *testing.T, name, target string) {
	t.Helper()
	dir := os.Getenv("WFE_NODE_FIXTURES")
	if dir == "" {
		return
	}
	ctx := context.Background()
	pr, err := env.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace).Get(ctx, prName(t, target), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Recorded from a real run on the rig's node tier (test/node %s).\n", t.Name())
	write := func(o any) {
		y, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "---\n%s", y)
	}
	pr.ManagedFields = nil
	pr.TypeMeta = metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "PipelineRun"}
	write(pr)
	for _, tr := range taskRuns(t, target) {
		tr.ManagedFields = nil
		tr.TypeMeta = metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "TaskRun"}
		write(tr)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// summary is the part of failureDetails the tiers must agree on.
type summary struct {
	Reason           v1alpha1.FailureReason
	Task, Step       string
	Index, Exit      int32
	ExecutionFailure bool
}

func summarize(fd *v1alpha1.FailureDetails) summary {
	s := summary{Reason: fd.Reason, Task: fd.FailedTaskName, Step: fd.FailedStepName, Index: -1, Exit: -1, ExecutionFailure: fd.WasExecutionFailure}
	if fd.FailedTaskIndex != nil {
		s.Index = *fd.FailedTaskIndex
	}
	if fd.ExitCode != nil {
		s.Exit = *fd.ExitCode
	}
	return s
}

// failed runs a workflow to Failed and returns its failureDetails.
func failed(t *testing.T, prefix, workflowID, image string, opts ...func(*v1alpha1.WorkflowExecution)) (*v1alpha1.FailureDetails, string) {
	t.Helper()
	ns := env.Namespace(t, prefix)
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, prefix, target, workflowID, image, opts...))
	got := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseFailed, waitLong)
	saveFixture(t, prefix, target)
	if got.Status.FailureDetails == nil {
		t.Fatal("failureDetails not set")
	}
	return got.Status.FailureDetails, target
}

func TestSuccessEchoesParametersInTheStepLogs(t *testing.T) {
	checkInvariant(t)
	image := push(t, "wf/restart:v1",
		framework.Task{Name: "check", Step: "inspect", Script: `echo "check $(params.TARGET) $(params.REPLICAS)"`},
		framework.Task{Name: "restart", Step: "rollout", Script: `echo "restart $(params.TARGET) $(params.REPLICAS)"`})
	ns := env.Namespace(t, "success")
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "restart", target, "restart-deployment", image, func(w *v1alpha1.WorkflowExecution) {
		w.Spec.Parameters = map[string]string{"REPLICAS": "3"}
	}))
	got := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseCompleted, waitLong)
	if !got.Status.IsSuccessful() {
		t.Errorf("Succeeded = %+v, want True", got.Status.GetSucceededCondition())
	}
	if s := got.Status.PipelineRunStatus; s == nil || s.CompletedTasks != 2 || s.TotalTasks != 2 {
		t.Errorf("pipelineRunStatus = %+v, want 2 of 2 tasks", s)
	}
	trs := taskRuns(t, target)
	for task, stepName := range map[string]string{"check": "inspect", "restart": "rollout"} {
		tr, ok := trs[task]
		if !ok {
			t.Fatalf("no TaskRun for task %s (have %d)", task, len(trs))
		}
		if tr.Status.PodName == "" || !strings.HasPrefix(tr.Status.PodName, tr.Name) {
			t.Errorf("TaskRun %s pod = %q", tr.Name, tr.Status.PodName)
		}
		want := fmt.Sprintf("%s %s 3", task, target)
		if logs := stepLogs(t, tr, stepName); strings.TrimSpace(logs) != want {
			t.Errorf("step %s logs = %q, want %q", stepName, logs, want)
		}
	}
}

// TestExitCodeInTheSecondTask is test/e2e's scenario of the same name, with
// a real `exit 3`.
func TestExitCodeInTheSecondTask(t *testing.T) {
	checkInvariant(t)
	image := push(t, "wf/fail:v1",
		framework.Task{Name: "check", Step: "inspect", Script: "echo ok"},
		framework.Task{Name: "patch", Step: "apply", Script: "echo patching; exit 3"},
		framework.Task{Name: "verify", Step: "verify", Script: "echo never"})
	fd, _ := failed(t, "exitcode", "patch-deployment", image)
	want := summary{v1alpha1.FailureReasonTaskFailed, "patch", "apply", 1, 3, true}
	if diff := cmp.Diff(want, summarize(fd)); diff != "" {
		t.Errorf("failureDetails (-want, +got): %s\nfull: %+v", diff, fd)
	}
	for _, s := range []string{"patch-deployment", "patch", "apply", "3"} {
		if !strings.Contains(fd.NaturalLanguageSummary, s) {
			t.Errorf("summary does not mention %q: %s", s, fd.NaturalLanguageSummary)
		}
	}
}

// TestOOMKilled runs a step whose process (the step's main process: `exec`)
// allocates more than its memory limit; the kernel kills it.
func TestOOMKilled(t *testing.T) {
	checkInvariant(t)
	image := push(t, "wf/oom:v1",
		framework.Task{Name: "fill", Step: "allocate", MemoryLimit: "20Mi", Script: "exec dd if=/dev/zero of=/dev/null bs=64M count=1"})
	fd, _ := failed(t, "oom", "fill-memory", image)
	want := summary{v1alpha1.FailureReasonOOMKilled, "fill", "allocate", 0, 137, true}
	if diff := cmp.Diff(want, summarize(fd)); diff != "" {
		t.Errorf("failureDetails (-want, +got): %s\nfull: %+v", diff, fd)
	}
}

// TestImagePullBackOff runs a step whose image does not exist.
func TestImagePullBackOff(t *testing.T) {
	checkInvariant(t)
	missing := env.Cluster.RegistryHost + "/rig/does-not-exist:v1"
	image := push(t, "wf/pull:v1", framework.Task{Name: "run", Step: "run", Image: missing, Script: "echo never"})
	fd, _ := failed(t, "imagepull", "pull-image", image)
	got := summarize(fd)
	want := summary{v1alpha1.FailureReasonImagePullBackOff, "run", "run", 0, -1, false}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failureDetails (-want, +got): %s\nfull: %+v", diff, fd)
	}
	if !strings.Contains(fd.Message, "does-not-exist") && !strings.Contains(fd.NaturalLanguageSummary, "does-not-exist") {
		t.Errorf("failureDetails do not name the image: %+v", fd)
	}
}

// TestTimeoutIsDeadlineExceeded is test/e2e's scenario of the same name: a
// real step that sleeps past a 5 s timeout.
func TestTimeoutIsDeadlineExceeded(t *testing.T) {
	checkInvariant(t)
	image := push(t, "wf/slow:v1", framework.Task{Name: "wait", Step: "sleep", Script: "sleep 3600"})
	fd, target := failed(t, "timeout", "slow", image, func(w *v1alpha1.WorkflowExecution) {
		w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{Timeout: &metav1.Duration{Duration: 5 * time.Second}}
	})
	if fd.Reason != v1alpha1.FailureReasonDeadlineExceeded {
		t.Errorf("failureDetails = %+v, want DeadlineExceeded", fd)
	}
	waitPodsGone(t, target)
}

// TestDeletedRunningExecutionStopsItsPods deletes an execution whose step
// is running: its PipelineRun goes, and the kubelet stops the pod.
func TestDeletedRunningExecutionStopsItsPods(t *testing.T) {
	checkInvariant(t)
	image := push(t, "wf/long:v1", framework.Task{Name: "wait", Step: "sleep", Script: "sleep 3600"})
	ns := env.Namespace(t, "delete")
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "long", target, "long", image))
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	// Wait until the step container really runs.
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, waitLong, true, func(ctx context.Context) (bool, error) {
		pods, err := env.Cluster.Kube.CoreV1().Pods(rig.ExecutionNamespace).List(ctx, metav1.ListOptions{LabelSelector: "tekton.dev/pipelineRun=" + prName(t, target)})
		if err != nil || len(pods.Items) == 0 {
			return false, err
		}
		for _, s := range pods.Items[0].Status.ContainerStatuses {
			if s.Name == "step-sleep" && s.State.Running != nil {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("waiting for the step to run: %v", err)
	}
	if err := env.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).Delete(context.Background(), w.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	env.WaitGone(t, ns, w.Name, waitLong)
	env.WaitPipelineRunGone(t, prName(t, target), waitLong)
	waitPodsGone(t, target)
}

// waitPodsGone waits until the run's pods are gone or terminated (the
// kubelet stopped their containers).
func waitPodsGone(t *testing.T, target string) {
	t.Helper()
	var left []string
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, waitLong, true, func(ctx context.Context) (bool, error) {
		pods, err := env.Cluster.Kube.CoreV1().Pods(rig.ExecutionNamespace).List(ctx, metav1.ListOptions{LabelSelector: "tekton.dev/pipelineRun=" + prName(t, target)})
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

// TestFailingStepOfThree fails the middle step of a three-step task: the
// entrypoint skips the third.
func TestFailingStepOfThree(t *testing.T) {
	checkInvariant(t)
	image := push(t, "wf/steps:v1", framework.Task{Name: "apply", Steps: []framework.Step{
		{Name: "backup", Script: "echo backup"}, {Name: "patch", Script: "echo patching; exit 3"}, {Name: "verify", Script: "echo never"},
	}})
	fd, target := failed(t, "steps", "patch-steps", image)
	if diff := cmp.Diff(summary{v1alpha1.FailureReasonTaskFailed, "apply", "patch", 0, 3, true}, summarize(fd)); diff != "" {
		t.Errorf("failureDetails (-want, +got): %s\nfull: %+v", diff, fd)
	}
	tr := taskRuns(t, target)["apply"]
	if logs := stepLogs(t, tr, "verify"); strings.Contains(logs, "never") {
		t.Errorf("the step after the failed one ran: %q", logs)
	}
	// test/e2e's TestFailingStepOfThree expects the same of KWOK.
	want := []framework.StepState{
		{Name: "backup", Reason: "Completed", TerminationReason: "Completed", Exit: 0},
		{Name: "patch", Reason: "Error", TerminationReason: "Error", Exit: 3},
		{Name: "verify", Reason: "Error", TerminationReason: "Skipped", Exit: 1},
	}
	if diff := cmp.Diff(want, framework.StepStates(&tr)); diff != "" {
		t.Errorf("step states (-want, +got): %s", diff)
	}
}
