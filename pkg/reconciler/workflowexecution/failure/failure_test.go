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

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

const (
	workflowID = "restart-deployment"
	target     = "payment/deployment/api"
	prName     = "wfe-3f2a9c1d4b5e6f70"
)

// bundleMissingMessage is the PipelineRun message of couldnt-get-pipeline.yaml.
const bundleMissingMessage = `Error retrieving pipeline for pipelinerun kubernaut-workflows/wfe-3f2a9c1d4b5e6f70: ` +
	`error when getting Pipeline for PipelineRun wfe-3f2a9c1d4b5e6f70: resolver failed to get Pipeline : ` +
	`error requesting remote resource: error getting "bundleresolver" "kubernaut-workflows/bundles-8c1f0e7a3b2d4c5e6f7a8b9c0d1e2f3a": ` +
	`cannot retrieve the oci image: GET https://quay.io/v2/kubernaut/workflows/restart-deployment/manifests/v1.4.0: ` +
	`MANIFEST_UNKNOWN: manifest unknown; map[Tag:v1.4.0]`

var (
	// now is after every fixture's completion; used only without one.
	now = time.Date(2026, 3, 14, 11, 0, 0, 0, time.UTC)

	ignoreSummary = cmpopts.IgnoreFields(v1alpha1.FailureDetails{}, "NaturalLanguageSummary")
)

func at(hms string) *metav1.Time {
	t, err := time.Parse(time.RFC3339, "2026-03-14T"+hms+"Z")
	if err != nil {
		panic(err)
	}
	mt := metav1.NewTime(t)
	return &mt
}

func i32(i int32) *int32 { return &i }

