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
// Package config checks the manifests of config/ against the code: what
// `ko apply -f config/` installs must match what the binary expects.
package config

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/probes"
	"kubernaut.ai/workflowexecution/test/rig"
)

func configDir(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "config")
}

// objects parses every document of the top-level config/ YAML files (what
// ko apply -f config/ reads: it does not descend into subdirectories).
func objects(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(configDir(t), "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in config/: %v", err)
	}
	objs, err := rig.ReadYAMLFiles(files...)
	if err != nil {
		t.Fatalf("parsing config/: %v", err)
	}
	return objs
}

func find[T any](t *testing.T, objs []*unstructured.Unstructured, kind, name string) *T {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			out := new(T)
			if err := k8sruntime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Object, out, true); err != nil {
				t.Fatalf("%s %s does not match its schema: %v", kind, name, err)
			}
			return out
		}
	}
	t.Fatalf("config/ has no %s %s", kind, name)
	return nil
}

func TestEveryManifestParsesAndIsNamespacedRight(t *testing.T) {
	namespaced := map[string]bool{"ServiceAccount": true, "Role": true, "RoleBinding": true, "ConfigMap": true, "Deployment": true, "Service": true}
	seen := map[schema.GroupVersionKind]int{}
	for _, o := range objects(t) {
		seen[o.GroupVersionKind()]++
		if namespaced[o.GetKind()] && o.GetNamespace() == "" {
			t.Errorf("%s %s has no namespace", o.GetKind(), o.GetName())
		}
	}
	for _, kind := range []string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "CustomResourceDefinition", "ConfigMap", "Deployment", "Service"} {
		found := false
		for gvk := range seen {
			found = found || gvk.Kind == kind
		}
		if !found {
			t.Errorf("config/ installs no %s", kind)
		}
	}
}

func TestDeploymentMatchesTheBinary(t *testing.T) {
	objs := objects(t)
	d := find[appsv1.Deployment](t, objs, "Deployment", "workflowexecution-controller")
	if d.Namespace != rig.SystemNamespace {
		t.Errorf("namespace = %s, want %s", d.Namespace, rig.SystemNamespace)
	}
	pod := d.Spec.Template.Spec
	if pod.ServiceAccountName != rig.ControllerServiceAccount {
		t.Errorf("serviceAccountName = %s, want %s", pod.ServiceAccountName, rig.ControllerServiceAccount)
	}
	find[corev1.ServiceAccount](t, objs, "ServiceAccount", pod.ServiceAccountName)
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != "ko://kubernaut.ai/workflowexecution/cmd/controller" {
		t.Errorf("image = %s, want the ko:// path of cmd/controller", c.Image)
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if diff := cmp.Diff(map[string]int32{"metrics": 9090, "probes": int32(probes.DefaultPort)}, ports); diff != "" {
		t.Errorf("ports (-want, +got): %s", diff)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			env[e.Name] = "fieldRef:" + e.ValueFrom.FieldRef.FieldPath
		}
	}
	wantEnv := map[string]string{
		"SYSTEM_NAMESPACE":           "fieldRef:metadata.namespace",
		"CONFIG_LOGGING_NAME":        "config-logging",
		"CONFIG_OBSERVABILITY_NAME":  "config-observability",
		"CONFIG_LEADERELECTION_NAME": "config-leader-election",
		"METRICS_PROMETHEUS_PORT":    "9090",
		"PROBES_PORT":                "8081",
	}
	if diff := cmp.Diff(wantEnv, env); diff != "" {
		t.Errorf("env (-want, +got): %s", diff)
	}
	for _, name := range []string{"config-logging", "config-observability", "config-leader-election", config.ConfigName} {
		find[corev1.ConfigMap](t, objs, "ConfigMap", name)
	}
	for probe, want := range map[*corev1.Probe]string{c.LivenessProbe: "/healthz", c.ReadinessProbe: "/readyz"} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != want || probe.HTTPGet.Port.String() != "probes" {
			t.Errorf("probe %+v, want GET %s on port probes", probe, want)
		}
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("container securityContext %+v: want non-root, read-only root FS, no privilege escalation, all capabilities dropped", sc)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v: want CPU and memory requests and a memory limit", c.Resources)
	}

	svc := find[corev1.Service](t, objs, "Service", "workflowexecution-controller-metrics")
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("the metrics Service selects %s=%s, which the pods do not carry", k, v)
		}
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 9090 || svc.Spec.Ports[0].TargetPort.String() != "metrics" {
		t.Errorf("metrics Service ports = %+v, want 9090 -> metrics", svc.Spec.Ports)
	}
}

