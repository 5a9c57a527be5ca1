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

package resources

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/parse"
)

func TestPipelineRunName(t *testing.T) {
	tests := []struct {
		target string
		want   string
	}{
		// first 16 hex chars of sha256 of the canonical target, computed
		// independently: printf %s payment/deployment.apps/api | sha256sum
		{"payment/deployment.apps/api", "wfe-f784cd1fcb7ca47c"},
		{"node/worker-1", "wfe-c4367b7a6a9dedfc"},
	}
	for _, tc := range tests {
		got := PipelineRunName(tc.target)
		if got != tc.want {
			t.Errorf("PipelineRunName(%q) = %q, want %q", tc.target, got, tc.want)
		}
		if errs := validation.IsDNS1123Label(got); len(errs) > 0 {
			t.Errorf("PipelineRunName(%q) = %q is not a DNS-1123 label: %v", tc.target, got, errs)
		}
	}
	if PipelineRunName("a/deployment/x") == PipelineRunName("b/deployment/x") {
		t.Error("two targets share a PipelineRun name")
	}
}

const baseWFE = `
metadata:
  name: restart-api
  namespace: payment
  uid: 0b9c1f4e-4a40-4d47-9d16-7c3d0c7c1a01
spec:
  workflowRef:
    workflowId: restart-pod
    version: v1.2.0
    containerImage: registry.example.com/remediations/restart:1.2.0
  targetResource: payment/Deployment/api
`

