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
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/workflowexecution/test/rig"
)

// The Tekton Dashboard's label for ClusterRoles its --extensions-rbac
// install aggregates (tektoncd/dashboard docs/extensions.md), and its
// service account.
const (
	dashboardAggregateLabel = "rbac.dashboard.tekton.dev/aggregate-to-dashboard"
	dashboardSA             = "system:serviceaccount:tekton-pipelines:tekton-dashboard"
)

var extensionGVR = schema.GroupVersionResource{Group: "dashboard.tekton.dev", Version: "v1alpha1", Resource: "extensions"}

// extensionSpec is the Extension's spec as tektoncd/dashboard documents it
// (docs/extensions.md, "ExtensionSpec"); its CRD's schema preserves unknown
// fields, so a misspelt field would be stored and ignored.
type extensionSpec struct {
	APIVersion                  string `json:"apiVersion"`
	Name                        string `json:"name"`
	DisplayName                 string `json:"displayName"`
	Namespaced                  *bool  `json:"namespaced,omitempty"`
	DisableResourceDetailsLinks *bool  `json:"disableResourceDetailsLinks,omitempty"`
}

// TestDashboardExtension installs the Tekton Dashboard's Extension CRD on
// the real API server, applies config/dashboard/ as its kustomization lists
// it, and checks what the Dashboard will make of it: the Extension is
// stored and reads back with the documented fields, the Dashboard's own
// printer columns show them, it names a resource the API server serves with
// the scope it says, and the role is selected by the Dashboard's
// aggregation label and lets its service account read executions, nothing
// more.
func TestDashboardExtension(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := env.Cluster

	crd, err := rig.ReadYAMLFiles(filepath.Join("testdata", "tekton-dashboard", "202-extension-crd.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	objs := dashboardManifests(t)
	if _, err := c.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: rig.TektonNamespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	if err := c.Apply(ctx, append(crd, objs...)...); err != nil {
		t.Fatalf("applying the Extension CRD and config/dashboard: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = c.Kube.RbacV1().ClusterRoleBindings().Delete(ctx, "tekton-dashboard-wfe-test", metav1.DeleteOptions{})
		for _, o := range objs {
			if o.GetKind() == "ClusterRole" {
				_ = c.Kube.RbacV1().ClusterRoles().Delete(ctx, o.GetName(), metav1.DeleteOptions{})
			}
		}
		_ = c.Dynamic.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}).
			Delete(ctx, "extensions.dashboard.tekton.dev", metav1.DeleteOptions{})
	})

	var ext, role *unstructured.Unstructured
	for _, o := range objs {
		switch o.GetKind() {
		case "Extension":
			ext = o
		case "ClusterRole":
			role = o
		}
	}
	if ext == nil || role == nil {
		t.Fatalf("config/dashboard has no Extension or no ClusterRole: %d objects", len(objs))
	}

	// Stored, and its spec is the documented one.
	got, err := c.Dynamic.Resource(extensionGVR).Namespace(ext.GetNamespace()).Get(ctx, ext.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the Extension is not stored: %v", err)
	}
	raw, err := json.Marshal(got.Object["spec"])
	if err != nil {
		t.Fatal(err)
	}
	// Field names exactly as documented (encoding/json would match
	// "displayname" to displayName; the Dashboard would not).
	documented := map[string]bool{"apiVersion": true, "name": true, "displayName": true, "namespaced": true, "disableResourceDetailsLinks": true}
	specMap, _ := got.Object["spec"].(map[string]any)
	for k := range specMap {
		if !documented[k] {
			t.Errorf("the Extension's spec has %q, a field the Dashboard does not document: %s", k, raw)
		}
	}
	var spec extensionSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatalf("the Extension's spec: %v\n%s", err, raw)
	}
	if spec.APIVersion == "" || spec.Name == "" || spec.DisplayName == "" {
		t.Errorf("spec = %s, want apiVersion, name and displayName (required)", raw)
	}

	// The Dashboard's CRD prints these columns: each shows our value.
	cols := tableCells(ctx, t, ext.GetNamespace(), ext.GetName())
	for col, want := range map[string]string{"API version": spec.APIVersion, "Kind": spec.Name, "Display name": spec.DisplayName} {
		if cols[col] != want {
			t.Errorf("printer column %q = %v, want %q (columns %v)", col, cols[col], want, cols)
		}
	}

	// It names a resource the API server serves, with its scope.
	list, err := c.Kube.Discovery().ServerResourcesForGroupVersion(spec.APIVersion)
	if err != nil {
		t.Fatalf("discovering %s: %v", spec.APIVersion, err)
	}
	found := false
	for _, r := range list.APIResources {
		if r.Name == spec.Name {
			found = true
			if want := spec.Namespaced == nil || *spec.Namespaced; r.Namespaced != want {
				t.Errorf("%s namespaced = %v, the Extension says %v", r.Name, r.Namespaced, want)
			}
		}
	}
	if !found {
		t.Errorf("the API server serves no %s in %s", spec.Name, spec.APIVersion)
	}

	// The Dashboard's aggregation selects the role.
	roles, err := c.Kube.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{LabelSelector: dashboardAggregateLabel + "=true"})
	if err != nil {
		t.Fatal(err)
	}
	selected := false
	for _, r := range roles.Items {
		selected = selected || r.Name == role.GetName()
	}
	if !selected {
		t.Errorf("ClusterRole %s is not selected by %s=true", role.GetName(), dashboardAggregateLabel)
	}

	// Bound to the Dashboard's service account (as the aggregated role is),
	// it reads executions in any namespace and does nothing else.
	crb := map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
		"metadata": map[string]any{"name": "tekton-dashboard-wfe-test"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role.GetName()},
		"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": "tekton-dashboard", "namespace": rig.TektonNamespace}},
	}
	if err := c.Apply(ctx, &unstructured.Unstructured{Object: crb}); err != nil {
		t.Fatal(err)
	}
	allowed := func(group, resource, verb, ns string) (bool, error) {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: dashboardSA, Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + rig.TektonNamespace, "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{Group: group, Resource: resource, Verb: verb, Namespace: ns},
		}}
		res, err := c.Kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
		if err != nil {
			return false, err
		}
		return res.Status.Allowed, nil
	}
	// The authorizer sees a new binding through its informer: wait until
	// it does, then check every right against that view.
	eventually(t, "the authorizer sees the binding", func() error {
		if ok, err := allowed("workflowexecution.kubernaut.ai", "workflowexecutions", "list", ""); err != nil || !ok {
			return fmt.Errorf("list workflowexecutions allowed: %v (%v)", ok, err)
		}
		return nil
	})
	for _, tc := range []struct {
		group, resource, verb, ns string
		allowed                   bool
	}{
		{"workflowexecution.kubernaut.ai", "workflowexecutions", "list", "", true},
		{"workflowexecution.kubernaut.ai", "workflowexecutions", "watch", "", true},
		{"workflowexecution.kubernaut.ai", "workflowexecutions", "get", "tenant-a", true},
		{"workflowexecution.kubernaut.ai", "workflowexecutions", "create", "tenant-a", false},
		{"workflowexecution.kubernaut.ai", "workflowexecutions", "update", "tenant-a", false},
		{"workflowexecution.kubernaut.ai", "workflowexecutions", "patch", "tenant-a", false},
		{"workflowexecution.kubernaut.ai", "workflowexecutions", "delete", "tenant-a", false},
		{"workflowexecution.kubernaut.ai", "workflowexecutions/status", "update", "tenant-a", false},
		{"", "secrets", "get", "kubernaut-system", false},
		{"", "configmaps", "get", "kubernaut-system", false},
	} {
		ok, err := allowed(tc.group, tc.resource, tc.verb, tc.ns)
		if err != nil {
			t.Fatal(err)
		}
		if ok != tc.allowed {
			t.Errorf("the Dashboard may %s %s %s in %q: %v, want %v", tc.verb, tc.group, tc.resource, tc.ns, ok, tc.allowed)
		}
	}
}

