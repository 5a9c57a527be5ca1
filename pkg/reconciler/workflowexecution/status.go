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
	"time"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"knative.dev/pkg/apis"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/failure"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/redact"
	"kubernaut.ai/workflowexecution/pkg/safetext"
)

// validate checks the execution against the API rules (for objects that got
// past admission) and the controller's security configuration.
func validate(ctx context.Context, wfe *v1alpha1.WorkflowExecution, cfg *config.WorkflowExecution) error {
	if fe := wfe.Validate(ctx); fe != nil {
		return fe
	}
	if err := checkHoldTime(wfe, cfg); err != nil {
		return err
	}
	ref := wfe.Spec.WorkflowRef
	if sa := resources.ServiceAccount(wfe, cfg); !cfg.ServiceAccountAllowed(wfe.Namespace, sa) {
		if !cfg.NamespaceTrusted(wfe.Namespace) {
			return fmt.Errorf("spec.executionConfig.serviceAccountName: %q is not in the controller's %s; executions in namespace %q run as %s unless they name one of those",
				sa, config.AllowedServiceAccountsKey, wfe.Namespace, config.TenantRunner(wfe.Namespace))
		}
		return fmt.Errorf("spec.executionConfig.serviceAccountName: %q is in neither the controller's %s nor its %s", sa, config.AllowedServiceAccountsKey, config.TrustedServiceAccountsKey)
	}
	if !cfg.BundleAllowed(ref.ContainerImage) {
		return fmt.Errorf("spec.workflowRef.containerImage: %q is not in the controller's %s (%s)",
			ref.ContainerImage, config.AllowedBundleRepositoriesKey, strings.Join(cfg.AllowedBundleRepositories, ", "))
	}
	if cfg.RequireBundleDigest && ref.ContainerDigest == "" && !strings.Contains(ref.ContainerImage, "@sha256:") {
		return fmt.Errorf("spec.workflowRef.containerDigest: a digest is required by the controller's %s", config.RequireBundleDigestKey)
	}
	return nil
}

// classifyCreateError tells permanent create errors (with their failure
// reason) from transient ones.
func classifyCreateError(err error) (v1alpha1.FailureReason, bool) {
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "exceeded quota") || strings.Contains(msg, "exceeds quota"):
		return v1alpha1.FailureReasonResourceExhausted, true
	case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
		return v1alpha1.FailureReasonForbidden, true
	case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsNotFound(err) ||
		apierrors.IsMethodNotSupported(err) || apierrors.IsNotAcceptable(err) || apierrors.IsUnsupportedMediaType(err) ||
		apierrors.IsRequestEntityTooLargeError(err):
		return v1alpha1.FailureReasonConfigurationError, true
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Code >= 400 && status.Status().Code < 500 &&
		!apierrors.IsTooManyRequests(err) && !apierrors.IsConflict(err) && !apierrors.IsTimeout(err) {
		return v1alpha1.FailureReasonConfigurationError, true
	}
	return "", false
}

// failureDetails builds the details of a failure the controller detects
// itself; what says what happened, recommendation what to do.
func (r *Reconciler) failureDetails(wfe *v1alpha1.WorkflowExecution, reason v1alpha1.FailureReason, msg string, executed bool, now time.Time, what, recommendation string) *v1alpha1.FailureDetails {
	at := metav1.NewTime(now)
	d := &v1alpha1.FailureDetails{
		Reason:              reason,
		Message:             msg,
		FailedAt:            &at,
		WasExecutionFailure: executed,
	}
	if wfe.Status.StartTime != nil {
		d.ExecutionTimeBeforeFailure = now.Sub(wfe.Status.StartTime.Time).Round(time.Second).String()
	}
	d.NaturalLanguageSummary = failure.ControllerSummary(wfe.Spec.WorkflowRef.WorkflowID, wfe.Spec.TargetResource, d, what, recommendation)
	return d
}

func (r *Reconciler) markConfigurationError(wfe *v1alpha1.WorkflowExecution, msg string, now time.Time) {
	details := r.failureDetails(wfe, v1alpha1.FailureReasonConfigurationError, msg, false, now,
		"The controller rejected the execution before creating its PipelineRun: "+msg+".",
		"Correct the field named in the message, or have the operator allow the value in config-workflowexecution, then create a new execution.")
	markFailed(wfe, now, details)
}

func (r *Reconciler) markCreateFailed(wfe *v1alpha1.WorkflowExecution, reason v1alpha1.FailureReason, err error, now time.Time) {
	msg := redact.Parameters(fmt.Sprintf("Creating the PipelineRun was rejected: %v", err), wfe.Spec.Parameters)
	details := r.failureDetails(wfe, reason, msg, false, now,
		"The API server rejected the PipelineRun: "+msg+".", failure.Recommendation(reason))
	markFailed(wfe, now, details)
}

func (r *Reconciler) markSkipped(wfe *v1alpha1.WorkflowExecution, skip *v1alpha1.SkipDetails, now time.Time) {
	at := metav1.NewTime(now)
	skip.SkippedAt = &at
	wfe.Status.MarkSkipped(now, skip)
}

// mirror copies the PipelineRun's condition and task counts into the status.
func (r *Reconciler) mirror(wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun) {
	r.mirrorTaskRuns(wfe, pr, r.taskRuns(pr))
}

// mirrorTaskRuns is mirror with the run's TaskRuns at hand.
func (r *Reconciler) mirrorTaskRuns(wfe *v1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun, trs []*pipelinev1.TaskRun) {
	sum := &v1alpha1.PipelineRunStatusSummary{Status: string(corev1.ConditionUnknown)}
	if c := pr.Status.GetCondition(apis.ConditionSucceeded); c != nil {
		sum.Status, sum.Reason, sum.Message = string(c.Status), c.Reason, safetext.Escape(failure.Redact(c.Message, pr.Spec.Params))
	}
	if spec := pr.Status.PipelineSpec; spec != nil {
		sum.TotalTasks = int32(len(spec.Tasks) + len(spec.Finally))
	}
	for _, tr := range trs {
		if c := tr.Status.GetCondition(apis.ConditionSucceeded); c != nil && c.Status != corev1.ConditionUnknown {
			sum.CompletedTasks++
		}
	}
	wfe.Status.PipelineRunStatus = sum
	if wfe.Status.Phase == v1alpha1.PhaseRunning && sum.Message != "" {
		wfe.Status.MarkRunning("%s", sum.Message)
	}
}

// taskRuns lists the PipelineRun's child TaskRuns from the cache.
func (r *Reconciler) taskRuns(pr *pipelinev1.PipelineRun) []*pipelinev1.TaskRun {
	sel := labels.SelectorFromSet(labels.Set{pipeline.PipelineRunLabelKey: pr.Name})
	trs, err := r.taskRunLister.TaskRuns(pr.Namespace).List(sel)
	if err != nil {
		return nil
	}
	out := trs[:0]
	for _, tr := range trs {
		if metav1.IsControlledBy(tr, pr) {
			out = append(out, tr)
		}
	}
	return out
}

func completionTime(pr *pipelinev1.PipelineRun, now time.Time) time.Time {
	if pr.Status.CompletionTime != nil {
		return pr.Status.CompletionTime.Time
	}
	return now
}
