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
package integration

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// TestCancelPatchWithAStaleUIDIsRefused pins what the hold limit's cancel
// relies on (pipelinerun.go cancelPipelineRun): the API server refuses a
// JSON patch whose test of metadata.uid fails, with a 422 (Invalid), and
// leaves the run as it was; with the right UID the same patch cancels it.
func TestCancelPatchWithAStaleUIDIsRefused(t *testing.T) {
	checkInvariant(t)
	ns := env.Namespace(t, "cancel-uid")
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "cancel-uid", target, "restart", image))
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	prs := env.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace)
	name := prName(t, target)
	ctx := context.Background()
	patch := func(uid types.UID) error {
		_, err := prs.Patch(ctx, name, types.JSONPatchType, []byte(`[{"op":"test","path":"/metadata/uid","value":"`+string(uid)+
			`"},{"op":"add","path":"/spec/status","value":"Cancelled"}]`), metav1.PatchOptions{})
		return err
	}
	if err := patch("00000000-0000-4000-8000-000000000000"); !apierrors.IsInvalid(err) {
		t.Fatalf("patch with a stale UID = %v, want a 422 Invalid", err)
	}
	if pr := env.PipelineRun(t, name); pr.Spec.Status != "" {
		t.Fatalf("spec.status = %q after a refused patch", pr.Spec.Status)
	}
	if err := patch(env.PipelineRun(t, name).UID); err != nil {
		t.Fatalf("patch with the run's UID = %v", err)
	}
	if pr := env.PipelineRun(t, name); pr.Spec.Status != "Cancelled" {
		t.Errorf("spec.status = %q, want Cancelled", pr.Spec.Status)
	}
	env.FinishPipelineRun(t, name, corev1.ConditionFalse, "Cancelled", "cancelled")
	env.WaitFor(t, ns, w.Name, "terminal", waitLong, func(w *v1alpha1.WorkflowExecution) bool { return w.Status.IsDone() })
}
