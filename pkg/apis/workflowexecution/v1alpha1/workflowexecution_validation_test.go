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
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"knative.dev/pkg/apis"
)

// validWorkflowExecution returns an execution that passes validation.
func validWorkflowExecution() *WorkflowExecution {
	return &WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Name: "restart-api-1", Namespace: "kubernaut-system"},
		Spec: WorkflowExecutionSpec{
			WorkflowRef: WorkflowRef{
				WorkflowID:     "restart-deployment",
				Version:        "1.0.0",
				ContainerImage: "ghcr.io/kubernaut/workflows/restart:v1",
			},
			TargetResource: "payment/deployment/api",
		},
	}
}

func ptr[T any](v T) *T { return &v }

func duration(s string) *metav1.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return &metav1.Duration{Duration: d}
}

// params returns n valid parameters.
func params(n int) map[string]string {
	p := make(map[string]string, n)
	for i := range n {
		p[fmt.Sprintf("P%d", i)] = "v"
	}
	return p
}

// errString renders a *apis.FieldError, "" for none.
func errString(err *apis.FieldError) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func targetError(t *testing.T, target string) string {
	t.Helper()
	_, err := ParseTarget(target)
	if err == nil {
		t.Fatalf("ParseTarget(%q) succeeded, want an error", target)
	}
	return err.Error()
}

const paramNameRule = "parameter names must match ^[a-zA-Z_][a-zA-Z0-9_-]*$ and be at most 128 characters"

