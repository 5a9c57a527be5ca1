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

package workflowexecution

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

const (
	createPR = "create kubernaut-workflows/wfe-f784cd1fcb7ca47c"
	getPR    = "get kubernaut-workflows/wfe-f784cd1fcb7ca47c"

	// wantCreated is the status of an execution whose PipelineRun was just created.
	wantCreated = `
observedGeneration: 1
phase: Running
startTime: "2026-03-14T10:05:00Z"
canonicalTarget: payment/deployment.apps/api
pipelineRunRef:
  name: wfe-f784cd1fcb7ca47c
  namespace: kubernaut-workflows
pipelineRunStatus:
  status: Unknown
conditions:
- type: Succeeded
  status: Unknown
  reason: Running
  message: PipelineRun kubernaut-workflows/wfe-f784cd1fcb7ca47c is running
`
	// wantConfigurationError is the status of an execution rejected before
	// any PipelineRun (messages checked separately).
	wantConfigurationError = `
observedGeneration: 1
phase: Failed
completionTime: "2026-03-14T10:05:00Z"
failureDetails:
  reason: ConfigurationError
  failedAt: "2026-03-14T10:05:00Z"
  wasExecutionFailure: false
conditions:
- type: Succeeded
  status: "False"
  reason: ConfigurationError
`
)

var prResource = schema.GroupResource{Group: "tekton.dev", Resource: "pipelineruns"}

// createdRun checks the PipelineRun in the API server.
func createdRun(want func(t *testing.T) *pipelinev1.PipelineRun) func(*testing.T, *fixture, *v1alpha1.WorkflowExecution) {
	return func(t *testing.T, f *fixture, _ *v1alpha1.WorkflowExecution) {
		t.Helper()
		prs := f.pipelineRuns()
		if len(prs) != 1 {
			t.Fatalf("%d PipelineRuns, want 1", len(prs))
		}
		w := want(t)
		w.CreationTimestamp = metav1.NewTime(now)
		w.UID = createdUID
		if diff := cmp.Diff(w, &prs[0]); diff != "" {
			t.Errorf("created PipelineRun (-want, +got):\n%s", diff)
		}
	}
}

// configurationError checks a ConfigurationError naming field.
func configurationError(fieldName string) func(*testing.T, *fixture, *v1alpha1.WorkflowExecution) {
	return func(t *testing.T, f *fixture, got *v1alpha1.WorkflowExecution) {
		t.Helper()
		if n := len(f.pipelineRuns()); n != 0 {
			t.Errorf("%d PipelineRuns, want none", n)
		}
		c := got.Status.GetSucceededCondition()
		if c == nil || !strings.Contains(c.Message, fieldName) {
			t.Errorf("condition %+v does not name the field %q", c, fieldName)
		}
		if d := got.Status.FailureDetails; d == nil || !strings.Contains(d.Message, fieldName) {
			t.Errorf("failureDetails %+v does not name the field %q", d, fieldName)
		}
		if got.Status.PipelineRunRef != nil {
			t.Errorf("pipelineRunRef = %+v, want none", got.Status.PipelineRunRef)
		}
		var mention []string
		for _, s := range []string{got.Spec.WorkflowRef.WorkflowID, got.Spec.TargetResource} {
			if s != "" {
				mention = append(mention, s)
			}
		}
		checkSummary(t, got.Status.FailureDetails, mention...)
	}
}

