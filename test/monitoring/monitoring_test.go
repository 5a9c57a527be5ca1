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

// Package monitoring checks config/monitoring with Prometheus' own parsers.
// It is a module of its own: github.com/prometheus/prometheus would raise
// the versions of the controller's dependencies (Kubernetes, OpenTelemetry)
// if it were required by the main module. The main module's integration
// tier checks that every metric named here is exported by the controller
// (test/integration, TestMonitoringManifestsNameExportedMetrics).
package monitoring

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

const dir = "../../config/monitoring"

// metricNameRE is how the main module's integration test finds the metric
// names in these files (it cannot import the PromQL parser). The tests below
// check that it finds every name the parser finds.
var metricNameRE = regexp.MustCompile(`\b(?:workflowexecution|kn)_[a-z0-9_]+\b`)

// prometheusNames are series Prometheus makes itself, not the controller.
var prometheusNames = map[string]bool{"up": true}

func read(t *testing.T, name string, into any) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// selectors returns the metric names of the vector selectors of expr.
func selectors(t *testing.T, p parser.Parser, expr string) []string {
	t.Helper()
	e, err := p.ParseExpr(expr)
	if err != nil {
		t.Errorf("%q does not parse: %v", expr, err)
		return nil
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			names = append(names, vs.Name)
		}
		return nil
	})
	return names
}

// checkNames fails unless the regexp finds every metric the parser found in file.
func checkNames(t *testing.T, file string, raw []byte, parsed []string) {
	t.Helper()
	found := map[string]bool{}
	for _, n := range metricNameRE.FindAllString(string(raw), -1) {
		found[n] = true
	}
	for _, n := range parsed {
		if n == "" {
			t.Errorf("%s: a selector without a metric name", file)
		} else if !found[n] && !prometheusNames[n] {
			t.Errorf("%s: the metric %s is not matched by %s: the integration test would not check it", file, n, metricNameRE)
		}
	}
}

func TestPrometheusRuleParses(t *testing.T) {
	var pr struct {
		Kind string
		Spec map[string]any
	}
	raw := read(t, "prometheusrule.yaml", &pr)
	if pr.Kind != "PrometheusRule" {
		t.Fatalf("kind = %s", pr.Kind)
	}
	// The PrometheusRule's spec is a Prometheus rule file.
	spec, err := yaml.Marshal(pr.Spec)
	if err != nil {
		t.Fatal(err)
	}
	p := parser.NewParser(parser.Options{})
	groups, errs := rulefmt.Parse(spec, false, model.UTF8Validation, p, slog.Default())
	for _, err := range errs {
		t.Errorf("rulefmt: %v", err)
	}
	if groups == nil {
		t.Fatal("no rule groups")
	}
	var names, alerts []string
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			names = append(names, selectors(t, p, r.Expr)...)
			if r.Annotations["summary"] == "" {
				t.Errorf("alert %s has no summary", r.Alert)
			}
		}
	}
	sort.Strings(alerts)
	// The runbook's alerts, all of them.
	want := []string{"WorkflowExecutionAuditBacklog", "WorkflowExecutionAuditRejected", "WorkflowExecutionControllerDown",
		"WorkflowExecutionFailureRateHigh", "WorkflowExecutionLocksNeverDrain", "WorkflowExecutionPipelineRunCreateErrors",
		"WorkflowExecutionSkipRateHigh", "WorkflowExecutionStatusSyncSlow"}
	if strings.Join(alerts, ",") != strings.Join(want, ",") {
		t.Errorf("alerts = %v, want %v", alerts, want)
	}
	checkNames(t, "prometheusrule.yaml", raw, names)
}

func TestDashboardQueriesParse(t *testing.T) {
	var cm struct {
		Data map[string]string
	}
	raw := read(t, "grafana-dashboard.yaml", &cm)
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal([]byte(cm.Data["workflowexecution.json"]), &dash); err != nil {
		t.Fatalf("workflowexecution.json: %v", err)
	}
	p := parser.NewParser(parser.Options{})
	var names []string
	for _, panel := range dash.Panels {
		if len(panel.Targets) == 0 {
			t.Errorf("panel %q has no query", panel.Title)
		}
		for _, q := range panel.Targets {
			names = append(names, selectors(t, p, q.Expr)...)
		}
	}
	if len(names) == 0 {
		t.Fatal("the dashboard queries no metric")
	}
	checkNames(t, "grafana-dashboard.yaml", raw, names)
}
