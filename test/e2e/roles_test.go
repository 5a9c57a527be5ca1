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

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	wfeclient "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned"
	"kubernaut.ai/workflowexecution/test/framework"
)

// TestShippedRolesAggregate runs where the kube-controller-manager
// aggregates ClusterRoles (the e2e tier): with the built-in view role a user
// reads executions; with view or edit a user cannot create one; only
// workflowexecution-author can.
func TestShippedRolesAggregate(t *testing.T) {
	ctx := context.Background()
	ns := env.Namespace(t, "roles")
	bind := func(user, role string) wfeclient.Interface {
		rb := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: user, Namespace: ns},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		}
		if _, err := env.Cluster.Kube.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		cfg := rest.CopyConfig(env.Cluster.RESTConfig)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
		return wfeclient.NewForConfigOrDie(cfg)
	}
	viewer, editor, author := bind("vera", "view"), bind("eddie", "edit"), bind("ann", "workflowexecution-author")
	w := framework.NewWFE(ns, "probe", ns+"/Deployment/api", "restart", "registry.example.com/remediation/restart:v1")
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	poll := func(what string, ok func() error) {
		t.Helper()
		var last error
		if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			last = ok()
			return last == nil, nil
		}); err != nil {
			t.Fatalf("%s: %v (last: %v)", what, err, last)
		}
	}
	// RBAC and aggregation converge through informers and a controller.
	poll("view reads executions", func() error {
		_, err := viewer.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).List(ctx, metav1.ListOptions{})
		return err
	})
	poll("edit reads executions", func() error {
		_, err := editor.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).List(ctx, metav1.ListOptions{})
		return err
	})
	poll("the author creates executions", func() error {
		_, err := author.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).Create(ctx, w, dry)
		return err
	})
	for user, c := range map[string]wfeclient.Interface{"view": viewer, "edit": editor} {
		if _, err := c.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).Create(ctx, w, dry); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "cannot create") {
			t.Errorf("a user with %s created an execution: %v, want RBAC's Forbidden", user, err)
		}
	}
}