// TestConfigMapExampleDocumentsEveryKey checks that the _example block of
// config-workflowexecution names every key the code reads and shows its
// default.
func TestConfigMapExampleDocumentsEveryKey(t *testing.T) {
	cm := find[corev1.ConfigMap](t, objects(t), "ConfigMap", config.ConfigName)
	example := map[string]string{}
	if err := yaml.Unmarshal([]byte(cm.Data["_example"]), &example); err != nil {
		t.Fatalf("_example is not a YAML map: %v", err)
	}
	var keys []string
	for _, k := range config.Keys() {
		keys = append(keys, k.Name)
	}
	var got []string
	for k := range example {
		got = append(got, k)
	}
	sort.Strings(got)
	sort.Strings(keys)
	if diff := cmp.Diff(keys, got); diff != "" {
		t.Errorf("_example keys (-code, +example): %s", diff)
	}
	parsed, err := config.NewWorkflowExecutionFromMap(example)
	if err != nil {
		t.Fatalf("the _example values are rejected: %v", err)
	}
	if diff := cmp.Diff(config.Defaults(), parsed); diff != "" {
		t.Errorf("_example values differ from the defaults (-defaults, +example): %s", diff)
	}
	for k := range cm.Data {
		if k != "_example" {
			t.Errorf("config-workflowexecution sets %s outside _example: ship defaults only", k)
		}
	}
}

// TestControllerRoleIsLeastPrivilege pins the controller's permissions to
// what the code uses; the integration suite runs the controller under
// exactly this role, so a missing verb fails there.
func TestControllerRoleIsLeastPrivilege(t *testing.T) {
	objs := objects(t)
	role := find[rbacv1.ClusterRole](t, objs, "ClusterRole", "workflowexecution-controller")
	got := map[string]string{}
	for _, r := range role.Rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				v := append([]string{}, r.Verbs...)
				sort.Strings(v)
				got[g+"/"+res] = strings.Join(v, ",")
			}
		}
	}
	want := map[string]string{
		"workflowexecution.kubernaut.ai/workflowexecutions":        "delete,get,list,patch,watch",
		"workflowexecution.kubernaut.ai/workflowexecutions/status": "update",
		"/events": "create,patch,update",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("controller ClusterRole (-want, +got): %s", diff)
	}
	// Runs are read and written in the execution namespace only: the
	// controller's run informers watch that namespace alone.
	for _, r := range role.Rules {
		if slices.Contains(r.APIGroups, "tekton.dev") || slices.Contains(r.APIGroups, "*") {
			t.Errorf("the controller ClusterRole grants %v on %v cluster-wide: runs are read in the execution namespace only", r.Verbs, r.Resources)
		}
	}
	runs := find[rbacv1.Role](t, objs, "Role", "workflowexecution-controller-runs")
	gotRuns := map[string]string{}
	for _, r := range runs.Rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				v := append([]string{}, r.Verbs...)
				sort.Strings(v)
				gotRuns[g+"/"+res] = strings.Join(v, ",")
			}
		}
	}
	wantRuns := map[string]string{
		"tekton.dev/pipelineruns": "create,delete,get,list,patch,watch",
		"tekton.dev/taskruns":     "get,list,watch",
		// The runners of untrusted namespaces (docs/security.md).
		"/serviceaccounts": "create",
	}
	if runs.Namespace != rig.ExecutionNamespace {
		t.Errorf("the runs Role is in namespace %q, want the execution namespace %q", runs.Namespace, rig.ExecutionNamespace)
	}
	if diff := cmp.Diff(wantRuns, gotRuns); diff != "" {
		t.Errorf("the runs Role in %s (-want, +got): %s", runs.Namespace, diff)
	}
	binding := find[rbacv1.RoleBinding](t, objs, "RoleBinding", "workflowexecution-controller-runs")
	if binding.Namespace != runs.Namespace || binding.RoleRef.Kind != "Role" || binding.RoleRef.Name != runs.Name ||
		len(binding.Subjects) != 1 || binding.Subjects[0].Kind != "ServiceAccount" ||
		binding.Subjects[0].Namespace+"/"+binding.Subjects[0].Name != "kubernaut-system/workflowexecution-controller" {
		t.Errorf("RoleBinding %s/%s = %+v, want the controller's ServiceAccount bound to Role %s in %s",
			binding.Namespace, binding.Name, binding, runs.Name, runs.Namespace)
	}
	for _, r := range role.Rules {
		for _, v := range r.Verbs {
			if v == "*" {
				t.Errorf("wildcard verb in %+v", r)
			}
		}
	}
}

