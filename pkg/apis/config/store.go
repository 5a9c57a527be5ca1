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
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/configmap"
	"knative.dev/pkg/observability"
	o11yconfigmap "knative.dev/pkg/observability/configmap"
	"knative.dev/pkg/system"
)

// Config holds the controller's typed configuration.
type Config struct {
	WorkflowExecution *WorkflowExecution
}

type cfgKey struct{}

// FromContext returns the Config stored in ctx, or nil.
func FromContext(ctx context.Context) *Config {
	c, _ := ctx.Value(cfgKey{}).(*Config)
	return c
}

// FromContextOrDefaults returns the Config stored in ctx, filling what is
// missing with defaults.
func FromContextOrDefaults(ctx context.Context) *Config {
	c := FromContext(ctx)
	if c == nil {
		return &Config{WorkflowExecution: Defaults()}
	}
	if c.WorkflowExecution == nil {
		return &Config{WorkflowExecution: Defaults()}
	}
	return c
}

// ToContext stores c in ctx.
func ToContext(ctx context.Context, c *Config) context.Context {
	return context.WithValue(ctx, cfgKey{}, c)
}

// Store is a typed wrapper around configmap.UntypedStore for the controller's
// ConfigMaps. A bad value is logged with its key and rejected: the key keeps
// its last good value (its default before any good value was seen), and the
// other keys of the same ConfigMap still apply.
type Store struct {
	*configmap.UntypedStore

	mu   sync.Mutex
	last *WorkflowExecution
	// executionNamespace, when set, overrides execution-namespace: see
	// PinExecutionNamespace.
	executionNamespace string
}

// NewStore creates a Store of config-workflowexecution
// (*WorkflowExecution) and config-observability (*observability.Config).
// onAfterStore runs after each accepted change, with the ConfigMap's name
// and its typed value (e.g. audit.Switch.OnStore, tracing.Provider.OnStore),
// as the hooks of Tekton's config store.
func NewStore(logger configmap.Logger, onAfterStore ...func(name string, value any)) *Store {
	s := &Store{last: Defaults()}
	s.UntypedStore = configmap.NewUntypedStore(
		"workflowexecution",
		logger,
		configmap.Constructors{
			ConfigName: func(cm *corev1.ConfigMap) (*WorkflowExecution, error) {
				s.mu.Lock()
				defer s.mu.Unlock()
				cfg, errs := parse(cm.Data, s.last)
				for _, err := range errs {
					logger.Errorf("Rejected a value of ConfigMap %s, keeping the previous one: %v", ConfigName, err)
				}
				s.last = cfg
				if s.executionNamespace != "" && cfg.ExecutionNamespace != s.executionNamespace {
					logger.Errorf("ConfigMap %s sets %s to %q: restart the controller to apply it; until then runs stay in %q",
						ConfigName, ExecutionNamespaceKey, cfg.ExecutionNamespace, s.executionNamespace)
					pinned := *cfg
					pinned.ExecutionNamespace = s.executionNamespace
					return &pinned, nil
				}
				return cfg, nil
			},
			o11yconfigmap.Name(): func(cm *corev1.ConfigMap) (*observability.Config, error) {
				return o11yconfigmap.Parse(cm)
			},
		},
		onAfterStore...,
	)
	return s
}

// WatchConfigs watches the store's ConfigMaps on w. A missing ConfigMap
// means its defaults: on a configmap.DefaultingWatcher (the informed
// watcher sharedmain passes, and the unit tests' watcher) each is watched
// with an empty default.
func (s *Store) WatchConfigs(w configmap.Watcher) {
	dw, defaulting := w.(configmap.DefaultingWatcher)
	for _, name := range []string{ConfigName, o11yconfigmap.Name()} {
		if defaulting {
			dw.WatchWithDefault(corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
				Name: name, Namespace: system.Namespace(),
			}}, s.OnConfigChanged)
		} else {
			w.Watch(name, s.OnConfigChanged)
		}
	}
}

// PinExecutionNamespace makes every configuration the store loads use ns
// as its execution namespace. The controller watches runs in the namespace
// it read at start; a later change of execution-namespace is logged as
// needing a restart. Call it before the ConfigMaps are watched.
func (s *Store) PinExecutionNamespace(ns string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.executionNamespace = ns
}

// ToContext stores the current configuration in ctx.
func (s *Store) ToContext(ctx context.Context) context.Context {
	return ToContext(ctx, s.Load())
}

// Load returns the current configuration.
func (s *Store) Load() *Config {
	cfg := &Config{WorkflowExecution: Defaults()}
	if w, ok := s.UntypedLoad(ConfigName).(*WorkflowExecution); ok && w != nil {
		cfg.WorkflowExecution = w
	} else {
		s.mu.Lock()
		if s.executionNamespace != "" {
			cfg.WorkflowExecution.ExecutionNamespace = s.executionNamespace
		}
		s.mu.Unlock()
	}
	return cfg
}
