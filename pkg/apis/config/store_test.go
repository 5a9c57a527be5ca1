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
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"knative.dev/pkg/configmap"
	cminformer "knative.dev/pkg/configmap/informer"
	"knative.dev/pkg/observability"
	o11yconfigmap "knative.dev/pkg/observability/configmap"
	"knative.dev/pkg/system"

	_ "knative.dev/pkg/system/testing"
)

// recordingLogger is a configmap.Logger that keeps the error lines.
type recordingLogger struct {
	t      *testing.T
	mu     sync.Mutex
	errors []string
}

func (l *recordingLogger) Debugf(f string, a ...any) { l.t.Logf("DEBUG "+f, a...) }
func (l *recordingLogger) Infof(f string, a ...any)  { l.t.Logf("INFO "+f, a...) }
func (l *recordingLogger) Fatalf(f string, a ...any) { l.t.Fatalf("FATAL "+f, a...) }
func (l *recordingLogger) Errorf(f string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, fmt.Sprintf(f, a...))
}

func (l *recordingLogger) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.errors
	l.errors = nil
	return out
}

func configMap(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigName, Namespace: "kubernaut-system"},
		Data:       data,
	}
}

func TestStoreLoadBeforeAnyConfigMap(t *testing.T) {
	s := NewStore(&recordingLogger{t: t})
	if diff := cmp.Diff(Defaults(), s.Load().WorkflowExecution); diff != "" {
		t.Errorf("Load() (-want, +got):\n%s", diff)
	}
}

func TestStoreWatchConfigs(t *testing.T) {
	logger := &recordingLogger{t: t}
	var stored []string
	var mu sync.Mutex
	s := NewStore(logger, func(name string, _ any) {
		mu.Lock()
		defer mu.Unlock()
		stored = append(stored, name)
	})
	s.WatchConfigs(configmap.NewStaticWatcher(configMap(map[string]string{
		CooldownPeriodKey:     "1m",
		ExecutionNamespaceKey: "runs",
	}), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: o11yconfigmap.Name(), Namespace: system.Namespace()}}))

	want := Defaults()
	want.CooldownPeriod = time.Minute
	want.ExecutionNamespace = "runs"
	if diff := cmp.Diff(want, s.Load().WorkflowExecution); diff != "" {
		t.Errorf("Load() (-want, +got):\n%s", diff)
	}
	if got := logger.take(); len(got) != 0 {
		t.Errorf("logged errors for a good ConfigMap: %q", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{o11yconfigmap.Name(), ConfigName}, sorted(stored)); diff != "" {
		t.Errorf("onAfterStore calls (-want, +got):\n%s", diff)
	}
}

