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
	"unicode/utf8"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	"kubernaut.ai/workflowexecution/pkg/redact"
)

// FuzzAnalyze checks that whatever Tekton reports, Analyze does not panic,
// returns a reason of the enum, bounded one-paragraph text, and a message
// from which the value of a parameter is redacted.
func FuzzAnalyze(f *testing.F) {
	f.Add("Failed", "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1", "StepFailed", `"step-rollout-restart" exited with code 3: Error`, "Error", "", int32(3), "s3cr3t-value", "restart-deployment", "payment/deployment/api")
	f.Add("PipelineRunTimeout", `PipelineRun "x" failed to finish within "30m0s"`, "TaskRunCancelled", "was cancelled\nPrevious status: [ExceededResourceQuota] exceeded quota", "TaskRunCancelled", "TaskRunCancelled", int32(1), "value", "w", "Node/n")
	f.Add("InvalidParamValue", "param `X` value: s3cr3t-value is not in the enum list", "", "", "OOMKilled", "", int32(137), "s3cr3t-value", "", "")
	f.Add("CouldntGetPipeline", strings.Repeat("é", 2000), "TaskRunImagePullFailed", `the step "rollout-restart" in TaskRun "x"`, "StartError", "Skipped", int32(-1), "é\xff", "\n", "\x00")

	base, baseTRs := mustLoad(f, "task-failed.yaml")
	enum := sets.New(allReasons...)

	f.Fuzz(func(t *testing.T, prReason, prMessage, trReason, trMessage, stepReason, terminationReason string, exitCode int32, value, wfID, tgt string) {
		pr := base.DeepCopy()
		trs := []*pipelinev1.TaskRun{baseTRs[0].DeepCopy(), baseTRs[1].DeepCopy()}
		pr.Spec.Params = append(pr.Spec.Params, pipelinev1.Param{Name: "FUZZ", Value: *pipelinev1.NewStructuredValues(value)})
		setCondition(&pr.Status.Status, corev1.ConditionFalse, prReason, prMessage)
		setCondition(&trs[1].Status.Status, corev1.ConditionFalse, trReason, trMessage)
		step := &trs[1].Status.Steps[0]
		step.Terminated.Reason, step.Terminated.ExitCode, step.TerminationReason = stepReason, exitCode, terminationReason

		d := Analyze(Input{WorkflowID: wfID, Target: tgt, PipelineRun: pr, TaskRuns: trs, Now: now})

		if !enum.Has(d.Reason) {
			t.Errorf("reason %q is not in the enum", d.Reason)
		}
		for name, s := range map[string]string{"message": d.Message, "summary": d.NaturalLanguageSummary} {
			if len(s) > 1000 || !utf8.ValidString(s) {
				t.Errorf("%s is %d bytes or invalid UTF-8: %q", name, len(s), s)
			}
		}
		if d.NaturalLanguageSummary == "" || strings.ContainsAny(d.NaturalLanguageSummary, "\n\r") {
			t.Errorf("summary is not one paragraph: %q", d.NaturalLanguageSummary)
		}
		// A redacted value cannot reappear, except through the redaction
		// marker, the ellipsis or the replacement of invalid UTF-8.
		if len(strings.TrimSpace(value)) >= redact.MinLength && utf8.ValidString(value) &&
			!strings.ContainsAny(value, "[]…\uFFFD") && strings.Contains(d.Message, value) {
			t.Errorf("message contains the parameter value %q: %q", value, d.Message)
		}
	})
}