func TestWorkflowExecutionValidate(t *testing.T) {
	digest := "sha256:" + strings.Repeat("0123456789abcdef", 4)
	saErr := func(sa string) string {
		return fmt.Sprintf("invalid value: %q: %s: spec.executionConfig.serviceAccountName", sa, strings.Join(validation.IsDNS1123Subdomain(sa), "; "))
	}

	tests := []struct {
		name   string
		mutate func(w *WorkflowExecution)
		want   string
	}{{
		name: "valid",
	}, {
		name: "valid with every optional field",
		mutate: func(w *WorkflowExecution) {
			w.Spec.WorkflowRef.ContainerDigest = digest
			w.Spec.Parameters = map[string]string{"REPLICAS": "3"}
			w.Spec.Confidence = ptr(0.87)
			w.Spec.Rationale = "memory leak"
			w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: duration("30m"), ServiceAccountName: "kubernaut-workflow-runner"}
			w.Spec.RemediationRequestRef = &corev1.ObjectReference{Kind: "RemediationRequest", Name: "rr-1", Namespace: "kubernaut-system"}
		},
	}, {
		name:   "name of 63 characters",
		mutate: func(w *WorkflowExecution) { w.Name = strings.Repeat("n", 63) },
	}, {
		name:   "name of 64 characters",
		mutate: func(w *WorkflowExecution) { w.Name = strings.Repeat("n", 64) },
		want:   "invalid value: must be no more than 63 characters (it is used as a label value): metadata.name",
	}, {
		name:   "missing workflowId",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = "" },
		want:   "missing field(s): spec.workflowRef.workflowId",
	}, {
		name:   "missing version",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.Version = "" },
		want:   "missing field(s): spec.workflowRef.version",
	}, {
		name:   "missing containerImage",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerImage = "" },
		want:   "missing field(s): spec.workflowRef.containerImage",
	}, {
		name:   "missing targetResource",
		mutate: func(w *WorkflowExecution) { w.Spec.TargetResource = "" },
		want:   "missing field(s): spec.targetResource",
	}, {
		name:   "empty spec: every required field is named",
		mutate: func(w *WorkflowExecution) { w.Spec = WorkflowExecutionSpec{} },
		want:   "missing field(s): spec.targetResource, spec.workflowRef.containerImage, spec.workflowRef.version, spec.workflowRef.workflowId",
	}, {
		name:   "workflowId of 253 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = strings.Repeat("w", 253) },
	}, {
		name:   "workflowId with a terminal escape sequence",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = "a\x1b[2Jb" },
		want:   `invalid value: "a\x1b[2Jb" must contain only letters, digits, '.', '_' and '-', and start and end with a letter or digit: spec.workflowRef.workflowId`,
	}, {
		name:   "workflowId of 254 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = strings.Repeat("w", 254) },
		want:   "invalid value: must be no more than 253 characters: spec.workflowRef.workflowId",
	}, {
		name:   "version of 128 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.Version = strings.Repeat("v", 128) },
	}, {
		name:   "version of 129 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.Version = strings.Repeat("v", 129) },
		want:   "invalid value: must be no more than 128 characters: spec.workflowRef.version",
	}, {
		name:   "image pinned by digest",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerImage = "ghcr.io/kubernaut/restart@" + digest },
	}, {
		name:   "image with a registry port and no tag",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerImage = "localhost:5000/restart" },
	}, {
		name:   "image with an upper-case repository",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerImage = "ghcr.io/Kubernaut/restart" },
		want:   `invalid value: "ghcr.io/Kubernaut/restart" is not a valid OCI reference: could not parse reference: ghcr.io/Kubernaut/restart: spec.workflowRef.containerImage`,
	}, {
		name:   "image with a space",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerImage = "ghcr.io/kubernaut/re start" },
		want:   `invalid value: "ghcr.io/kubernaut/re start" is not a valid OCI reference: could not parse reference: ghcr.io/kubernaut/re start: spec.workflowRef.containerImage`,
	}, {
		name:   "image that is only a colon",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerImage = ":" },
		want:   `invalid value: ":" is not a valid OCI reference: could not parse reference: :: spec.workflowRef.containerImage`,
	}, {
		// go-containerregistry accepts it; the reference grammar (and the CRD) do not.
		name:   "image with an empty path separator",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerImage = "ghcr.io/kubernaut/foo..bar" },
		want:   `invalid value: "ghcr.io/kubernaut/foo..bar" is not a valid OCI reference: must be [registry/]repository[:tag][@sha256:digest] with a lower-case repository: spec.workflowRef.containerImage`,
	}, {
		name:   "image with a tag starting with a hyphen",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerImage = "ghcr.io/kubernaut/restart:-v1" },
		want:   `invalid value: "ghcr.io/kubernaut/restart:-v1" is not a valid OCI reference: must be [registry/]repository[:tag][@sha256:digest] with a lower-case repository: spec.workflowRef.containerImage`,
	}, {
		name:   "image of 513 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerImage = "ghcr.io/" + strings.Repeat("r", 505) },
		want:   "invalid value: must be no more than 512 characters: spec.workflowRef.containerImage",
	}, {
		name: "image with a digest and containerDigest",
		mutate: func(w *WorkflowExecution) {
			w.Spec.WorkflowRef.ContainerImage = "ghcr.io/kubernaut/restart@" + digest
			w.Spec.WorkflowRef.ContainerDigest = digest
		},
		want: "expected exactly one, got both: spec.workflowRef.containerDigest, spec.workflowRef.containerImage\n" +
			"containerImage already carries a digest; set containerDigest or a digest in containerImage, not both",
	}, {
		name:   "image with a tag and containerDigest",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerDigest = digest },
	}, {
		name:   "digest with upper-case hex",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerDigest = strings.ToUpper(digest) },
		want:   fmt.Sprintf(`invalid value: %q must be sha256:<64 lower-case hex digits>: spec.workflowRef.containerDigest`, strings.ToUpper(digest)),
	}, {
		name: "digest with upper-case hex only",
		mutate: func(w *WorkflowExecution) {
			w.Spec.WorkflowRef.ContainerDigest = "sha256:" + strings.Repeat("ABCDEF01", 8)
		},
		want: fmt.Sprintf(`invalid value: %q must be sha256:<64 lower-case hex digits>: spec.workflowRef.containerDigest`, "sha256:"+strings.Repeat("ABCDEF01", 8)),
	}, {
		name:   "short digest",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerDigest = digest[:len(digest)-1] },
		want:   fmt.Sprintf(`invalid value: %q must be sha256:<64 lower-case hex digits>: spec.workflowRef.containerDigest`, digest[:len(digest)-1]),
	}, {
		name:   "digest with the wrong algorithm",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef.ContainerDigest = "sha512:" + strings.Repeat("ab", 64) },
		want:   fmt.Sprintf(`invalid value: %q must be sha256:<64 lower-case hex digits>: spec.workflowRef.containerDigest`, "sha512:"+strings.Repeat("ab", 64)),
	}, {
		name:   "namespaced target",
		mutate: func(w *WorkflowExecution) { w.Spec.TargetResource = "payment/Deployment/api" },
	}, {
		name:   "cluster-scoped target",
		mutate: func(w *WorkflowExecution) { w.Spec.TargetResource = "Node/worker-1" },
	}, {
		name:   "invalid target",
		mutate: func(w *WorkflowExecution) { w.Spec.TargetResource = "payment/deployment/API" },
		want:   "invalid value: " + targetError(t, "payment/deployment/API") + ": spec.targetResource",
	}, {
		name:   "target with too many parts",
		mutate: func(w *WorkflowExecution) { w.Spec.TargetResource = "a/b/c/d" },
		want:   `invalid value: "a/b/c/d" must be namespace/kind/name or kind/name (got 4 parts): spec.targetResource`,
	}, {
		name: "valid parameter names",
		mutate: func(w *WorkflowExecution) {
			w.Spec.Parameters = map[string]string{"REPLICAS": "3", "_private": "x", "dry-run": "true", "a1": "", "Z": "z", strings.Repeat("P", 128): ""}
		},
	}, {
		name: "parameter values are not validated",
		mutate: func(w *WorkflowExecution) {
			w.Spec.Parameters = map[string]string{"A": "x=y", "B": "line1\nline2", "C": "ünïcödé ✓", "D": "", "E": strings.Repeat("v", 100000)}
		},
	}, {
		name:   "parameter name with =",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{"A=B": "x"} },
		want:   `invalid key name "A=B": spec.parameters` + "\n" + paramNameRule,
	}, {
		name:   "parameter name with a space",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{"A B": "x"} },
		want:   `invalid key name "A B": spec.parameters` + "\n" + paramNameRule,
	}, {
		name:   "parameter name with a dot",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{"a.b": "x"} },
		want:   `invalid key name "a.b": spec.parameters` + "\n" + paramNameRule,
	}, {
		name:   "parameter name with a leading digit",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{"1A": "x"} },
		want:   `invalid key name "1A": spec.parameters` + "\n" + paramNameRule,
	}, {
		name:   "empty parameter name",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{"": "x"} },
		want:   `invalid key name "": spec.parameters` + "\n" + paramNameRule,
	}, {
		name:   "parameter name of 129 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{strings.Repeat("P", 129): "x"} },
		want:   fmt.Sprintf("invalid key name %q: spec.parameters\n%s", strings.Repeat("P", 129), paramNameRule),
	}, {
		name:   "two invalid parameter names",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{"a.b": "x", "1A": "y", "OK": "z"} },
		want: `invalid key name "1A": spec.parameters` + "\n" + paramNameRule + "\n" +
			`invalid key name "a.b": spec.parameters` + "\n" + paramNameRule,
	}, {
		name: "reserved TARGET_RESOURCE parameter",
		mutate: func(w *WorkflowExecution) {
			w.Spec.Parameters = map[string]string{"TARGET_RESOURCE": "payment/deployment/api"}
		},
		want: "TARGET_RESOURCE is reserved and set by the controller: spec.parameters[TARGET_RESOURCE]",
	}, {
		name:   "128 parameters",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = params(128) },
	}, {
		name:   "129 parameters",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = params(129) },
		want:   "invalid value: at most 128 parameters are allowed, got 129: spec.parameters",
	}, {
		name:   "confidence 0",
		mutate: func(w *WorkflowExecution) { w.Spec.Confidence = ptr(0.0) },
	}, {
		name:   "confidence 1",
		mutate: func(w *WorkflowExecution) { w.Spec.Confidence = ptr(1.0) },
	}, {
		name:   "confidence -0.1",
		mutate: func(w *WorkflowExecution) { w.Spec.Confidence = ptr(-0.1) },
		want:   "expected 0 <= -0.1 <= 1: spec.confidence",
	}, {
		name:   "confidence 1.1",
		mutate: func(w *WorkflowExecution) { w.Spec.Confidence = ptr(1.1) },
		want:   "expected 0 <= 1.1 <= 1: spec.confidence",
	}, {
		name:   "confidence NaN",
		mutate: func(w *WorkflowExecution) { w.Spec.Confidence = ptr(math.NaN()) },
		want:   "expected 0 <= NaN <= 1: spec.confidence",
	}, {
		name:   "confidence +Inf",
		mutate: func(w *WorkflowExecution) { w.Spec.Confidence = ptr(math.Inf(1)) },
		want:   "expected 0 <= +Inf <= 1: spec.confidence",
	}, {
		name:   "rationale of 4096 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.Rationale = strings.Repeat("é", 4096) },
	}, {
		name:   "rationale of 4097 characters",
		mutate: func(w *WorkflowExecution) { w.Spec.Rationale = strings.Repeat("r", 4097) },
		want:   "invalid value: must be no more than 4096 characters: spec.rationale",
	}, {
		name:   "timeout 0",
		mutate: func(w *WorkflowExecution) { w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: &metav1.Duration{}} },
		want:   "invalid value: 0s must be greater than zero: spec.executionConfig.timeout",
	}, {
		name:   "negative timeout",
		mutate: func(w *WorkflowExecution) { w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: duration("-1m")} },
		want:   "invalid value: -1m0s must be greater than zero: spec.executionConfig.timeout",
	}, {
		name:   "positive timeout",
		mutate: func(w *WorkflowExecution) { w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: duration("1ns")} },
	}, {
		name:   "empty executionConfig",
		mutate: func(w *WorkflowExecution) { w.Spec.ExecutionConfig = &ExecutionConfig{} },
	}, {
		name:   "upper-case serviceAccountName",
		mutate: func(w *WorkflowExecution) { w.Spec.ExecutionConfig = &ExecutionConfig{ServiceAccountName: "Runner"} },
		want:   saErr("Runner"),
	}, {
		name:   "serviceAccountName with an underscore",
		mutate: func(w *WorkflowExecution) { w.Spec.ExecutionConfig = &ExecutionConfig{ServiceAccountName: "runner_1"} },
		want:   saErr("runner_1"),
	}, {
		name: "serviceAccountName of 254 characters",
		mutate: func(w *WorkflowExecution) {
			w.Spec.ExecutionConfig = &ExecutionConfig{ServiceAccountName: strings.Repeat("a", 254)}
		},
		want: saErr(strings.Repeat("a", 254)),
	}, {
		name: "multiple errors are aggregated",
		mutate: func(w *WorkflowExecution) {
			w.Name = strings.Repeat("n", 64)
			w.Spec.WorkflowRef.Version = ""
			w.Spec.TargetResource = ""
			w.Spec.WorkflowRef.ContainerDigest = "sha256:abc"
			w.Spec.Parameters = map[string]string{ReservedTargetParam: "x"}
			w.Spec.Confidence = ptr(2.0)
			w.Spec.ExecutionConfig = &ExecutionConfig{Timeout: &metav1.Duration{}}
		},
		want: strings.Join([]string{
			`TARGET_RESOURCE is reserved and set by the controller: spec.parameters[TARGET_RESOURCE]`,
			`expected 0 <= 2 <= 1: spec.confidence`,
			`invalid value: "sha256:abc" must be sha256:<64 lower-case hex digits>: spec.workflowRef.containerDigest`,
			`invalid value: 0s must be greater than zero: spec.executionConfig.timeout`,
			`invalid value: must be no more than 63 characters (it is used as a label value): metadata.name`,
			`missing field(s): spec.targetResource, spec.workflowRef.version`,
		}, "\n"),
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := validWorkflowExecution()
			if tc.mutate != nil {
				tc.mutate(w)
			}
			got := errString(w.Validate(context.Background()))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate() (-want, +got):\n%s", diff)
			}
		})
	}
}