func TestReconcilePendingCreates(t *testing.T) {
	runReconcileCases(t, []reconcileCase{{
		name:       "new execution: PipelineRun created, Running",
		seed:       func(t *testing.T) seed { return objects(self(t, "")) },
		wantResult: "nil",
		wantStatus: wantCreated,
		wantTekton: []string{createPR},
		wantEvents: []string{"Normal PipelineRunCreated"},
		check: createdRun(func(t *testing.T) *pipelinev1.PipelineRun {
			return pipelineRun(t, selfNS, selfName, selfUID, "", "")
		}),
	}, {
		name:       "Pending status already written: same result",
		seed:       func(t *testing.T) seed { return objects(self(t, statusPending)) },
		wantResult: "nil",
		wantStatus: wantCreated,
		wantTekton: []string{createPR},
		wantEvents: []string{"Normal PipelineRunCreated"},
	}, {
		name: "config: execution namespace, pipeline name, default SA and timeout",
		seed: func(t *testing.T) seed {
			return seed{
				cached: list(self(t, "")),
				config: map[string]string{
					"execution-namespace":  "runs",
					"bundle-pipeline-name": "remediate",
					"service-account":      "runner",
					"default-timeout":      "45m",
					// The shared runner runs trusted namespaces only.
					"trusted-namespaces": "kubernaut-system, payment",
				},
			}
		},
		wantResult: "nil",
		wantStatus: strings.ReplaceAll(wantCreated, "kubernaut-workflows", "runs"),
		wantTekton: []string{"create runs/wfe-f784cd1fcb7ca47c"},
		wantEvents: []string{"Normal PipelineRunCreated"},
		check: createdRun(func(t *testing.T) *pipelinev1.PipelineRun {
			pr := pipelineRun(t, selfNS, selfName, selfUID, "", "")
			pr.Namespace = "runs"
			pr.Spec.PipelineRef.Params[1].Value = *pipelinev1.NewStructuredValues("remediate")
			pr.Spec.TaskRunTemplate.ServiceAccountName = "runner"
			pr.Spec.Timeouts.Pipeline = &metav1.Duration{Duration: 45 * time.Minute}
			return pr
		}),
	}, {
		name: "spec: allowed SA, timeout, digest, parameters passed exactly",
		seed: func(t *testing.T) seed {
			w := self(t, "")
			w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{
				ServiceAccountName: "node-admin",
				Timeout:            &metav1.Duration{Duration: 10 * time.Minute},
			}
			w.Spec.WorkflowRef.ContainerDigest = "sha256:" + strings.Repeat("ab", 32)
			w.Spec.Parameters = map[string]string{
				"ROLLOUT_MODE": "surge-then-drain",
				"ARGS":         "--selector=app=api --replicas=3",
				"SCRIPT":       "#!/bin/sh\nset -e\necho \"done\"\n",
				"NOTE":         "redémarrage ✓ 再起動",
			}
			return seed{
				cached: list(w),
				config: map[string]string{
					"allowed-service-accounts":    "node-admin, other",
					"require-bundle-digest":       "true",
					"allowed-bundle-repositories": "registry.example.com/remediations/",
				},
			}
		},
		wantResult: "nil",
		wantStatus: wantCreated,
		wantTekton: []string{createPR},
		wantEvents: []string{"Normal PipelineRunCreated"},
		check: createdRun(func(t *testing.T) *pipelinev1.PipelineRun {
			pr := pipelineRun(t, selfNS, selfName, selfUID, "", "")
			pr.Spec.PipelineRef.Params[0].Value = *pipelinev1.NewStructuredValues(
				"registry.example.com/remediations/restart-deployment:v1.4.0@sha256:" + strings.Repeat("ab", 32))
			pr.Spec.Params = pipelinev1.Params{
				{Name: "ARGS", Value: *pipelinev1.NewStructuredValues("--selector=app=api --replicas=3")},
				{Name: "NOTE", Value: *pipelinev1.NewStructuredValues("redémarrage ✓ 再起動")},
				{Name: "ROLLOUT_MODE", Value: *pipelinev1.NewStructuredValues("surge-then-drain")},
				{Name: "SCRIPT", Value: *pipelinev1.NewStructuredValues("#!/bin/sh\nset -e\necho \"done\"\n")},
				{Name: "TARGET_RESOURCE", Value: *pipelinev1.NewStructuredValues("payment/deployment.apps/api")},
			}
			pr.Spec.TaskRunTemplate.ServiceAccountName = "node-admin"
			pr.Spec.Timeouts.Pipeline = &metav1.Duration{Duration: 10 * time.Minute}
			return pr
		}),
	}, {
		name: "require-bundle-digest: a digest in the image is enough",
		seed: func(t *testing.T) seed {
			w := self(t, "")
			w.Spec.WorkflowRef.ContainerImage += "@sha256:" + strings.Repeat("cd", 32)
			return seed{cached: list(w), config: map[string]string{"require-bundle-digest": "true"}}
		},
		wantResult: "nil",
		wantStatus: wantCreated,
		wantTekton: []string{createPR},
		wantEvents: []string{"Normal PipelineRunCreated"},
	}, {
		name: "workflow id that is no label value: created without that label",
		seed: func(t *testing.T) seed {
			w := self(t, "")
			w.Spec.WorkflowRef.WorkflowID = strings.Repeat("restart-", 8) + "deployment"
			return objects(w)
		},
		wantResult: "nil",
		wantStatus: wantCreated,
		wantTekton: []string{createPR},
		wantEvents: []string{"Normal PipelineRunCreated"},
		check: createdRun(func(t *testing.T) *pipelinev1.PipelineRun {
			pr := pipelineRun(t, selfNS, selfName, selfUID, "", "")
			delete(pr.Labels, "kubernaut.ai/workflow-id")
			pr.Annotations["kubernaut.ai/workflow-id"] = strings.Repeat("restart-", 8) + "deployment"
			return pr
		}),
	}, {
		name: "cluster-scoped target",
		seed: func(t *testing.T) seed {
			w := self(t, "")
			w.Spec.TargetResource = "Node/worker-1"
			return seed{cached: list(w), config: map[string]string{"trusted-namespaces": selfNS}}
		},
		wantResult: "nil",
		wantStatus: strings.NewReplacer(prName, "wfe-c4367b7a6a9dedfc", "payment/deployment.apps/api", "node/worker-1").Replace(wantCreated),
		wantTekton: []string{"create kubernaut-workflows/wfe-c4367b7a6a9dedfc"},
		wantEvents: []string{"Normal PipelineRunCreated"},
	}})
}

