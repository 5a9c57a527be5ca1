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

package v1alpha1

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTarget(t *testing.T) {
	name253 := strings.Repeat("a", 253)
	namespace63 := strings.Repeat("n", 63)
	kind63 := "K" + strings.Repeat("a", 62)

	tests := []struct {
		name          string
		in            string
		want          Target
		wantCanonical string
	}{{
		name:          "namespaced",
		in:            "payment/deployment/api",
		want:          Target{Namespace: "payment", Kind: "deployment", Name: "api"},
		wantCanonical: "payment/deployment/api",
	}, {
		name:          "namespaced, upper-case kind is canonicalised",
		in:            "payment/Deployment/api",
		want:          Target{Namespace: "payment", Kind: "Deployment", Name: "api"},
		wantCanonical: "payment/deployment/api",
	}, {
		name:          "namespaced, all upper-case kind",
		in:            "payment/DEPLOYMENT/api",
		want:          Target{Namespace: "payment", Kind: "DEPLOYMENT", Name: "api"},
		wantCanonical: "payment/deployment/api",
	}, {
		name:          "cluster-scoped",
		in:            "Node/worker-1",
		want:          Target{Kind: "Node", Name: "worker-1"},
		wantCanonical: "node/worker-1",
	}, {
		name:          "cluster-scoped, dotted name",
		in:            "ClusterRole/system.admin",
		want:          Target{Kind: "ClusterRole", Name: "system.admin"},
		wantCanonical: "clusterrole/system.admin",
	}, {
		name:          "kind with digits",
		in:            "payment/HorizontalPodAutoscaler2/api",
		want:          Target{Namespace: "payment", Kind: "HorizontalPodAutoscaler2", Name: "api"},
		wantCanonical: "payment/horizontalpodautoscaler2/api",
	}, {
		name:          "single-character parts",
		in:            "a/b/c",
		want:          Target{Namespace: "a", Kind: "b", Name: "c"},
		wantCanonical: "a/b/c",
	}, {
		name:          "numeric namespace and name",
		in:            "0/pod/1",
		want:          Target{Namespace: "0", Kind: "pod", Name: "1"},
		wantCanonical: "0/pod/1",
	}, {
		name:          "namespace of 63 characters",
		in:            namespace63 + "/deployment/api",
		want:          Target{Namespace: namespace63, Kind: "deployment", Name: "api"},
		wantCanonical: namespace63 + "/deployment/api",
	}, {
		name:          "kind of 63 characters",
		in:            "payment/" + kind63 + "/api",
		want:          Target{Namespace: "payment", Kind: kind63, Name: "api"},
		wantCanonical: "payment/" + strings.ToLower(kind63) + "/api",
	}, {
		name:          "name of 253 characters",
		in:            "payment/configmap/" + name253,
		want:          Target{Namespace: "payment", Kind: "configmap", Name: name253},
		wantCanonical: "payment/configmap/" + name253,
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTarget(tc.in)
			if err != nil {
				t.Fatalf("ParseTarget(%q) = %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseTarget(%q) (-want, +got):\n%s", tc.in, diff)
			}
			if diff := cmp.Diff(tc.wantCanonical, got.Canonical()); diff != "" {
				t.Errorf("Canonical() (-want, +got):\n%s", diff)
			}
			canonical, err := CanonicalTarget(tc.in)
			if err != nil {
				t.Fatalf("CanonicalTarget(%q) = %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.wantCanonical, canonical); diff != "" {
				t.Errorf("CanonicalTarget(%q) (-want, +got):\n%s", tc.in, diff)
			}
			// The canonical form is itself a valid target, and a fixed point.
			again, err := CanonicalTarget(canonical)
			if err != nil {
				t.Fatalf("CanonicalTarget(%q) = %v", canonical, err)
			}
			if diff := cmp.Diff(canonical, again); diff != "" {
				t.Errorf("CanonicalTarget is not idempotent (-want, +got):\n%s", diff)
			}
		})
	}
}

func TestParseTargetErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		// wantPrefix is the start of the error: it names the wrong part.
		wantPrefix string
	}{{
		name:       "empty",
		in:         "",
		wantPrefix: `"" must be namespace/kind/name or kind/name (got 1 parts)`,
	}, {
		name:       "one part",
		in:         "deployment",
		wantPrefix: `"deployment" must be namespace/kind/name or kind/name (got 1 parts)`,
	}, {
		name:       "four parts",
		in:         "payment/apps/deployment/api",
		wantPrefix: `"payment/apps/deployment/api" must be namespace/kind/name or kind/name (got 4 parts)`,
	}, {
		name:       "leading slash on a namespaced target",
		in:         "/payment/deployment/api",
		wantPrefix: `"/payment/deployment/api" must be namespace/kind/name or kind/name (got 4 parts)`,
	}, {
		name:       "trailing slash on a namespaced target",
		in:         "payment/deployment/api/",
		wantPrefix: `"payment/deployment/api/" must be namespace/kind/name or kind/name (got 4 parts)`,
	}, {
		name:       "leading slash: empty namespace",
		in:         "/deployment/api",
		wantPrefix: `namespace part is empty in "/deployment/api"`,
	}, {
		name:       "leading slash on a cluster-scoped target: empty kind",
		in:         "/api",
		wantPrefix: `kind part is empty in "/api"`,
	}, {
		name:       "trailing slash: empty name",
		in:         "payment/deployment/",
		wantPrefix: `name part is empty in "payment/deployment/"`,
	}, {
		name:       "trailing slash after a cluster-scoped target reads as an empty name",
		in:         "node/worker/",
		wantPrefix: `name part is empty in "node/worker/"`,
	}, {
		name:       "trailing slash after a cluster-scoped target with an invalid kind",
		in:         "node/worker-1/",
		wantPrefix: `kind "worker-1" must be alphanumeric`,
	}, {
		name:       "trailing slash on a kind: empty name",
		in:         "node/",
		wantPrefix: `name part is empty in "node/"`,
	}, {
		name:       "empty kind",
		in:         "payment//api",
		wantPrefix: `kind part is empty in "payment//api"`,
	}, {
		name:       "only slashes",
		in:         "//",
		wantPrefix: `namespace part is empty in "//"`,
	}, {
		name:       "kind starting with a digit",
		in:         "payment/1deployment/api",
		wantPrefix: `kind "1deployment" must be alphanumeric, start with a letter and be at most 63 characters`,
	}, {
		name:       "kind with a hyphen",
		in:         "payment/stateful-set/api",
		wantPrefix: `kind "stateful-set" must be alphanumeric, start with a letter and be at most 63 characters`,
	}, {
		name:       "kind with an empty group",
		in:         "payment/deployment./api",
		wantPrefix: `group "" of kind "deployment." is not a DNS-1123 subdomain`,
	}, {
		name:       "kind with an invalid group",
		in:         "payment/deployment.Apps/api",
		wantPrefix: `group "Apps" of kind "deployment.Apps" is not a DNS-1123 subdomain`,
	}, {
		name:       "kind with a non-ASCII letter",
		in:         "payment/Dépl/api",
		wantPrefix: `kind "Dépl" must be alphanumeric`,
	}, {
		name:       "kind longer than 63 characters",
		in:         "payment/K" + strings.Repeat("a", 63) + "/api",
		wantPrefix: `kind "K` + strings.Repeat("a", 63) + `" must be alphanumeric, start with a letter and be at most 63 characters`,
	}, {
		name:       "upper-case namespace",
		in:         "Payment/deployment/api",
		wantPrefix: `namespace "Payment" is not a DNS-1123 label: `,
	}, {
		name:       "namespace of 64 characters",
		in:         strings.Repeat("n", 64) + "/deployment/api",
		wantPrefix: `namespace "` + strings.Repeat("n", 64) + `" is not a DNS-1123 label: must be no more than 63 characters`,
	}, {
		name:       "namespace with a dot",
		in:         "pay.ment/deployment/api",
		wantPrefix: `namespace "pay.ment" is not a DNS-1123 label: `,
	}, {
		name:       "namespace ending with a hyphen",
		in:         "payment-/deployment/api",
		wantPrefix: `namespace "payment-" is not a DNS-1123 label: `,
	}, {
		name:       "upper-case name",
		in:         "payment/deployment/API",
		wantPrefix: `name "API" is not a DNS-1123 subdomain: `,
	}, {
		name:       "name with an underscore",
		in:         "payment/deployment/api_v2",
		wantPrefix: `name "api_v2" is not a DNS-1123 subdomain: `,
	}, {
		name:       "name starting with a hyphen",
		in:         "node/-worker",
		wantPrefix: `name "-worker" is not a DNS-1123 subdomain: `,
	}, {
		name:       "name with a space",
		in:         "payment/deployment/a b",
		wantPrefix: `name "a b" is not a DNS-1123 subdomain: `,
	}, {
		name:       "name with an empty label",
		in:         "payment/deployment/a..b",
		wantPrefix: `name "a..b" is not a DNS-1123 subdomain: `,
	}, {
		name:       "name of 254 characters",
		in:         "payment/configmap/" + strings.Repeat("a", 254),
		wantPrefix: `name "` + strings.Repeat("a", 254) + `" is not a DNS-1123 subdomain: must be no more than 253 characters`,
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTarget(tc.in)
			if err == nil {
				t.Fatalf("ParseTarget(%q) = %+v, want an error", tc.in, got)
			}
			if !strings.HasPrefix(err.Error(), tc.wantPrefix) {
				t.Errorf("ParseTarget(%q) error = %q, want it to start with %q", tc.in, err, tc.wantPrefix)
			}
			if diff := cmp.Diff(Target{}, got); diff != "" {
				t.Errorf("ParseTarget(%q) on error returned a non-zero target (-want, +got):\n%s", tc.in, diff)
			}
			canonical, cerr := CanonicalTarget(tc.in)
			if cerr == nil || cerr.Error() != err.Error() {
				t.Errorf("CanonicalTarget(%q) = (%q, %v), want the error %q", tc.in, canonical, cerr, err)
			}
			if canonical != "" {
				t.Errorf("CanonicalTarget(%q) = %q on error, want \"\"", tc.in, canonical)
			}
		})
	}
}