func TestAnalyzeFixtures(t *testing.T) {
	tests := []struct {
		name      string
		fixture   string
		startTime *metav1.Time
		want      *v1alpha1.FailureDetails
		// wantSummary are fragments the summary must contain.
		wantSummary []string
	}{{
		name:    "pipeline timeout while the second task runs",
		fixture: "pipelinerun-timeout.yaml",
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex:            i32(1),
			FailedTaskName:             "restart-deployment",
			FailedStepName:             "wait-rollout",
			Reason:                     v1alpha1.FailureReasonDeadlineExceeded,
			Message:                    `PipelineRun "wfe-3f2a9c1d4b5e6f70" failed to finish within "30m0s"`,
			FailedAt:                   at("10:30:01"),
			ExecutionTimeBeforeFailure: "30m1s",
			WasExecutionFailure:        true,
		},
		wantSummary: []string{
			`failed after 30m1s (reason DeadlineExceeded)`,
			`while step "wait-rollout" of pipeline task "restart-deployment" (index 1) was running`,
			"Raise spec.executionConfig.timeout",
		},
	}, {
		name:    "task timeout",
		fixture: "taskrun-timeout.yaml",
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex:            i32(1),
			FailedTaskName:             "restart-deployment",
			FailedStepName:             "wait-rollout",
			Reason:                     v1alpha1.FailureReasonDeadlineExceeded,
			Message:                    `TaskRun "wfe-3f2a9c1d4b5e6f70-restart-deployment" failed to finish within "5m0s"`,
			FailedAt:                   at("10:05:12"),
			ExecutionTimeBeforeFailure: "5m12s",
			WasExecutionFailure:        true,
		},
		wantSummary: []string{"(reason DeadlineExceeded)", "investigate why the task was slow"},
	}, {
		name:    "step OOMKilled",
		fixture: "oomkilled.yaml",
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex:            i32(1),
			FailedTaskName:             "restart-deployment",
			FailedStepName:             "rollout-restart",
			Reason:                     v1alpha1.FailureReasonOOMKilled,
			Message:                    `"step-rollout-restart" exited with code 137: OOMKilled`,
			ExitCode:                   i32(137),
			FailedAt:                   at("10:00:48"),
			ExecutionTimeBeforeFailure: "48s",
			WasExecutionFailure:        true,
		},
		wantSummary: []string{
			`Step "rollout-restart" of pipeline task "restart-deployment" (index 1) was killed because it ran out of memory (exit code 137).`,
			"Raise the memory limit of the failed step",
		},
	}, {
		name:    "image pull failure",
		fixture: "image-pull.yaml",
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(0),
			FailedTaskName:  "validate-target",
			FailedStepName:  "kubectl-check",
			Reason:          v1alpha1.FailureReasonImagePullBackOff,
			Message: `the step "kubectl-check" in TaskRun "wfe-3f2a9c1d4b5e6f70-validate-target" failed to pull the image "". ` +
				`The pod errored with the message: "Back-off pulling image "registry.example.com/kubernaut/kubectl:v1.31": ` +
				`ErrImagePull: registry.example.com/kubernaut/kubectl:v1.31: not found."`,
			FailedAt:                   at("10:00:41"),
			ExecutionTimeBeforeFailure: "41s",
			WasExecutionFailure:        false,
		},
		wantSummary: []string{
			`A container image of step "kubectl-check" of pipeline task "validate-target" (index 0) could not be pulled.`,
			"No workflow step had started.",
			"image pull secrets",
		},
	}, {
		name:    "exceeded quota until the pipeline timed out",
		fixture: "exceeded-quota.yaml",
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(0),
			FailedTaskName:  "validate-target",
			Reason:          v1alpha1.FailureReasonResourceExhausted,
			Message: `TaskRun "wfe-3f2a9c1d4b5e6f70-validate-target" was cancelled. TaskRun cancelled as the PipelineRun it belongs to has timed out.` + "\n" +
				`Previous status: [ExceededResourceQuota] TaskRun Pod exceeded available resources: pods "wfe-3f2a9c1d4b5e6f70-validate-target-pod" is forbidden: ` +
				`exceeded quota: kubernaut-workflows-compute, requested: limits.memory=512Mi, used: limits.memory=1792Mi, limited: limits.memory=2Gi`,
			FailedAt:                   at("10:30:01"),
			ExecutionTimeBeforeFailure: "30m1s",
			WasExecutionFailure:        false,
		},
		wantSummary: []string{"(reason ResourceExhausted)", "Free resource quota"},
	}, {
		name:    "exceeded quota, TaskRun not yet cancelled",
		fixture: "exceeded-quota-pending.yaml",
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(0),
			FailedTaskName:  "validate-target",
			Reason:          v1alpha1.FailureReasonResourceExhausted,
			Message: `TaskRun Pod exceeded available resources: pods "wfe-3f2a9c1d4b5e6f70-validate-target-pod" is forbidden: ` +
				`exceeded quota: kubernaut-workflows-compute, requested: limits.memory=512Mi, used: limits.memory=1792Mi, limited: limits.memory=2Gi`,
			FailedAt:                   at("10:30:01"),
			ExecutionTimeBeforeFailure: "30m1s",
		},
	}, {
		name:    "exceeded quota after the first task ran",
		fixture: "exceeded-quota-after-first-task.yaml",
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(1),
			FailedTaskName:  "restart-deployment",
			Reason:          v1alpha1.FailureReasonResourceExhausted,
			Message: `TaskRun "wfe-3f2a9c1d4b5e6f70-restart-deployment" was cancelled. TaskRun cancelled as the PipelineRun it belongs to has timed out.` + "\n" +
				`Previous status: [ExceededResourceQuota] TaskRun Pod exceeded available resources: pods "wfe-3f2a9c1d4b5e6f70-restart-deployment-pod" is forbidden: ` +
				`exceeded quota: kubernaut-workflows-compute, requested: limits.memory=512Mi, used: limits.memory=1792Mi, limited: limits.memory=2Gi`,
			FailedAt:                   at("10:30:01"),
			ExecutionTimeBeforeFailure: "30m1s",
			// validate-target's step ran: the target may have been changed.
			WasExecutionFailure: true,
		},
		wantSummary: []string{"the target may have been partially changed"},
	}, {
		name:    "bundle missing: CouldntGetPipeline",
		fixture: "couldnt-get-pipeline.yaml",
		want: &v1alpha1.FailureDetails{
			Reason:                     v1alpha1.FailureReasonConfigurationError,
			Message:                    bundleMissingMessage,
			FailedAt:                   at("10:00:03"),
			ExecutionTimeBeforeFailure: "3s",
		},
		wantSummary: []string{
			"The workflow's pipeline could not be resolved or validated (Tekton reason CouldntGetPipeline).",
			"Check the bundle reference",
		},
	}, {
		name:    "parameter missing",
		fixture: "parameter-missing.yaml",
		want: &v1alpha1.FailureDetails{
			Reason:                     v1alpha1.FailureReasonConfigurationError,
			Message:                    "[User error] PipelineRun kubernaut-workflows/wfe-3f2a9c1d4b5e6f70 is missing some parameters required by Pipeline kubernaut-workflows/workflow: pipelineRun missing parameters: [DEPLOYMENT_NAME]",
			FailedAt:                   at("10:00:02"),
			ExecutionTimeBeforeFailure: "2s",
		},
		wantSummary: []string{"(Tekton reason ParameterMissing)"},
	}, {
		name:    "pipeline validation failed",
		fixture: "pipeline-validation-failed.yaml",
		want: &v1alpha1.FailureDetails{
			Reason:                     v1alpha1.FailureReasonConfigurationError,
			Message:                    "[User error] Validation failed for pipelinerun wfe-3f2a9c1d4b5e6f70 with error invalid input params for task restart-deployment: param types don't match the user-specified type: [REPLICAS]",
			FailedAt:                   at("10:00:02"),
			ExecutionTimeBeforeFailure: "2s",
		},
		wantSummary: []string{"(Tekton reason PipelineValidationFailed)"},
	}, {
		name:    "invalid param value: the echoed value is redacted",
		fixture: "invalid-param-value.yaml",
		want: &v1alpha1.FailureDetails{
			Reason:                     v1alpha1.FailureReasonConfigurationError,
			Message:                    "[User error] PipelineRun kubernaut-workflows/wfe-3f2a9c1d4b5e6f70 parameters have invalid value: param `ROLLOUT_MODE` value: [REDACTED] is not in the enum list",
			FailedAt:                   at("10:00:02"),
			ExecutionTimeBeforeFailure: "2s",
		},
	}, {
		name:      "non-zero exit in the second task of three",
		fixture:   "task-failed.yaml",
		startTime: at("09:59:59"),
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex:            i32(1),
			FailedTaskName:             "restart-deployment",
			FailedStepName:             "rollout-restart",
			Reason:                     v1alpha1.FailureReasonTaskFailed,
			Message:                    `"step-rollout-restart" exited with code 3: Error`,
			ExitCode:                   i32(3),
			FailedAt:                   at("10:01:23"),
			ExecutionTimeBeforeFailure: "1m24s",
			WasExecutionFailure:        true,
		},
		wantSummary: []string{
			`Step "rollout-restart" of pipeline task "restart-deployment" (index 1) exited with code 3.`,
			"kubectl logs -n kubernaut-workflows wfe-3f2a9c1d4b5e6f70-restart-deployment-pod -c step-rollout-restart",
		},
	}, {
		name:    "finally task failed: index continues after the tasks",
		fixture: "finally-failed.yaml",
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex:            i32(3),
			FailedTaskName:             "notify",
			FailedStepName:             "post-message",
			Reason:                     v1alpha1.FailureReasonTaskFailed,
			Message:                    `"step-post-message" exited with code 22: Error`,
			ExitCode:                   i32(22),
			FailedAt:                   at("10:01:05"),
			ExecutionTimeBeforeFailure: "1m5s",
			WasExecutionFailure:        true,
		},
		wantSummary: []string{`pipeline task "notify" (index 3) exited with code 22`},
	}, {
		name:    "cancelled by someone else",
		fixture: "cancelled.yaml",
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex:            i32(1),
			FailedTaskName:             "restart-deployment",
			FailedStepName:             "rollout-restart",
			Reason:                     v1alpha1.FailureReasonUnknown,
			Message:                    `PipelineRun "wfe-3f2a9c1d4b5e6f70" was cancelled`,
			FailedAt:                   at("10:02:10"),
			ExecutionTimeBeforeFailure: "2m10s",
			WasExecutionFailure:        true,
		},
		wantSummary: []string{
			`The PipelineRun was cancelled (Tekton reason Cancelled) while step "rollout-restart"`,
			"kubectl describe pipelinerun -n kubernaut-workflows wfe-3f2a9c1d4b5e6f70",
		},
	}, {
		name:    "pod forbidden by Pod Security admission",
		fixture: "forbidden-pod.yaml",
		want: &v1alpha1.FailureDetails{
			FailedTaskIndex: i32(0),
			FailedTaskName:  "validate-target",
			Reason:          v1alpha1.FailureReasonForbidden,
			Message: `pods "wfe-3f2a9c1d4b5e6f70-validate-target-pod" is forbidden: violates PodSecurity "restricted:latest": ` +
				`allowPrivilegeEscalation != false (container "step-kubectl-check" must set securityContext.allowPrivilegeEscalation=false), ` +
				`unrestricted capabilities (container "step-kubectl-check" must set securityContext.capabilities.drop=["ALL"]), ` +
				`runAsNonRoot != true (pod or container "step-kubectl-check" must set securityContext.runAsNonRoot=true), ` +
				`seccompProfile (pod or container "step-kubectl-check" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`,
			FailedAt:                   at("10:00:02"),
			ExecutionTimeBeforeFailure: "2s",
		},
		wantSummary: []string{"Grant the runner ServiceAccount the RBAC permissions"},
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr, trs := mustLoad(t, tc.fixture)
			got := Analyze(Input{
				WorkflowID:  workflowID,
				Target:      target,
				PipelineRun: pr,
				TaskRuns:    trs,
				StartTime:   tc.startTime,
				Now:         now,
			})
			if diff := cmp.Diff(tc.want, got, ignoreSummary); diff != "" {
				t.Errorf("Analyze() (-want, +got):\n%s", diff)
			}
			assertSummary(t, got, tc.wantSummary)
		})
	}
}

