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

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// TestAnalyzeRecordedRealRuns analyses runs recorded on the rig's node tier
// (test/node with WFE_NODE_FIXTURES: real Tekton, kubelet, containerd and
// runc) and expects what the hand-written fixture of the same scenario
// expects: the hand-written fixtures must not drift from what Tekton and the
// runtime really report.
func TestAnalyzeRecordedRealRuns(t *testing.T) {
	type outcome struct {
		Reason           v1alpha1.FailureReason
		Task, Step       string
		Index, Exit      int32
		ExecutionFailure bool
		Message          string
	}
	tests := []struct {
		recorded, handWritten string
		want                  outcome
	}{{
		recorded: "node/task-failed.yaml", handWritten: "task-failed.yaml",
		want: outcome{v1alpha1.FailureReasonTaskFailed, "patch", "apply", 1, 3, true, `"step-apply" exited with code 3: Error`},
	}, {
		// The step after the failed one is Skipped (exit 1): not the failure.
		recorded: "node/step-failed-next-skipped.yaml", handWritten: "task-failed.yaml",
		want: outcome{v1alpha1.FailureReasonTaskFailed, "apply", "patch", 0, 3, true, `"step-patch" exited with code 3: Error`},
	}, {
		recorded: "node/oomkilled.yaml", handWritten: "oomkilled.yaml",
		want: outcome{v1alpha1.FailureReasonOOMKilled, "fill", "allocate", 0, 137, true, `"step-allocate" exited with code 137: OOMKilled`},
	}, {
		recorded: "node/image-pull.yaml", handWritten: "image-pull.yaml",
		want: outcome{Reason: v1alpha1.FailureReasonImagePullBackOff, Task: "run", Step: "run", Index: 0, Exit: -1},
	}, {
		recorded: "node/pipelinerun-timeout.yaml", handWritten: "pipelinerun-timeout.yaml",
		want: outcome{v1alpha1.FailureReasonDeadlineExceeded, "wait", "sleep", 0, -1, true, ""},
	}}
	summarize := func(d *v1alpha1.FailureDetails) outcome {
		o := outcome{Reason: d.Reason, Task: d.FailedTaskName, Step: d.FailedStepName, Index: -1, Exit: -1, ExecutionFailure: d.WasExecutionFailure, Message: d.Message}
		if d.FailedTaskIndex != nil {
			o.Index = *d.FailedTaskIndex
		}
		if d.ExitCode != nil {
			o.Exit = *d.ExitCode
		}
		return o
	}
	for _, tc := range tests {
		t.Run(tc.recorded, func(t *testing.T) {
			pr, trs := mustLoad(t, tc.recorded)
			target := pr.Annotations["kubernaut.ai/target-resource"]
			got := Analyze(Input{WorkflowID: pr.Labels["kubernaut.ai/workflow-id"], Target: target, PipelineRun: pr, TaskRuns: trs, Now: time.Now()})
			o := summarize(got)
			want := tc.want
			if want.Message == "" {
				// Messages that name the run or the registry: checked by kind only.
				o.Message = ""
			}
			if diff := cmp.Diff(want, o); diff != "" {
				t.Errorf("Analyze() (-want, +got):\n%s\nfull: %+v", diff, got)
			}
			hpr, htrs := mustLoad(t, tc.handWritten)
			hand := Analyze(Input{WorkflowID: workflowID, Target: "payment/deployment/api", PipelineRun: hpr, TaskRuns: htrs, Now: now})
			if hand.Reason != got.Reason || hand.WasExecutionFailure != got.WasExecutionFailure ||
				(hand.ExitCode == nil) != (got.ExitCode == nil) || (hand.FailedStepName == "") != (got.FailedStepName == "") {
				t.Errorf("the hand-written %s and the real run disagree:\nhand: %+v\nreal: %+v", tc.handWritten, hand, got)
			}
			if got.ExecutionTimeBeforeFailure == "" || got.FailedAt == nil {
				t.Errorf("no failure time: %+v", got)
			}
		})
	}
}