// TestSamplesAreValid checks every WorkflowExecution under config/samples.
func TestSamplesAreValid(t *testing.T) {
	var files []string
	_ = filepath.WalkDir(filepath.Join(configDir(t), "samples"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skip("no samples yet")
	}
	objs, err := rig.ReadYAMLFiles(files...)
	if err != nil {
		t.Fatalf("parsing samples: %v", err)
	}
	n := 0
	for _, o := range objs {
		if o.GetKind() != "WorkflowExecution" {
			continue
		}
		n++
		w := &v1alpha1.WorkflowExecution{}
		if err := k8sruntime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Object, w, true); err != nil {
			t.Errorf("sample %s: %v", o.GetName(), err)
			continue
		}
		if err := w.Validate(t.Context()); err != nil {
			t.Errorf("sample %s is invalid: %v", w.Name, err)
		}
	}
	if n == 0 {
		t.Error("config/samples holds no WorkflowExecution")
	}
}

// TestInfoConfigMap checks config/info.yaml, as Tekton's pipelines-info:
// a version key, readable by every authenticated user and nothing else.
func TestInfoConfigMap(t *testing.T) {
	objs := objects(t)
	cm := find[corev1.ConfigMap](t, objs, "ConfigMap", "workflowexecution-info")
	if cm.Namespace != rig.SystemNamespace || cm.Data["version"] != "devel" || cm.Labels["app.kubernetes.io/version"] != "devel" {
		t.Errorf("workflowexecution-info = %s/%s %v %v, want version devel in %s", cm.Namespace, cm.Name, cm.Labels, cm.Data, rig.SystemNamespace)
	}
	role := find[rbacv1.Role](t, objs, "Role", "workflowexecution-info")
	if len(role.Rules) != 1 || strings.Join(role.Rules[0].Resources, ",") != "configmaps" ||
		strings.Join(role.Rules[0].ResourceNames, ",") != "workflowexecution-info" || strings.Join(role.Rules[0].Verbs, ",") != "get" {
		t.Errorf("Role workflowexecution-info rules = %+v, want get on that ConfigMap only", role.Rules)
	}
	rb := find[rbacv1.RoleBinding](t, objs, "RoleBinding", "workflowexecution-info")
	if rb.RoleRef.Kind != "Role" || rb.RoleRef.Name != role.Name || len(rb.Subjects) != 1 ||
		rb.Subjects[0].Kind != "Group" || rb.Subjects[0].Name != "system:authenticated" {
		t.Errorf("RoleBinding workflowexecution-info = %+v, want the Role bound to system:authenticated", rb)
	}
	d := find[appsv1.Deployment](t, objs, "Deployment", "workflowexecution-controller")
	if d.Labels["app.kubernetes.io/version"] != "devel" || d.Spec.Template.Labels["app.kubernetes.io/version"] != "devel" {
		t.Errorf("the Deployment and its pods want app.kubernetes.io/version: devel (hack/release.sh stamps the release)")
	}
}
