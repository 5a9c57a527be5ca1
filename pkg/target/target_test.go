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

package target_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	fakediscovery "k8s.io/client-go/discovery/fake"
	clientgotesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"

	"kubernaut.ai/workflowexecution/pkg/target"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
)

func newResolver(t *testing.T) (*target.Resolver, *fakediscovery.FakeDiscovery, *clocktesting.FakePassiveClock) {
	t.Helper()
	dc := &fakediscovery.FakeDiscovery{Fake: &clientgotesting.Fake{}}
	targettest.Install(dc)
	clk := clocktesting.NewFakePassiveClock(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	return target.NewResolver(dc, clk), dc, clk
}

// discoveryReads counts the reads of the group list: one per refresh.
func discoveryReads(dc *fakediscovery.FakeDiscovery) int {
	n := 0
	for _, a := range dc.Actions() {
		if a.GetResource().Resource == "group" {
			n++
		}
	}
	return n
}

func TestResolveSpellingsOfOneObject(t *testing.T) {
	r, _, _ := newResolver(t)
	for _, tc := range []struct {
		want      string
		spellings []string
	}{{
		want: "payment/deployment.apps/api",
		spellings: []string{"payment/Deployment/api", "payment/deployment/api", "payment/DEPLOYMENT/api", "payment/deploy/api",
			"payment/deployments/api", "payment/deployments.apps/api", "payment/Deployment.apps/api", "payment/deploy.apps/api"},
	}, {
		want:      "node/worker-1",
		spellings: []string{"Node/worker-1", "node/worker-1", "nodes/worker-1", "no/worker-1"},
	}, {
		want:      "payment/pod/api-0",
		spellings: []string{"payment/Pod/api-0", "payment/pods/api-0", "payment/po/api-0"},
	}, {
		want:      "clusterrole.rbac.authorization.k8s.io/admin",
		spellings: []string{"ClusterRole/admin", "clusterroles/admin", "clusterroles.rbac.authorization.k8s.io/admin"},
	}, {
		want:      "customresourcedefinition.apiextensions.k8s.io/widgets.a.example.com",
		spellings: []string{"crd/widgets.a.example.com", "crds/widgets.a.example.com", "CustomResourceDefinition/widgets.a.example.com"},
	}, {
		// The core group wins over events.k8s.io, as in kubectl.
		want:      "payment/event/e1",
		spellings: []string{"payment/Event/e1", "payment/events/e1", "payment/ev/e1"},
	}, {
		want:      "payment/event.events.k8s.io/e1",
		spellings: []string{"payment/events.events.k8s.io/e1", "payment/Event.events.k8s.io/e1"},
	}, {
		want:      "payment/widget.b.example.com/w",
		spellings: []string{"payment/widgets.b.example.com/w", "payment/Widget.b.example.com/w"},
	}} {
		for _, s := range tc.spellings {
			ref, err := r.Resolve(s)
			if err != nil {
				t.Errorf("Resolve(%q) = %v", s, err)
				continue
			}
			if got := ref.String(); got != tc.want {
				t.Errorf("Resolve(%q) = %q, want %q", s, got, tc.want)
			}
			// The canonical form is a spelling of the same object.
			if again, err := r.Resolve(ref.String()); err != nil || again != ref {
				t.Errorf("Resolve(%q) = (%+v, %v), want %+v", ref.String(), again, err, ref)
			}
		}
	}
}

func TestResolveErrors(t *testing.T) {
	r, _, clk := newResolver(t)
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"myns/Node/worker-1", []string{"spec.targetResource", `"myns/Node/worker-1"`, "kind Node", "cluster-scoped", "without a namespace"}},
		{"myns/Namespace/kube-system", []string{"spec.targetResource", "kind Namespace", "cluster-scoped"}},
		{"myns/ClusterRole/cluster-admin", []string{"kind ClusterRole.rbac.authorization.k8s.io", "cluster-scoped"}},
		{"myns/crd/widgets.a.example.com", []string{"kind CustomResourceDefinition.apiextensions.k8s.io", "cluster-scoped"}},
		{"Deployment/api", []string{"spec.targetResource", "kind Deployment.apps", "namespaced", "namespace/Deployment/api"}},
		{"payment/Gizmo/x", []string{"spec.targetResource", `kind "Gizmo" is not served`}},
		{"payment/deployments.extensions/x", []string{"spec.targetResource", `kind "deployments.extensions" is not served`}},
		{"payment/Widget/w", []string{"spec.targetResource", `kind "Widget" is served by several groups; use kind.group, one of: Widget.a.example.com, Widget.b.example.com`}},
		{"payment/widgets/w", []string{"several groups", "use kind.group"}},
		{"payment/wd/w", nil}, // the short name is a.example.com's only
		{"payment/Deploy ment/x", []string{"spec.targetResource", "must be alphanumeric"}},
		{"a/b/c/d", []string{"spec.targetResource", "namespace/kind/name"}},
	} {
		// Each unknown kind may refresh discovery once.
		clk.SetTime(clk.Now().Add(target.DefaultMinRefresh))
		_, err := r.Resolve(tc.in)
		if tc.want == nil {
			if err != nil {
				t.Errorf("Resolve(%q) = %v, want no error", tc.in, err)
			}
			continue
		}
		if !target.IsInvalid(err) {
			t.Errorf("Resolve(%q) = %v, want an *Error", tc.in, err)
			continue
		}
		for _, s := range tc.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("Resolve(%q) = %q, want it to contain %q", tc.in, err, s)
			}
		}
	}
}

