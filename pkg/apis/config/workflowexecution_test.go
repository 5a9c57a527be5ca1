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

package config

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

func TestDefaults(t *testing.T) {
	// docs/design.md §7: cooldown-period 5m, default-timeout 30m, execution namespace
	// kubernaut-workflows, bundle pipeline "workflow", datastorage audit.
	want := &WorkflowExecution{
		ExecutionNamespace: "kubernaut-workflows",
		ServiceAccount:     "kubernaut-workflow-runner",
		CooldownPeriod:     5 * time.Minute,
		DefaultTimeout:     30 * time.Minute,
		StuckGracePeriod:   5 * time.Minute,
		BundlePipelineName: "workflow",
		AuditFormat:        "datastorage",
		AuditDrainTimeout:  30 * time.Second,
		AuditBufferSize:    10000,
		TrustedNamespaces:  []string{"kubernaut-system"},
		RetentionPeriod:    168 * time.Hour,

		UntrustedMaxTimeout: 24 * time.Hour,
	}
	if diff := cmp.Diff(want, Defaults()); diff != "" {
		t.Errorf("Defaults() (-want, +got):\n%s", diff)
	}
	for _, data := range []map[string]string{nil, {}, {"_example": "cooldown-period: 1h"}} {
		got, err := NewWorkflowExecutionFromMap(data)
		if err != nil {
			t.Fatalf("NewWorkflowExecutionFromMap(%v) = %v", data, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("NewWorkflowExecutionFromMap(%v) (-want, +got):\n%s", data, diff)
		}
	}
}

func TestNewWorkflowExecutionFromMap(t *testing.T) {
	tests := []struct {
		name string
		data map[string]string
		want func(*WorkflowExecution)
	}{{
		name: "every key",
		data: map[string]string{
			ExecutionNamespaceKey:        "runs",
			ServiceAccountKey:            "runner",
			AllowedServiceAccountsKey:    "a, b.c ,,d",
			CooldownPeriodKey:            "90s",
			DefaultTimeoutKey:            "1h",
			StuckGracePeriodKey:          "2m",
			BundlePipelineNameKey:        "remediate",
			AllowedBundleRepositoriesKey: "registry.example.com/remediations/, ghcr.io/acme/",
			RequireBundleDigestKey:       "true",
			AuditSinkURLKey:              "https://audit.example.com:8443",
			AuditFormatKey:               "cloudevents",
			AuditDrainTimeoutKey:         "45s",
			AuditBufferSizeKey:           "7",
			TrustedNamespacesKey:         "kubernaut-system, ops",
			AuditTokenFileKey:            "/var/run/audit/token",
			AuditCAFileKey:               "/var/run/audit/ca.crt",
			RetentionPeriodKey:           "24h",
		},
		want: func(c *WorkflowExecution) {
			c.ExecutionNamespace = "runs"
			c.ServiceAccount = "runner"
			c.AllowedServiceAccounts = []string{"a", "b.c", "d"}
			c.CooldownPeriod = 90 * time.Second
			c.DefaultTimeout = time.Hour
			c.StuckGracePeriod = 2 * time.Minute
			c.BundlePipelineName = "remediate"
			c.AllowedBundleRepositories = []string{"registry.example.com/remediations/", "ghcr.io/acme/"}
			c.RequireBundleDigest = true
			c.AuditSinkURL = "https://audit.example.com:8443"
			c.AuditFormat = "cloudevents"
			c.AuditDrainTimeout = 45 * time.Second
			c.AuditBufferSize = 7
			c.TrustedNamespaces = []string{"kubernaut-system", "ops"}
			c.AuditTokenFile = "/var/run/audit/token"
			c.AuditCAFile = "/var/run/audit/ca.crt"
			c.RetentionPeriod = 24 * time.Hour
		},
	}, {
		name: "no trusted namespace",
		data: map[string]string{TrustedNamespacesKey: ""},
		want: func(c *WorkflowExecution) { c.TrustedNamespaces = nil },
	}, {
		name: "every namespace trusted",
		data: map[string]string{TrustedNamespacesKey: " * "},
		want: func(c *WorkflowExecution) { c.TrustedNamespaces = []string{"*"} },
	}, {
		name: "empty credential files send none",
		data: map[string]string{AuditTokenFileKey: "", AuditCAFileKey: " "},
		want: func(*WorkflowExecution) {},
	}, {
		name: "values are trimmed",
		data: map[string]string{
			ExecutionNamespaceKey: "  runs\n",
			CooldownPeriodKey:     " 1m ",
		},
		want: func(c *WorkflowExecution) {
			c.ExecutionNamespace = "runs"
			c.CooldownPeriod = time.Minute
		},
	}, {
		name: "cooldown 0 disables it",
		data: map[string]string{CooldownPeriodKey: "0s"},
		want: func(c *WorkflowExecution) { c.CooldownPeriod = 0 },
	}, {
		name: "stuck grace period 0 and drain timeout 0 are allowed",
		data: map[string]string{StuckGracePeriodKey: "0s", AuditDrainTimeoutKey: "0"},
		want: func(c *WorkflowExecution) {
			c.StuckGracePeriod = 0
			c.AuditDrainTimeout = 0
		},
	}, {
		name: "retention 0 keeps executions forever",
		data: map[string]string{RetentionPeriodKey: "0"},
		want: func(c *WorkflowExecution) { c.RetentionPeriod = 0 },
	}, {
		name: "empty audit sink disables audit",
		data: map[string]string{AuditSinkURLKey: ""},
		want: func(*WorkflowExecution) {},
	}, {
		name: "http audit sink, datastorage format",
		data: map[string]string{AuditSinkURLKey: "http://datastorage.kubernaut-system.svc", AuditFormatKey: "datastorage"},
		want: func(c *WorkflowExecution) { c.AuditSinkURL = "http://datastorage.kubernaut-system.svc" },
	}, {
		name: "empty lists",
		data: map[string]string{AllowedServiceAccountsKey: "", AllowedBundleRepositoriesKey: " , "},
		want: func(*WorkflowExecution) {},
	}, {
		name: "require-bundle-digest false",
		data: map[string]string{RequireBundleDigestKey: "false"},
		want: func(*WorkflowExecution) {},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := Defaults()
			tc.want(want)
			got, err := NewWorkflowExecutionFromMap(tc.data)
			if err != nil {
				t.Fatalf("NewWorkflowExecutionFromMap() = %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("NewWorkflowExecutionFromMap() (-want, +got):\n%s", diff)
			}
		})
	}
}

func TestNewWorkflowExecutionFromMapErrors(t *testing.T) {
	tests := []struct {
		key, value string
	}{
		{CooldownPeriodKey, "5 minutes"},
		{CooldownPeriodKey, "-1m"},
		{CooldownPeriodKey, "5"},
		{DefaultTimeoutKey, "0s"},
		{DefaultTimeoutKey, "-30m"},
		{DefaultTimeoutKey, "soon"},
		{StuckGracePeriodKey, "-1s"},
		{StuckGracePeriodKey, "1 minute"},
		{AuditDrainTimeoutKey, "-5s"},
		{RetentionPeriodKey, "-1h"},
		{RetentionPeriodKey, "7 days"},
		{AuditDrainTimeoutKey, "forever"},
		{ExecutionNamespaceKey, "Bad_Namespace"},
		{ExecutionNamespaceKey, ""},
		{ExecutionNamespaceKey, "a.b"},
		{ServiceAccountKey, "Runner"},
		{ServiceAccountKey, ""},
		{AllowedServiceAccountsKey, "good, Bad_SA"},
		{AllowedServiceAccountsKey, "under_score"},
		{BundlePipelineNameKey, "My Pipeline"},
		{RequireBundleDigestKey, "yes"},
		{RequireBundleDigestKey, "maybe"},
		{AuditSinkURLKey, "not a url"},
		{AuditSinkURLKey, "ftp://audit.example.com"},
		{AuditSinkURLKey, "http://"},
		{AuditSinkURLKey, "audit.example.com:8080"},
		{AuditFormatKey, "json"},
		{AuditFormatKey, ""},
		{AuditBufferSizeKey, "0"},
		{AuditBufferSizeKey, "-3"},
		{AuditBufferSizeKey, "ten"},
		{TrustedNamespacesKey, "Team_A"},
		{TrustedNamespacesKey, "ops, *"},
		{TrustedNamespacesKey, "a/b"},
		{AuditTokenFileKey, "token"},
		{AuditTokenFileKey, "/var/run/../token"},
		{AuditCAFileKey, "ca.crt"},
		{AuditCAFileKey, "/etc//ca.crt"},
	}
	for _, tc := range tests {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			_, err := NewWorkflowExecutionFromMap(map[string]string{tc.key: tc.value})
			if err == nil {
				t.Fatalf("NewWorkflowExecutionFromMap(%s: %q) = nil, want an error", tc.key, tc.value)
			}
			if !strings.Contains(err.Error(), tc.key) {
				t.Errorf("error %q does not name the key %q", err, tc.key)
			}
		})
	}
}

