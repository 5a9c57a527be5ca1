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

package config

import (
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
)

// writeVerbs are the verbs that change something (or grant the right to).
var writeVerbs = []string{"create", "update", "patch", "delete", "deletecollection", "*", "escalate", "bind", "impersonate", "approve", "sign"}

func convert[T any](t *testing.T, o *unstructured.Unstructured) *T {
	t.Helper()
	out := new(T)
	if err := k8sruntime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Object, out, true); err != nil {
		t.Fatalf("%s %s does not match its schema: %v", o.GetKind(), o.GetName(), err)
	}
	return out
}

func isRunner(s rbacv1.Subject) bool {
	return s.Kind == "ServiceAccount" && s.Name == config.DefaultServiceAccount
}

// TestRunnerHasNoClusterWideWrite: the default install grants the workflow
// runner no cluster-wide write right (docs/design.md §9); a ClusterRoleBinding that
// gives it one, or any binding at all in config/, fails this test. Rights
// are granted per namespace (config/samples/runner-role.yaml).
func TestRunnerHasNoClusterWideWrite(t *testing.T) {
	objs := objects(t)
	clusterRoles := map[string]*rbacv1.ClusterRole{}
	for _, o := range objs {
		if o.GetKind() == "ClusterRole" {
			clusterRoles[o.GetName()] = convert[rbacv1.ClusterRole](t, o)
		}
	}
	for _, o := range objs {
		var subjects []rbacv1.Subject
		var ref rbacv1.RoleRef
		switch o.GetKind() {
		case "ClusterRoleBinding":
			b := convert[rbacv1.ClusterRoleBinding](t, o)
			subjects, ref = b.Subjects, b.RoleRef
		case "RoleBinding":
			b := convert[rbacv1.RoleBinding](t, o)
			subjects, ref = b.Subjects, b.RoleRef
		default:
			continue
		}
		if !slices.ContainsFunc(subjects, isRunner) {
			continue
		}
		if o.GetKind() == "RoleBinding" {
			t.Errorf("RoleBinding %s/%s grants the runner %s %s by default: ship it as a sample", o.GetNamespace(), o.GetName(), ref.Kind, ref.Name)
			continue
		}
		role, ok := clusterRoles[ref.Name]
		if !ok {
			t.Errorf("ClusterRoleBinding %s binds the runner to ClusterRole %s, which config/ does not define", o.GetName(), ref.Name)
			continue
		}
		for _, r := range role.Rules {
			for _, v := range r.Verbs {
				if slices.Contains(writeVerbs, v) {
					t.Errorf("ClusterRoleBinding %s gives the runner cluster-wide %q on %v (ClusterRole %s)", o.GetName(), v, r.Resources, role.Name)
				}
			}
		}
	}
	// The runner's ServiceAccount itself is shipped.
	find[corev1.ServiceAccount](t, objs, "ServiceAccount", config.DefaultServiceAccount)
}

// TestUserRoles: reading executions is aggregated to view; creating them is
// its own role, aggregated nowhere.
func TestUserRoles(t *testing.T) {
	objs := objects(t)
	viewer := find[rbacv1.ClusterRole](t, objs, "ClusterRole", "workflowexecution-viewer")
	if viewer.Labels["rbac.authorization.k8s.io/aggregate-to-view"] != "true" {
		t.Errorf("workflowexecution-viewer labels %v: want aggregate-to-view", viewer.Labels)
	}
	for _, r := range viewer.Rules {
		for _, v := range r.Verbs {
			if slices.Contains(writeVerbs, v) {
				t.Errorf("workflowexecution-viewer has the write verb %q", v)
			}
		}
	}
	author := find[rbacv1.ClusterRole](t, objs, "ClusterRole", "workflowexecution-author")
	for k := range author.Labels {
		if strings.HasPrefix(k, "rbac.authorization.k8s.io/aggregate-to-") {
			t.Errorf("workflowexecution-author is aggregated (%s): creating executions must be granted explicitly", k)
		}
	}
	if !slices.ContainsFunc(author.Rules, func(r rbacv1.PolicyRule) bool {
		return slices.Contains(r.Resources, "workflowexecutions") && slices.Contains(r.Verbs, "create")
	}) {
		t.Errorf("workflowexecution-author rules %+v do not allow creating workflowexecutions", author.Rules)
	}
	for _, o := range objs {
		if o.GetKind() != "ClusterRole" || o.GetName() == "workflowexecution-author" {
			continue
		}
		for _, r := range convert[rbacv1.ClusterRole](t, o).Rules {
			if slices.Contains(r.Resources, "workflowexecutions") && slices.Contains(r.Verbs, "create") {
				t.Errorf("ClusterRole %s may create executions: only workflowexecution-author may", o.GetName())
			}
		}
	}
}