// TestWorkflowExecutionValidateFieldErrors checks the structure of some
// errors: paths, message and details, as the consumers of the FieldError see
// them.
func TestWorkflowExecutionValidateFieldErrors(t *testing.T) {
	digest := "sha256:" + strings.Repeat("a", 64)
	tests := []struct {
		name   string
		mutate func(w *WorkflowExecution)
		want   []*apis.FieldError
	}{{
		name: "digest twice",
		mutate: func(w *WorkflowExecution) {
			w.Spec.WorkflowRef.ContainerImage = "ghcr.io/kubernaut/restart@" + digest
			w.Spec.WorkflowRef.ContainerDigest = digest
		},
		want: []*apis.FieldError{{
			Message: "expected exactly one, got both",
			Paths:   []string{"spec.workflowRef.containerDigest", "spec.workflowRef.containerImage"},
			Details: "containerImage already carries a digest; set containerDigest or a digest in containerImage, not both",
		}},
	}, {
		name:   "reserved parameter",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{ReservedTargetParam: "x", "OK": "y"} },
		want: []*apis.FieldError{{
			Message: "TARGET_RESOURCE is reserved and set by the controller",
			Paths:   []string{"spec.parameters[TARGET_RESOURCE]"},
		}},
	}, {
		name:   "invalid parameter name",
		mutate: func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{"a b": "x"} },
		want: []*apis.FieldError{{
			Message: `invalid key name "a b"`,
			Paths:   []string{"spec.parameters"},
			Details: paramNameRule,
		}},
	}, {
		name:   "missing fields",
		mutate: func(w *WorkflowExecution) { w.Spec.WorkflowRef = WorkflowRef{} },
		want: []*apis.FieldError{{
			Message: "missing field(s)",
			Paths:   []string{"spec.workflowRef.containerImage", "spec.workflowRef.version", "spec.workflowRef.workflowId"},
		}},
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := validWorkflowExecution()
			tc.mutate(w)
			got := w.Validate(context.Background()).WrappedErrors()
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreUnexported(apis.FieldError{})); diff != "" {
				t.Errorf("Validate() errors (-want, +got):\n%s", diff)
			}
		})
	}
}