func TestReconcilePendingInvalid(t *testing.T) {
	withSpec := func(mutate func(*v1alpha1.WorkflowExecution)) func(t *testing.T) seed {
		return func(t *testing.T) seed {
			w := self(t, "")
			mutate(w)
			return objects(w)
		}
	}
	withConfig := func(cfg map[string]string, mutate func(*v1alpha1.WorkflowExecution)) func(t *testing.T) seed {
		return func(t *testing.T) seed {
			w := self(t, "")
			mutate(w)
			return seed{cached: list(w), config: cfg}
		}
	}
	tests := []struct {
		name  string
		seed  func(t *testing.T) seed
		field string
	}{{
		name:  "target with a bad kind",
		seed:  withSpec(func(w *v1alpha1.WorkflowExecution) { w.Spec.TargetResource = "payment/deploy-ment/api" }),
		field: "spec.targetResource",
	}, {
		name:  "target with too many parts",
		seed:  withSpec(func(w *v1alpha1.WorkflowExecution) { w.Spec.TargetResource = "a/b/c/d" }),
		field: "spec.targetResource",
	}, {
		name:  "empty target",
		seed:  withSpec(func(w *v1alpha1.WorkflowExecution) { w.Spec.TargetResource = "" }),
		field: "spec.targetResource",
	}, {
		name: "reserved parameter",
		seed: withSpec(func(w *v1alpha1.WorkflowExecution) {
			w.Spec.Parameters["TARGET_RESOURCE"] = "payment/deployment/other"
		}),
		field: "spec.parameters",
	}, {
		name:  "bad parameter name",
		seed:  withSpec(func(w *v1alpha1.WorkflowExecution) { w.Spec.Parameters["1BAD NAME"] = "x" }),
		field: "spec.parameters",
	}, {
		name:  "missing workflow id",
		seed:  withSpec(func(w *v1alpha1.WorkflowExecution) { w.Spec.WorkflowRef.WorkflowID = "" }),
		field: "spec.workflowRef.workflowId",
	}, {
		name:  "bad image",
		seed:  withSpec(func(w *v1alpha1.WorkflowExecution) { w.Spec.WorkflowRef.ContainerImage = "Not An Image" }),
		field: "spec.workflowRef.containerImage",
	}, {
		name:  "bad digest",
		seed:  withSpec(func(w *v1alpha1.WorkflowExecution) { w.Spec.WorkflowRef.ContainerDigest = "sha256:xyz" }),
		field: "spec.workflowRef.containerDigest",
	}, {
		name:  "name too long for a label value",
		seed:  withSpec(func(w *v1alpha1.WorkflowExecution) { w.Name = strings.Repeat("n", 64) }),
		field: "metadata.name",
	}, {
		name: "service account not allowed",
		seed: withSpec(func(w *v1alpha1.WorkflowExecution) {
			w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{ServiceAccountName: "cluster-admin"}
		}),
		field: "spec.executionConfig.serviceAccountName",
	}, {
		name: "service account not in allowed-service-accounts",
		seed: withConfig(map[string]string{"allowed-service-accounts": "node-admin"}, func(w *v1alpha1.WorkflowExecution) {
			w.Spec.ExecutionConfig = &v1alpha1.ExecutionConfig{ServiceAccountName: "cluster-admin"}
		}),
		field: "spec.executionConfig.serviceAccountName",
	}, {
		name: "bundle outside allowed-bundle-repositories",
		seed: withConfig(map[string]string{"allowed-bundle-repositories": "registry.example.com/approved/, ghcr.io/acme/"},
			func(*v1alpha1.WorkflowExecution) {}),
		field: "spec.workflowRef.containerImage",
	}, {
		name:  "require-bundle-digest without a digest",
		seed:  withConfig(map[string]string{"require-bundle-digest": "true"}, func(*v1alpha1.WorkflowExecution) {}),
		field: "spec.workflowRef.containerDigest",
	}}
	var cases []reconcileCase
	for _, tc := range tests {
		key := ""
		if tc.name == "name too long for a label value" {
			key = selfNS + "/" + strings.Repeat("n", 64)
		}
		cases = append(cases, reconcileCase{
			name:           tc.name,
			seed:           tc.seed,
			key:            key,
			wantResult:     "nil",
			wantStatus:     wantConfigurationError,
			ignoreMessages: true,
			wantEvents:     []string{"Warning ConfigurationError"},
			check:          configurationError(tc.field),
		})
	}
	runReconcileCases(t, cases)
}

