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

package failure

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// taskRun returns the fixture's TaskRun of a pipeline task.
func taskRun(t *testing.T, trs []*pipelinev1.TaskRun, task string) *pipelinev1.TaskRun {
	t.Helper()
	for _, tr := range trs {
		if tr.Labels[pipeline.PipelineTaskLabelKey] == task {
			return tr
		}
	}
	t.Fatalf("no TaskRun for pipeline task %q", task)
	return nil
}

// TestAnalyzeVariants starts from a fixture and changes what Tekton reports
// to reach the less common paths of the analysis.
func TestAnalyzeVariants(t *testing.T) {
	restartStep := func(t *testing.T, trs []*pipelinev1.TaskRun) *pipelinev1.StepState {
		return &taskRun(t, trs, "restart-deployment").Status.Steps[0]
	}
	tests := []struct {
		name      string
		fixture   string
		mutate    func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun
		startTime *metav1.Time
		want      *v1alpha1.FailureDetails
		// wantSummary are fragments the summary must contain.
		wantSummary []string
	}{{
		name:    "no pipelineSpec and no task label: task placed by child references",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			pr.Status.PipelineSpec = nil
			restartStep(t, trs).Container = ""
			for _, tr := range trs {
				delete(tr.Labels, pipeline.PipelineTaskLabelKey)
			}
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment", FailedStepName: "rollout-restart",
			Reason: v1alpha1.FailureReasonTaskFailed, Message: `"step-rollout-restart" exited with code 3: Error`, ExitCode: i32(3),
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
		wantSummary: []string{"-c step-rollout-restart."},
	}, {
		name:    "task unknown to the pipeline and its children: no index",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			pr.Status.PipelineSpec = nil
			pr.Status.ChildReferences = nil
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskName: "restart-deployment", FailedStepName: "rollout-restart",
			Reason: v1alpha1.FailureReasonTaskFailed, Message: `"step-rollout-restart" exited with code 3: Error`, ExitCode: i32(3),
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
		wantSummary: []string{`Step "rollout-restart" of pipeline task "restart-deployment" exited with code 3.`},
	}, {
		name:    "TaskRuns of another PipelineRun and TaskRuns that cannot be placed come last",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			oom := taskRun(t, trs, "validate-target").DeepCopy()
			oom.Status.Steps[0].Terminated.ExitCode, oom.Status.Steps[0].Terminated.Reason = 137, "OOMKilled"
			setCondition(&oom.Status.Status, corev1.ConditionFalse, "StepOOM", "oom")
			other := oom.DeepCopy()
			other.Name, other.Labels[pipeline.PipelineRunLabelKey] = "wfe-0000000000000000-validate-target", "wfe-0000000000000000"
			ghost := oom.DeepCopy()
			ghost.Name, ghost.Labels[pipeline.PipelineTaskLabelKey] = prName+"-ghost", "ghost"
			return append([]*pipelinev1.TaskRun{other, ghost, nil}, trs...)
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment", FailedStepName: "rollout-restart",
			Reason: v1alpha1.FailureReasonTaskFailed, Message: `"step-rollout-restart" exited with code 3: Error`, ExitCode: i32(3),
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
	}, {
		name:    "matrix: of two failed TaskRuns of one task, the first by name",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			first := taskRun(t, trs, "restart-deployment")
			second := first.DeepCopy()
			first.Name += "-0"
			second.Name += "-1"
			second.Status.Steps[0].Terminated.ExitCode = 4
			return append([]*pipelinev1.TaskRun{second}, trs...)
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment", FailedStepName: "rollout-restart",
			Reason: v1alpha1.FailureReasonTaskFailed, Message: `"step-rollout-restart" exited with code 3: Error`, ExitCode: i32(3),
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
	}, {
		name:    "failure ignored by onError: continue does not count",
		fixture: "finally-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "validate-target")
			tr.Status.Steps[0].Terminated.ExitCode = 1
			setCondition(&tr.Status.Status, corev1.ConditionFalse, "FailureIgnored", `"step-kubectl-check" exited with code 1`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(3), FailedTaskName: "notify", FailedStepName: "post-message",
			Reason: v1alpha1.FailureReasonTaskFailed, Message: `"step-post-message" exited with code 22: Error`, ExitCode: i32(22),
			FailedAt: at("10:01:05"), ExecutionTimeBeforeFailure: "1m5s", WasExecutionFailure: true,
		},
	}, {
		name:    "a step whose failure onError: continue ignored is not the failed step",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "restart-deployment")
			tr.Status.Steps[0].TerminationReason = "Continued"
			tr.Status.Steps[1].TerminationReason = ""
			setCondition(&tr.Status.Status, corev1.ConditionFalse, "StepFailed", `"step-wait-rollout" exited with code 1: Error`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment", FailedStepName: "wait-rollout",
			Reason: v1alpha1.FailureReasonTaskFailed, Message: `"step-wait-rollout" exited with code 1: Error`, ExitCode: i32(1),
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
	}, {
		name:    "unfinished TaskRuns rank after cancelled ones",
		fixture: "cancelled.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "validate-target")
			tr.Status.Conditions = nil
			tr.Status.Steps = []pipelinev1.StepState{{Name: "kubectl-check", Container: "step-kubectl-check",
				ContainerState: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}}}
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment", FailedStepName: "rollout-restart",
			Reason: v1alpha1.FailureReasonUnknown, Message: `PipelineRun "wfe-3f2a9c1d4b5e6f70" was cancelled`,
			FailedAt: at("10:02:10"), ExecutionTimeBeforeFailure: "2m10s", WasExecutionFailure: true,
		},
	}, {
		name:    "step timeout",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "restart-deployment")
			tr.Status.Steps[0].TerminationReason = "TimeoutExceeded"
			setCondition(&tr.Status.Status, corev1.ConditionFalse, "StepFailed", `"step-rollout-restart" exited because the step exceeded the specified timeout limit`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment", FailedStepName: "rollout-restart",
			Reason:   v1alpha1.FailureReasonDeadlineExceeded,
			Message:  `"step-rollout-restart" exited because the step exceeded the specified timeout limit`,
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
	}, {
		name:    "step image missing while the pipeline timed out",
		fixture: "pipelinerun-timeout.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "restart-deployment")
			setCondition(&tr.Status.Status, corev1.ConditionUnknown, "PullImageFailed", `Back-off pulling image "registry.example.com/kubernaut/kubectl:v1.99"`)
			tr.Status.Steps[0].ContainerState = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull"}}
			tr.Status.Steps[1].ContainerState = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: *at("10:00:17")}}
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment", FailedStepName: "rollout-restart",
			Reason: v1alpha1.FailureReasonImagePullBackOff, Message: `Back-off pulling image "registry.example.com/kubernaut/kubectl:v1.99"`,
			FailedAt: at("10:30:01"), ExecutionTimeBeforeFailure: "30m1s", WasExecutionFailure: true,
		},
	}, {
		name:    "task timeout while its image could not be pulled",
		fixture: "taskrun-timeout.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "restart-deployment")
			msg := `TaskRun "` + tr.Name + `" failed to finish within "5m0s"` + "\n" + `Previous status: [PullImageFailed] Back-off pulling image "registry.example.com/kubernaut/kubectl:v1.99"`
			setCondition(&tr.Status.Status, corev1.ConditionFalse, "TaskRunTimeout", msg)
			for i := range tr.Status.Steps {
				s := &tr.Status.Steps[i]
				s.Terminated.StartedAt, s.Terminated.Reason, s.Terminated.ExitCode = tr.CreationTimestamp, "TaskRunTimeout", 1
				s.ImageID = "" // never pulled: the kubelet reports no image ID (testdata/node/image-pull.yaml)
			}
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment",
			Reason: v1alpha1.FailureReasonImagePullBackOff,
			Message: `TaskRun "wfe-3f2a9c1d4b5e6f70-restart-deployment" failed to finish within "5m0s"` + "\n" +
				`Previous status: [PullImageFailed] Back-off pulling image "registry.example.com/kubernaut/kubectl:v1.99"`,
			FailedAt: at("10:05:12"), ExecutionTimeBeforeFailure: "5m12s", WasExecutionFailure: true,
		},
	}, {
		name:    "pod unschedulable (node capacity) until the pipeline timed out",
		fixture: "exceeded-quota-pending.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			setCondition(&trs[0].Status.Status, corev1.ConditionUnknown, "ExceededNodeResources", "TaskRun Pod exceeded available resources")
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(0), FailedTaskName: "validate-target",
			Reason: v1alpha1.FailureReasonResourceExhausted, Message: "TaskRun Pod exceeded available resources",
			FailedAt: at("10:30:01"), ExecutionTimeBeforeFailure: "30m1s",
		},
	}, {
		name:    "pipeline timed out before any TaskRun",
		fixture: "couldnt-get-pipeline.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			setCondition(&pr.Status.Status, corev1.ConditionFalse, "PipelineRunTimeout", `PipelineRun "`+prName+`" failed to finish within "30m0s"`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			Reason: v1alpha1.FailureReasonDeadlineExceeded, Message: `PipelineRun "wfe-3f2a9c1d4b5e6f70" failed to finish within "30m0s"`,
			FailedAt: at("10:00:03"), ExecutionTimeBeforeFailure: "3s",
		},
		wantSummary: []string{"The execution exceeded its timeout."},
	}, {
		name:    "step container could not start",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "restart-deployment")
			tr.Status.Steps[0].Terminated.ExitCode, tr.Status.Steps[0].Terminated.Reason = 128, "StartError"
			setCondition(&tr.Status.Status, corev1.ConditionFalse, "StepFailed", `"step-rollout-restart" exited with code 128: StartError`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment", FailedStepName: "rollout-restart",
			Reason: v1alpha1.FailureReasonConfigurationError, Message: `"step-rollout-restart" exited with code 128: StartError`, ExitCode: i32(128),
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
		wantSummary: []string{`The workflow's configuration is invalid for step "rollout-restart" of pipeline task "restart-deployment" (index 1) (Tekton reason StepFailed).`},
	}, {
		name:    "missing secret: CreateContainerConfigError names its step",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "restart-deployment")
			setCondition(&tr.Status.Status, corev1.ConditionFalse, "CreateContainerConfigError",
				`the step "wait-rollout" in TaskRun "`+tr.Name+`" failed to start. The pod errored with the message: "secret \"kubeconfig\" not found."`)
			for i := range tr.Status.Steps {
				s := &tr.Status.Steps[i]
				s.Terminated.StartedAt, s.Terminated.Reason, s.Terminated.ExitCode = tr.CreationTimestamp, "CreateContainerConfigError", 1
				s.TerminationReason = "CreateContainerConfigError"
			}
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment", FailedStepName: "wait-rollout",
			Reason:   v1alpha1.FailureReasonConfigurationError,
			Message:  `the step "wait-rollout" in TaskRun "wfe-3f2a9c1d4b5e6f70-restart-deployment" failed to start. The pod errored with the message: "secret \"kubeconfig\" not found."`,
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
	}, {
		name:    "sidecar OOMKilled",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "restart-deployment")
			tr.Status.Steps[0].Terminated.ExitCode, tr.Status.Steps[0].Terminated.Reason = 0, "Completed"
			setCondition(&tr.Status.Status, corev1.ConditionFalse, "SidecarOOM", `"sidecar-proxy" exited with code 137: OOMKilled`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment",
			Reason: v1alpha1.FailureReasonOOMKilled, Message: `"sidecar-proxy" exited with code 137: OOMKilled`,
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
		wantSummary: []string{`Pipeline task "restart-deployment" (index 1) was killed because it ran out of memory.`},
	}, {
		name:    "sidecar image pull failure",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "validate-target")
			setCondition(&tr.Status.Status, corev1.ConditionFalse, "Failed", "pod failed")
			tr.Status.Steps = nil
			tr.Status.Sidecars = []pipelinev1.SidecarState{{Name: "proxy", Container: "sidecar-proxy",
				ContainerState: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}}
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(0), FailedTaskName: "validate-target",
			Reason: v1alpha1.FailureReasonImagePullBackOff, Message: "pod failed",
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
	}, {
		name:    "image pull failure after an attempt that ran",
		fixture: "image-pull.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "validate-target")
			attempt := tr.Status.DeepCopy()
			attempt.PodName += "-retry0"
			attempt.Steps[0].Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", StartedAt: *at("10:00:05"), FinishedAt: *at("10:00:06")}
			attempt.Steps[0].TerminationReason = ""
			setCondition(&attempt.Status, corev1.ConditionFalse, "StepFailed", `"step-kubectl-check" exited with code 1: Error`)
			attempt.RetriesStatus = nil
			tr.Status.RetriesStatus = pipelinev1.RetriesStatus{*attempt}
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(0), FailedTaskName: "validate-target", FailedStepName: "kubectl-check",
			Reason: v1alpha1.FailureReasonImagePullBackOff,
			Message: `the step "kubectl-check" in TaskRun "wfe-3f2a9c1d4b5e6f70-validate-target" failed to pull the image "". ` +
				`The pod errored with the message: "Back-off pulling image "registry.example.com/kubernaut/kubectl:v1.31": ` +
				`ErrImagePull: registry.example.com/kubernaut/kubectl:v1.31: not found."`,
			FailedAt: at("10:00:41"), ExecutionTimeBeforeFailure: "41s", WasExecutionFailure: true,
		},
	}, {
		name:    "pod evicted under node pressure",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "restart-deployment")
			setCondition(&tr.Status.Status, corev1.ConditionFalse, "PodEvicted", "The node was low on resource: ephemeral-storage.")
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment",
			Reason: v1alpha1.FailureReasonResourceExhausted, Message: "The node was low on resource: ephemeral-storage.",
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
	}, {
		name:    "quota denial in a TaskRun message",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "restart-deployment")
			setCondition(&tr.Status.Status, corev1.ConditionFalse, "PodCreationFailed", `failed to create task run pod: resource quota exceeded`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment",
			Reason: v1alpha1.FailureReasonResourceExhausted, Message: `failed to create task run pod: resource quota exceeded`,
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
	}, {
		name:    "quota denial in the PipelineRun message (workspace PVC)",
		fixture: "couldnt-get-pipeline.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			setCondition(&pr.Status.Status, corev1.ConditionFalse, "CouldntCreateWorkspacePVC",
				`Failed to create PVC for PipelineRun kubernaut-workflows/`+prName+` correctly: failed to create PVC pvc-2f1e0d9c8b: persistentvolumeclaims "pvc-2f1e0d9c8b" is forbidden: exceeded quota: storage, requested: requests.storage=1Gi, used: requests.storage=10Gi, limited: requests.storage=10Gi`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			Reason: v1alpha1.FailureReasonResourceExhausted,
			Message: `Failed to create PVC for PipelineRun kubernaut-workflows/wfe-3f2a9c1d4b5e6f70 correctly: failed to create PVC pvc-2f1e0d9c8b: ` +
				`persistentvolumeclaims "pvc-2f1e0d9c8b" is forbidden: exceeded quota: storage, requested: requests.storage=1Gi, used: requests.storage=10Gi, limited: requests.storage=10Gi`,
			FailedAt: at("10:00:03"), ExecutionTimeBeforeFailure: "3s",
		},
		wantSummary: []string{"A resource quota or the nodes' capacity was exceeded."},
	}, {
		name:    "quota denial in the PipelineRun message with a failed TaskRun",
		fixture: "cancelled.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			setCondition(&pr.Status.Status, corev1.ConditionFalse, "Failed", `taskruns.tekton.dev "x" is forbidden: exceeded quota: object-counts`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment",
			Reason: v1alpha1.FailureReasonResourceExhausted, Message: `taskruns.tekton.dev "x" is forbidden: exceeded quota: object-counts`,
			FailedAt: at("10:02:10"), ExecutionTimeBeforeFailure: "2m10s", WasExecutionFailure: true,
		},
	}, {
		name:    "RBAC denial in a TaskRun message",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "restart-deployment")
			setCondition(&tr.Status.Status, corev1.ConditionFalse, "TaskRunResolutionFailed",
				`error requesting remote resource: secrets "registry-creds" is forbidden: User "system:serviceaccount:tekton-pipelines-resolvers:tekton-pipelines-resolvers" cannot get resource "secrets"`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment",
			Reason:   v1alpha1.FailureReasonForbidden,
			Message:  `error requesting remote resource: secrets "registry-creds" is forbidden: User "system:serviceaccount:tekton-pipelines-resolvers:tekton-pipelines-resolvers" cannot get resource "secrets"`,
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
	}, {
		name:    "RBAC denial at the cluster scope in the PipelineRun message",
		fixture: "couldnt-get-pipeline.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			setCondition(&pr.Status.Status, corev1.ConditionFalse, "CouldntGetPipeline",
				`User "system:serviceaccount:tekton-pipelines:tekton-pipelines-controller" cannot list resource "verificationpolicies" in API group "tekton.dev" at the cluster scope`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			Reason:   v1alpha1.FailureReasonForbidden,
			Message:  `User "system:serviceaccount:tekton-pipelines:tekton-pipelines-controller" cannot list resource "verificationpolicies" in API group "tekton.dev" at the cluster scope`,
			FailedAt: at("10:00:03"), ExecutionTimeBeforeFailure: "3s",
		},
		wantSummary: []string{"The cluster denied (forbidden) a request needed to run the workflow."},
	}, {
		name:    "RBAC denial in the PipelineRun message with a failed TaskRun",
		fixture: "cancelled.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			setCondition(&pr.Status.Status, corev1.ConditionFalse, "Failed", `pipelineruns.tekton.dev "x" is forbidden`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment",
			Reason: v1alpha1.FailureReasonForbidden, Message: `pipelineruns.tekton.dev "x" is forbidden`,
			FailedAt: at("10:02:10"), ExecutionTimeBeforeFailure: "2m10s", WasExecutionFailure: true,
		},
	}, {
		name:    "configuration reason of the PipelineRun with a failed TaskRun",
		fixture: "cancelled.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			setCondition(&pr.Status.Status, corev1.ConditionFalse, "CouldntGetPipelineResult", "Failed to get PipelineResult from TaskRun Results")
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment",
			Reason: v1alpha1.FailureReasonConfigurationError, Message: "Failed to get PipelineResult from TaskRun Results",
			FailedAt: at("10:02:10"), ExecutionTimeBeforeFailure: "2m10s", WasExecutionFailure: true,
		},
	}, {
		name:    "init container failure is not classified",
		fixture: "task-failed.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			tr := taskRun(t, trs, "restart-deployment")
			tr.Status.Steps = nil
			setCondition(&tr.Status.Status, corev1.ConditionFalse, "InitContainerFailed", `init container failed, "prepare" exited with code 1`)
			return trs
		},
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1), FailedTaskName: "restart-deployment",
			Reason: v1alpha1.FailureReasonUnknown, Message: "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1",
			FailedAt: at("10:01:23"), ExecutionTimeBeforeFailure: "1m23s", WasExecutionFailure: true,
		},
		wantSummary: []string{`could not classify (Tekton reason Failed) while pipeline task "restart-deployment" (index 1) was running.`},
	}, {
		name:    "unknown PipelineRun reason",
		fixture: "couldnt-get-pipeline.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			setCondition(&pr.Status.Status, corev1.ConditionFalse, "SomethingNew", "something new happened")
			return trs
		},
		want: &v1alpha1.FailureDetails{
			Reason: v1alpha1.FailureReasonUnknown, Message: "something new happened",
			FailedAt: at("10:00:03"), ExecutionTimeBeforeFailure: "3s",
		},
		wantSummary: []string{"could not classify (Tekton reason SomethingNew).", "kubectl describe pipelinerun"},
	}, {
		name:    "no completion time: failed now",
		fixture: "couldnt-get-pipeline.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			pr.Status.CompletionTime = nil
			return trs
		},
		want: &v1alpha1.FailureDetails{
			Reason:   v1alpha1.FailureReasonConfigurationError,
			Message:  bundleMissingMessage,
			FailedAt: at("11:00:00"), ExecutionTimeBeforeFailure: "1h0m0s",
		},
	}, {
		name:    "no start time: no duration",
		fixture: "couldnt-get-pipeline.yaml",
		mutate: func(t *testing.T, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) []*pipelinev1.TaskRun {
			pr.Status.StartTime = nil
			return trs
		},
		want: &v1alpha1.FailureDetails{
			Reason:   v1alpha1.FailureReasonConfigurationError,
			Message:  bundleMissingMessage,
			FailedAt: at("10:00:03"),
		},
	}, {
		name:      "start after completion (clock skew): zero duration",
		fixture:   "couldnt-get-pipeline.yaml",
		startTime: at("10:00:10"),
		want: &v1alpha1.FailureDetails{
			Reason:   v1alpha1.FailureReasonConfigurationError,
			Message:  bundleMissingMessage,
			FailedAt: at("10:00:03"), ExecutionTimeBeforeFailure: "0s",
		},
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr, trs := mustLoad(t, tc.fixture)
			if tc.mutate != nil {
				trs = tc.mutate(t, pr, trs)
			}
			got := Analyze(Input{
				WorkflowID:  workflowID,
				Target:      target,
				PipelineRun: pr,
				TaskRuns:    trs,
				StartTime:   tc.startTime,
				Now:         now,
			})
			if diff := cmp.Diff(tc.want, got, ignoreSummary); diff != "" {
				t.Errorf("Analyze() (-want, +got):\n%s", diff)
			}
			assertSummary(t, got, tc.wantSummary)
		})
	}
}

func TestAnalyzeWithoutPipelineRun(t *testing.T) {
	got := Analyze(Input{WorkflowID: workflowID, Target: target, Now: now.Add(123 * time.Millisecond)})
	want := &v1alpha1.FailureDetails{
		Reason:   v1alpha1.FailureReasonUnknown,
		Message:  "the PipelineRun is not available",
		FailedAt: at("11:00:00"),
	}
	if diff := cmp.Diff(want, got, ignoreSummary); diff != "" {
		t.Errorf("Analyze() (-want, +got):\n%s", diff)
	}
	assertSummary(t, got, []string{"No workflow step had started."})
}
