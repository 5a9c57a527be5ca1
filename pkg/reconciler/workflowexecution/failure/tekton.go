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
	"regexp"
	"strings"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// The vocabulary of Tekton Pipelines v1.15.0 that the analysis reads. The
// constants of Tekton's API packages (pipeline, pipeline/v1) are used where
// they exist; the others are copied here from the packages named: pkg/pod
// and the reconcilers import the image registry client, the Kubernetes
// keychains and more, which the controller does not compile in.
const (
	// pkg/pod/status.go
	reasonExceededResourceQuota = "ExceededResourceQuota"
	reasonExceededNodeResources = "ExceededNodeResources"
	reasonPullImageFailed       = "PullImageFailed"
	reasonPodAdmissionFailed    = "PodAdmissionFailed"
	// pkg/reconciler/volumeclaim/pvchandler.go
	reasonCouldntCreateWorkspacePVC = "CouldntCreateWorkspacePVC"
	// pkg/reconciler/pipelinerun/affinity_assistant.go
	reasonCouldntCreateAffinityAssistant = "ReasonCouldntCreateOrUpdateAffinityAssistantStatefulSet"

	// pkg/pod/pod.go: StepState.TerminationReason written from the entrypoint.
	terminationReasonSkipped         = "Skipped"
	terminationReasonContinued       = "Continued"
	terminationReasonCancelled       = "Cancelled"
	terminationReasonTimeoutExceeded = "TimeoutExceeded"

	// Container termination reasons set by the kubelet / container runtime.
	containerReasonOOMKilled  = "OOMKilled"
	containerReasonCannotRun  = "ContainerCannotRun"
	containerReasonStartError = "StartError"
)