// assertSummary checks the invariants of every summary and the fragments a
// case expects.
func assertSummary(t *testing.T, d *v1alpha1.FailureDetails, fragments []string) {
	t.Helper()
	s := d.NaturalLanguageSummary
	want := []string{
		`Workflow "` + workflowID + `" on target "` + target + `" failed`,
		"(reason " + string(d.Reason) + ")",
		"Recommendation: " + Recommendation(d.Reason),
	}
	if d.ExecutionTimeBeforeFailure != "" {
		want = append(want, "after "+d.ExecutionTimeBeforeFailure)
	}
	for _, f := range append(want, fragments...) {
		if !strings.Contains(s, f) {
			t.Errorf("summary does not contain %q:\n%s", f, s)
		}
	}
	if len(s) > maxSummaryLen || strings.ContainsAny(s, "\n\r") {
		t.Errorf("summary is not one paragraph of at most %d bytes (%d):\n%s", maxSummaryLen, len(s), s)
	}
	if d.Message != "" && strings.Contains(s, d.Message) {
		t.Errorf("summary quotes the message:\n%s", s)
	}
}

func TestAnalyzeSummaryText(t *testing.T) {
	pr, trs := mustLoad(t, "task-failed.yaml")
	got := Analyze(Input{WorkflowID: workflowID, Target: target, PipelineRun: pr, TaskRuns: trs, Now: now})

	want := `Workflow "restart-deployment" on target "payment/deployment/api" failed after 1m23s (reason TaskFailed). ` +
		`Step "rollout-restart" of pipeline task "restart-deployment" (index 1) exited with code 3. ` +
		`Workflow steps had started before the failure, so the target may have been partially changed. ` +
		`Recommendation: Inspect the failed step's logs to find out why it exited non-zero, fix the cause, then run the workflow again. ` +
		`Logs: kubectl logs -n kubernaut-workflows wfe-3f2a9c1d4b5e6f70-restart-deployment-pod -c step-rollout-restart.`
	if diff := cmp.Diff(want, got.NaturalLanguageSummary); diff != "" {
		t.Errorf("summary (-want, +got):\n%s", diff)
	}
}