// TestResolveAfterACRDIsInstalled: a kind served after the first reads of
// discovery is found: the cache is read again on a miss, at most once per
// MinRefresh; within it, the miss is transient (retried), not an answer.
func TestResolveAfterACRDIsInstalled(t *testing.T) {
	r, dc, clk := newResolver(t)
	if _, err := r.Resolve("payment/Deployment/api"); err != nil {
		t.Fatal(err)
	}
	// An unknown kind: one refresh, then a final answer.
	if _, err := r.Resolve("payment/Gadget/g"); !target.IsInvalid(err) {
		t.Fatalf("Resolve(unknown) = %v, want an *Error", err)
	}
	reads := discoveryReads(dc)

	dc.Resources = append(dc.Resources, &metav1.APIResourceList{
		GroupVersion: "gadgets.example.com/v1",
		APIResources: []metav1.APIResource{{Name: "gadgets", SingularName: "gadget", Kind: "Gadget", Namespaced: true, ShortNames: []string{"gd"}}},
	})
	// Within MinRefresh of the last refresh: transient, no discovery read.
	clk.SetTime(clk.Now().Add(time.Second))
	_, err := r.Resolve("payment/gd/g")
	if err == nil || target.IsInvalid(err) {
		t.Fatalf("Resolve() right after a refresh = %v, want a transient error", err)
	}
	if got := discoveryReads(dc); got != reads {
		t.Errorf("discovery read %d times within MinRefresh, want none", got-reads)
	}
	clk.SetTime(clk.Now().Add(target.DefaultMinRefresh))
	for _, s := range []string{"payment/gd/g", "payment/Gadget/g", "payment/gadgets.gadgets.example.com/g"} {
		ref, err := r.Resolve(s)
		if err != nil {
			t.Fatalf("Resolve(%q) after the CRD was installed = %v", s, err)
		}
		if got, want := ref.String(), "payment/gadget.gadgets.example.com/g"; got != want {
			t.Errorf("Resolve(%q) = %q, want %q", s, got, want)
		}
	}
	if got := discoveryReads(dc) - reads; got != 1 {
		t.Errorf("discovery read %d times to find the new kind, want 1", got)
	}
}

// TestResolveDiscoveryOutage: discovery that does not answer is a
// transient error, never a ConfigurationError.
func TestResolveDiscoveryOutage(t *testing.T) {
	r, dc, _ := newResolver(t)
	down := errors.New("connection refused")
	dc.PrependReactor("get", "group", func(clientgotesting.Action) (bool, runtime.Object, error) {
		return true, nil, down
	})
	_, err := r.Resolve("payment/Deployment/api")
	if err == nil || target.IsInvalid(err) {
		t.Fatalf("Resolve() during an outage = %v, want a transient error", err)
	}
}
