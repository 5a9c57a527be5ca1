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

package v1alpha1

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// fullWorkflowExecution sets every field, so that a deep copy is checked
// field by field.
func fullWorkflowExecution() *WorkflowExecution {
	at := metav1.NewTime(startTime)
	idx, exit := int32(2), int32(137)
	w := validWorkflowExecution()
	w.Labels = map[string]string{"a": "b"}
	w.Spec.WorkflowRef.ContainerDigest = "sha256:" + digest64
	w.Spec.Parameters = map[string]string{"REPLICAS": "3"}
	w.Spec.Confidence = ptr(0.9)
	w.Spec.Rationale = "why"
	w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: duration("1h"), ServiceAccountName: "runner"}
	w.Spec.RemediationRequestRef = &corev1.ObjectReference{Name: "rr"}
	w.Status.ObservedGeneration = 1
	w.Status.StartTime = &at
	w.Status.MarkFailed(endTime, &FailureDetails{
		FailedTaskIndex: &idx, FailedTaskName: "restart", Reason: FailureReasonOOMKilled,
		ExitCode: &exit, FailedAt: &at, WasExecutionFailure: true,
	})
	w.Status.PipelineRunRef = &PipelineRunReference{Name: "pr", Namespace: "kubernaut-workflows"}
	w.Status.PipelineRunStatus = &PipelineRunStatusSummary{Status: "False", CompletedTasks: 1, TotalTasks: 3}
	w.Status.SkipDetails = &SkipDetails{
		Reason: SkipReasonResourceBusy, SkippedAt: &at,
		ConflictingWorkflow: &ConflictingWorkflowRef{Name: "other", StartedAt: &at},
		RecentRemediation:   &RecentRemediationRef{Name: "before", CompletedAt: &at},
	}
	w.Status.LockReleaseTime = &at
	w.Status.MarkAuditDelivered("workflowexecution.failed")
	return w
}

func TestDeepCopy(t *testing.T) {
	w := fullWorkflowExecution()
	c := w.DeepCopyObject().(*WorkflowExecution)
	if diff := cmp.Diff(w, c); diff != "" {
		t.Fatalf("DeepCopy (-original, +copy):\n%s", diff)
	}
	// Changing the copy must leave the original alone.
	c.Spec.Parameters["REPLICAS"] = "4"
	*c.Spec.Confidence = 0.1
	c.Spec.ExecutionConfig.ServiceAccountName = "other"
	c.Status.FailureDetails.Reason = FailureReasonUnknown
	*c.Status.FailureDetails.ExitCode = 1
	c.Status.SkipDetails.ConflictingWorkflow.Name = "changed"
	c.Status.AuditDelivered[0] = "changed"
	c.Status.Conditions[0].Message = "changed"
	if diff := cmp.Diff(fullWorkflowExecution(), w, ignoreTransitionTime); diff != "" {
		t.Errorf("changing the copy changed the original (-want, +got):\n%s", diff)
	}

	list := &WorkflowExecutionList{Items: []WorkflowExecution{*fullWorkflowExecution()}}
	var obj runtime.Object = list.DeepCopyObject()
	if diff := cmp.Diff(list, obj); diff != "" {
		t.Errorf("list DeepCopyObject (-original, +copy):\n%s", diff)
	}
	var nilW *WorkflowExecution
	if nilW.DeepCopy() != nil || nilW.DeepCopyObject() != nil {
		t.Error("DeepCopy of nil is not nil")
	}
}
