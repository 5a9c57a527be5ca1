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

package main

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"k8s.io/client-go/kubernetes"

	"kubernaut.ai/workflowexecution/test/framework"
)

// trackedResources are the resources whose requests are attributed to the
// controller: everything else the API server serves in the window is its
// own housekeeping (leases, endpoints, ...).
var trackedResources = map[string]bool{
	"workflowexecutions": true,
	"pipelineruns":       true,
	"taskruns":           true,
	"events":             true,
}

// reqKey is one series of apiserver_request_total, reduced to what the
// report needs.
type reqKey struct {
	Verb, Resource, Subresource, Code string
}

// Path renders "resource[/subresource] VERB".
func (k reqKey) Path() string {
	r := k.Resource
	if k.Subresource != "" {
		r += "/" + k.Subresource
	}
	return r + " " + k.Verb
}

// reqCounts counts requests by key.
type reqCounts map[reqKey]float64

// sub returns a - b.
func (a reqCounts) sub(b reqCounts) reqCounts {
	out := reqCounts{}
	for k, v := range a {
		if d := v - b[k]; d != 0 {
			out[k] = d
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok && v != 0 {
			out[k] = -v
		}
	}
	return out
}

// clone copies the counts.
func (a reqCounts) clone() reqCounts {
	out := make(reqCounts, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}

// total sums the counts matching keep (all when nil).
func (a reqCounts) total(keep func(reqKey) bool) float64 {
	var n float64
	for k, v := range a {
		if keep == nil || keep(k) {
			n += v
		}
	}
	return n
}

// byPath sums counts over codes: "resource[/sub] VERB" -> count.
func (a reqCounts) byPath() map[string]float64 {
	out := map[string]float64{}
	for k, v := range a {
		out[k.Path()] += v
	}
	return out
}

// isWrite is true for mutating verbs.
func isWrite(k reqKey) bool {
	switch k.Verb {
	case "POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION":
		return true
	}
	return false
}

// notWatch excludes WATCH: the API server counts a watch when it ends, so a
// window's watch count says nothing about the work done in it.
func notWatch(k reqKey) bool { return k.Verb != "WATCH" }

// scrapeAPIServer reads apiserver_request_total from the API server's
// /metrics, for the tracked resources.
func scrapeAPIServer(ctx context.Context, kube kubernetes.Interface) (reqCounts, error) {
	totals, err := framework.APIRequestTotals(ctx, kube, func(r string) bool { return trackedResources[r] })
	if err != nil {
		return nil, err
	}
	return toReqCounts(totals), nil
}

// parseRequestTotals extracts apiserver_request_total for the tracked
// resources from a Prometheus text exposition.
func parseRequestTotals(raw []byte) (reqCounts, error) {
	totals, err := framework.ParseAPIRequestTotals(raw, func(r string) bool { return trackedResources[r] })
	if err != nil {
		return nil, err
	}
	return toReqCounts(totals), nil
}

func toReqCounts(totals map[framework.APIRequest]float64) reqCounts {
	out := make(reqCounts, len(totals))
	for k, v := range totals {
		out[reqKey(k)] = v
	}
	return out
}

// counter counts the harness's own requests the way the API server labels
// them, so that they can be subtracted from the server's totals.
type counter struct {
	mu sync.Mutex
	m  reqCounts
}

func newCounter() *counter { return &counter{m: reqCounts{}} }

// snapshot copies the counts so far.
func (c *counter) snapshot() reqCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m.clone()
}

// wrap returns a RoundTripper counting every request sent through rt.
func (c *counter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		if k, ok := classify(req); ok && err == nil {
			k.Code = strconv.Itoa(resp.StatusCode)
			c.mu.Lock()
			c.m[k]++
			c.mu.Unlock()
		}
		return resp, err
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// classify maps a request to the labels the API server gives it in
// apiserver_request_total (verb, resource, subresource); ok is false for
// requests outside the tracked resources.
func classify(req *http.Request) (reqKey, bool) {
	resource, name, sub := parseResourcePath(req.URL.Path)
	if !trackedResources[resource] {
		return reqKey{}, false
	}
	k := reqKey{Resource: resource, Subresource: sub}
	switch req.Method {
	case http.MethodGet:
		switch {
		case req.URL.Query().Get("watch") == "true" || req.URL.Query().Get("watch") == "1":
			k.Verb = "WATCH"
		case name == "":
			k.Verb = "LIST"
		default:
			k.Verb = "GET"
		}
	case http.MethodPatch:
		k.Verb = "PATCH"
		if strings.HasPrefix(req.Header.Get("Content-Type"), "application/apply-patch") {
			k.Verb = "APPLY"
		}
	case http.MethodDelete:
		k.Verb = "DELETE"
		if name == "" {
			k.Verb = "DELETECOLLECTION"
		}
	default:
		k.Verb = req.Method
	}
	return k, true
}

// parseResourcePath splits /api/v1/... and /apis/group/version/... paths
// into resource, name and subresource.
func parseResourcePath(path string) (resource, name, sub string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return "", "", ""
	}
	if len(parts) >= 3 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	if len(parts) > 0 {
		resource = parts[0]
	}
	if len(parts) > 1 {
		name = parts[1]
	}
	if len(parts) > 2 {
		sub = parts[2]
	}
	return resource, name, sub
}

// sortedPaths returns the keys of m sorted.
func sortedPaths(ms ...map[string]float64) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		for p := range m {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}
