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
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

var allReasons = []v1alpha1.FailureReason{
	v1alpha1.FailureReasonOOMKilled,
	v1alpha1.FailureReasonDeadlineExceeded,
	v1alpha1.FailureReasonForbidden,
	v1alpha1.FailureReasonResourceExhausted,
	v1alpha1.FailureReasonConfigurationError,
	v1alpha1.FailureReasonImagePullBackOff,
	v1alpha1.FailureReasonTaskFailed,
	v1alpha1.FailureReasonUnknown,
}

// TestSummary pins the paragraphs the reconciler builds for failures it
// detects itself.
func TestSummary(t *testing.T) {
	tests := []struct {
		name string
		d    *v1alpha1.FailureDetails
		want string
	}{{
		name: "PipelineRun deleted externally",
		d: &v1alpha1.FailureDetails{
			Reason:                     v1alpha1.FailureReasonUnknown,
			Message:                    "PipelineRun kubernaut-workflows/wfe-3f2a9c1d4b5e6f70 was deleted externally",
			ExecutionTimeBeforeFailure: "3m0s",
			WasExecutionFailure:        true,
		},
		want: `Workflow "restart-deployment" on target "payment/deployment/api" failed after 3m0s (reason Unknown). ` +
			`The PipelineRun failed for a reason the controller could not classify. ` +
			`Workflow steps had started before the failure, so the target may have been partially changed. ` +
			`Recommendation: Inspect the PipelineRun and its TaskRuns to find out why it failed.`,
	}, {
		name: "PipelineRun create forbidden",
		d: &v1alpha1.FailureDetails{
			Reason:  v1alpha1.FailureReasonForbidden,
			Message: `pipelineruns.tekton.dev is forbidden: User "system:serviceaccount:kubernaut-system:controller" cannot create resource "pipelineruns"`,
		},
		want: `Workflow "restart-deployment" on target "payment/deployment/api" failed (reason Forbidden). ` +
			`The cluster denied (forbidden) a request needed to run the workflow. ` +
			`No workflow step had started. ` +
			`Recommendation: Grant the runner ServiceAccount the RBAC permissions the workflow needs, or fix the admission policy that denied the request.`,
	}, {
		name: "nil details",
		want: `Workflow "restart-deployment" on target "payment/deployment/api" failed (reason Unknown). ` +
			`The PipelineRun failed for a reason the controller could not classify. No workflow step had started. ` +
			`Recommendation: Inspect the PipelineRun and its TaskRuns to find out why it failed.`,
	}, {
		name: "no reason",
		d:    &v1alpha1.FailureDetails{FailedTaskName: "verify-health", FailedTaskIndex: i32(2)},
		want: `Workflow "restart-deployment" on target "payment/deployment/api" failed (reason Unknown). ` +
			`The PipelineRun failed for a reason the controller could not classify while pipeline task "verify-health" (index 2) was running. ` +
			`No workflow step had started. Recommendation: Inspect the PipelineRun and its TaskRuns to find out why it failed.`,
	}, {
		name: "reason outside the enum is quoted",
		d:    &v1alpha1.FailureDetails{Reason: "Not A Reason"},
		want: `Workflow "restart-deployment" on target "payment/deployment/api" failed (reason "Not A Reason"). ` +
			`The PipelineRun failed for a reason the controller could not classify. No workflow step had started. ` +
			`Recommendation: Inspect the PipelineRun and its TaskRuns to find out why it failed.`,
	}, {
		name: "failed step without task",
		d:    &v1alpha1.FailureDetails{Reason: v1alpha1.FailureReasonTaskFailed, FailedStepName: "probe", WasExecutionFailure: true},
		want: `Workflow "restart-deployment" on target "payment/deployment/api" failed (reason TaskFailed). ` +
			`Step "probe" failed. Workflow steps had started before the failure, so the target may have been partially changed. ` +
			`Recommendation: Inspect the failed step's logs to find out why it exited non-zero, fix the cause, then run the workflow again.`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Summary(workflowID, target, tc.d)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Summary() (-want, +got):\n%s", diff)
			}
			if again := Summary(workflowID, target, tc.d); again != got {
				t.Errorf("Summary() is not deterministic:\n%s\n%s", got, again)
			}
		})
	}
}

// TestSummaryEveryReason renders every reason with and without a place and
// checks the invariants.
func TestSummaryEveryReason(t *testing.T) {
	for _, r := range allReasons {
		for _, d := range []*v1alpha1.FailureDetails{
			{Reason: r},
			{Reason: r, FailedTaskName: "restart-deployment", FailedTaskIndex: i32(1)},
			{Reason: r, FailedTaskName: "restart-deployment", FailedStepName: "rollout-restart", ExitCode: i32(137), WasExecutionFailure: true},
		} {
			s := Summary(workflowID, target, d)
			if !strings.Contains(s, "(reason "+string(r)+")") || !strings.HasSuffix(s, Recommendation(r)) {
				t.Errorf("Summary(%+v) does not name the reason and end with its recommendation:\n%s", d, s)
			}
			lower := strings.ToLower(s)
			if d.FailedTaskName != "" && !strings.Contains(lower, `pipeline task "restart-deployment"`) {
				t.Errorf("Summary(%+v) does not name the task:\n%s", d, s)
			}
			if d.FailedStepName != "" && !strings.Contains(lower, `step "rollout-restart"`) {
				t.Errorf("Summary(%+v) does not name the step:\n%s", d, s)
			}
		}
	}
}

