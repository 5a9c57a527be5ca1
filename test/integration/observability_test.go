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
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/pkg/audit"
	wfeclient "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// receiver is a real audit sink on loopback: it records every event it
// accepts and answers with a status the test sets.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	status int
	events []audit.Event
	bodies []string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{status: http.StatusOK}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if req.URL.Path != "/api/v1/audit/events/batch" {
			http.NotFound(w, req)
			return
		}
		if r.status != http.StatusOK {
			w.WriteHeader(r.status)
			return
		}
		var batch []audit.Event
		if err := json.Unmarshal(body, &batch); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.events = append(r.events, batch...)
		r.bodies = append(r.bodies, string(body))
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) setStatus(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = code
}

// byResource returns the distinct event types received for ns/name, and
// fails if two copies of one event_id differ.
func (r *receiver) byResource(t *testing.T, resourceID string) []string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]audit.Event{}
	for _, e := range r.events {
		if e.ResourceID != resourceID {
			continue
		}
		if prev, ok := seen[e.EventID]; ok && prev.EventType != e.EventType {
			t.Errorf("event_id %s reused for %s and %s", e.EventID, prev.EventType, e.EventType)
		}
		seen[e.EventID] = e
	}
	var out []string
	for _, e := range seen {
		out = append(out, string(e.EventType))
	}
	sort.Strings(out)
	return out
}

