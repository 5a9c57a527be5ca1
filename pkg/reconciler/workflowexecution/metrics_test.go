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

package workflowexecution

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	clientgotesting "k8s.io/client-go/testing"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/metrics"
)

// collected is one collection of the controller's metrics: counter values
// and histogram counts by "name{key=value}", gauges by name.
type collected map[string]int64

func collect(t *testing.T, reader *sdkmetric.ManualReader) collected {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect() = %v", err)
	}
	allowed := map[string]bool{metrics.OutcomeKey: true, metrics.PhaseKey: true, metrics.ReasonKey: true, metrics.ResultKey: true}
	out := collected{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != metrics.ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			key := func(attrs interface{ Len() int }, kv func() (string, string)) string {
				if attrs.Len() == 0 {
					return m.Name
				}
				k, v := kv()
				if !allowed[k] {
					t.Errorf("%s has the label %q: no per-workflow or per-target labels allowed", m.Name, k)
				}
				return m.Name + "{" + k + "=" + v + "}"
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					it := p.Attributes.Iter()
					out[key(&p.Attributes, func() (string, string) {
						it.Next()
						return string(it.Attribute().Key), it.Attribute().Value.Emit()
					})] += p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					it := p.Attributes.Iter()
					out[key(&p.Attributes, func() (string, string) {
						it.Next()
						return string(it.Attribute().Key), it.Attribute().Value.Emit()
					})] += int64(p.Count)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					out[m.Name] = p.Value
				}
			}
		}
	}
	return out
}

// TestMetricsPerTransition: each transition is counted once, with no
// per-workflow or per-target label (docs/design.md §6).
func TestMetricsPerTransition(t *testing.T) {
	tests := []struct {
		name string
		seed func(t *testing.T) seed
		want collected
	}{{
		name: "Pending → Running",
		seed: func(t *testing.T) seed { return objects(self(t, "")) },
		want: collected{
			"workflowexecution_phase_transitions_total{phase=Pending}":     1, // first seen
			"workflowexecution_pipelinerun_creation_total{result=success}": 1,
			"workflowexecution_pipelinerun_creation_duration_seconds":      1,
			"workflowexecution_phase_transitions_total{phase=Running}":     1,
			"workflowexecution_phase_duration_seconds{phase=Pending}":      1,
			"workflowexecution_locks_held":                                 0, // the cache still shows it Pending
			"workflowexecution_audit_pending":                              0,
		},
	}, {
		name: "Pending → Skipped",
		seed: func(t *testing.T) seed { return objects(self(t, ""), other(t, otherRunning)) },
		want: collected{
			"workflowexecution_phase_transitions_total{phase=Pending}": 1, // first seen
			"workflowexecution_skip_total{reason=ResourceBusy}":        1,
			"workflowexecution_total{outcome=Skipped}":                 1,
			"workflowexecution_duration_seconds{outcome=Skipped}":      1,
			"workflowexecution_phase_transitions_total{phase=Skipped}": 1,
			"workflowexecution_phase_duration_seconds{phase=Pending}":  1,
			"workflowexecution_locks_held":                             0, // the holder's run is not in the cache: no lock counted
			"workflowexecution_audit_pending":                          0,
		},
	}, {
		name: "Running → Completed",
		seed: func(t *testing.T) seed { return objects(self(t, statusRunning), ownPipelineRun(t, prSucceeded)) },
		want: collected{
			"workflowexecution_total{outcome=Completed}":                 1,
			"workflowexecution_duration_seconds{outcome=Completed}":      1,
			"workflowexecution_phase_transitions_total{phase=Completed}": 1,
			"workflowexecution_phase_duration_seconds{phase=Running}":    1,
			"workflowexecution_status_sync_duration_seconds":             1,
			"workflowexecution_locks_held":                               1,
			"workflowexecution_audit_pending":                            0,
		},
	}, {
		name: "Running → Failed",
		seed: recordedFailure,
		want: collected{
			"workflowexecution_total{outcome=Failed}":                 1,
			"workflowexecution_duration_seconds{outcome=Failed}":      1,
			"workflowexecution_phase_transitions_total{phase=Failed}": 1,
			"workflowexecution_phase_duration_seconds{phase=Running}": 1,
			"workflowexecution_status_sync_duration_seconds":          1,
			"workflowexecution_locks_held":                            1,
			"workflowexecution_audit_pending":                         0,
		},
	}, {
		name: "Pending → Failed (ConfigurationError)",
		seed: func(t *testing.T) seed {
			w := self(t, "")
			w.Spec.Parameters["TARGET_RESOURCE"] = "x"
			return objects(w)
		},
		want: collected{
			"workflowexecution_phase_transitions_total{phase=Pending}": 1, // first seen
			"workflowexecution_total{outcome=Failed}":                  1,
			"workflowexecution_duration_seconds{outcome=Failed}":       1,
			"workflowexecution_phase_transitions_total{phase=Failed}":  1,
			"workflowexecution_phase_duration_seconds{phase=Pending}":  1,
			"workflowexecution_locks_held":                             0,
			"workflowexecution_audit_pending":                          0,
		},
	}}
	for _, tc := range tests {
		for _, conflict := range []bool{false, true} {
			name := tc.name
			if conflict {
				name += ", first status write conflicts"
			}
			t.Run(name, func(t *testing.T) {
				testMetricsPerTransition(t, tc.seed, tc.want, conflict)
			})
		}
	}
}

// testMetricsPerTransition runs one case of TestMetricsPerTransition. With
// conflict, the first status write fails with a Conflict (another writer
// got there first) and the pass that retries on fresh data commits the
// transition: it must be counted once, not once per attempt.
func testMetricsPerTransition(t *testing.T, seedOf func(t *testing.T) seed, want collected, conflict bool) {
	reader := sdkmetric.NewManualReader()
	previous := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetMeterProvider(previous) })

	f := newFixture(t, seedOf(t))
	if conflict {
		f.wfes.PrependReactor("update", "workflowexecutions", func(action clientgotesting.Action) (bool, runtime.Object, error) {
			if action.GetSubresource() != "status" {
				return false, nil, nil
			}
			return true, nil, apierrors.NewConflict(v1alpha1.Resource("workflowexecutions"), selfName, errors.New("the object has been modified"))
		})
		if err := f.reconcile(selfKey); err == nil {
			t.Fatal("Reconcile() = nil, want the conflict")
		}
		// The create itself happened (its attempt is counted where it is
		// made), and the lock gauge reads the cache; no transition happened.
		for k, v := range collect(t, reader) {
			if v != 0 && !strings.HasPrefix(k, "workflowexecution_pipelinerun_creation_") && k != "workflowexecution_locks_held" {
				t.Errorf("%s = %d after a pass whose status write failed, want 0", k, v)
			}
		}
		f.wfes.ReactionChain = f.wfes.ReactionChain[1:]
		f.sync()
	}
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("Reconcile() = %v", err)
	}
	if diff := cmp.Diff(want, collect(t, reader)); diff != "" {
		t.Errorf("metrics after the transition (-want, +got):\n%s", diff)
	}
	// Reconciling the unchanged world again counts nothing more.
	f.sync()
	if err := f.reconcile(selfKey); reconcileFailed(err) {
		t.Fatalf("second Reconcile() = %v", err)
	}
	got := collect(t, reader)
	for k, v := range want {
		if k == "workflowexecution_locks_held" {
			continue // the cache changed
		}
		if got[k] != v {
			t.Errorf("%s = %d after a second reconcile, want %d", k, got[k], v)
		}
	}
}