// dashboardManifests reads config/dashboard's objects as its kustomization
// lists them.
func dashboardManifests(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	dir := filepath.Join(env.Cluster.RepoRoot, "config", "dashboard")
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct{ Resources []string }
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, r := range k.Resources {
		files = append(files, filepath.Join(dir, r))
	}
	objs, err := rig.ReadYAMLFiles(files...)
	if err != nil {
		t.Fatalf("config/dashboard: %v", err)
	}
	return objs
}

// tableCells returns the API server's table row of an Extension (what
// `kubectl get extensions` prints), by column name.
func tableCells(ctx context.Context, t *testing.T, ns, name string) map[string]any {
	t.Helper()
	raw, err := env.Cluster.Kube.CoreV1().RESTClient().Get().
		AbsPath("/apis", extensionGVR.Group, extensionGVR.Version, "namespaces", ns, extensionGVR.Resource, name).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").
		DoRaw(ctx)
	if err != nil {
		t.Fatalf("the Extension as a table: %v", err)
	}
	var table metav1.Table
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	if len(table.Rows) != 1 {
		t.Fatalf("%d rows, want 1: %s", len(table.Rows), raw)
	}
	out := map[string]any{}
	for i, c := range table.ColumnDefinitions {
		if i < len(table.Rows[0].Cells) {
			out[c.Name] = table.Rows[0].Cells[i]
		}
	}
	return out
}