// TestStoreWatchConfigsDefaults: on the informed watcher sharedmain uses,
// a missing ConfigMap means its defaults, delivered to the hooks (tracing
// off), and the watcher starts.
func TestStoreWatchConfigsDefaults(t *testing.T) {
	stored := map[string]any{}
	var mu sync.Mutex
	s := NewStore(&recordingLogger{t: t}, func(name string, value any) {
		mu.Lock()
		defer mu.Unlock()
		stored[name] = value
	})
	w := cminformer.NewInformedWatcher(kubefake.NewSimpleClientset(), system.Namespace())
	s.WatchConfigs(w)
	stop := make(chan struct{})
	defer close(stop)
	if err := w.Start(stop); err != nil {
		t.Fatalf("Start() = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(Defaults(), stored[ConfigName]); diff != "" {
		t.Errorf("config-workflowexecution (-want, +got):\n%s", diff)
	}
	o11y, ok := stored[o11yconfigmap.Name()].(*observability.Config)
	if !ok {
		t.Fatalf("config-observability stored %T, want *observability.Config", stored[o11yconfigmap.Name()])
	}
	if o11y.Tracing.Protocol != "none" {
		t.Errorf("tracing protocol %q by default, want none", o11y.Tracing.Protocol)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestStoreKeepsLastGoodValue: a rejected key keeps its last good value
// while the other keys of the same ConfigMap apply (docs/design.md §7).
func TestStoreKeepsLastGoodValue(t *testing.T) {
	tests := []struct {
		name string
		// each step is applied in turn; want is the config after the last one.
		steps      []map[string]string
		want       func(*WorkflowExecution)
		wantLogged []string
	}{{
		name: "bad duration after a good one",
		steps: []map[string]string{
			{CooldownPeriodKey: "1m", ExecutionNamespaceKey: "ns-a"},
			{CooldownPeriodKey: "one minute", ExecutionNamespaceKey: "ns-b"},
		},
		want: func(c *WorkflowExecution) {
			c.CooldownPeriod = time.Minute
			c.ExecutionNamespace = "ns-b"
		},
		wantLogged: []string{CooldownPeriodKey},
	}, {
		name: "bad value before any good one keeps the default",
		steps: []map[string]string{
			{DefaultTimeoutKey: "0s", ServiceAccountKey: "runner"},
		},
		want:       func(c *WorkflowExecution) { c.ServiceAccount = "runner" },
		wantLogged: []string{DefaultTimeoutKey},
	}, {
		name: "several bad keys, several good ones",
		steps: []map[string]string{
			{AllowedServiceAccountsKey: "a,b", AuditBufferSizeKey: "5", RequireBundleDigestKey: "true"},
			{AllowedServiceAccountsKey: "a,B_", AuditBufferSizeKey: "0", RequireBundleDigestKey: "true", BundlePipelineNameKey: "main"},
		},
		want: func(c *WorkflowExecution) {
			c.AllowedServiceAccounts = []string{"a", "b"}
			c.AuditBufferSize = 5
			c.RequireBundleDigest = true
			c.BundlePipelineName = "main"
		},
		wantLogged: []string{AllowedServiceAccountsKey, AuditBufferSizeKey},
	}, {
		name: "a good value after a bad one applies",
		steps: []map[string]string{
			{AuditFormatKey: "xml"},
			{AuditFormatKey: "cloudevents"},
		},
		want: func(c *WorkflowExecution) { c.AuditFormat = AuditFormatCloudEvents },
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logger := &recordingLogger{t: t}
			s := NewStore(logger)
			var logged []string
			for _, data := range tc.steps {
				s.OnConfigChanged(configMap(data))
				logged = logger.take()
			}
			want := Defaults()
			tc.want(want)
			if diff := cmp.Diff(want, s.Load().WorkflowExecution); diff != "" {
				t.Errorf("Load() (-want, +got):\n%s", diff)
			}
			if len(logged) != len(tc.wantLogged) {
				t.Errorf("logged %d errors on the last change, want %d: %q", len(logged), len(tc.wantLogged), logged)
			}
			for _, key := range tc.wantLogged {
				found := false
				for _, line := range logged {
					found = found || strings.Contains(line, key)
				}
				if !found {
					t.Errorf("no log line names the rejected key %q: %q", key, logged)
				}
			}
		})
	}
}

// TestStoreRemovedKeyFallsBackToDefault: the ConfigMap is watched live, so
// a key removed from it no longer applies. Keeping the value of a removed
// key would, e.g., keep a service account allowed after the operator
// removed it from allowed-service-accounts.
func TestStoreRemovedKeyFallsBackToDefault(t *testing.T) {
	s := NewStore(&recordingLogger{t: t})
	s.OnConfigChanged(configMap(map[string]string{
		AllowedServiceAccountsKey: "privileged",
		RequireBundleDigestKey:    "true",
		CooldownPeriodKey:         "1h",
	}))
	s.OnConfigChanged(configMap(map[string]string{CooldownPeriodKey: "1h"}))

	want := Defaults()
	want.CooldownPeriod = time.Hour
	if diff := cmp.Diff(want, s.Load().WorkflowExecution); diff != "" {
		t.Errorf("Load() after removing keys (-want, +got):\n%s", diff)
	}
}

// TestStoreSnapshotsAreIndependent: a configuration handed out earlier is
// not changed by a later ConfigMap (the reconciler reads a frozen copy).
func TestStoreSnapshotsAreIndependent(t *testing.T) {
	s := NewStore(&recordingLogger{t: t})
	s.OnConfigChanged(configMap(map[string]string{AllowedServiceAccountsKey: "a,b", CooldownPeriodKey: "1m"}))
	first := s.Load().WorkflowExecution
	s.OnConfigChanged(configMap(map[string]string{AllowedServiceAccountsKey: "c", CooldownPeriodKey: "2m"}))
	if diff := cmp.Diff([]string{"a", "b"}, first.AllowedServiceAccounts); diff != "" {
		t.Errorf("first snapshot changed (-want, +got):\n%s", diff)
	}
	if first.CooldownPeriod != time.Minute {
		t.Errorf("first snapshot CooldownPeriod = %v, want 1m", first.CooldownPeriod)
	}
	if got := s.Load().WorkflowExecution.AllowedServiceAccounts; !cmp.Equal(got, []string{"c"}) {
		t.Errorf("AllowedServiceAccounts = %v, want [c]", got)
	}
}

func TestStoreToContext(t *testing.T) {
	s := NewStore(&recordingLogger{t: t})
	s.OnConfigChanged(configMap(map[string]string{CooldownPeriodKey: "42s"}))
	ctx := s.ToContext(context.Background())
	if got := FromContext(ctx).WorkflowExecution.CooldownPeriod; got != 42*time.Second {
		t.Errorf("CooldownPeriod from context = %v, want 42s", got)
	}
}

func TestFromContextOrDefaults(t *testing.T) {
	custom := Defaults()
	custom.ExecutionNamespace = "custom"
	tests := []struct {
		name string
		ctx  context.Context
		want *WorkflowExecution
	}{{
		name: "nothing in context",
		ctx:  context.Background(),
		want: Defaults(),
	}, {
		name: "config without WorkflowExecution",
		ctx:  ToContext(context.Background(), &Config{}),
		want: Defaults(),
	}, {
		name: "config in context",
		ctx:  ToContext(context.Background(), &Config{WorkflowExecution: custom}),
		want: custom,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FromContextOrDefaults(tc.ctx)
			if got == nil || got.WorkflowExecution == nil {
				t.Fatalf("FromContextOrDefaults() = %+v, want a full config", got)
			}
			if diff := cmp.Diff(tc.want, got.WorkflowExecution); diff != "" {
				t.Errorf("FromContextOrDefaults() (-want, +got):\n%s", diff)
			}
		})
	}
	if got := FromContext(context.Background()); got != nil {
		t.Errorf("FromContext(empty) = %+v, want nil", got)
	}
}

// TestStoreEveryKeyKeepsItsLastGoodValue: for every key, a bad value after
// a good one keeps the good one.
func TestStoreEveryKeyKeepsItsLastGoodValue(t *testing.T) {
	tests := []struct {
		key, good, bad string
		want           func(*WorkflowExecution)
	}{
		{ExecutionNamespaceKey, "runs", "Bad_NS", func(c *WorkflowExecution) { c.ExecutionNamespace = "runs" }},
		{ServiceAccountKey, "runner", "Bad SA", func(c *WorkflowExecution) { c.ServiceAccount = "runner" }},
		{AllowedServiceAccountsKey, "a,b", "a,B_", func(c *WorkflowExecution) { c.AllowedServiceAccounts = []string{"a", "b"} }},
		{CooldownPeriodKey, "1m", "-1m", func(c *WorkflowExecution) { c.CooldownPeriod = time.Minute }},
		{DefaultTimeoutKey, "1h", "0s", func(c *WorkflowExecution) { c.DefaultTimeout = time.Hour }},
		{StuckGracePeriodKey, "2m", "soon", func(c *WorkflowExecution) { c.StuckGracePeriod = 2 * time.Minute }},
		{BundlePipelineNameKey, "main", "Main Pipeline", func(c *WorkflowExecution) { c.BundlePipelineName = "main" }},
		{RequireBundleDigestKey, "true", "yes", func(c *WorkflowExecution) { c.RequireBundleDigest = true }},
		{AuditSinkURLKey, "http://sink.example", "ftp://sink.example", func(c *WorkflowExecution) { c.AuditSinkURL = "http://sink.example" }},
		{AuditFormatKey, "cloudevents", "xml", func(c *WorkflowExecution) { c.AuditFormat = AuditFormatCloudEvents }},
		{AuditDrainTimeoutKey, "1m", "-1s", func(c *WorkflowExecution) { c.AuditDrainTimeout = time.Minute }},
		{AuditBufferSizeKey, "50", "0", func(c *WorkflowExecution) { c.AuditBufferSize = 50 }},
		{RetentionPeriodKey, "1h", "1 week", func(c *WorkflowExecution) { c.RetentionPeriod = time.Hour }},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			logger := &recordingLogger{t: t}
			s := NewStore(logger)
			s.OnConfigChanged(configMap(map[string]string{tc.key: tc.good}))
			if got := logger.take(); len(got) != 0 {
				t.Fatalf("good value %q rejected: %q", tc.good, got)
			}
			s.OnConfigChanged(configMap(map[string]string{tc.key: tc.bad}))
			if got := logger.take(); len(got) != 1 || !strings.Contains(got[0], tc.key) {
				t.Errorf("bad value %q: logged %q, want one line naming %q", tc.bad, got, tc.key)
			}
			want := Defaults()
			tc.want(want)
			if diff := cmp.Diff(want, s.Load().WorkflowExecution); diff != "" {
				t.Errorf("Load() (-want, +got):\n%s", diff)
			}
		})
	}
}