func TestMakePipelineRun(t *testing.T) {
	tests := []struct {
		name   string
		wfe    string
		config func(*config.WorkflowExecution)
		want   string
	}{{
		name: "defaults from config",
		wfe:  baseWFE,
		want: `
metadata:
  name: wfe-f784cd1fcb7ca47c
  namespace: kubernaut-workflows
  labels:
    kubernaut.ai/workflow-execution: restart-api
    kubernaut.ai/source-namespace: payment
    kubernaut.ai/workflow-id: restart-pod
  annotations:
    kubernaut.ai/workflow-execution-uid: 0b9c1f4e-4a40-4d47-9d16-7c3d0c7c1a01
    kubernaut.ai/workflow-id: restart-pod
    kubernaut.ai/target-resource: payment/deployment.apps/api
spec:
  pipelineRef:
    resolver: bundles
    params:
    - name: bundle
      value: registry.example.com/remediations/restart:1.2.0
    - name: name
      value: workflow
    - name: kind
      value: pipeline
  params:
  - name: TARGET_RESOURCE
    value: payment/deployment.apps/api
  taskRunTemplate:
    serviceAccountName: wfe-runner-payment
  timeouts:
    pipeline: 30m
`,
	}, {
		name: "spec overrides, digest, custom config",
		wfe: `
metadata:
  name: restart-api
  namespace: payment
  uid: 0b9c1f4e-4a40-4d47-9d16-7c3d0c7c1a01
spec:
  workflowRef:
    workflowId: restart-pod
    version: v1.2.0
    containerImage: registry.example.com/remediations/restart:1.2.0
    containerDigest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  targetResource: payment/deployment/api
  executionConfig:
    timeout: 90s
    serviceAccountName: privileged-runner
`,
		config: func(c *config.WorkflowExecution) {
			c.ExecutionNamespace = "runs"
			c.BundlePipelineName = "remediate"
			c.ServiceAccount = "default-runner"
			c.DefaultTimeout = time.Hour
		},
		want: `
metadata:
  name: wfe-f784cd1fcb7ca47c
  namespace: runs
  labels:
    kubernaut.ai/workflow-execution: restart-api
    kubernaut.ai/source-namespace: payment
    kubernaut.ai/workflow-id: restart-pod
  annotations:
    kubernaut.ai/workflow-execution-uid: 0b9c1f4e-4a40-4d47-9d16-7c3d0c7c1a01
    kubernaut.ai/workflow-id: restart-pod
    kubernaut.ai/target-resource: payment/deployment.apps/api
spec:
  pipelineRef:
    resolver: bundles
    params:
    - name: bundle
      value: registry.example.com/remediations/restart:1.2.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    - name: name
      value: remediate
    - name: kind
      value: pipeline
  params:
  - name: TARGET_RESOURCE
    value: payment/deployment.apps/api
  taskRunTemplate:
    serviceAccountName: privileged-runner
  timeouts:
    pipeline: 90s
`,
	}, {
		name: "config defaults for SA and timeout when executionConfig is empty",
		wfe: baseWFE + `
  executionConfig: {}
`,
		config: func(c *config.WorkflowExecution) {
			c.ServiceAccount = "default-runner"
			c.DefaultTimeout = 2 * time.Hour
			c.TrustedNamespaces = []string{"payment"}
		},
		want: `
metadata:
  name: wfe-f784cd1fcb7ca47c
  namespace: kubernaut-workflows
  labels:
    kubernaut.ai/workflow-execution: restart-api
    kubernaut.ai/source-namespace: payment
    kubernaut.ai/workflow-id: restart-pod
  annotations:
    kubernaut.ai/workflow-execution-uid: 0b9c1f4e-4a40-4d47-9d16-7c3d0c7c1a01
    kubernaut.ai/workflow-id: restart-pod
    kubernaut.ai/target-resource: payment/deployment.apps/api
spec:
  pipelineRef:
    resolver: bundles
    params:
    - name: bundle
      value: registry.example.com/remediations/restart:1.2.0
    - name: name
      value: workflow
    - name: kind
      value: pipeline
  params:
  - name: TARGET_RESOURCE
    value: payment/deployment.apps/api
  taskRunTemplate:
    serviceAccountName: default-runner
  timeouts:
    pipeline: 2h
`,
	}, {
		name: "workflow id that is not a label value: annotation only",
		wfe: `
metadata:
  name: restart-api
  namespace: payment
  uid: 0b9c1f4e-4a40-4d47-9d16-7c3d0c7c1a01
spec:
  workflowRef:
    workflowId: "remediations/restart pod: v2"
    version: v1.2.0
    containerImage: registry.example.com/remediations/restart:1.2.0
  targetResource: Node/worker-1
`,
		want: `
metadata:
  name: wfe-c4367b7a6a9dedfc
  namespace: kubernaut-workflows
  labels:
    kubernaut.ai/workflow-execution: restart-api
    kubernaut.ai/source-namespace: payment
  annotations:
    kubernaut.ai/workflow-execution-uid: 0b9c1f4e-4a40-4d47-9d16-7c3d0c7c1a01
    kubernaut.ai/workflow-id: "remediations/restart pod: v2"
    kubernaut.ai/target-resource: node/worker-1
spec:
  pipelineRef:
    resolver: bundles
    params:
    - name: bundle
      value: registry.example.com/remediations/restart:1.2.0
    - name: name
      value: workflow
    - name: kind
      value: pipeline
  params:
  - name: TARGET_RESOURCE
    value: node/worker-1
  taskRunTemplate:
    serviceAccountName: wfe-runner-payment
  timeouts:
    pipeline: 30m
`,
	}, {
		name: "parameters sorted, values passed exactly",
		wfe: baseWFE + `
  parameters:
    REPLICAS: "3"
    ARGS: "--flag=value --other=a=b"
    SCRIPT: "line one\nline two\n\ttabbed\n"
    GREETING: "héllo wörld ✓ 日本語"
    _private: ""
    Mixed-Case_1: "  spaces kept  "
`,
		want: `
metadata:
  name: wfe-f784cd1fcb7ca47c
  namespace: kubernaut-workflows
  labels:
    kubernaut.ai/workflow-execution: restart-api
    kubernaut.ai/source-namespace: payment
    kubernaut.ai/workflow-id: restart-pod
  annotations:
    kubernaut.ai/workflow-execution-uid: 0b9c1f4e-4a40-4d47-9d16-7c3d0c7c1a01
    kubernaut.ai/workflow-id: restart-pod
    kubernaut.ai/target-resource: payment/deployment.apps/api
spec:
  pipelineRef:
    resolver: bundles
    params:
    - name: bundle
      value: registry.example.com/remediations/restart:1.2.0
    - name: name
      value: workflow
    - name: kind
      value: pipeline
  params:
  - name: ARGS
    value: "--flag=value --other=a=b"
  - name: GREETING
    value: "héllo wörld ✓ 日本語"
  - name: Mixed-Case_1
    value: "  spaces kept  "
  - name: REPLICAS
    value: "3"
  - name: SCRIPT
    value: "line one\nline two\n\ttabbed\n"
  - name: _private
    value: ""
  - name: TARGET_RESOURCE
    value: payment/deployment.apps/api
  taskRunTemplate:
    serviceAccountName: wfe-runner-payment
  timeouts:
    pipeline: 30m
`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wfe := parse.MustParseWorkflowExecution(t, tc.wfe)
			cfg := config.Defaults()
			if tc.config != nil {
				tc.config(cfg)
			}
			// The canonical target pkg/target resolves for the spelling.
			target := "payment/deployment.apps/api"
			if wfe.Spec.TargetResource == "Node/worker-1" {
				target = "node/worker-1"
			}
			got := MakePipelineRun(wfe, cfg, target)
			want := parse.MustParseV1PipelineRun(t, tc.want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("MakePipelineRun() (-want, +got):\n%s", diff)
			}
			// What the PipelineRun is created with must be what the
			// informer selects, and what the reconciler reads back.
			if _, ok := got.Labels[LabelSelector]; !ok {
				t.Errorf("PipelineRun lacks the informer's selector label %q", LabelSelector)
			}
			if !IsOwnedBy(got, wfe) {
				t.Error("IsOwnedBy(MakePipelineRun(wfe), wfe) = false")
			}
			for k, v := range got.Labels {
				if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
					t.Errorf("label %s=%q is not a valid label value: %v", k, v, errs)
				}
			}
		})
	}
}

