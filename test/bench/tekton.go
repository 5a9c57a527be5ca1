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

// The tekton scenario: the rig's E2E tier, where the real Tekton controller
// and resolvers run the PipelineRuns and KWOK runs their pods. There is no
// stand-in and no floor.

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// bundleRepo is the repository of the benchmark's Pipeline bundle in the
// rig's registry.
const bundleRepo = "bench/workflow:v1"

// tektonResolversPort is the port the Tekton resolvers bind; only one E2E
// cluster can run on a machine at a time.
const tektonResolversPort = 8080

// benchPipeline is the bundle's Pipeline: one task, one step, its pod run
// by KWOK for delay.
func benchPipeline(delay time.Duration) string {
	return framework.Pipeline(framework.Task{
		Name: "restart", Step: "restart", Annotations: map[string]string{rig.DelayAnnotation: delay.String()},
	})
}

// pushBundle pushes the Pipeline bundle and returns the reference the
// executions use.
func (b *bench) pushBundle(ctx context.Context) (string, error) {
	if _, err := b.c.PushPipelineBundle(ctx, bundleRepo, benchPipeline(b.opts.TektonDelay)); err != nil {
		return "", fmt.Errorf("pushing the Pipeline bundle: %w", err)
	}
	return b.c.BundleRef(bundleRepo), nil
}

// useE2EBinaries drops WFE_RIG_BIN_DIR when it lacks the E2E tier's
// binaries (hack/bench.sh builds only the integration tier's), so that the
// rig builds them or finds them in its cache.
func useE2EBinaries(logf func(string, ...any)) {
	d := os.Getenv("WFE_RIG_BIN_DIR")
	if d == "" {
		return
	}
	for _, bin := range []string{"kube-scheduler", "kube-controller-manager", "kwok", "tekton-controller", "tekton-resolvers"} {
		if _, err := os.Stat(filepath.Join(d, bin)); err != nil {
			logf("WFE_RIG_BIN_DIR=%s has no %s: letting the rig build the E2E tier's binaries", d, bin)
			_ = os.Unsetenv("WFE_RIG_BIN_DIR")
			return
		}
	}
}

// waitResolversPort waits until no other E2E cluster holds the Tekton
// resolvers' port (another engineer's e2e run, for instance).
func waitResolversPort(ctx context.Context, timeout time.Duration, logf func(string, ...any)) error {
	deadline := time.Now().Add(timeout)
	logged := false
	for {
		l, err := net.Listen("tcp", ":"+strconv.Itoa(tektonResolversPort))
		if err == nil {
			_ = l.Close()
			return nil
		}
		if !logged {
			logf("port %d is taken (another E2E cluster on this machine?): waiting up to %s", tektonResolversPort, timeout)
			logged = true
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("port %d still taken after %s: only one E2E cluster can run on a machine", tektonResolversPort, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
		}
	}
}

// clientRequests turns the controller's own client metrics
// (http_client_request_duration_seconds: one sample per request, labelled
// with the method and the request's path) into request counts for the
// tracked resources. The metric carries no status code, so Code is empty,
// and a GET on a collection is a LIST or a WATCH (the query is not in the
// label): it is counted as LIST.
func clientRequests(m *controllerMetrics) reqCounts {
	out := reqCounts{}
	if m == nil {
		return out
	}
	f := m.families["http_client_request_duration_seconds"]
	if f == nil {
		return out
	}
	for _, s := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range s.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		k, ok := classifyTemplate(labels["http_request_method"], labels["url_template"])
		if !ok || s.GetHistogram() == nil {
			continue
		}
		out[k] += float64(s.GetHistogram().GetSampleCount())
	}
	return out
}

// classifyTemplate is classify for a method and a path without query.
func classifyTemplate(method, path string) (reqKey, bool) {
	resource, name, sub := parseResourcePath(path)
	if !trackedResources[resource] {
		return reqKey{}, false
	}
	k := reqKey{Resource: resource, Subresource: sub, Verb: strings.ToUpper(method)}
	switch k.Verb {
	case "GET":
		if name == "" {
			k.Verb = "LIST"
		}
	case "DELETE":
		if name == "" {
			k.Verb = "DELETECOLLECTION"
		}
	}
	return k, true
}

// clientConflicts is the number of 409 answers the controller's client
// saw (kn_k8s_client_http_response_status_code, all resources).
func clientConflicts(m *controllerMetrics) float64 {
	return m.sumWhere("kn_k8s_client_http_response_status_code_total", false, func(l map[string]string) bool {
		return l["http_response_status_code"] == "409"
	})
}
