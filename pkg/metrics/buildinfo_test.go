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

package metrics

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	kmetrics "knative.dev/pkg/observability/metrics"
	"knative.dev/pkg/observability/resource"
)

// TestBuildInfoScrape registers the build info on knative's Prometheus meter
// provider and scrapes it. (cmd/controller registers it on the global
// provider before sharedmain installs it; the integration tier scrapes that.)
func TestBuildInfoScrape(t *testing.T) {
	for _, env := range []string{"METRICS_PROMETHEUS_PORT", "METRICS_PROMETHEUS_HOST",
		"METRICS_PROMETHEUS_TLS_CERT", "METRICS_PROMETHEUS_TLS_KEY", "OTEL_SERVICE_NAME"} {
		t.Setenv(env, "")
	}
	ctx := context.Background()
	addr := freeLoopbackAddr(t)
	mp, err := kmetrics.NewMeterProvider(ctx,
		kmetrics.Config{Protocol: kmetrics.ProtocolPrometheus, Endpoint: addr},
		sdkmetric.WithResource(resource.Default("workflowexecution-controller")))
	if err != nil {
		t.Fatalf("NewMeterProvider() = %v", err)
	}
	t.Cleanup(func() {
		if err := mp.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown() = %v", err)
		}
	})
	if err := RegisterBuildInfo(mp, "v1.2.3", "abc1234", "go1.26.4"); err != nil {
		t.Fatalf("RegisterBuildInfo() = %v", err)
	}

	got := ours(t, scrape(t, "http://"+addr+"/metrics"))[BuildInfoName]
	want := family{Type: "GAUGE", Series: []series{
		counter(l(VersionKey, "v1.2.3", CommitKey, "abc1234", GoVersionKey, "go1.26.4"), 1),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want, +got):\n%s", BuildInfoName, diff)
	}
}