func (r *receiver) waitFor(t *testing.T, resourceID string, want ...audit.EventType) {
	t.Helper()
	var got []string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, waitLong, true, func(context.Context) (bool, error) {
		got = r.byResource(t, resourceID)
		for _, w := range want {
			if !contains(got, string(w)) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("audit events of %s = %v, want %v", resourceID, got, want)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestAuditTrailLosesNothing(t *testing.T) {
	rcv := newReceiver(t)
	useConfig(t, map[string]string{"cooldown-period": "0s", "audit-sink-url": rcv.srv.URL, "audit-drain-timeout": "1s"})
	checkInvariant(t)
	ns := env.Namespace(t, "audit")
	secret := "hunter2-s3cr3t-value"

	// Completed, Failed and Skipped, with a secret-looking parameter.
	target := env.Target(ns, "Deployment")
	ok := env.Create(t, framework.NewWFE(ns, "ok", target, "restart", image, func(w *v1alpha1.WorkflowExecution) {
		w.Spec.Parameters = map[string]string{"DB_PASSWORD": secret}
	}))
	env.WaitForPhase(t, ns, ok.Name, v1alpha1.PhaseRunning, waitLong)
	skipped := env.Create(t, framework.NewWFE(ns, "skipped", target, "scale", image))
	env.WaitForPhase(t, ns, skipped.Name, v1alpha1.PhaseSkipped, waitLong)
	env.FinishPipelineRun(t, prName(t, target), corev1.ConditionTrue, "Succeeded", "done")
	env.WaitForPhase(t, ns, ok.Name, v1alpha1.PhaseCompleted, waitLong)

	rcv.waitFor(t, ns+"/ok", audit.EventTypeStarted, audit.EventTypeCompleted)
	rcv.waitFor(t, ns+"/skipped", audit.EventTypeSkipped)
	// Delivery is recorded in the status.
	env.WaitFor(t, ns, ok.Name, "audit recorded", waitLong, func(w *v1alpha1.WorkflowExecution) bool {
		return w.Status.IsAuditDelivered(string(audit.EventTypeCompleted)) && w.Status.IsAuditDelivered(string(audit.EventTypeStarted))
	})

	// The sink goes down: nothing is lost, even across a controller restart.
	rcv.setStatus(http.StatusServiceUnavailable)
	failedTarget := env.Target(ns, "Deployment")
	failed := env.Create(t, framework.NewWFE(ns, "failed", failedTarget, "restart", image))
	env.WaitForPhase(t, ns, failed.Name, v1alpha1.PhaseRunning, waitLong)
	env.FinishPipelineRun(t, prName(t, failedTarget), corev1.ConditionFalse, "Failed", "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0")
	env.WaitForPhase(t, ns, failed.Name, v1alpha1.PhaseFailed, waitLong)
	if err := env.Controller.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := env.Controller.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	rcv.setStatus(http.StatusOK)
	rcv.waitFor(t, ns+"/failed", audit.EventTypeStarted, audit.EventTypeFailed)

	// No parameter value reaches the sink, the events or the logs.
	rcv.mu.Lock()
	for _, b := range rcv.bodies {
		if strings.Contains(b, secret) {
			t.Errorf("a parameter value reached the audit sink: %s", b)
		}
	}
	for _, e := range rcv.events {
		if e.ResourceID == ns+"/ok" && e.EventType == audit.EventTypeStarted && !contains(e.EventData.ParameterNames, "DB_PASSWORD") {
			t.Errorf("parameter names missing from the started event: %+v", e.EventData)
		}
	}
	rcv.mu.Unlock()
	if strings.Contains(env.Controller.Logs(), secret) {
		t.Error("a parameter value reached the controller's logs")
	}
	if strings.Contains(lastRun(env.Controller.Logs()), "audit disabled") {
		t.Error("a controller configured with an audit sink logged 'audit disabled'")
	}
}

func TestAuditRejectedIsNotRetriedForever(t *testing.T) {
	rcv := newReceiver(t)
	rcv.setStatus(http.StatusBadRequest)
	useConfig(t, map[string]string{"cooldown-period": "0s", "audit-sink-url": rcv.srv.URL})
	ns := env.Namespace(t, "audit-reject")
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "rejected", target, "restart", image))
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	env.FinishPipelineRun(t, prName(t, target), corev1.ConditionTrue, "Succeeded", "done")
	// A rejected event counts as handled: it is recorded and counted, not resent.
	env.WaitFor(t, ns, w.Name, "audit handled", waitLong, func(w *v1alpha1.WorkflowExecution) bool {
		return w.Status.IsAuditDelivered(string(audit.EventTypeCompleted))
	})
	m := scrape(t, env.Controller)
	if v := value(m, "workflowexecution_audit_events_total", map[string]string{"result": "rejected"}); v < 2 {
		t.Errorf("audit_events_total{result=rejected} = %v, want >= 2", v)
	}
}

func TestMetricsAfterAKnownSequence(t *testing.T) {
	useConfig(t, map[string]string{"cooldown-period": "1h"})
	checkInvariant(t)
	ns := env.Namespace(t, "metrics")
	locksBefore := value(scrape(t, env.Controller), "workflowexecution_locks_held", nil)
	for i, outcome := range []corev1.ConditionStatus{corev1.ConditionTrue, corev1.ConditionTrue, corev1.ConditionFalse} {
		target := env.Target(ns, "Deployment")
		w := env.Create(t, framework.NewWFE(ns, fmt.Sprintf("m-%d", i), target, "restart", image))
		env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
		if i == 0 {
			busy := env.Create(t, framework.NewWFE(ns, "busy", target, "scale", image))
			env.WaitForPhase(t, ns, busy.Name, v1alpha1.PhaseSkipped, waitLong)
		}
		env.FinishPipelineRun(t, prName(t, target), outcome, "Succeeded", "done")
		env.WaitFor(t, ns, w.Name, "terminal", waitLong, func(w *v1alpha1.WorkflowExecution) bool { return w.Status.IsDone() })
	}
	if n := strings.Count(lastRun(env.Controller.Logs()), "audit disabled: audit-sink-url is empty"); n != 1 {
		t.Errorf("a controller without an audit sink logged 'audit disabled' %d times, want once", n)
	}
	// Transitions are recorded once their status write returns: the last
	// one may land just after the test saw the status.
	m := framework.ScrapeUntil(t, env.Controller, func(m map[string]*dto.MetricFamily) bool {
		return value(m, "workflowexecution_total", map[string]string{"outcome": "Failed"}) >= 1
	})
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"workflowexecution_total", map[string]string{"outcome": "Completed"}, 2},
		{"workflowexecution_total", map[string]string{"outcome": "Failed"}, 1},
		{"workflowexecution_total", map[string]string{"outcome": "Skipped"}, 1},
		{"workflowexecution_skip_total", map[string]string{"reason": "ResourceBusy"}, 1},
		{"workflowexecution_pipelinerun_creation_total", map[string]string{"result": "success"}, 3},
		{"workflowexecution_phase_transitions_total", map[string]string{"phase": "Running"}, 3},
		{"workflowexecution_locks_held", nil, locksBefore + 3},
		{"workflowexecution_status_sync_duration_seconds", nil, 3},
		{"workflowexecution_pipelinerun_creation_duration_seconds", nil, 3},
		{"workflowexecution_duration_seconds", map[string]string{"outcome": "Completed"}, 2},
	} {
		if got := value(m, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// No per-workflow or per-target labels anywhere.
	buildInfoLabels := map[string]bool{"version": true, "commit": true, "go_version": true}
	allowed := map[string]bool{"outcome": true, "phase": true, "reason": true, "result": true,
		"otel_scope_name": true, "otel_scope_version": true, "otel_scope_schema_url": true, "le": true}
	for name, fam := range m {
		if !strings.HasPrefix(name, "workflowexecution_") {
			continue
		}
		for _, metric := range fam.GetMetric() {
			for _, l := range metric.GetLabel() {
				if !allowed[l.GetName()] && !(name == "workflowexecution_build_info" && buildInfoLabels[l.GetName()]) {
					t.Errorf("metric %s has label %s", name, l.GetName())
				}
			}
		}
	}
	if _, ok := m["workflowexecution_audit_pending"]; !ok {
		t.Error("workflowexecution_audit_pending is not exported")
	}
}

func TestProbes(t *testing.T) {
	for _, url := range []string{env.Controller.HealthzURL(), env.Controller.ReadyzURL()} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", url, resp.StatusCode)
		}
	}
}

