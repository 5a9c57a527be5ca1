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

// runtimeMem is the Go runtime's view of the controller's memory, from its
// /metrics (the Prometheus Go collector of knative's metrics server).
type runtimeMem struct {
	heapInuse  float64 // go_memstats_heap_inuse_bytes: live objects and not yet swept garbage
	heapGoal   float64 // go_memstats_next_gc_bytes: the next GC's target, about 2× the live heap at GOGC=100
	goroutines float64
}

func (m *controllerMetrics) runtimeMem() runtimeMem {
	return runtimeMem{
		heapInuse:  m.sum("go_memstats_heap_inuse_bytes", false),
		heapGoal:   m.sum("go_memstats_next_gc_bytes", false),
		goroutines: m.sum("go_goroutines", false),
	}
}

// fetchProfile saves what the controller's pprof server returns for path
// (e.g. "heap?gc=1") as file in the run directory and returns its path.
func (b *bench) fetchProfile(ctx context.Context, ctl *rig.Controller, path, file string) (string, error) {
	url := fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/%s", ctl.ProfilingPort, path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", url, resp.Status)
	}
	out := filepath.Join(filepath.Dir(b.c.LogPath("etcd")), file)
	f, err := os.Create(out)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return out, err
}

// pprofTop runs go tool pprof -top with args on the controller's binary and
// a profile.
func (b *bench) pprofTop(ctx context.Context, ctl *rig.Controller, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"tool", "pprof", "-top"}, args...)...)
	cmd.Dir = b.c.RepoRoot
	out, err := cmd.Output()
	return string(out), err
}

// profile captures a CPU profile of the controller for d (-pprof) and
// returns the top functions by cumulative and flat time.
func (b *bench) profile(ctx context.Context, ctl *rig.Controller, id string, d time.Duration) string {
	path, err := b.fetchProfile(ctx, ctl, fmt.Sprintf("profile?seconds=%d", int(d.Seconds())), "cpu-"+id+".pprof")
	if err != nil {
		b.logf("%s: profiling the controller: %v", id, err)
		return ""
	}
	var out strings.Builder
	for _, mode := range []string{"-cum", "-flat"} {
		top, err := b.pprofTop(ctx, ctl, mode, "-nodecount=25", ctl.Binary, path)
		if err != nil {
			b.logf("%s: go tool pprof: %v", id, err)
			return ""
		}
		out.WriteString(top)
		out.WriteString("\n")
	}
	b.logf("%s: CPU profile in %s", id, path)
	return out.String()
}

// heapProfile saves the controller's heap profile, taken right after a
// forced GC (so in-use is the live heap), as heap-<id>-<name>.pprof and
// returns its path ("" on failure).
func (b *bench) heapProfile(ctx context.Context, ctl *rig.Controller, id, name string) string {
	path, err := b.fetchProfile(ctx, ctl, "heap?gc=1", "heap-"+id+"-"+name+".pprof")
	if err != nil {
		b.logf("%s: heap profile (%s): %v", id, name, err)
		return ""
	}
	b.logf("%s: heap profile (%s) in %s", id, name, path)
	return path
}

// heapGrowth compares two heap profiles: the in-use totals of each, then
// the in-use space of late minus early (pprof -base), by flat and by
// cumulative size.
func (b *bench) heapGrowth(ctx context.Context, ctl *rig.Controller, id, early, late string) string {
	if early == "" || late == "" {
		return ""
	}
	var out strings.Builder
	for _, p := range []struct{ name, path string }{{"early", early}, {"late", late}} {
		top, err := b.pprofTop(ctx, ctl, "-sample_index=inuse_space", "-nodecount=1", ctl.Binary, p.path)
		if err != nil {
			b.logf("%s: go tool pprof: %v", id, err)
			return ""
		}
		fmt.Fprintf(&out, "in use after GC, %s profile (%s): %s\n", p.name, filepath.Base(p.path), pprofTotal(top))
	}
	out.WriteString("\n")
	for _, mode := range []string{"-flat", "-cum"} {
		top, err := b.pprofTop(ctx, ctl, "-sample_index=inuse_space", mode, "-nodecount=25", "-base", early, ctl.Binary, late)
		if err != nil {
			b.logf("%s: go tool pprof: %v", id, err)
			return ""
		}
		out.WriteString(top)
		out.WriteString("\n")
	}
	return out.String()
}

// pprofTotal extracts the profile's total ("17.52MB") from the header of
// go tool pprof -top.
func pprofTotal(top string) string {
	for _, line := range strings.Split(top, "\n") {
		if _, rest, ok := strings.Cut(line, " of "); ok && strings.HasPrefix(line, "Showing nodes accounting for") {
			if total, ok := strings.CutSuffix(strings.TrimSpace(rest), " total"); ok {
				return total
			}
		}
	}
	return "?"
}