func TestMakePipelineRunLongWorkflowID(t *testing.T) {
	wfe := parse.MustParseWorkflowExecution(t, baseWFE)
	wfe.Spec.WorkflowRef.WorkflowID = strings.Repeat("a", 64)
	pr := MakePipelineRun(wfe, config.Defaults(), "payment/deployment/api")
	if v, ok := pr.Labels["kubernaut.ai/workflow-id"]; ok {
		t.Errorf("a 64-character workflow id was put in a label: %q", v)
	}
	if got := pr.Annotations["kubernaut.ai/workflow-id"]; got != wfe.Spec.WorkflowRef.WorkflowID {
		t.Errorf("workflow-id annotation = %q, want the raw id", got)
	}

	wfe.Spec.WorkflowRef.WorkflowID = strings.Repeat("a", 63)
	pr = MakePipelineRun(wfe, config.Defaults(), "payment/deployment/api")
	if got := pr.Labels["kubernaut.ai/workflow-id"]; got != wfe.Spec.WorkflowRef.WorkflowID {
		t.Errorf("workflow-id label = %q, want the 63-character id", got)
	}
}

func TestOwnership(t *testing.T) {
	wfe := parse.MustParseWorkflowExecution(t, baseWFE)
	tests := []struct {
		name      string
		pr        string
		wantOwner Owner
		wantOwned bool
	}{{
		name: "owned",
		pr: `
metadata:
  labels:
    kubernaut.ai/workflow-execution: restart-api
    kubernaut.ai/source-namespace: payment
  annotations:
    kubernaut.ai/workflow-execution-uid: 0b9c1f4e-4a40-4d47-9d16-7c3d0c7c1a01
`,
		wantOwner: Owner{UID: "0b9c1f4e-4a40-4d47-9d16-7c3d0c7c1a01"},
		wantOwned: true,
	}, {
		name: "same name, other UID (a re-created execution)",
		pr: `
metadata:
  labels:
    kubernaut.ai/workflow-execution: restart-api
    kubernaut.ai/source-namespace: payment
  annotations:
    kubernaut.ai/workflow-execution-uid: ffffffff-4a40-4d47-9d16-7c3d0c7c1a01
`,
		wantOwner: Owner{UID: "ffffffff-4a40-4d47-9d16-7c3d0c7c1a01"},
	}, {
		name: "same name and UID, other namespace",
		pr: `
metadata:
  labels:
    kubernaut.ai/workflow-execution: restart-api
    kubernaut.ai/source-namespace: billing
  annotations:
    kubernaut.ai/workflow-execution-uid: 0b9c1f4e-4a40-4d47-9d16-7c3d0c7c1a01
`,
		wantOwner: Owner{UID: "0b9c1f4e-4a40-4d47-9d16-7c3d0c7c1a01"},
	}, {
		name: "labels only, no UID annotation",
		pr: `
metadata:
  labels:
    kubernaut.ai/workflow-execution: restart-api
    kubernaut.ai/source-namespace: payment
`,
	}, {
		name: "nothing",
		pr:   `metadata: {}`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr := parse.MustParseV1PipelineRun(t, tc.pr)
			want := tc.wantOwner
			want.Name = pr.Labels["kubernaut.ai/workflow-execution"]
			want.Namespace = pr.Labels["kubernaut.ai/source-namespace"]
			if diff := cmp.Diff(want, OwnerOf(pr)); diff != "" {
				t.Errorf("OwnerOf() (-want, +got):\n%s", diff)
			}
			if got := IsOwnedBy(pr, wfe); got != tc.wantOwned {
				t.Errorf("IsOwnedBy() = %v, want %v", got, tc.wantOwned)
			}
		})
	}
}