func TestNewWorkflowExecutionFromMapNamesEveryBadKey(t *testing.T) {
	_, err := NewWorkflowExecutionFromMap(map[string]string{
		CooldownPeriodKey:  "bad",
		AuditFormatKey:     "bad",
		ServiceAccountKey:  "ok",
		AuditBufferSizeKey: "0",
	})
	if err == nil {
		t.Fatal("NewWorkflowExecutionFromMap() = nil, want an error")
	}
	for _, key := range []string{CooldownPeriodKey, AuditFormatKey, AuditBufferSizeKey} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error %q does not name %q", err, key)
		}
	}
	if strings.Contains(err.Error(), ServiceAccountKey+":") {
		t.Errorf("error %q names the good key %q", err, ServiceAccountKey)
	}
}

func TestNewWorkflowExecutionFromConfigMap(t *testing.T) {
	cm := &corev1.ConfigMap{Data: map[string]string{CooldownPeriodKey: "1m"}}
	got, err := NewWorkflowExecutionFromConfigMap(cm)
	if err != nil {
		t.Fatalf("NewWorkflowExecutionFromConfigMap() = %v", err)
	}
	if got.CooldownPeriod != time.Minute {
		t.Errorf("CooldownPeriod = %v, want 1m", got.CooldownPeriod)
	}
	cm.Data[CooldownPeriodKey] = "later"
	if _, err := NewWorkflowExecutionFromConfigMap(cm); err == nil {
		t.Error("NewWorkflowExecutionFromConfigMap(bad) = nil, want an error")
	}
}

