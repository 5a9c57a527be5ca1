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

package monitoring

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// runbookURL is where every alert's runbook_url points: a section of
// docs/operator-runbook.md.
const runbookURL = "https://kubernaut.ai/workflowexecution/docs/operator-runbook.md#"

type rule struct {
	Alert       string
	Expr        string
	Annotations map[string]string
}

// rules returns the PrometheusRule's spec (a Prometheus rule file) and its alerts.
func rules(t *testing.T) ([]byte, []rule) {
	t.Helper()
	var pr struct {
		Spec struct {
			Groups []struct {
				Name  string
				Rules []rule
			}
		}
	}
	var raw struct{ Spec map[string]any }
	read(t, "prometheusrule.yaml", &pr)
	read(t, "prometheusrule.yaml", &raw)
	spec, err := yaml.Marshal(raw.Spec)
	if err != nil {
		t.Fatal(err)
	}
	var alerts []rule
	for _, g := range pr.Spec.Groups {
		alerts = append(alerts, g.Rules...)
	}
	if len(alerts) == 0 {
		t.Fatal("no alerts in prometheusrule.yaml")
	}
	return spec, alerts
}

// headingRE is a Markdown ATX heading.
var headingRE = regexp.MustCompile(`^#{1,6}\s+(.+?)\s*#*\s*$`)

// anchors returns the anchors GitHub gives the headings of a Markdown file:
// lower case, punctuation but '-' and '_' dropped, spaces as '-', and
// "-1", "-2" ... on repeats.
func anchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	out := map[string]bool{}
	fence := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			fence = !fence
			continue
		}
		m := headingRE.FindStringSubmatch(line)
		if fence || m == nil {
			continue
		}
		var slug strings.Builder
		for _, r := range strings.ToLower(m[1]) {
			switch {
			case r == ' ':
				slug.WriteRune('-')
			case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r > 127:
				slug.WriteRune(r)
			}
		}
		s := slug.String()
		if n := seen[s]; n > 0 {
			out[s+"-"+strconv.Itoa(n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

// TestAlertsHaveRunbooks: every alert says what is wrong (summary,
// description) and links to the runbook section on it, which exists.
func TestAlertsHaveRunbooks(t *testing.T) {
	_, alerts := rules(t)
	sections := anchors(t, filepath.Join("..", "..", "docs", "operator-runbook.md"))
	for _, a := range alerts {
		for _, k := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(a.Annotations[k]) == "" {
				t.Errorf("alert %s has no %s", a.Alert, k)
			}
		}
		u := a.Annotations["runbook_url"]
		anchor, ok := strings.CutPrefix(u, runbookURL)
		if !ok {
			t.Errorf("alert %s: runbook_url %q is not in %s", a.Alert, u, runbookURL)
			continue
		}
		if !sections[anchor] {
			t.Errorf("alert %s: runbook_url %q: docs/operator-runbook.md has no heading with the anchor #%s", a.Alert, u, anchor)
		}
	}
}

// TestAlertsPromtool runs `promtool test rules` (promtool built from the
// pinned github.com/prometheus/prometheus: this module's `tool` directive)
// on testdata/alerts_test.yaml against the PrometheusRule's spec, after
// checking that every alert has a case where it fires and one where it
// does not.
func TestAlertsPromtool(t *testing.T) {
	spec, alerts := rules(t)
	cases, err := os.ReadFile(filepath.Join("testdata", "alerts_test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tests struct {
		Tests []struct {
			Name          string
			AlertRuleTest []struct {
				Alertname string
				ExpAlerts []map[string]any `json:"exp_alerts"`
			} `json:"alert_rule_test"`
		}
	}
	if err := yaml.Unmarshal(cases, &tests); err != nil {
		t.Fatalf("testdata/alerts_test.yaml: %v", err)
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	for _, a := range alerts {
		if !fires[a.Alert] {
			t.Errorf("testdata/alerts_test.yaml: no case where %s fires", a.Alert)
		}
		if !quiet[a.Alert] {
			t.Errorf("testdata/alerts_test.yaml: no case where %s does not fire", a.Alert)
		}
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), spec, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "alerts_test.yaml"), cases, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	// go tool builds promtool once and keeps it in the build cache.
	cmd := exec.CommandContext(ctx, "go", "-C", wd, "tool", "promtool", "test", "rules", filepath.Join(dir, "alerts_test.yaml"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	t.Logf("promtool test rules:\n%s", out)
}