func TestIsDone(t *testing.T) {
	tests := []struct {
		name string
		pr   string
		want bool
	}{{
		name: "no condition",
		pr:   `metadata: {}`,
	}, {
		name: "running",
		pr: `
status:
  conditions:
  - type: Succeeded
    status: Unknown
    reason: Running
`,
	}, {
		name: "succeeded",
		pr: `
status:
  conditions:
  - type: Succeeded
    status: "True"
    reason: Succeeded
`,
		want: true,
	}, {
		name: "failed",
		pr: `
status:
  conditions:
  - type: Succeeded
    status: "False"
    reason: Failed
`,
		want: true,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parse.MustParseV1PipelineRun(t, tc.pr).IsDone(); got != tc.want {
				t.Errorf("IsDone() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStartTime(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	started := created.Add(3 * time.Second)
	pr := &pipelinev1.PipelineRun{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(created)}}
	if got := StartTime(pr); !got.Equal(created) {
		t.Errorf("StartTime() without status.startTime = %v, want the creation time %v", got, created)
	}
	pr.Status.StartTime = &metav1.Time{Time: started}
	if got := StartTime(pr); !got.Equal(started) {
		t.Errorf("StartTime() = %v, want %v", got, started)
	}
}

func TestServiceAccountTimeoutBundle(t *testing.T) {
	cfg := config.Defaults()
	wfe := parse.MustParseWorkflowExecution(t, baseWFE)
	// payment is not trusted: its own runner, and untrusted-max-timeout.
	if got := ServiceAccount(wfe, cfg); got != "wfe-runner-payment" {
		t.Errorf("ServiceAccount() = %q, want the namespace's runner wfe-runner-payment", got)
	}
	cfg.DefaultTimeout = 48 * time.Hour
	if got := Timeout(wfe, cfg); got != 24*time.Hour {
		t.Errorf("Timeout() = %v, want untrusted-max-timeout 24h", got)
	}
	cfg.DefaultTimeout = config.DefaultDefaultTimeout
	cfg.TrustedNamespaces = append(cfg.TrustedNamespaces, "payment")
	if got := ServiceAccount(wfe, cfg); got != cfg.ServiceAccount {
		t.Errorf("ServiceAccount() = %q, want the config's %q", got, cfg.ServiceAccount)
	}
	if got := Timeout(wfe, cfg); got != cfg.DefaultTimeout {
		t.Errorf("Timeout() = %v, want the config's %v", got, cfg.DefaultTimeout)
	}
	if got, want := BundleReference(wfe.Spec.WorkflowRef), wfe.Spec.WorkflowRef.ContainerImage; got != want {
		t.Errorf("BundleReference() = %q, want %q", got, want)
	}
	wfe.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{
		ServiceAccountName: "other",
		Timeout:            &metav1.Duration{Duration: time.Minute},
	}
	if got := ServiceAccount(wfe, cfg); got != "other" {
		t.Errorf("ServiceAccount() = %q, want the spec's %q", got, "other")
	}
	if got := Timeout(wfe, cfg); got != time.Minute {
		t.Errorf("Timeout() = %v, want the spec's 1m", got)
	}
	// An image that already carries its digest is used as is.
	pinned := "registry.example.com/r@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if got := BundleReference(v1alpha1.WorkflowRef{ContainerImage: pinned}); got != pinned {
		t.Errorf("BundleReference(pinned image) = %q, want %q", got, pinned)
	}
}
