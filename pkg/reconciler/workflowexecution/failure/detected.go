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

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// maxWhatLen bounds the controller's sentence so that the recommendation
// always fits in the summary.
const maxWhatLen = 500

// ControllerSummary renders the paragraph for a failure the controller
// detected itself (a rejected execution, a run deleted externally, the hold
// limit): what happened is the controller's own sentence, which never
// carries parameter values, followed by the recommendation.
func ControllerSummary(workflowID, target string, d *v1alpha1.FailureDetails, what, recommendation string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Workflow %s on target %s failed", quote(workflowID, maxWorkflowLen), quote(target, maxTargetLen))
	if d.ExecutionTimeBeforeFailure != "" {
		fmt.Fprintf(&b, " after %s", clip(d.ExecutionTimeBeforeFailure, maxDurationLen))
	}
	fmt.Fprintf(&b, " (reason %s). %s ", quoteReason(string(d.Reason)), truncate(what, maxWhatLen))
	if d.WasExecutionFailure {
		b.WriteString("Workflow steps had started before the failure, so the target may have been partially changed. ")
	} else {
		b.WriteString("No workflow step had started. ")
	}
	b.WriteString("Recommendation: ")
	b.WriteString(recommendation)
	return truncate(b.String(), maxSummaryLen)
}

// Executed reports whether any step of the TaskRuns ran workflow code.
func Executed(taskRuns []*pipelinev1.TaskRun) bool {
	for _, tr := range taskRuns {
		if executed(tr) {
			return true
		}
	}
	return false
}
