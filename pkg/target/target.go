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

// Package target resolves a WorkflowExecution's spec.targetResource to the
// Kubernetes object it names (docs/design.md §4, Targets are objects): the kind, however it is
// spelled (Kind, short name, plural, kind.group), is looked up in the API
// server's discovery and becomes one group/kind with its scope, so that
// every spelling of one object is one canonical string: one lock.
package target

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"
	"k8s.io/utils/clock"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// Field is the field every resolution error names.
const Field = "spec.targetResource"

// Ref is a target resolved to one group/kind and its scope.
type Ref struct {
	// Namespace of the object; empty when the kind is cluster-scoped.
	Namespace string
	// Group of the kind; empty for the core group.
	Group string
	// Kind as the API server serves it (e.g. Deployment).
	Kind string
	// Name of the object.
	Name string
}

// GroupKind is the kind with its group, for messages: "Deployment.apps",
// or "Pod" for the core group.
func (r Ref) GroupKind() string {
	if r.Group == "" {
		return r.Kind
	}
	return r.Kind + "." + r.Group
}

// String is the canonical form: "namespace/kind.group/name", or
// "kind.group/name" for a cluster-scoped kind, the kind lower-cased and no
// group for core kinds ("payment/deployment.apps/api", "node/worker-1",
// "payment/pod/api-0"). It is itself a valid spelling of the same object,
// kubectl reads its kind part (`kubectl -n payment get deployment.apps/api`),
// and for a core kind it is the lock key of the releases before discovery
// resolution (the spelling with the kind lower-cased), so that their runs
// keep their names.
func (r Ref) String() string {
	gk := strings.ToLower(r.GroupKind())
	if r.Namespace == "" {
		return gk + "/" + r.Name
	}
	return r.Namespace + "/" + gk + "/" + r.Name
}

// Scope names the scope of the kind, for messages.
func (r Ref) Scope() string {
	if r.Namespace == "" {
		return "cluster-scoped"
	}
	return "namespaced"
}

// Error is a spelling that cannot name an object of this cluster as
// written: the execution fails ConfigurationError. Any other error of
// Resolve is transient (discovery unavailable) and is retried.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

func invalid(format string, args ...any) error {
	return &Error{msg: Field + ": " + fmt.Sprintf(format, args...)}
}