// TestCanonicalTargetEquivalence checks that targets differing only in the
// case of the kind share one lock key, and that targets differing elsewhere
// do not.
func TestCanonicalTargetEquivalence(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{{
		name: "kind case",
		a:    "payment/Deployment/api",
		b:    "payment/deployment/api",
		same: true,
	}, {
		name: "kind case, cluster-scoped",
		a:    "NODE/worker-1",
		b:    "Node/worker-1",
		same: true,
	}, {
		name: "different namespace",
		a:    "payment/deployment/api",
		b:    "billing/deployment/api",
	}, {
		name: "different name",
		a:    "payment/deployment/api",
		b:    "payment/deployment/web",
	}, {
		name: "namespaced and cluster-scoped",
		a:    "payment/deployment/api",
		b:    "deployment/api",
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := CanonicalTarget(tc.a)
			if err != nil {
				t.Fatalf("CanonicalTarget(%q) = %v", tc.a, err)
			}
			b, err := CanonicalTarget(tc.b)
			if err != nil {
				t.Fatalf("CanonicalTarget(%q) = %v", tc.b, err)
			}
			if got := a == b; got != tc.same {
				t.Errorf("CanonicalTarget(%q) = %q, CanonicalTarget(%q) = %q: same = %v, want %v", tc.a, a, tc.b, b, got, tc.same)
			}
		})
	}
}

func TestTargetCanonical(t *testing.T) {
	tests := []struct {
		name   string
		target Target
		want   string
	}{{
		name:   "namespaced",
		target: Target{Namespace: "payment", Kind: "StatefulSet", Name: "db"},
		want:   "payment/statefulset/db",
	}, {
		name:   "cluster-scoped",
		target: Target{Kind: "PersistentVolume", Name: "pv-1"},
		want:   "persistentvolume/pv-1",
	}, {
		name:   "name and namespace are kept as they are",
		target: Target{Namespace: "payment", Kind: "Pod", Name: "api.v1"},
		want:   "payment/pod/api.v1",
	}}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.target.Canonical()); diff != "" {
				t.Errorf("Canonical() (-want, +got):\n%s", diff)
			}
		})
	}
}