// TestAnalyzeIsDeterministic feeds the TaskRuns in every order and checks
// that the result does not change.
func TestAnalyzeIsDeterministic(t *testing.T) {
	for _, fixture := range []string{"finally-failed.yaml", "task-failed.yaml", "pipelinerun-timeout.yaml"} {
		t.Run(fixture, func(t *testing.T) {
			pr, trs := mustLoad(t, fixture)
			want := Analyze(Input{WorkflowID: workflowID, Target: target, PipelineRun: pr, TaskRuns: trs, Now: now})
			for _, order := range permutations(len(trs)) {
				shuffled := make([]*pipelinev1.TaskRun, len(trs))
				for i, j := range order {
					shuffled[i] = trs[j]
				}
				got := Analyze(Input{WorkflowID: workflowID, Target: target, PipelineRun: pr, TaskRuns: shuffled, Now: now})
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Analyze() with TaskRuns in order %v (-want, +got):\n%s", order, diff)
				}
			}
		})
	}
}

func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

// TestAnalyzeNeverLeaksParameterValues checks every fixture, plus a run
// whose messages echo every kind of parameter value: no output field may
// contain a value of pr.Spec.Params (but the target's, which the summary
// names on purpose).
func TestAnalyzeNeverLeaksParameterValues(t *testing.T) {
	fixtures := []string{
		"cancelled.yaml", "couldnt-get-pipeline.yaml", "exceeded-quota-after-first-task.yaml",
		"exceeded-quota-pending.yaml", "exceeded-quota.yaml", "finally-failed.yaml", "forbidden-pod.yaml",
		"image-pull.yaml", "invalid-param-value.yaml", "oomkilled.yaml", "parameter-missing.yaml",
		"pipeline-validation-failed.yaml", "pipelinerun-timeout.yaml", "task-failed.yaml", "taskrun-timeout.yaml",
	}
	type run struct {
		name string
		pr   *pipelinev1.PipelineRun
		trs  []*pipelinev1.TaskRun
	}
	var runs []run
	for _, f := range fixtures {
		pr, trs := mustLoad(t, f)
		runs = append(runs, run{f, pr, trs})
	}

	// Every kind of value, echoed by both the PipelineRun and the TaskRun.
	pr, trs := mustLoad(t, "task-failed.yaml")
	pr.Spec.Params = append(pr.Spec.Params,
		pipelinev1.Param{Name: "API_TOKEN", Value: *pipelinev1.NewStructuredValues("tok-9f8e7d6c5b4a")},
		pipelinev1.Param{Name: "HOSTS", Value: *pipelinev1.NewStructuredValues("db-primary.internal", "db-replica.internal")},
		pipelinev1.Param{Name: "CREDS", Value: *pipelinev1.NewObject(map[string]string{"user": "svc-remediator", "password": "hunter2hunter2"})},
	)
	echo := "rejected tok-9f8e7d6c5b4a for db-primary.internal,db-replica.internal as svc-remediator:hunter2hunter2 " +
		"(https://hooks.slack.example/services/T0KUBER/B0NAUT/s3cr3tW3bh00k, surge-then-drain)"
	setCondition(&pr.Status.Status, corev1.ConditionFalse, "Failed", "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 1 "+echo)
	setCondition(&trs[1].Status.Status, corev1.ConditionFalse, "StepFailed", echo)
	runs = append(runs, run{"echoing messages", pr, trs})
	pr2 := pr.DeepCopy()
	setCondition(&pr2.Status.Status, corev1.ConditionFalse, "InvalidParamValue", echo)
	runs = append(runs, run{"echoing PipelineRun message", pr2, nil})

	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			d := Analyze(Input{WorkflowID: workflowID, Target: target, PipelineRun: r.pr, TaskRuns: r.trs, Now: now})
			out := strings.Join([]string{
				d.FailedTaskName, d.FailedStepName, string(d.Reason), d.Message,
				d.ExecutionTimeBeforeFailure, d.NaturalLanguageSummary,
			}, "\n")
			for _, p := range r.pr.Spec.Params {
				if p.Name == "TARGET_RESOURCE" {
					continue
				}
				values := append([]string{p.Value.StringVal}, p.Value.ArrayVal...)
				for _, v := range p.Value.ObjectVal {
					values = append(values, v)
				}
				for _, v := range values {
					if v != "" && strings.Contains(out, v) {
						t.Errorf("output contains the value of param %s (%q):\n%s", p.Name, v, out)
					}
				}
			}
		})
	}
}

func setCondition(s interface {
	SetConditions(apis.Conditions)
}, status corev1.ConditionStatus, reason, message string) {
	s.SetConditions(apis.Conditions{{
		Type:               apis.ConditionSucceeded,
		Status:             status,
		Reason:             reason,
		Message:            message,
		LastTransitionTime: apis.VolatileTime{Inner: *at("10:01:23")},
	}})
}