// TestShippedConfigMap checks config/config-workflowexecution.yaml: it
// parses, and its _example block documents every key with its default.
func TestShippedConfigMap(t *testing.T) {
	b, err := os.ReadFile("../../../config/config-workflowexecution.yaml")
	if err != nil {
		t.Fatalf("reading the shipped ConfigMap: %v", err)
	}
	cm := &corev1.ConfigMap{}
	if err := yaml.Unmarshal(b, cm); err != nil {
		t.Fatalf("parsing the shipped ConfigMap: %v", err)
	}
	if cm.Name != ConfigName {
		t.Errorf("name = %q, want %q", cm.Name, ConfigName)
	}
	got, err := NewWorkflowExecutionFromConfigMap(cm)
	if err != nil {
		t.Fatalf("NewWorkflowExecutionFromConfigMap(shipped) = %v", err)
	}
	if diff := cmp.Diff(Defaults(), got); diff != "" {
		t.Errorf("shipped ConfigMap is not the defaults (-want, +got):\n%s", diff)
	}

	example := map[string]string{}
	if err := yaml.Unmarshal([]byte(cm.Data["_example"]), &example); err != nil {
		t.Fatalf("parsing _example: %v", err)
	}
	for _, key := range []string{
		ExecutionNamespaceKey, ServiceAccountKey, AllowedServiceAccountsKey, CooldownPeriodKey,
		DefaultTimeoutKey, StuckGracePeriodKey, BundlePipelineNameKey, AllowedBundleRepositoriesKey,
		RequireBundleDigestKey, AuditSinkURLKey, AuditFormatKey, AuditDrainTimeoutKey, AuditBufferSizeKey,
		TrustedNamespacesKey, AuditTokenFileKey, AuditCAFileKey,
	} {
		if _, ok := example[key]; !ok {
			t.Errorf("_example does not document %q", key)
		}
	}
	fromExample, err := NewWorkflowExecutionFromMap(example)
	if err != nil {
		t.Fatalf("the _example values do not parse: %v", err)
	}
	if diff := cmp.Diff(Defaults(), fromExample); diff != "" {
		t.Errorf("_example does not show the defaults (-want, +got):\n%s", diff)
	}
}

func TestBadAuditSinkURLErrorHidesIt(t *testing.T) {
	_, err := NewWorkflowExecutionFromMap(map[string]string{AuditSinkURLKey: "ftp://audit:pa55word@x/?sig=s3cret"})
	if err == nil || !strings.Contains(err.Error(), AuditSinkURLKey) {
		t.Fatalf("error %v does not name %s", err, AuditSinkURLKey)
	}
	if strings.Contains(err.Error(), "pa55word") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error reveals the URL's secrets: %v", err)
	}
}

