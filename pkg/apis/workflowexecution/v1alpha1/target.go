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
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Target is a parsed target resource.
type Target struct {
	// Namespace is empty for a cluster-scoped resource.
	Namespace string
	// Kind as written by the user: a Kind, short name or plural, with
	// ".group" when the group must be named (e.g. deployments.apps).
	Kind string
	// Name of the resource.
	Name string
}

// ParseTarget parses "namespace/kind/name" or "kind/name". The error says
// which part is wrong.
func ParseTarget(s string) (Target, error) {
	parts := strings.Split(s, "/")
	var t Target
	switch len(parts) {
	case 2:
		t = Target{Kind: parts[0], Name: parts[1]}
	case 3:
		t = Target{Namespace: parts[0], Kind: parts[1], Name: parts[2]}
		if t.Namespace == "" {
			return Target{}, fmt.Errorf("namespace part is empty in %q", s)
		}
		if errs := validation.IsDNS1123Label(t.Namespace); len(errs) > 0 {
			return Target{}, fmt.Errorf("namespace %q is not a DNS-1123 label: %s", t.Namespace, strings.Join(errs, "; "))
		}
	default:
		return Target{}, fmt.Errorf("%q must be namespace/kind/name or kind/name (got %d parts)", s, len(parts))
	}
	if t.Kind == "" {
		return Target{}, fmt.Errorf("kind part is empty in %q", s)
	}
	kind, group, _ := strings.Cut(t.Kind, ".")
	if !isKind(kind) {
		return Target{}, fmt.Errorf("kind %q must be alphanumeric, start with a letter and be at most 63 characters", kind)
	}
	if strings.Contains(t.Kind, ".") {
		if errs := validation.IsDNS1123Subdomain(group); len(errs) > 0 {
			return Target{}, fmt.Errorf("group %q of kind %q is not a DNS-1123 subdomain: %s", group, t.Kind, strings.Join(errs, "; "))
		}
	}
	if t.Name == "" {
		return Target{}, fmt.Errorf("name part is empty in %q", s)
	}
	if errs := validation.IsDNS1123Subdomain(t.Name); len(errs) > 0 {
		return Target{}, fmt.Errorf("name %q is not a DNS-1123 subdomain: %s", t.Name, strings.Join(errs, "; "))
	}
	return t, nil
}

func isKind(k string) bool {
	if len(k) == 0 || len(k) > 63 {
		return false
	}
	for i, r := range k {
		isLetter := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !isLetter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// LegacyKey is the lock key of releases before targets were resolved
// through discovery (the kind as written, lower-cased); its hash named
// their PipelineRuns. The controller uses it only to find the runs of
// executions those releases started (docs/design.md §4, Targets are objects); the lock key
// is the canonical form of pkg/target.
func (t Target) LegacyKey() string {
	if t.Namespace == "" {
		return strings.ToLower(t.Kind) + "/" + t.Name
	}
	return t.Namespace + "/" + strings.ToLower(t.Kind) + "/" + t.Name
}

// LegacyTargetKey returns the LegacyKey of a target string, or an error
// naming what is wrong with it.
func LegacyTargetKey(s string) (string, error) {
	t, err := ParseTarget(s)
	if err != nil {
		return "", err
	}
	return t.LegacyKey(), nil
}

// Canonical is LegacyKey.
//
// Deprecated: the lock key is the canonical form of pkg/target (the kind
// resolved through discovery), recorded in status.canonicalTarget.
func (t Target) Canonical() string { return t.LegacyKey() }

// CanonicalTarget is LegacyTargetKey.
//
// Deprecated: the lock key is the canonical form of pkg/target, recorded in
// status.canonicalTarget.
func CanonicalTarget(s string) (string, error) { return LegacyTargetKey(s) }
