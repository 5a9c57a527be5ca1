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

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"kubernaut.ai/workflowexecution/test/rig"
)

// controllerMetrics is what the controller's own /metrics says about a
// scenario.
type controllerMetrics struct {
	families map[string]*dto.MetricFamily
	path     string // where the raw exposition was saved
}

// scrapeController reads the controller's /metrics and saves it next to
// the rig's logs.
func (b *bench) scrapeController(ctx context.Context, ctl *rig.Controller, id string) *controllerMetrics {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ctl.MetricsURL(), nil)
	if err != nil {
		return nil
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.logf("%s: reading the controller's metrics: %v", id, err)
		return nil
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil
	}
	m := &controllerMetrics{}
	if id != "" {
		m.path = filepath.Join(filepath.Dir(b.c.LogPath("etcd")), "metrics-"+id+".txt")
		_ = os.WriteFile(m.path, raw, 0o644)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	if m.families, err = parser.TextToMetricFamilies(bytes.NewReader(raw)); err != nil {
		b.logf("%s: parsing the controller's metrics: %v", id, err)
	}
	return m
}

// sum adds up a counter's or gauge's series, or a histogram's sums (or
// counts, with count), over every label set.
func (m *controllerMetrics) sum(name string, count bool) float64 {
	return m.sumWhere(name, count, nil)
}

// sumWhere is sum over the series whose labels keep accepts.
func (m *controllerMetrics) sumWhere(name string, count bool, keep func(labels map[string]string) bool) float64 {
	if m == nil {
		return 0
	}
	f := m.families[name]
	if f == nil {
		return 0
	}
	var v float64
	for _, s := range f.GetMetric() {
		if keep != nil {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if !keep(labels) {
				continue
			}
		}
		switch {
		case s.Counter != nil:
			v += s.GetCounter().GetValue()
		case s.Gauge != nil:
			v += s.GetGauge().GetValue()
		case s.Histogram != nil && count:
			v += float64(s.GetHistogram().GetSampleCount())
		case s.Histogram != nil:
			v += s.GetHistogram().GetSampleSum()
		}
	}
	return v
}

// queueStats is the work queue's activity between two scrapes.
type queueStats struct {
	reconciles          float64 // items processed
	processSum, waitSum float64 // seconds
	waitCount           float64
	heapInuse           float64 // bytes, at the end
	clientSum           float64 // seconds spent in API calls but events
}

func queueDelta(before, after *controllerMetrics) queueStats {
	const proc, wait = "kn_workqueue_process_duration_seconds", "kn_workqueue_queue_duration_seconds"
	const client = "http_client_request_duration_seconds"
	// Events are sent by the broadcaster's goroutine, not by the workers.
	notEvents := func(l map[string]string) bool { return !strings.HasSuffix(l["url_template"], "/events") }
	return queueStats{
		reconciles: after.sum(proc, true) - before.sum(proc, true),
		processSum: after.sum(proc, false) - before.sum(proc, false),
		waitSum:    after.sum(wait, false) - before.sum(wait, false),
		waitCount:  after.sum(wait, true) - before.sum(wait, true),
		heapInuse:  after.sum("go_memstats_heap_inuse_bytes", false),
		clientSum:  after.sumWhere(client, false, notEvents) - before.sumWhere(client, false, notEvents),
	}
}

// profile captures a CPU profile of the controller for d (-pprof) and
// returns the top functions by cumulative and flat time.
func (b *bench) profile(ctx context.Context, ctl *rig.Controller, id string, d time.Duration) string {
	url := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", ctl.ProfilingPort, int(d.Seconds()))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.logf("%s: profiling the controller: %v", id, err)
		return ""
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.logf("%s: profiling the controller: %s", id, resp.Status)
		return ""
	}
	path := filepath.Join(filepath.Dir(b.c.LogPath("etcd")), "cpu-"+id+".pprof")
	f, err := os.Create(path)
	if err != nil {
		return ""
	}
	_, err = io.Copy(f, resp.Body)
	f.Close()
	if err != nil {
		return ""
	}
	var out strings.Builder
	for _, mode := range []string{"-cum", "-flat"} {
		cmd := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", mode, "-nodecount=25", ctl.Binary, path)
		cmd.Dir = b.c.RepoRoot
		top, err := cmd.Output()
		if err != nil {
			b.logf("%s: go tool pprof: %v", id, err)
			return ""
		}
		out.Write(top)
		out.WriteString("\n")
	}
	b.logf("%s: CPU profile in %s", id, path)
	return out.String()
}