var (
	// PipelineRun reasons of a run that timed out
	// (pkg/apis/pipeline/v1/pipelinerun_types.go, set by
	// pkg/reconciler/pipelinerun/timeout.go and resources/pipelinerunstate.go).
	prTimeoutReasons = sets.New(
		pipelinev1.PipelineRunReasonTimedOut.String(),
		pipelinev1.PipelineRunReasonTimedOutRunningFinally.String(),
		pipelinev1.PipelineRunReasonCouldntTimeOut.String(),
	)

	// PipelineRun reasons of resolution and validation failures, set by
	// pkg/reconciler/pipelinerun/pipelinerun.go before any TaskRun runs (or,
	// for CreateRunFailed, when a TaskRun cannot be created).
	prConfigReasons = sets.New(
		pipelinev1.PipelineRunReasonCouldntGetPipeline.String(),
		pipelinev1.PipelineRunReasonCouldntGetTask.String(),
		pipelinev1.PipelineRunReasonInvalidBindings.String(),
		pipelinev1.PipelineRunReasonInvalidWorkspaceBinding.String(),
		pipelinev1.PipelineRunReasonInvalidTaskRunSpec.String(),
		pipelinev1.PipelineRunReasonParameterTypeMismatch.String(),
		pipelinev1.PipelineRunReasonObjectParameterMissKeys.String(),
		pipelinev1.PipelineRunReasonParamArrayIndexingInvalid.String(),
		pipelinev1.PipelineRunReasonParameterMissing.String(),
		pipelinev1.PipelineRunReasonFailedValidation.String(),
		pipelinev1.PipelineRunReasonCouldntGetPipelineResult.String(),
		pipelinev1.PipelineRunReasonInvalidGraph.String(),
		pipelinev1.PipelineRunReasonInvalidMatrixParameterTypes.String(),
		pipelinev1.PipelineRunReasonInvalidTaskResultReference.String(),
		pipelinev1.PipelineRunReasonInvalidPipelineResultReference.String(),
		pipelinev1.PipelineRunReasonRequiredWorkspaceMarkedOptional.String(),
		pipelinev1.PipelineRunReasonResourceVerificationFailed.String(),
		pipelinev1.PipelineRunReasonCreateRunFailed.String(),
		pipelinev1.PipelineRunReasonCELEvaluationFailed.String(),
		pipelinev1.PipelineRunReasonInvalidParamValue.String(),
		reasonCouldntCreateWorkspacePVC,
		reasonCouldntCreateAffinityAssistant,
	)

	// PipelineRun reasons of a cancelled run: v1's (pkg/reconciler/pipelinerun/cancel.go
	// and resources/pipelinerunstate.go) and v1beta1's older one.
	cancelReasons = sets.New(
		pipelinev1.PipelineRunReasonCancelled.String(),
		pipelinev1.PipelineRunReasonCancelledRunningFinally.String(),
		"PipelineRunCancelled",
	)

	// TaskRun reasons of resolution, validation and pod-spec failures
	// (pkg/apis/pipeline/v1/taskrun_types.go, set by pkg/reconciler/taskrun).
	trConfigReasons = sets.New(
		pipelinev1.TaskRunReasonFailedResolution.String(),
		pipelinev1.TaskRunReasonFailedValidation.String(),
		pipelinev1.TaskRunReasonTaskFailedValidation.String(),
		pipelinev1.TaskRunReasonInvalidParamValue.String(),
		pipelinev1.TaskRunReasonResourceVerificationFailed.String(),
		pipelinev1.TaskRunReasonCreateContainerConfigError.String(),
		pipelinev1.TaskRunReasonPodCreationFailed.String(),
	)

	// TaskRun reasons of an out-of-memory kill (pkg/pod/status.go getFailureInfo).
	trOOMReasons = sets.New(
		pipelinev1.TaskRunReasonStepOOM.String(),
		pipelinev1.TaskRunReasonSidecarOOM.String(),
		pipelinev1.TaskRunReasonInitContainerOOM.String(),
	)

	// TaskRun reasons of an image that cannot be pulled: the terminal one
	// (pkg/reconciler/taskrun/taskrun.go checkContainerFailure) and the
	// transient one a TaskRun carries while it waits (pkg/pod/status.go).
	trImagePullReasons = sets.New(
		pipelinev1.TaskRunReasonImagePullFailed.String(),
		reasonPullImageFailed,
	)

	// TaskRun reasons of a pod that cannot be created or scheduled for lack
	// of quota or node capacity (pkg/pod/status.go), or that was evicted
	// under node pressure.
	trResourceReasons = sets.New(
		reasonExceededResourceQuota,
		reasonExceededNodeResources,
		pipelinev1.TaskRunReasonPodEvicted.String(),
	)

	// TaskRun reasons of a step or sidecar that exited non-zero (pkg/pod/status.go).
	trTaskFailedReasons = sets.New(
		pipelinev1.TaskRunReasonStepFailed.String(),
		pipelinev1.TaskRunReasonSidecarFailed.String(),
	)

	// Container waiting reasons of an image that cannot be pulled
	// (pkg/pod/status.go isImageErrorReason, from the kubelet).
	imageWaitingReasons = sets.New(
		"ImagePullBackOff",
		"ImageInspectError",
		"ErrImagePull",
		"ErrImageNeverPull",
		"RegistryUnavailable",
		"InvalidImageName",
	)

	// TaskRun reasons that failTaskRun (pkg/reconciler/taskrun/taskrun.go)
	// copies into the terminated state of every step still running or waiting
	// (terminateStepsInPod): such a step did not end by itself.
	injectedStepReasons = sets.New(
		pipelinev1.TaskRunReasonCancelled.String(),
		pipelinev1.TaskRunReasonTimedOut.String(),
		pipelinev1.TaskRunReasonImagePullFailed.String(),
		pipelinev1.TaskRunReasonCreateContainerConfigError.String(),
		pipelinev1.TaskRunReasonPodCreationFailed.String(),
		pipelinev1.TaskRunReasonResultLargerThanAllowedLimit.String(),
	)

	// TaskRun reasons of failures that happen while the pod is still pending:
	// no step of that TaskRun ran, even if some step container was up.
	prePodReasons = sets.New(
		pipelinev1.TaskRunReasonImagePullFailed.String(),
		pipelinev1.TaskRunReasonCreateContainerConfigError.String(),
		pipelinev1.TaskRunReasonPodCreationFailed.String(),
	)

	// appendPreviousConditionContext (pkg/reconciler/taskrun/taskrun.go) keeps
	// why a cancelled or timed-out TaskRun was stuck, e.g.
	// "...\nPrevious status: [ExceededResourceQuota] TaskRun Pod exceeded ...".
	previousStatusRE = regexp.MustCompile(`Previous status: \[([A-Za-z]+)\]`)

	// checkContainerFailure names the container it gave up on:
	// `the step "fetch" in TaskRun "x" failed to pull the image ...`.
	failedContainerStepRE = regexp.MustCompile(`the step "([^"]+)" in TaskRun`)

	// An RBAC denial: `... is forbidden: User "..." cannot list resource
	// "nodes" in API group "" at the cluster scope`.
	clusterScopeRE = regexp.MustCompile(`(?i)\bcannot [a-z]+ resource\b.*\bat the cluster scope\b`)

	// A CamelCase reason, safe to quote in the summary.
	reasonWordRE = regexp.MustCompile(`^[A-Za-z]{1,64}$`)
)

// isQuotaText reports a quota denial in an API error message
// ("... is forbidden: exceeded quota: compute, requested: ...").
func isQuotaText(msg string) bool {
	l := strings.ToLower(msg)
	return strings.Contains(l, "exceeded quota") || strings.Contains(l, "quota exceeded")
}

// isForbiddenText reports an RBAC or admission denial in an API error message.
func isForbiddenText(msg string) bool {
	return strings.Contains(strings.ToLower(msg), "forbidden") || clusterScopeRE.MatchString(msg)
}

// previousReason returns the reason a cancelled or timed-out TaskRun had
// before, as Tekton appends it to the message.
func previousReason(msg string) string {
	if m := previousStatusRE.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return ""
}

// isImageWaiting reports a container waiting because its image cannot be pulled.
func isImageWaiting(s corev1.ContainerState) bool {
	return s.Waiting != nil && imageWaitingReasons.Has(s.Waiting.Reason)
}
