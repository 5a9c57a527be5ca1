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
	"strings"
	"testing"
	"time"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// TestStepStartedInTheTaskRunsCreationSecond: a run timed out while its
// step ran; Tekton wrote the step's terminated state (TaskRunCancelled)
// with the container's start, which fell in the second the TaskRun was
// created (a pod whose image is already on the node starts that fast, and
// KWOK's simulated pods always do). Tekton gives a step that was still
// waiting that same start, so the start alone cannot tell them apart; the
// image ID does: the kubelet reports one only for a container the runtime
// created.
func TestStepStartedInTheTaskRunsCreationSecond(t *testing.T) {
	tests := []struct {
		name     string
		imageID  string
		executed bool
		step     string
		summary  string
	}{
		{"the container ran (image ID)", "127.0.0.1:5000/rig/busybox@sha256:2678", true, "sleep", "Workflow steps had started before the failure"},
		{"the container never started (no image ID)", "", false, "", "No workflow step had started."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr, trs := mustLoad(t, "node/pipelinerun-timeout.yaml")
			if len(trs) != 1 || len(trs[0].Status.Steps) != 1 {
				t.Fatalf("fixture: %d TaskRuns", len(trs))
			}
			s := &trs[0].Status.Steps[0]
			s.Terminated.StartedAt = trs[0].CreationTimestamp
			s.ImageID = tc.imageID
			got := Analyze(Input{WorkflowID: "slow", Target: "app/Deployment/api", PipelineRun: pr, TaskRuns: trs, Now: time.Now()})
			if got.Reason != v1alpha1.FailureReasonDeadlineExceeded || got.WasExecutionFailure != tc.executed || got.FailedStepName != tc.step {
				t.Errorf("Analyze() = reason %s, wasExecutionFailure %t, step %q; want DeadlineExceeded, %t, %q",
					got.Reason, got.WasExecutionFailure, got.FailedStepName, tc.executed, tc.step)
			}
			if !strings.Contains(got.NaturalLanguageSummary, tc.summary) {
				t.Errorf("summary %q does not say %q", got.NaturalLanguageSummary, tc.summary)
			}
		})
	}
}