func TestReconcilePendingCreateErrors(t *testing.T) {
	permanent := func(reason string) string {
		return `
observedGeneration: 1
phase: Failed
completionTime: "2026-03-14T10:05:00Z"
failureDetails:
  reason: ` + reason + `
  failedAt: "2026-03-14T10:05:00Z"
  wasExecutionFailure: false
conditions:
- type: Succeeded
  status: "False"
  reason: ` + reason + `
`
	}
	const stillPending = `
observedGeneration: 1
phase: Pending
conditions:
- type: Succeeded
  status: Unknown
  reason: Pending
`
	tests := []struct {
		name       string
		err        error
		wantReason string // "" for a transient error
	}{{
		name: "403 forbidden",
		err: apierrors.NewForbidden(prResource, prName, errors.New(
			`User "system:serviceaccount:kubernaut-system:controller" cannot create resource "pipelineruns" in API group "tekton.dev" in the namespace "kubernaut-workflows"`)),
		wantReason: "Forbidden",
	}, {
		name: "403 exceeded quota",
		err: apierrors.NewForbidden(prResource, prName, errors.New(
			"exceeded quota: tekton-quota, requested: count/pipelineruns.tekton.dev=1, used: count/pipelineruns.tekton.dev=10, limited: count/pipelineruns.tekton.dev=10")),
		wantReason: "ResourceExhausted",
	}, {
		name: "422 invalid",
		err: apierrors.NewInvalid(schema.GroupKind{Group: "tekton.dev", Kind: "PipelineRun"}, prName,
			field.ErrorList{field.Invalid(field.NewPath("spec", "params"), "x", "bad param")}),
		wantReason: "ConfigurationError",
	}, {
		name: "400 admission webhook rejection",
		err: apierrors.NewBadRequest(
			`admission webhook "validation.webhook.pipeline.tekton.dev" denied the request: validation failed: invalid value: x: spec.params`),
		wantReason: "ConfigurationError",
	}, {
		name: "500 internal error",
		err:  apierrors.NewInternalError(errors.New("etcdserver: leader changed")),
	}, {
		name: "server timeout",
		err:  apierrors.NewServerTimeout(prResource, "create", 2),
	}, {
		name: "504 timeout",
		err:  apierrors.NewTimeoutError("request did not complete within 30s", 1),
	}, {
		name: "429 too many requests",
		err:  apierrors.NewTooManyRequests("slow down", 1),
	}, {
		name: "503 unavailable",
		err:  apierrors.NewServiceUnavailable("apiserver is shutting down"),
	}, {
		name: "409 conflict other than AlreadyExists",
		err:  apierrors.NewConflict(prResource, prName, errors.New("the object has been modified")),
	}, {
		name: "network error",
		err:  fmt.Errorf("Post \"https://10.96.0.1:443/apis/tekton.dev/v1/namespaces/kubernaut-workflows/pipelineruns\": dial tcp 10.96.0.1:443: connect: connection refused"),
	}}
	var cases []reconcileCase
	for _, tc := range tests {
		c := reconcileCase{
			name:           tc.name,
			seed:           func(t *testing.T) seed { return objects(self(t, "")) },
			reactors:       failOn("create", tc.err),
			ignoreMessages: true,
			wantTekton:     []string{createPR},
		}
		if tc.wantReason != "" {
			c.wantResult = "nil"
			c.wantStatus = permanent(tc.wantReason)
			c.wantEvents = []string{"Warning WorkflowFailed"}
			c.check = func(t *testing.T, _ *fixture, got *v1alpha1.WorkflowExecution) {
				checkSummary(t, got.Status.FailureDetails, selfWorkflow, selfTarget)
			}
		} else {
			// Transient: stays Pending, the error makes the queue retry
			// with backoff.
			c.wantResult = "error"
			c.wantStatus = stillPending
			c.wantEvents = []string{"Warning InternalError"}
			if apierrors.IsConflict(tc.err) {
				c.wantEvents = nil // knative records no event for conflicts
			}
		}
		cases = append(cases, c)
	}
	runReconcileCases(t, cases)
}

