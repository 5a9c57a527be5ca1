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

package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/audit"
	"kubernaut.ai/workflowexecution/pkg/metrics"
	"kubernaut.ai/workflowexecution/pkg/version"
	"kubernaut.ai/workflowexecution/test/framework"
)

// metricNameRE finds the metric names in config/monitoring; test/monitoring
// checks with the PromQL parser that it finds every one.
var metricNameRE = regexp.MustCompile(`\b(?:workflowexecution|kn)_[a-z0-9_]+\b`)

// TestMonitoringManifestsNameExportedMetrics drives every kind of execution
// outcome and an audit delivery, then checks that each metric the alerts and
// the dashboard in config/monitoring name is on the controller's /metrics,
// and that the build info says what the binary says.
func TestMonitoringManifestsNameExportedMetrics(t *testing.T) {
	rcv := newReceiver(t)
	useConfig(t, map[string]string{"cooldown-period": "0s", "audit-sink-url": rcv.srv.URL, "audit-drain-timeout": "1s"})
	checkInvariant(t)
	ns := env.Namespace(t, "monitoring")
	target := env.Target(ns, "Deployment")
	ok := env.Create(t, framework.NewWFE(ns, "ok", target, "restart", image))
	env.WaitForPhase(t, ns, ok.Name, v1alpha1.PhaseRunning, waitLong)
	skipped := env.Create(t, framework.NewWFE(ns, "skipped", target, "scale", image))
	env.WaitForPhase(t, ns, skipped.Name, v1alpha1.PhaseSkipped, waitLong)
	env.FinishPipelineRun(t, prName(t, target), corev1.ConditionTrue, "Succeeded", "done")
	env.WaitForPhase(t, ns, ok.Name, v1alpha1.PhaseCompleted, waitLong)
	rcv.waitFor(t, ns+"/ok", audit.EventTypeCompleted)

	m := scrape(t, env.Controller)
	exported := func(name string) bool {
		if _, ok := m[name]; ok {
			return true
		}
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if fam, ok := m[strings.TrimSuffix(name, suffix)]; ok && strings.HasSuffix(name, suffix) && fam.GetType() == dto.MetricType_HISTOGRAM {
				return true
			}
		}
		return false
	}
	files, err := filepath.Glob(filepath.Join(env.Cluster.RepoRoot, "config", "monitoring", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("config/monitoring: %v", err)
	}
	checked := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range metricNameRE.FindAllString(string(b), -1) {
			checked[name] = true
			if !exported(name) {
				t.Errorf("%s names %s, which the controller does not export", filepath.Base(f), name)
			}
		}
	}
	var names []string
	for n := range checked {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("%d metric names in config/monitoring, all exported: %v", len(names), names)

	// The build info (the integration rig builds the controller without ldflags).
	want := version.Get()
	fam := m[metrics.BuildInfoName]
	if fam == nil || len(fam.GetMetric()) != 1 || fam.GetMetric()[0].GetGauge().GetValue() != 1 {
		t.Fatalf("%s = %v, want one series of value 1", metrics.BuildInfoName, fam)
	}
	labels := map[string]string{}
	for _, l := range fam.GetMetric()[0].GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	if labels["version"] != want.Version || labels["commit"] != want.Commit || !strings.HasPrefix(labels["go_version"], "go1.") {
		t.Errorf("%s labels = %v, want version %s and commit %s", metrics.BuildInfoName, labels, want.Version, want.Commit)
	}
	if !strings.Contains(env.Controller.Logs(), "version="+want.Version+" commit="+want.Commit+" go=") {
		t.Errorf("the controller did not log its version at start")
	}
}