func TestGoStringHidesAuditSinkSecrets(t *testing.T) {
	cfg, err := NewWorkflowExecutionFromMap(map[string]string{AuditSinkURLKey: "https://audit:pa55word@ds.example/p?sig=s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%#v", cfg)
	if strings.Contains(got, "pa55word") || strings.Contains(got, "s3cret") {
		t.Errorf("%%#v reveals the URL's secrets: %s", got)
	}
	if !strings.Contains(got, "https://ds.example/p?redacted") || !strings.Contains(got, "TrustedNamespaces") {
		t.Errorf("%%#v = %s, want the redacted URL and every field", got)
	}
}

func TestNamespaceTrusted(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		ns      string
		want    bool
	}{
		{"default trusts kubernaut-system", DefaultTrustedNamespaces, "kubernaut-system", true},
		{"default does not trust others", DefaultTrustedNamespaces, "team-a", false},
		{"listed", []string{"ops", "team-a"}, "team-a", true},
		{"no prefix match", []string{"team"}, "team-a", false},
		{"none trusted", nil, "kubernaut-system", false},
		{"every namespace", []string{AllNamespaces}, "team-a", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Defaults()
			cfg.TrustedNamespaces = tc.trusted
			if got := cfg.NamespaceTrusted(tc.ns); got != tc.want {
				t.Errorf("NamespaceTrusted(%q) = %v, want %v", tc.ns, got, tc.want)
			}
		})
	}
}

func TestServiceAccountAllowed(t *testing.T) {
	cfg := Defaults()
	cfg.AllowedServiceAccounts = []string{"extra"}
	cfg.TrustedServiceAccounts = []string{"cluster-admin-runner"}
	tests := []struct {
		ns   string
		sa   string
		want bool
	}{
		{"kubernaut-system", DefaultServiceAccount, true},
		{"kubernaut-system", "extra", true},
		{"kubernaut-system", "cluster-admin-runner", true},
		{"kubernaut-system", "other", false},
		{"kubernaut-system", "", false},
		{"kubernaut-system", "extr", false},
		// An untrusted namespace runs as its own runner, or an
		// allowlisted one: never the shared runner nor a trusted-only one.
		{"team-a", "wfe-runner-team-a", true},
		{"team-a", "extra", true},
		{"team-a", DefaultServiceAccount, false},
		{"team-a", "cluster-admin-runner", false},
		{"team-a", "wfe-runner-team-b", false},
	}
	for _, tc := range tests {
		if got := cfg.ServiceAccountAllowed(tc.ns, tc.sa); got != tc.want {
			t.Errorf("ServiceAccountAllowed(%q, %q) = %v, want %v", tc.ns, tc.sa, got, tc.want)
		}
	}
}

// RepositoryCase is a case of the shared table of repository allowlist
// matches (testdata/repository-match.json): the admission policy's CEL is
// tested on the same table against a real API server
// (test/integration/security_test.go).
type RepositoryCase struct {
	Entry string `json:"entry"`
	Ref   string `json:"ref"`
	Match bool   `json:"match"`
}

func TestRepositoryMatches(t *testing.T) {
	b, err := os.ReadFile("testdata/repository-match.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []RepositoryCase
	if err := yaml.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		if got := RepositoryMatches(tc.Entry, tc.Ref); got != tc.Match {
			t.Errorf("RepositoryMatches(%q, %q) = %v, want %v", tc.Entry, tc.Ref, got, tc.Match)
		}
	}
}

func TestBundleAllowed(t *testing.T) {
	tests := []struct {
		name     string
		prefixes []string
		ref      string
		want     bool
	}{
		{"no prefixes allow any", nil, "anything.io/x/y:1", true},
		{"prefix match", []string{"registry.example.com/remediations/"}, "registry.example.com/remediations/restart:1", true},
		{"second prefix", []string{"a.io/", "b.io/"}, "b.io/x:1", true},
		{"no match", []string{"registry.example.com/remediations/"}, "evil.io/remediations/restart:1", false},
		{"prefix of prefix", []string{"registry.example.com/remediations/"}, "registry.example.com/remediation:1", false},
		{"prefix without a slash matches at a path boundary", []string{"registry.example.com/remediations"}, "registry.example.com/remediations/restart:1", true},
		{"prefix without a slash is not a string prefix", []string{"registry.example.com/remediations"}, "registry.example.com/remediations-evil/x:1", false},
		{"a whole repository, tagged", []string{"registry.example.com/remediations/restart"}, "registry.example.com/remediations/restart:v2", true},
		{"a whole repository, by digest", []string{"registry.example.com/remediations/restart"}, "registry.example.com/remediations/restart@sha256:abc", true},
		{"a registry host is not a prefix of a longer host", []string{"registry.example.com"}, "registry.example.community/x:1", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Defaults()
			cfg.AllowedBundleRepositories = tc.prefixes
			if got := cfg.BundleAllowed(tc.ref); got != tc.want {
				t.Errorf("BundleAllowed(%q) = %v, want %v", tc.ref, got, tc.want)
			}
		})
	}
}