// TestConfigMapReadsByName: the controller reads ConfigMaps only in its
// namespace, and gets them only by name.
func TestConfigMapReadsByName(t *testing.T) {
	objs := objects(t)
	for _, o := range objs {
		var rules []rbacv1.PolicyRule
		switch o.GetKind() {
		case "ClusterRole":
			rules = convert[rbacv1.ClusterRole](t, o).Rules
		case "Role":
			rules = convert[rbacv1.Role](t, o).Rules
		default:
			continue
		}
		for _, r := range rules {
			if !slices.Contains(r.Resources, "configmaps") && !slices.Contains(r.Resources, "secrets") {
				continue
			}
			if o.GetKind() == "ClusterRole" {
				t.Errorf("ClusterRole %s reads %v cluster-wide", o.GetName(), r.Resources)
			}
			if slices.Contains(r.Resources, "secrets") {
				t.Errorf("%s %s reads Secrets", o.GetKind(), o.GetName())
			}
			if slices.Contains(r.Verbs, "get") && len(r.ResourceNames) == 0 {
				t.Errorf("%s %s gets every ConfigMap: restrict get with resourceNames", o.GetKind(), o.GetName())
			}
		}
	}
}

// TestNamespacesEnforcePodSecurity: every namespace config/ creates
// enforces a Pod Security level; the controller's enforces restricted.
func TestNamespacesEnforcePodSecurity(t *testing.T) {
	for _, o := range objects(t) {
		if o.GetKind() != "Namespace" {
			continue
		}
		level := o.GetLabels()["pod-security.kubernetes.io/enforce"]
		if level == "" || level == "privileged" {
			t.Errorf("namespace %s enforces no Pod Security level", o.GetName())
		}
		if o.GetName() == "kubernaut-system" && level != "restricted" {
			t.Errorf("namespace kubernaut-system enforces %q, want restricted", level)
		}
	}
}

// TestAdmissionPolicyUsesTheConfigMap: the policy's parameters are
// config-workflowexecution in the controller's namespace, it is bound, it
// fails closed on errors and, like the controller, falls back on the
// controller's own checks without its ConfigMap.
func TestAdmissionPolicyUsesTheConfigMap(t *testing.T) {
	objs := objects(t)
	policy := find[admissionv1.ValidatingAdmissionPolicy](t, objs, "ValidatingAdmissionPolicy", "workflowexecution-policy")
	if p := policy.Spec.ParamKind; p == nil || p.APIVersion != "v1" || p.Kind != "ConfigMap" {
		t.Errorf("paramKind = %+v, want v1 ConfigMap", p)
	}
	if fp := policy.Spec.FailurePolicy; fp == nil || *fp != admissionv1.Fail {
		t.Errorf("failurePolicy = %v, want Fail", fp)
	}
	binding := find[admissionv1.ValidatingAdmissionPolicyBinding](t, objs, "ValidatingAdmissionPolicyBinding", "workflowexecution-policy")
	ref := binding.Spec.ParamRef
	if binding.Spec.PolicyName != policy.Name || ref == nil || ref.Name != config.ConfigName || ref.Namespace != "kubernaut-system" ||
		ref.ParameterNotFoundAction == nil || *ref.ParameterNotFoundAction != admissionv1.AllowAction {
		t.Errorf("binding %+v: want policy %s with params %s/%s, allowing without them", binding.Spec, policy.Name, "kubernaut-system", config.ConfigName)
	}
	if !slices.Contains(binding.Spec.ValidationActions, admissionv1.Deny) {
		t.Errorf("validationActions = %v, want Deny", binding.Spec.ValidationActions)
	}
	// Every field the reconciler checks has a rule whose message names it.
	for _, field := range []string{"spec.targetResource", "spec.workflowRef.containerImage", "spec.workflowRef.containerDigest", "spec.executionConfig.serviceAccountName"} {
		if !slices.ContainsFunc(policy.Spec.Validations, func(v admissionv1.Validation) bool {
			return strings.Contains(v.Message+v.MessageExpression, field)
		}) {
			t.Errorf("no validation names %s", field)
		}
	}
}