func TestWorkflowExecutionValidateUpdate(t *testing.T) {
	tests := []struct {
		name     string
		baseline func() any
		mutate   func(w *WorkflowExecution)
		want     string
	}{{
		name:     "unchanged spec",
		baseline: func() any { return validWorkflowExecution() },
	}, {
		name:     "changed status and labels only",
		baseline: func() any { return validWorkflowExecution() },
		mutate: func(w *WorkflowExecution) {
			w.Labels = map[string]string{"a": "b"}
			w.Status.MarkRunning("running")
		},
	}, {
		name:     "changed target",
		baseline: func() any { return validWorkflowExecution() },
		mutate:   func(w *WorkflowExecution) { w.Spec.TargetResource = "payment/deployment/web" },
		want:     "spec is immutable: spec",
	}, {
		name:     "changed workflow version",
		baseline: func() any { return validWorkflowExecution() },
		mutate:   func(w *WorkflowExecution) { w.Spec.WorkflowRef.Version = "1.0.1" },
		want:     "spec is immutable: spec",
	}, {
		name:     "added parameter",
		baseline: func() any { return validWorkflowExecution() },
		mutate:   func(w *WorkflowExecution) { w.Spec.Parameters = map[string]string{"A": "b"} },
		want:     "spec is immutable: spec",
	}, {
		name: "nil and empty parameters are the same",
		baseline: func() any {
			w := validWorkflowExecution()
			w.Spec.Parameters = map[string]string{}
			return w
		},
	}, {
		name:     "changed and invalid spec: both reported",
		baseline: func() any { return validWorkflowExecution() },
		mutate:   func(w *WorkflowExecution) { w.Spec.TargetResource = "" },
		want:     "missing field(s): spec.targetResource\nspec is immutable: spec",
	}, {
		name:     "baseline of another type is ignored",
		baseline: func() any { return &corev1.ConfigMap{} },
		mutate:   func(w *WorkflowExecution) { w.Spec.TargetResource = "payment/deployment/web" },
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := validWorkflowExecution()
			if tc.mutate != nil {
				tc.mutate(w)
			}
			ctx := apis.WithinUpdate(context.Background(), tc.baseline())
			got := errString(w.Validate(ctx))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate() within update (-want, +got):\n%s", diff)
			}
		})
	}

	t.Run("a changed spec is fine on create", func(t *testing.T) {
		w := validWorkflowExecution()
		w.Spec.TargetResource = "payment/deployment/web"
		if err := w.Validate(apis.WithinCreate(context.Background())); err != nil {
			t.Errorf("Validate() within create = %v, want nil", err)
		}
	})
}