// TestSummaryIsBounded feeds the longest identifiers the API allows (and
// more), with control characters and multi-byte runes.
func TestSummaryIsBounded(t *testing.T) {
	long := func(unit string, n int) string { return strings.Repeat(unit, n) }
	d := &v1alpha1.FailureDetails{
		Reason:                     v1alpha1.FailureReasonTaskFailed,
		FailedTaskName:             long("t", 300),
		FailedTaskIndex:            i32(math.MaxInt32),
		FailedStepName:             "step\nwith\x00control" + long("é", 300),
		ExitCode:                   i32(math.MinInt32),
		Message:                    long("x", 100000),
		ExecutionTimeBeforeFailure: long("9", 100) + "h",
		WasExecutionFailure:        true,
	}
	h := hints{podNamespace: long("n", 300), podName: long("p", 300), container: long("c", 300)}
	for _, s := range []string{
		Summary(long("w", 253), "ns/Kind/"+long("ü", 400), d),
		summary(long("w", 253), "ns/Kind/"+long("ü", 400), d, h),
		summary(long("w", 5000), long("ü", 5000), d, h),
	} {
		if len(s) > maxSummaryLen {
			t.Errorf("len(summary) = %d, want <= %d", len(s), maxSummaryLen)
		}
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r\x00") {
			t.Errorf("summary is not one line of valid UTF-8: %q", s)
		}
		if strings.Contains(s, "xxxxxxxxxx") {
			t.Errorf("summary quotes the message: %q", s)
		}
		if !strings.Contains(s, "Recommendation: ") {
			t.Errorf("summary lost its recommendation: %q", s)
		}
	}
}

func TestRecommendation(t *testing.T) {
	seen := map[string]v1alpha1.FailureReason{}
	for _, r := range allReasons {
		got := Recommendation(r)
		if got == "" || !strings.HasSuffix(got, ".") {
			t.Errorf("Recommendation(%s) = %q, want a sentence", r, got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("Recommendation(%s) = Recommendation(%s)", r, other)
		}
		seen[got] = r
	}
	if got, want := Recommendation("NotAReason"), Recommendation(v1alpha1.FailureReasonUnknown); got != want {
		t.Errorf("Recommendation(NotAReason) = %q, want %q", got, want)
	}
	for r, want := range map[v1alpha1.FailureReason]string{
		v1alpha1.FailureReasonOOMKilled:          "memory limit",
		v1alpha1.FailureReasonDeadlineExceeded:   "executionConfig.timeout",
		v1alpha1.FailureReasonConfigurationError: "bundle reference",
		v1alpha1.FailureReasonImagePullBackOff:   "pull secrets",
		v1alpha1.FailureReasonForbidden:          "RBAC",
		v1alpha1.FailureReasonResourceExhausted:  "quota",
		v1alpha1.FailureReasonTaskFailed:         "logs",
		v1alpha1.FailureReasonUnknown:            "PipelineRun",
	} {
		if !strings.Contains(Recommendation(r), want) {
			t.Errorf("Recommendation(%s) = %q, want it to mention %q", r, Recommendation(r), want)
		}
	}
}

// TestAnalyzeTrimsHugeMessages checks the 1000-character bound of the
// message and the summary on a TaskRun message of multi-byte runes.
func TestAnalyzeTrimsHugeMessages(t *testing.T) {
	pr, trs := mustLoad(t, "task-failed.yaml")
	tr := taskRun(t, trs, "restart-deployment")
	setCondition(&tr.Status.Status, corev1.ConditionFalse, "StepFailed", "  "+strings.Repeat("é ", 5000))

	got := Analyze(Input{WorkflowID: strings.Repeat("w", 253), Target: target, PipelineRun: pr, TaskRuns: trs, Now: now})

	if len(got.Message) > maxMessageLen || !utf8.ValidString(got.Message) {
		t.Errorf("message is %d bytes or invalid UTF-8, want <= %d", len(got.Message), maxMessageLen)
	}
	if !strings.HasPrefix(got.Message, "é é") || !strings.HasSuffix(got.Message, "é"+ellipsis) {
		t.Errorf("message = %q..., want the trimmed start and an ellipsis", got.Message[:20])
	}
	if len(got.NaturalLanguageSummary) > maxSummaryLen {
		t.Errorf("summary is %d bytes, want <= %d", len(got.NaturalLanguageSummary), maxSummaryLen)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{in: "short", max: 10, want: "short"},
		{in: "  padded  ", max: 10, want: "padded"},
		{in: "abcdefghij", max: 10, want: "abcdefghij"},
		{in: "abcdefghijk", max: 10, want: "abcdefg" + ellipsis},
		{in: "abcdef ghijk", max: 10, want: "abcdef" + ellipsis},
		{in: "ééééé", max: 8, want: "éé" + ellipsis},
		{in: "bad \xff byte", max: 100, want: "bad \uFFFD byte"},
	}
	for _, tc := range tests {
		if got := truncate(tc.in, tc.max); got != tc.want || len(got) > tc.max {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestClampInt32(t *testing.T) {
	if got := clampInt32(math.MaxInt32 + 1); got != math.MaxInt32 {
		t.Errorf("clampInt32(MaxInt32+1) = %d", got)
	}
	if got := clampInt32(7); got != 7 {
		t.Errorf("clampInt32(7) = %d", got)
	}
}