func TestControllerRefusesToStartWithoutTekton(t *testing.T) {
	c := rig.StartForTest(t, rig.Options{Tier: rig.Integration, SkipTektonCRDs: true})
	ctl := c.StartController(t, rig.ControllerOptions{Name: "no-tekton", Args: []string{"--disable-ha"}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code, err := ctl.Wait(ctx)
	if err != nil {
		t.Fatalf("the controller kept running without Tekton: %v", err)
	}
	if code == 0 {
		t.Error("the controller exited 0 without Tekton")
	}
	if logs := ctl.Logs(); !strings.Contains(logs, "Tekton Pipelines") || !strings.Contains(logs, "pipelineruns.tekton.dev") {
		t.Errorf("the exit message does not name Tekton's missing API:\n%s", logs)
	}
}

// scrape reads the controller's metrics.
var scrape = framework.Scrape

// value returns a counter's or gauge's value, or a histogram's count, for
// the series with these labels (summed over the other labels).
func value(m map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	fam, ok := m[name]
	if !ok {
		return -1
	}
	var sum float64
	for _, metric := range fam.GetMetric() {
		match := true
		for k, v := range labels {
			found := false
			for _, l := range metric.GetLabel() {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch {
		case metric.Counter != nil:
			sum += metric.GetCounter().GetValue()
		case metric.Gauge != nil:
			sum += metric.GetGauge().GetValue()
		case metric.Histogram != nil:
			sum += float64(metric.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

func TestControllerStartsWithDefaultsWithoutItsConfigMap(t *testing.T) {
	c := rig.StartForTest(t, rig.Options{Tier: rig.Integration})
	ctx := context.Background()
	if err := c.Kube.CoreV1().ConfigMaps(rig.SystemNamespace).Delete(ctx, "config-workflowexecution", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ctl := c.StartController(t, rig.ControllerOptions{Name: "no-config", Args: []string{"--disable-ha"}})
	if err := ctl.WaitReady(ctx); err != nil {
		t.Fatalf("the controller did not start without config-workflowexecution: %v", err)
	}
	wfes := wfeclient.NewForConfigOrDie(c.RESTConfig).WorkflowexecutionV1alpha1().WorkflowExecutions("default")
	w := framework.NewWFE("default", "defaults", "default/Deployment/api", "restart", image)
	if _, err := wfes.Create(ctx, w, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, waitLong, true, func(ctx context.Context) (bool, error) {
		got, err := wfes.Get(ctx, w.Name, metav1.GetOptions{})
		return err == nil && got.Status.Phase == v1alpha1.PhaseRunning, nil
	})
	if err != nil {
		t.Fatalf("the execution did not run with the default configuration: %v\n%s", err, ctl.Logs())
	}
	pr, err := c.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace).Get(ctx, prName(t, w.Spec.TargetResource), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The defaults trust kubernaut-system only: elsewhere the namespace's
	// own runner, which the controller created.
	if sa := pr.Spec.TaskRunTemplate.ServiceAccountName; sa != config.TenantRunner(w.Namespace) {
		t.Errorf("serviceAccountName = %q, want the default for namespace %s, %s", sa, w.Namespace, config.TenantRunner(w.Namespace))
	}
}

func TestGracefulShutdownFlushesAudit(t *testing.T) {
	rcv := newReceiver(t)
	rcv.setStatus(http.StatusServiceUnavailable)
	useConfig(t, map[string]string{"cooldown-period": "0s", "audit-sink-url": rcv.srv.URL, "audit-drain-timeout": "10s"})
	ns := env.Namespace(t, "shutdown")
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "flush", target, "restart", image))
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
	env.FinishPipelineRun(t, prName(t, target), corev1.ConditionTrue, "Succeeded", "done")
	env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseCompleted, waitLong)
	// The sink has refused the events so far; it recovers just as the
	// controller is told to stop: the shutdown flush must deliver them.
	if got := rcv.byResource(t, ns+"/flush"); len(got) != 0 {
		t.Fatalf("events delivered while the sink was down: %v", got)
	}
	rcv.setStatus(http.StatusOK)
	start := time.Now()
	if err := env.Controller.Stop(); err != nil {
		t.Errorf("SIGTERM: the controller exited with %v, want 0", err)
	}
	took := time.Since(start)
	got := rcv.byResource(t, ns+"/flush")
	if !contains(got, string(audit.EventTypeStarted)) || !contains(got, string(audit.EventTypeCompleted)) {
		t.Errorf("events delivered by the shutdown flush = %v, want started and completed", got)
	}
	if took > 25*time.Second {
		t.Errorf("shutdown took %s, want it bounded", took)
	}
	t.Logf("graceful shutdown with a flush took %s", took.Round(time.Millisecond))
}

// lastRun returns the log of the controller's latest run (the rig writes a
// "=== rig:" line at each start).
func lastRun(logs string) string {
	if i := strings.LastIndex(logs, "=== rig:"); i >= 0 {
		return logs[i:]
	}
	return logs
}