// TestStoreOnAfterStoreGetsEachAcceptedConfig: the on-store hook sees
// every change, a rejected value replaced by the previous one.
func TestStoreOnAfterStoreGetsEachAcceptedConfig(t *testing.T) {
	var got []time.Duration
	var mu sync.Mutex
	s := NewStore(&recordingLogger{t: t}, func(name string, value any) {
		mu.Lock()
		defer mu.Unlock()
		if c, ok := value.(*WorkflowExecution); ok && name == ConfigName {
			got = append(got, c.CooldownPeriod)
		}
	})
	s.OnConfigChanged(configMap(map[string]string{CooldownPeriodKey: "1m"}))
	s.OnConfigChanged(configMap(map[string]string{CooldownPeriodKey: "bad"}))
	s.OnConfigChanged(configMap(map[string]string{CooldownPeriodKey: "2m"}))
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]time.Duration{time.Minute, time.Minute, 2 * time.Minute}, got); diff != "" {
		t.Errorf("onAfterStore calls (-want, +got):\n%s", diff)
	}
}

// TestStorePinnedExecutionNamespace: the controller watches runs only in
// the execution namespace it read at start, so a live change of
// execution-namespace is logged as needing a restart and not applied,
// while the ConfigMap's other keys still apply.
func TestStorePinnedExecutionNamespace(t *testing.T) {
	logger := &recordingLogger{t: t}
	s := NewStore(logger)
	s.PinExecutionNamespace("runs")
	if got := s.Load().WorkflowExecution.ExecutionNamespace; got != "runs" {
		t.Errorf("before any ConfigMap: ExecutionNamespace = %q, want the pinned %q", got, "runs")
	}

	s.OnConfigChanged(configMap(map[string]string{ExecutionNamespaceKey: "runs", CooldownPeriodKey: "1m"}))
	if got := logger.take(); len(got) != 0 {
		t.Errorf("logged errors for the pinned namespace: %q", got)
	}

	s.OnConfigChanged(configMap(map[string]string{ExecutionNamespaceKey: "elsewhere", CooldownPeriodKey: "2m"}))
	want := Defaults()
	want.ExecutionNamespace = "runs"
	want.CooldownPeriod = 2 * time.Minute
	if diff := cmp.Diff(want, s.Load().WorkflowExecution); diff != "" {
		t.Errorf("Load() after a live change of %s (-want, +got):\n%s", ExecutionNamespaceKey, diff)
	}
	logged := logger.take()
	if len(logged) != 1 || !strings.Contains(logged[0], ExecutionNamespaceKey) ||
		!strings.Contains(logged[0], `"elsewhere"`) || !strings.Contains(logged[0], "restart") {
		t.Errorf("logged %q, want one line naming %s, the new value and the restart", logged, ExecutionNamespaceKey)
	}

	// Removing the key means the default, which is not the pinned one either.
	s.OnConfigChanged(configMap(nil))
	if got := s.Load().WorkflowExecution.ExecutionNamespace; got != "runs" {
		t.Errorf("after removing the key: ExecutionNamespace = %q, want the pinned %q", got, "runs")
	}
}
