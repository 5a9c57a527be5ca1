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

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

func TestControllerSummary(t *testing.T) {
	d := &v1alpha1.FailureDetails{Reason: v1alpha1.FailureReasonConfigurationError, ExecutionTimeBeforeFailure: "2s"}
	got := ControllerSummary("restart", "ns/Deployment/api", d,
		"The controller rejected the execution: spec.executionConfig.serviceAccountName is not allowed.",
		"Use an allowed ServiceAccount.")
	want := `Workflow "restart" on target "ns/Deployment/api" failed after 2s (reason ConfigurationError). The controller rejected the execution: spec.executionConfig.serviceAccountName is not allowed. No workflow step had started. Recommendation: Use an allowed ServiceAccount.`
	if got != want {
		t.Errorf("ControllerSummary =\n%s\nwant\n%s", got, want)
	}
	long := ControllerSummary("w", "t", &v1alpha1.FailureDetails{Reason: "Unknown", WasExecutionFailure: true}, strings.Repeat("x", 5000), "r")
	if len(long) > maxSummaryLen || !strings.Contains(long, "partially changed") {
		t.Errorf("long summary: %d bytes: %.80s", len(long), long)
	}
}

func TestRedactAndExecuted(t *testing.T) {
	params := pipelinev1.Params{{Name: "P", Value: *pipelinev1.NewStructuredValues("s3cr3t-value")}, {Name: "N", Value: *pipelinev1.NewStructuredValues("3")}}
	if got := Redact("value s3cr3t-value is bad, 3 times", params); got != "value [REDACTED] is bad, 3 times" {
		t.Errorf("Redact = %q", got)
	}
	if Executed(nil) {
		t.Error("Executed(nil) = true")
	}
}