// IsInvalid reports whether err says the spelling can never resolve.
func IsInvalid(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// DefaultMinRefresh is the least time between two discovery refreshes
// caused by kinds the cache does not know: an execution naming an unknown
// kind cannot make the controller read discovery in a loop.
const DefaultMinRefresh = 5 * time.Second

// Resolver resolves targets through a RESTMapper over the API server's
// discovery, cached in memory and refreshed when a kind is not found (a
// CRD installed after the controller started), at most once per
// MinRefresh. It is safe for concurrent use.
type Resolver struct {
	// MinRefresh is the least time between two refreshes (DefaultMinRefresh).
	MinRefresh time.Duration
	clock      clock.PassiveClock

	discovery discovery.CachedDiscoveryInterface
	deferred  *restmapper.DeferredDiscoveryRESTMapper
	mapper    meta.RESTMapper

	mu        sync.Mutex
	refreshed time.Time
}

// NewResolver returns a resolver over the discovery client dc.
func NewResolver(dc discovery.DiscoveryInterface, clk clock.PassiveClock) *Resolver {
	cached := memory.NewMemCacheClient(dc)
	deferred := restmapper.NewDeferredDiscoveryRESTMapper(cached)
	return &Resolver{
		MinRefresh: DefaultMinRefresh,
		clock:      clk,
		discovery:  cached,
		deferred:   deferred,
		mapper:     restmapper.NewShortcutExpander(deferred, cached, nil),
	}
}

// Resolve parses a spec.targetResource and resolves its kind. The error is
// an *Error (IsInvalid) when the spelling cannot name an object here:
// malformed, an unserved kind, a kind in several groups written without
// its group, or a scope the spelling contradicts; any other error is
// transient.
func (r *Resolver) Resolve(spelling string) (Ref, error) {
	t, err := v1alpha1.ParseTarget(spelling)
	if err != nil {
		return Ref{}, invalid("%v", err)
	}
	gk, err := r.groupKind(t.Kind)
	if err != nil {
		return Ref{}, err
	}
	mapping, err := r.mapper.RESTMapping(gk)
	if err != nil {
		return Ref{}, fmt.Errorf("reading the scope of %s from discovery: %w", gk, err)
	}
	ref := Ref{Namespace: t.Namespace, Group: gk.Group, Kind: gk.Kind, Name: t.Name}
	namespaced := mapping.Scope.Name() == meta.RESTScopeNameNamespace
	switch {
	case namespaced && t.Namespace == "":
		return Ref{}, invalid("%q names kind %s, which is namespaced: write namespace/%s/%s",
			spelling, ref.GroupKind(), t.Kind, t.Name)
	case !namespaced && t.Namespace != "":
		return Ref{}, invalid("%q names kind %s, which is cluster-scoped: write %s/%s, without a namespace",
			spelling, ref.GroupKind(), t.Kind, t.Name)
	}
	return ref, nil
}

// groupKind resolves the kind part of a spelling.
func (r *Resolver) groupKind(kind string) (schema.GroupKind, error) {
	gr := schema.ParseGroupResource(strings.ToLower(kind))
	gvks, err := r.kindsFor(gr)
	if meta.IsNoMatchError(err) {
		if refreshed, wait := r.refresh(); !refreshed {
			return schema.GroupKind{}, fmt.Errorf("kind %q is not in the discovery data read %s ago; reading it again in %s",
				kind, r.clock.Since(r.lastRefresh()).Round(time.Millisecond), wait.Round(time.Millisecond))
		}
		gvks, err = r.kindsFor(gr)
	}
	switch {
	case meta.IsNoMatchError(err) || (err == nil && len(gvks) == 0):
		if _, _, derr := r.discovery.ServerGroupsAndResources(); discovery.IsGroupDiscoveryFailedError(derr) {
			// The kind may be served by a group whose discovery failed
			// (an aggregated API that is down): not an answer yet.
			return schema.GroupKind{}, fmt.Errorf("kind %q not found while part of discovery is unavailable: %w", kind, derr)
		}
		return schema.GroupKind{}, invalid("kind %q is not served by this cluster (no kind, short name, plural or kind.group of that spelling in discovery)", kind)
	case err != nil:
		return schema.GroupKind{}, fmt.Errorf("resolving kind %q through discovery: %w", kind, err)
	}
	var kinds []schema.GroupKind
	for _, gvk := range gvks {
		if gk := gvk.GroupKind(); !slices.Contains(kinds, gk) {
			kinds = append(kinds, gk)
		}
	}
	if len(kinds) == 1 {
		return kinds[0], nil
	}
	// The same spelling in several groups. The core group wins, as in
	// kubectl (its kinds have no group to write); otherwise the group
	// must be written.
	for _, gk := range kinds {
		if gk.Group == "" {
			return gk, nil
		}
	}
	names := make([]string, 0, len(kinds))
	for _, gk := range kinds {
		names = append(names, Ref{Group: gk.Group, Kind: gk.Kind}.GroupKind())
	}
	slices.Sort(names)
	return schema.GroupKind{}, invalid("kind %q is served by several groups; use kind.group, one of: %s", kind, strings.Join(names, ", "))
}

func (r *Resolver) kindsFor(gr schema.GroupResource) ([]schema.GroupVersionKind, error) {
	return r.mapper.KindsFor(gr.WithVersion(""))
}

// refresh drops the cached discovery, unless it was read less than
// MinRefresh ago: then it reports how long to wait.
func (r *Resolver) refresh() (bool, time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clock.Now()
	if !r.refreshed.IsZero() {
		if wait := r.refreshed.Add(r.MinRefresh).Sub(now); wait > 0 {
			return false, wait
		}
	}
	r.refreshed = now
	r.deferred.Reset()
	return true, 0
}

func (r *Resolver) lastRefresh() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refreshed
}
