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
	"strings"
	"testing"

	fakediscovery "k8s.io/client-go/discovery/fake"
	clientgotesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/target"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
)

// testResolver resolves targets over the discovery of targettest.
func testResolver() *target.Resolver {
	dc := &fakediscovery.FakeDiscovery{Fake: &clientgotesting.Fake{}}
	targettest.Install(dc)
	return target.NewResolver(dc, clocktesting.NewFakePassiveClock(now))
}

func TestCheckTenancy(t *testing.T) {
	tests := []struct {
		name    string
		ns      string
		target  string
		trusted string // trusted-namespaces; "-" leaves the default
		wantErr []string
	}{
		{name: "own namespace", ns: "team-a", target: "team-a/Deployment/api", trusted: "-"},
		{name: "own namespace, nothing trusted", ns: "team-a", target: "team-a/Deployment/api", trusted: ""},
		{name: "other namespace", ns: "team-a", target: "team-b/Deployment/api", trusted: "-",
			wantErr: []string{"spec.targetResource", `"team-b/Deployment/api"`, "own namespace", "trusted-namespaces (kubernaut-system)"}},
		{name: "kube-system", ns: "team-a", target: "kube-system/Deployment/coredns", trusted: "-",
			wantErr: []string{"spec.targetResource", `namespace "kube-system"`, "trusted-namespaces"}},
		{name: "cluster-scoped", ns: "team-a", target: "node/worker-1", trusted: "-",
			wantErr: []string{"spec.targetResource", "cluster-scoped", "trusted-namespaces (kubernaut-system)"}},
		{name: "cluster-scoped, nothing trusted", ns: "kubernaut-system", target: "node/worker-1", trusted: "",
			wantErr: []string{"spec.targetResource", "cluster-scoped", "trusted-namespaces (none)"}},
		{name: "trusted by default", ns: "kubernaut-system", target: "team-b/Deployment/api", trusted: "-"},
		{name: "trusted, cluster-scoped", ns: "kubernaut-system", target: "node/worker-1", trusted: "-"},
		{name: "listed", ns: "ops", target: "kube-system/Deployment/coredns", trusted: "kubernaut-system, ops"},
		{name: "not a prefix match", ns: "ops-2", target: "team-b/Deployment/api", trusted: "ops",
			wantErr: []string{"spec.targetResource", "trusted-namespaces (ops)"}},
		{name: "every namespace trusted", ns: "team-a", target: "node/worker-1", trusted: "*"},
		{name: "cluster-scoped by its plural", ns: "team-a", target: "nodes/worker-1", trusted: "-",
			wantErr: []string{"spec.targetResource", "kind Node, which is cluster-scoped"}},
		{name: "cluster-scoped kind with a group", ns: "team-a", target: "clusterroles.rbac.authorization.k8s.io/admin", trusted: "-",
			wantErr: []string{"spec.targetResource", "kind ClusterRole.rbac.authorization.k8s.io, which is cluster-scoped"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := map[string]string{}
			if tc.trusted != "-" {
				data[config.TrustedNamespacesKey] = tc.trusted
			}
			cfg, err := config.NewWorkflowExecutionFromMap(data)
			if err != nil {
				t.Fatal(err)
			}
			w := &v1alpha1.WorkflowExecution{}
			w.Namespace, w.Spec.TargetResource = tc.ns, tc.target
			ref, err := testResolver().Resolve(tc.target)
			if err != nil {
				t.Fatalf("Resolve(%q) = %v", tc.target, err)
			}
			err = checkTenancy(w, ref, cfg)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("checkTenancy() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("checkTenancy() = nil, want an error")
			}
			for _, s := range tc.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("checkTenancy() = %q, want it to contain %q", err, s)
				}
			}
		})
	}
}

// TestReconcileTenancy: an execution that got past admission (the policy is
// not installed) still fails ConfigurationError without a PipelineRun.
func TestReconcileTenancy(t *testing.T) {
	withTarget := func(target string, cfg map[string]string) func(t *testing.T) seed {
		return func(t *testing.T) seed {
			w := self(t, "")
			w.Spec.TargetResource = target
			return seed{cached: list(w), config: cfg}
		}
	}
	var cases []reconcileCase
	for _, tc := range []struct {
		name string
		seed func(t *testing.T) seed
	}{
		{"another namespace", withTarget("billing/Deployment/api", nil)},
		{"kube-system", withTarget("kube-system/Deployment/coredns", nil)},
		{"cluster-scoped", withTarget("Node/worker-1", nil)},
		{"cluster-scoped, other namespaces trusted", withTarget("Node/worker-1", map[string]string{"trusted-namespaces": "ops, kubernaut-system"})},
	} {
		check := configurationError("spec.targetResource")
		cases = append(cases, reconcileCase{
			name:           tc.name,
			seed:           tc.seed,
			wantResult:     "nil",
			wantStatus:     wantConfigurationError,
			ignoreMessages: true,
			wantEvents:     []string{"Warning ConfigurationError"},
			check: func(t *testing.T, f *fixture, got *v1alpha1.WorkflowExecution) {
				check(t, f, got)
				if c := got.Status.GetSucceededCondition(); c == nil || !strings.Contains(c.Message, "trusted-namespaces") {
					t.Errorf("condition %+v does not name the rule (trusted-namespaces)", c)
				}
			},
		})
	}
	runReconcileCases(t, cases)
}
