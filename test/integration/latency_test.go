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
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/metrics"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// latencyTolerance is how far the controller's latency histograms may be
// from what an external watch measures (mean over the executions).
const latencyTolerance = 50 * time.Millisecond

// moments records when this test's own watches delivered the moments the
// latency histograms measure, per execution name.
type moments struct {
	mu          sync.Mutex
	created     map[string]time.Time // execution ADDED
	runCreated  map[string]time.Time // its PipelineRun ADDED
	runFinished map[string]time.Time // its PipelineRun first seen finished
	terminal    map[string]time.Time // execution first seen terminal
}

func (m *moments) first(at map[string]time.Time, name string, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := at[name]; !ok {
		at[name] = t
	}
}

// watchMoments watches the executions of ns and their PipelineRuns.
func watchMoments(t *testing.T, ns string) *moments {
	t.Helper()
	m := &moments{created: map[string]time.Time{}, runCreated: map[string]time.Time{},
		runFinished: map[string]time.Time{}, terminal: map[string]time.Time{}}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	wfes, err := env.WFE.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watching executions: %v", err)
	}
	prs, err := env.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace).Watch(ctx, metav1.ListOptions{
		LabelSelector: workflowexecution.SourceNamespaceLabelKey + "=" + ns,
	})
	if err != nil {
		t.Fatalf("watching PipelineRuns: %v", err)
	}
	t.Cleanup(wfes.Stop)
	t.Cleanup(prs.Stop)
	go func() {
		for ev := range wfes.ResultChan() {
			at := time.Now()
			w, ok := ev.Object.(*v1alpha1.WorkflowExecution)
			if !ok {
				continue
			}
			switch {
			case ev.Type == watch.Added:
				m.first(m.created, w.Name, at)
			case ev.Type == watch.Modified && w.Status.IsDone():
				m.first(m.terminal, w.Name, at)
			}
		}
	}()
	go func() {
		for ev := range prs.ResultChan() {
			at := time.Now()
			pr, ok := ev.Object.(*pipelinev1.PipelineRun)
			if !ok {
				continue
			}
			owner := resources.OwnerOf(pr).Name
			switch {
			case ev.Type == watch.Added:
				m.first(m.runCreated, owner, at)
			case ev.Type == watch.Modified && pr.IsDone():
				m.first(m.runFinished, owner, at)
			}
		}
	}()
	return m
}

// mean is the mean of to[name] - from[name] over names.
func (m *moments) mean(t *testing.T, what string, from, to map[string]time.Time, names []string) time.Duration {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	var sum time.Duration
	for _, n := range names {
		a, okA := from[n]
		b, okB := to[n]
		if !okA || !okB {
			t.Fatalf("%s of %s: the watch missed a moment", what, n)
		}
		sum += b.Sub(a)
	}
	return sum / time.Duration(len(names))
}

// histogram returns a histogram's sum and count (0, 0 when absent).
func histogram(fams map[string]*dto.MetricFamily, name string) (float64, uint64) {
	fam, ok := fams[name]
	if !ok {
		return 0, 0
	}
	var sum float64
	var n uint64
	for _, metric := range fam.GetMetric() {
		if h := metric.GetHistogram(); h != nil {
			sum += h.GetSampleSum()
			n += h.GetSampleCount()
		}
	}
	return sum, n
}

// TestLatencyHistogramsAgreeWithAWatch: the creation and status-sync
// histograms measure, with sub-second precision, what a client watching
// the API server sees: execution ADDED → its PipelineRun ADDED, and
// PipelineRun finished → execution terminal. Over N executions, each
// histogram's mean (sum/count of the executions' samples) is within 50 ms
// of the watch's mean. With API timestamps (one-second precision) both
// histograms read about 0.5 s on average while the real latency is a few
// milliseconds.
func TestLatencyHistogramsAgreeWithAWatch(t *testing.T) {
	checkInvariant(t)
	const n = 20
	ns := env.Namespace(t, "latency")
	m := watchMoments(t, ns)
	before := scrape(t, env.Controller)
	var names []string
	for i := 0; i < n; i++ {
		target := env.Target(ns, "Deployment")
		w := env.Create(t, framework.NewWFE(ns, fmt.Sprintf("lat-%02d", i), target, "restart", image))
		names = append(names, w.Name)
		env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
		env.FinishPipelineRun(t, prName(t, target), corev1.ConditionTrue, "Succeeded", "done")
		env.WaitFor(t, ns, w.Name, "terminal", waitLong, func(w *v1alpha1.WorkflowExecution) bool { return w.Status.IsDone() })
	}
	// The controller records a transition right after its status write
	// returns, which may be just after this test saw the status: wait
	// (bounded) for the last samples.
	after := scrapeUntil(t, func(after map[string]*dto.MetricFamily) bool {
		for _, name := range []string{metrics.PipelineRunCreationDurationName, metrics.StatusSyncDurationName} {
			_, n0 := histogram(before, name)
			if _, n1 := histogram(after, name); n1-n0 < n {
				return false
			}
		}
		return true
	})

	for _, c := range []struct {
		metric   string
		from, to map[string]time.Time
	}{
		{metrics.PipelineRunCreationDurationName, m.created, m.runCreated},
		{metrics.StatusSyncDurationName, m.runFinished, m.terminal},
	} {
		sum0, n0 := histogram(before, c.metric)
		sum1, n1 := histogram(after, c.metric)
		if n1-n0 != n {
			t.Errorf("%s: %d samples for %d executions, want one each", c.metric, n1-n0, n)
			continue
		}
		hist := time.Duration((sum1 - sum0) / float64(n) * float64(time.Second))
		watched := m.mean(t, c.metric, c.from, c.to, names)
		diff := time.Duration(math.Abs(float64(hist - watched)))
		t.Logf("%s over %d executions: histogram mean %v, watch mean %v, difference %v",
			c.metric, n, hist.Round(10*time.Microsecond), watched.Round(10*time.Microsecond), diff.Round(10*time.Microsecond))
		if diff > latencyTolerance {
			t.Errorf("%s: histogram mean %v, watch mean %v: %v apart, want ≤ %v", c.metric, hist, watched, diff, latencyTolerance)
		}
	}
}

// scrapeUntil scrapes the controller's metrics until done says they are
// complete, for at most 5 s, and returns the last scrape.
func scrapeUntil(t *testing.T, done func(map[string]*dto.MetricFamily) bool) map[string]*dto.MetricFamily {
	t.Helper()
	var m map[string]*dto.MetricFamily
	_ = wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		m = scrape(t, env.Controller)
		return done(m), nil
	})
	return m
}
