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
	"fmt"
	"strings"
	"testing"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// TestAnalyzeNamesAreNotCauses: the names of steps and tasks are the
// workflow author's words, and Tekton's message of a failed step quotes the
// step's name. A step that ran and exited non-zero is TaskFailed with its
// exit code and its name, whatever words the names contain: structured
// state before message text (docs/design.md §5).
func TestAnalyzeNamesAreNotCauses(t *testing.T) {
	// Every word or phrase the heuristics look for, as a DNS label (step and
	// task names are DNS labels), and the same with spaces, as a task's
	// display text would have them.
	keywords := []string{
		"check-forbidden-access", "forbidden", "is-forbidden",
		"exceeded-quota", "quota-exceeded", "exceeded quota", "quota exceeded",
		"cannot-list-resource-at-the-cluster-scope", "cannot list resource nodes at the cluster scope",
		"previous-status", "Previous status: [ExceededResourceQuota]",
		"oomkilled", "OOMKilled", "imagepullbackoff", "ErrImagePull",
		"timeout", "TimeoutExceeded", "timed-out", "deadline-exceeded",
		"podadmissionfailed", "exceededresourcequota", "exceedednoderesources",
		"couldntgetpipeline", "parametermissing", "invalidparamvalue",
		`the step "x" in TaskRun`,
	}
	for _, kw := range keywords {
		for _, where := range []string{"step", "task"} {
			t.Run(where+"/"+kw, func(t *testing.T) {
				pr, trs := mustLoad(t, "task-failed.yaml")
				tr := taskRun(t, trs, "restart-deployment")
				step, task := "rollout-restart", "restart-deployment"
				label := strings.ToLower(strings.NewReplacer(" ", "-", `"`, "", ":", "", "[", "", "]", "").Replace(kw))
				switch where {
				case "step":
					step = label
					tr.Status.Steps[0].Name, tr.Status.Steps[0].Container = step, "step-"+step
					tr.Spec.TaskSpec.Steps[0].Name = step
				case "task":
					task = label
					tr.Labels[pipeline.PipelineTaskLabelKey] = task
					tr.Name = prName + "-" + task
					for i := range pr.Status.ChildReferences {
						if pr.Status.ChildReferences[i].PipelineTaskName == "restart-deployment" {
							pr.Status.ChildReferences[i].PipelineTaskName, pr.Status.ChildReferences[i].Name = task, tr.Name
						}
					}
					for i := range pr.Status.PipelineSpec.Tasks {
						if pr.Status.PipelineSpec.Tasks[i].Name == "restart-deployment" {
							pr.Status.PipelineSpec.Tasks[i].Name = task
							pr.Status.PipelineSpec.Tasks[i].DisplayName = kw
						}
					}
				}
				// Tekton's message (pkg/pod/status.go extractContainerFailureMessage),
				// here with the raw keyword too, as a step's display name could hold it.
				setCondition(&tr.Status.Status, "False", "StepFailed",
					fmt.Sprintf("%q exited with code 3: Error (%s)", "step-"+step, kw))

				d := Analyze(Input{WorkflowID: workflowID, Target: target, PipelineRun: pr, TaskRuns: trs})
				if d.Reason != v1alpha1.FailureReasonTaskFailed {
					t.Errorf("reason = %s, want TaskFailed", d.Reason)
				}
				if d.ExitCode == nil || *d.ExitCode != 3 {
					t.Errorf("exitCode = %v, want 3", d.ExitCode)
				}
				if d.FailedStepName != step {
					t.Errorf("failedStepName = %q, want %q", d.FailedStepName, step)
				}
				if d.FailedTaskName != task {
					t.Errorf("failedTaskName = %q, want %q", d.FailedTaskName, task)
				}
				if !d.WasExecutionFailure {
					t.Error("wasExecutionFailure = false, want true: the step ran")
				}
				if !strings.Contains(d.NaturalLanguageSummary, "exited with code 3") {
					t.Errorf("summary %q does not name the exit code", d.NaturalLanguageSummary)
				}
			})
		}
	}
}