// TestReconcileAddsFinalizerInTheSamePass: a new execution gets its
// finalizer and its PipelineRun in one pass (docs/design.md §8: no finalizer-only pass).
func TestReconcileAddsFinalizerInTheSamePass(t *testing.T) {
	w := self(t, "")
	w.Finalizers = nil
	f := newFixture(t, objects(w))
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	writes := f.writes()
	if len(writes) != 2 || !strings.Contains(writes[0], finalizer) || writes[1] != "update-status "+selfKey {
		t.Errorf("writes = %q, want the finalizer patch then one status update", writes)
	}
	if diff := cmp.Diff([]string{createPR}, f.tektonActions()); diff != "" {
		t.Errorf("Tekton actions (-want, +got):\n%s", diff)
	}
	if got := f.get(selfKey); got.Status.Phase != v1alpha1.PhaseRunning {
		t.Errorf("phase = %q, want Running", got.Status.Phase)
	}
}

func TestClassifyCreateError(t *testing.T) {
	tests := []struct {
		err           error
		wantReason    v1alpha1.FailureReason
		wantPermanent bool
	}{
		{apierrors.NewForbidden(prResource, prName, errors.New("denied")), v1alpha1.FailureReasonForbidden, true},
		{apierrors.NewUnauthorized("who are you"), v1alpha1.FailureReasonForbidden, true},
		{apierrors.NewForbidden(prResource, prName, errors.New("exceeded quota: q")), v1alpha1.FailureReasonResourceExhausted, true},
		{apierrors.NewInvalid(schema.GroupKind{Kind: "PipelineRun"}, prName, nil), v1alpha1.FailureReasonConfigurationError, true},
		{apierrors.NewBadRequest("bad"), v1alpha1.FailureReasonConfigurationError, true},
		{apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "runs"), v1alpha1.FailureReasonConfigurationError, true},
		{apierrors.NewMethodNotSupported(prResource, "create"), v1alpha1.FailureReasonConfigurationError, true},
		{apierrors.NewRequestEntityTooLargeError("too big"), v1alpha1.FailureReasonConfigurationError, true},
		{apierrors.NewGone("gone"), v1alpha1.FailureReasonConfigurationError, true},
		{apierrors.NewInternalError(errors.New("x")), "", false},
		{apierrors.NewServerTimeout(prResource, "create", 1), "", false},
		{apierrors.NewTimeoutError("x", 1), "", false},
		{apierrors.NewTooManyRequests("x", 1), "", false},
		{apierrors.NewServiceUnavailable("x"), "", false},
		{apierrors.NewConflict(prResource, prName, errors.New("x")), "", false},
		{errors.New("connection reset by peer"), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			reason, permanent := classifyCreateError(tc.err)
			if reason != tc.wantReason || permanent != tc.wantPermanent {
				t.Errorf("classifyCreateError() = (%q, %v), want (%q, %v)", reason, permanent, tc.wantReason, tc.wantPermanent)
			}
		})
	}
}
