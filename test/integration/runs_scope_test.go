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
	"errors"
	"fmt"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// TestRunsAreReadInTheExecutionNamespaceOnly: with the shipped RBAC, the
// controller (which runs as its ServiceAccount here) may read runs in the
// execution namespace only, and still works: its informers watch that
// namespace alone. A live change of execution-namespace is logged as
// needing a restart and does not move the runs out of what it watches.
func TestRunsAreReadInTheExecutionNamespaceOnly(t *testing.T) {
	checkInvariant(t)
	ctx := context.Background()
	sa := "system:serviceaccount:" + rig.SystemNamespace + ":" + rig.ControllerServiceAccount
	for _, tc := range []struct {
		verb, resource, namespace string
		want                      bool
	}{
		{"list", "pipelineruns", "", false},
		{"watch", "pipelineruns", "", false},
		{"list", "taskruns", "", false},
		{"get", "pipelineruns", "kube-system", false},
		{"list", "taskruns", "default", false},
		{"list", "pipelineruns", rig.ExecutionNamespace, true},
		{"watch", "pipelineruns", rig.ExecutionNamespace, true},
		{"get", "pipelineruns", rig.ExecutionNamespace, true},
		{"list", "taskruns", rig.ExecutionNamespace, true},
		{"watch", "taskruns", rig.ExecutionNamespace, true},
		{"get", "taskruns", rig.ExecutionNamespace, true},
	} {
		review, err := env.Cluster.Kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
			Spec: authorizationv1.SubjectAccessReviewSpec{
				User:   sa,
				Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + rig.SystemNamespace, "system:authenticated"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Group: "tekton.dev", Resource: tc.resource, Verb: tc.verb, Namespace: tc.namespace,
				},
			},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		where := tc.namespace
		if where == "" {
			where = "all namespaces"
		}
		if review.Status.Allowed != tc.want {
			t.Errorf("the controller may %s %s in %s: %v, want %v (%s)", tc.verb, tc.resource, where, review.Status.Allowed, tc.want, review.Status.Reason)
		}
	}
	if logs := env.Controller.Logs(); !strings.Contains(logs, "Waiting for the PipelineRun and TaskRun caches of namespace "+rig.ExecutionNamespace) {
		t.Errorf("the controller log does not say it watches runs in %s only", rig.ExecutionNamespace)
	}

	// A live change of execution-namespace: logged, not applied.
	if err := env.SetConfig(ctx, withConfig(config.ExecutionNamespaceKey, "elsewhere")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.SetConfig(ctx, baseConfig) })
	eventually(t, "the change of "+config.ExecutionNamespaceKey+" logged as needing a restart", func() error {
		for _, line := range strings.Split(env.Controller.Logs(), "\n") {
			if strings.Contains(line, config.ExecutionNamespaceKey) && strings.Contains(line, "elsewhere") &&
				strings.Contains(line, "restart the controller to apply it") {
				return nil
			}
		}
		return errors.New("no such log line yet")
	})
	ns := env.Namespace(t, "runs-scope")
	w := env.Create(t, framework.NewWFE(ns, "restart", env.Target(ns, "Deployment"), "restart", image))
	running := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	if ref := running.Status.PipelineRunRef; ref == nil || ref.Namespace != rig.ExecutionNamespace {
		t.Errorf("pipelineRunRef = %s, want a run in %s (the namespace the controller started with)", fmt.Sprint(ref), rig.ExecutionNamespace)
	}
}
