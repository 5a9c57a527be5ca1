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
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"kubernaut.ai/workflowexecution/test/rig"
)

// table is a Markdown table.
type table struct {
	head []string
	rows [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	width := make([]int, len(t.head))
	for i, h := range t.head {
		width[i] = len([]rune(h))
	}
	for _, r := range t.rows {
		for i, c := range r {
			if i < len(width) && len([]rune(c)) > width[i] {
				width[i] = len([]rune(c))
			}
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i := range width {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			b.WriteString(" " + c + strings.Repeat(" ", width[i]-len([]rune(c))) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(t.head)
	sep := make([]string, len(width))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, r := range t.rows {
		line(r)
	}
	fmt.Fprintln(w)
}

// machine describes where the benchmark ran.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) >= 2 && f[0] == "MemTotal:" {
				var kb int64
				fmt.Sscan(f[1], &kb)
				mem = fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s)%s, %s/%s, %s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// loadavg returns the 1/5/15-minute load averages.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func (b *bench) find(id string) *result {
	for _, r := range b.results {
		if r.sc.ID == id {
			return r
		}
	}
	return nil
}

func perExec(d time.Duration, n int) string {
	if n <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)/float64(n))
}

func rate(v float64) string {
	if v <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f", v)
}

func outcomes(r *result) string {
	s := fmt.Sprintf("%d ok", r.completed)
	for _, p := range []struct {
		n    int
		name string
	}{{r.failed, "failed"}, {r.skipped, "skipped"}, {r.incomplete, "unfinished"}, {r.createErrors, "create errors"}, {r.standinErrs, "harness errors"}} {
		if p.n > 0 {
			s += fmt.Sprintf(", %d %s", p.n, p.name)
		}
	}
	if r.stalled {
		s += ", STALLED"
	}
	return s
}

// report writes every table.
func (b *bench) report(w io.Writer, started time.Time, loadStart string) {
	o := b.opts
	fmt.Fprintf(w, "# WorkflowExecution controller benchmark\n\n")
	fmt.Fprintf(w, "- date: %s, duration %s\n", started.UTC().Format(time.RFC3339), time.Since(started).Round(time.Second))
	fmt.Fprintf(w, "- machine: %s; load average at start %s, at end %s\n", machine(), loadStart, loadavg())
	if o.Scenarios["tekton"] {
		fmt.Fprintf(w, "- stack: rig E2E tier (etcd, kube-apiserver %s, scheduler, controller-manager, KWOK, the real Tekton controller and resolvers, in-process OCI registry); controller %q as its ServiceAccount; config cooldown-period=0s; no stand-in, no floor\n", rig.KubernetesVersion, strings.Join(o.ControllerArgs, " "))
		fmt.Fprintf(w, "- controller source: %s\n", b.source)
		fmt.Fprintf(w, "- workload: N=%d executions over M=%d targets at %s WFE/s; one-task Pipeline bundle %s, task pods run %s (KWOK)\n\n",
			o.TektonN, o.TektonM, rate(o.TektonRate), b.bundleImage, o.TektonDelay)
	} else {
		fmt.Fprintf(w, "- stack: rig integration tier (etcd + kube-apiserver %s on loopback); controller %q as its ServiceAccount, fresh per scenario; config cooldown-period=0s\n", rig.KubernetesVersion, strings.Join(o.ControllerArgs, " "))
		fmt.Fprintf(w, "- controller source: %s\n", b.source)
		fmt.Fprintf(w, "- workload: N=%d executions over M=%d targets per steady scenario, rates %v WFE/s, burst %d, stand-in delay %s, quick=%v\n\n",
			o.N, o.M, o.Rates, o.Burst, o.Delay, o.Quick)
	}
	if b.sink != nil {
		events := b.sink.Events()
		ids := map[string]bool{}
		for _, e := range events {
			ids[e.EventID] = true
		}
		fmt.Fprintf(w, "- audit trail: on, to a loopback receiver (datastorage format): %d events in %d requests, %d distinct event ids\n\n",
			len(events), b.sink.Requests(), len(ids))
	}

	b.latencyTable(w)
	b.costTable(w)
	b.queueTable(w)
	b.apiTable(w)
	b.auditTables(w)
	b.profiles(w)
	b.scaleTable(w)
	b.targetsTable(w)
	b.soakSeries(w)
	b.retentionSeries(w)
}

func (b *bench) latencyTable(w io.Writer) {
	fmt.Fprintln(w, "## Latency (ms) and throughput")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "(a) WFE create returned → PipelineRun ADDED on the harness's watch; (b) stand-in's PipelineRun status update returned → WFE terminal on the harness's watch. ×floor compares p99 (and p50) with the floor of the same arrival pattern.")
	if b.opts.Scenarios["tekton"] {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "ctl-tekton has no stand-in and no floor: (b) starts when the harness's PipelineRun watch first sees Succeeded True/False written by the real Tekton controller.")
		if r := b.find("ctl-tekton"); r != nil {
			fmt.Fprintf(w, "Tekton and KWOK (PipelineRun ADDED → Succeeded seen, %d runs): p50 %s, p95 %s, max %s ms. Each target holds its lock that long, so created/s falls below offered/s once M / (that time) < the rate; the driver waited for a free target %d times.\n",
				r.tektonRun.N, ms(r.tektonRun.P50), ms(r.tektonRun.P95), ms(r.tektonRun.Max), r.starved)
		}
	}
	fmt.Fprintln(w)
	t := &table{head: []string{"scenario", "N", "offered/s", "created/s", "ended/s",
		"(a) p50", "p95", "p99", "max", "(a) p50 / p99 ×floor",
		"(b) p50", "p95", "p99", "max", "(b) p50 / p99 ×floor", "outcomes"}}
	for _, r := range b.results {
		offered := "burst"
		if r.sc.Rate > 0 {
			offered = rate(r.sc.Rate)
		}
		ra, rb := "", ""
		if f := b.find(r.sc.Floor); f != nil && r.sc.Mode == modeController {
			ra = ratio(r.createToPR.P50, f.createToPR.P50) + " / " + ratio(r.createToPR.P99, f.createToPR.P99)
			rb = ratio(r.doneToTerminal.P50, f.doneToTerminal.P50) + " / " + ratio(r.doneToTerminal.P99, f.doneToTerminal.P99)
		}
		t.add(r.sc.ID, fmt.Sprint(r.issued), offered, rate(r.createRate), rate(r.throughput),
			ms(r.createToPR.P50), ms(r.createToPR.P95), ms(r.createToPR.P99), ms(r.createToPR.Max), ra,
			ms(r.doneToTerminal.P50), ms(r.doneToTerminal.P95), ms(r.doneToTerminal.P99), ms(r.doneToTerminal.Max), rb,
			outcomes(r))
	}
	t.write(w)
}

func (b *bench) costTable(w io.Writer) {
	fmt.Fprintln(w, "## Cost per execution")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "CPU from /proc/<pid>/stat (utime+stime) over the window; peak RSS is the controller's VmHWM (fresh process per scenario). WFE writes are the execution's resourceVersion changes seen on the watch (creation excluded): to terminal, then after it (lock release). API requests are the API server's apiserver_request_total for workflowexecutions, pipelineruns, taskruns and events, minus the harness's own requests (counted client-side), WATCH excluded.")
	for _, r := range b.results {
		if r.ctlAPIFromClient {
			fmt.Fprintf(w, "\n%s: the API server's counts cannot tell the controller from Tekton (apiserver_request_total has no user label), so its API columns come from the controller's own client metrics instead (http_client_request_duration_seconds by method and path; LIST includes WATCH re-lists; 409 conflicts from kn_k8s_client_http_response_status_code, all resources). Its apiserver and etcd CPU include Tekton's, KWOK's and the controller-manager's load.\n", r.sc.ID)
		}
	}
	fmt.Fprintln(w)
	t := &table{head: []string{"scenario", "controller CPU ms", "apiserver CPU ms", "etcd CPU ms", "peak RSS MiB",
		"WFE writes to terminal", "WFE writes after", "API req", "API writes", "of which events", "409 conflicts", "WFE bytes (managedFields)", "unattributed", "invariant violations"}}
	for _, r := range b.results {
		n := r.issued - r.createErrors
		apiReq, apiWrites, events, conflicts := "–", "–", "–", "–"
		unattributed := "–"
		ctlCPU, hwm := "–", "–"
		if r.sc.Mode == modeController && n > 0 {
			reqs := r.ctlAPI.total(notWatch)
			apiReq = fmt.Sprintf("%.2f", reqs/float64(n))
			apiWrites = fmt.Sprintf("%.2f", r.ctlAPI.total(isWrite)/float64(n))
			events = fmt.Sprintf("%.2f", r.ctlAPI.total(func(k reqKey) bool { return isWrite(k) && k.Resource == "events" })/float64(n))
			conflicts = fmt.Sprintf("%.3f", r.ctlAPI.total(func(k reqKey) bool { return k.Code == "409" })/float64(n))
			if r.ctlAPIFromClient {
				conflicts = fmt.Sprintf("%.3f", r.ctlConflicts/float64(n))
			}
			ctlCPU = perExec(r.ctlCPU, n)
			hwm = mib(r.ctlHWM)
		} else if n > 0 {
			// No controller: whatever the server saw that the harness did not
			// ask for shows an accounting error.
			unattributed = fmt.Sprintf("%.0f", r.ctlAPI.total(notWatch))
		}
		t.add(r.sc.ID, ctlCPU, perExec(r.apiCPU, n), perExec(r.etcdCPU, n), hwm,
			fmt.Sprintf("%.2f", r.writesTo), fmt.Sprintf("%.2f", r.writesAfter),
			apiReq, apiWrites, events, conflicts, objSize(r), unattributed, fmt.Sprint(r.violations))
	}
	t.write(w)
}

func (b *bench) apiTable(w io.Writer) {
	var ctl []*result
	for _, r := range b.results {
		if r.sc.Mode == modeController && r.issued-r.createErrors > 0 {
			ctl = append(ctl, r)
		}
	}
	if len(ctl) == 0 {
		return
	}
	fmt.Fprintln(w, "## Controller API requests per execution, by resource and verb")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Non-2xx answers are listed separately as `resource VERB code`.")
	fmt.Fprintln(w)
	head := []string{"request"}
	var maps []map[string]float64
	for _, r := range ctl {
		head = append(head, r.sc.ID)
		n := float64(r.issued - r.createErrors)
		m := map[string]float64{}
		for k, v := range r.ctlAPI {
			if k.Verb == "WATCH" {
				continue
			}
			m[k.Path()] += v / n
			if k.Code != "" && !strings.HasPrefix(k.Code, "2") {
				m[k.Path()+" "+k.Code] += v / n
			}
		}
		maps = append(maps, m)
	}
	t := &table{head: head}
	for _, p := range sortedPaths(maps...) {
		row := []string{p}
		keep := false
		for _, m := range maps {
			row = append(row, fmt.Sprintf("%.3f", m[p]))
			if m[p] >= 0.0005 || m[p] <= -0.0005 {
				keep = true
			}
		}
		if keep {
			t.add(row...)
		}
	}
	t.write(w)
}

func (b *bench) scaleTable(w io.Writer) {
	var rows []*result
	for _, r := range b.results {
		if r.sc.Baseline != "" {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "## Scale: decision cost and memory against a baseline")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Same workload as the baseline, with a population the controller must not pay for. Startup: controller start → ready → idle (startup reconciles done), and the API writes and reads (GET/LIST; informers list through WATCH) it made meanwhile. Mean reconcile time is the lock decision's cost plus the API calls; (a) also holds the queue wait, which dominates when the controller is saturated.")
	fmt.Fprintln(w)
	t := &table{head: []string{"scenario", "cluster also holds", "(a) p50", "(a) p99", "(a) p99 ×baseline", "mean reconcile ms", "controller CPU ms/exec",
		"peak RSS MiB", "RSS at end MiB", "heap in use MiB", "ready s", "idle s", "startup API writes", "startup reads"}}
	add := func(r *result, pop string) {
		n := r.issued - r.createErrors
		ratioCol, ready, idle, writes, reads := "", "–", "–", "–", "–"
		if base := b.find(r.sc.Baseline); base != nil && r != base {
			ratioCol = ratio(r.createToPR.P99, base.createToPR.P99)
		}
		if s := r.startup; s != nil {
			ready = fmt.Sprintf("%.1f", s.ready.Seconds())
			idle = fmt.Sprintf("%.1f", s.idle.Seconds())
			writes = fmt.Sprintf("%.0f", s.api.total(isWrite))
			reads = fmt.Sprintf("%.0f", s.api.total(func(k reqKey) bool { return k.Verb == "GET" || k.Verb == "LIST" }))
		}
		reconcile := "–"
		if r.queue.reconciles > 0 {
			reconcile = fmt.Sprintf("%.1f", r.queue.processSum/r.queue.reconciles*1000)
		}
		t.add(r.sc.ID, pop, ms(r.createToPR.P50), ms(r.createToPR.P99), ratioCol, reconcile, perExec(r.ctlCPU, n),
			mib(r.ctlHWM), mib(r.ctlRSS), mib(int64(r.queue.heapInuse)), ready, idle, writes, reads)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if base := b.find(r.sc.Baseline); base != nil && !seen[base.sc.ID] {
			seen[base.sc.ID] = true
			add(base, "nothing else")
		}
		add(r, r.sc.Population)
	}
	t.write(w)
}

// targetsTable compares with docs/design.md §8. Informational only: the benchmark
// never fails on time.
func (b *bench) targetsTable(w io.Writer) {
	if b.opts.Scenarios["tekton"] && len(b.opts.Scenarios) == 1 {
		// No floor and no steady scenario: nothing to compare.
		return
	}
	fmt.Fprintln(w, "## Against the targets of design.md §8 (informational)")
	fmt.Fprintln(w)
	t := &table{head: []string{"target", "measured", "within"}}
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "NO"
	}
	for _, r := range b.results {
		f := b.find(r.sc.Floor)
		if r.sc.Group != "steady" || r.sc.Mode != modeController || f == nil || r.sc.Rate > 100 {
			continue
		}
		ra := float64(r.createToPR.P99) / float64(max(f.createToPR.P99, 1))
		rb := float64(r.doneToTerminal.P99) / float64(max(f.doneToTerminal.P99, 1))
		t.add(fmt.Sprintf("p99 ≤ 1.5× floor at %s WFE/s", rate(r.sc.Rate)),
			fmt.Sprintf("(a) %s ms vs %s ms = ×%.1f; (b) %s ms vs %s ms = ×%.1f",
				ms(r.createToPR.P99), ms(f.createToPR.P99), ra, ms(r.doneToTerminal.P99), ms(f.doneToTerminal.P99), rb),
			yes(ra <= 1.5 && rb <= 1.5))
	}
	if r := b.find("ctl-burst"); r != nil {
		t.add(fmt.Sprintf("burst of %d: (a) p99 < 200 ms", r.issued), ms(r.createToPR.P99)+" ms", yes(r.createToPR.P99 < 200*time.Millisecond))
	}
	best := 0.0
	var bestAt float64
	for _, r := range b.results {
		if r.sc.Group == "steady" && r.sc.Mode == modeController && r.throughput > best {
			best, bestAt = r.throughput, r.sc.Rate
		}
	}
	if best > 0 {
		t.add("≥ 150 WFE/s sustained", fmt.Sprintf("%.1f WFE/s ended (offered %s/s)", best, rate(bestAt)), yes(best >= 150))
	}
	var cpu, writes float64
	var n int
	for _, r := range b.results {
		if r.sc.Group == "steady" && r.sc.Mode == modeController && r.issued > 0 {
			cpu = max(cpu, float64(r.ctlCPU)/float64(time.Millisecond)/float64(r.issued))
			writes = max(writes, r.writesTo+1)
			n++
		}
	}
	if n > 0 {
		t.add("≤ 2 ms controller CPU per execution", fmt.Sprintf("%.2f ms (worst steady scenario)", cpu), yes(cpu <= 2))
		t.add("≤ 4 API writes creation → completion (+ events)", fmt.Sprintf("%.2f (WFE writes to terminal + 1 PipelineRun create; worst steady scenario)", writes), yes(writes <= 4.005))
	}
	for _, r := range b.results {
		if r.sc.Baseline == "" {
			continue
		}
		base := b.find(r.sc.Baseline)
		if base == nil {
			continue
		}
		switch r.sc.Group {
		case "scale":
			t.add("lock decision does not grow with finished WFEs",
				fmt.Sprintf("(a) p50 %s → %s ms, p99 %s → %s ms with %s", ms(base.createToPR.P50), ms(r.createToPR.P50), ms(base.createToPR.P99), ms(r.createToPR.P99), r.sc.Population), "see ratio")
		case "unrelated":
			t.add("RSS flat with unrelated PipelineRuns",
				fmt.Sprintf("peak %s → %s MiB with %s", mib(base.ctlHWM), mib(r.ctlHWM), r.sc.Population), "see numbers")
		}
	}
	t.write(w)
}

func (b *bench) soakSeries(w io.Writer) {
	r := b.find("ctl-soak")
	if r == nil {
		return
	}
	fmt.Fprintf(w, "## Soak: controller memory every %s at %s WFE/s (executions deleted once released)\n\n", r.sc.Sample, rate(r.sc.Rate))
	fmt.Fprintln(w, "Heap in use, GC goal and goroutines come from the controller's /metrics (go_memstats_heap_inuse_bytes, go_memstats_next_gc_bytes, go_goroutines). Heap in use includes garbage not yet collected; the GC goal is about twice the live heap of the last GC.")
	fmt.Fprintln(w)
	t := &table{head: []string{"t", "executions released", "RSS MiB", "peak RSS MiB", "heap in use MiB", "GC goal MiB", "goroutines", "CPU s"}}
	for _, p := range r.rss {
		t.add(p.at.Round(time.Second).String(), fmt.Sprint(p.done), mib(p.rss), mib(p.hwm),
			mib(int64(p.mem.heapInuse)), mib(int64(p.mem.heapGoal)), intGauge(p.mem.goroutines), fmt.Sprintf("%.1f", p.cpu.Seconds()))
	}
	t.write(w)
	if len(r.rss) >= 4 {
		q := len(r.rss) / 4
		first, last := r.rss[q], r.rss[len(r.rss)-1]
		fmt.Fprintf(w, "From the first quarter's end to the end: RSS %s → %s MiB, GC goal %s → %s MiB.\n\n",
			mib(first.rss), mib(last.rss), mib(int64(first.mem.heapGoal)), mib(int64(last.mem.heapGoal)))
	}
	if r.heapGrowth != "" {
		fmt.Fprintf(w, "### Soak: heap growth (go tool pprof -top -sample_index=inuse_space -base early late)\n\n")
		fmt.Fprintf(w, "Heap profiles taken after a forced GC, %s into the soak and when it stopped creating executions, with the controller sampling every %d KiB allocated (GODEBUG=memprofilerate); saved as heap-%s-{early,late}.pprof in the run directory.\n\n", heapEarlyAt(r.sc.Duration), soakMemProfileRate>>10, r.sc.ID)
		fmt.Fprintf(w, "```\n%s```\n\n", r.heapGrowth)
	}
}

// intGauge renders a gauge that is 0 when the metric was missing.
func intGauge(v float64) string {
	if v == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", v)
}

func (b *bench) queueTable(w io.Writer) {
	t := &table{head: []string{"scenario", "reconciles/exec", "mean reconcile ms", "mean queue wait ms", "busy workers (mean)", "API call ms/exec on workers"}}
	for _, r := range b.results {
		n := float64(r.issued - r.createErrors)
		q := r.queue
		if r.sc.Mode != modeController || n <= 0 || q.reconciles <= 0 || r.window <= 0 {
			continue
		}
		waitMean := "–"
		if q.waitCount > 0 {
			waitMean = fmt.Sprintf("%.1f", q.waitSum/q.waitCount*1000)
		}
		t.add(r.sc.ID, fmt.Sprintf("%.2f", q.reconciles/n), fmt.Sprintf("%.1f", q.processSum/q.reconciles*1000), waitMean,
			fmt.Sprintf("%.2f", q.processSum/r.window.Seconds()), fmt.Sprintf("%.1f", q.clientSum/n*1000))
	}
	if len(t.rows) == 0 {
		return
	}
	fmt.Fprintln(w, "## Controller work queue")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "From the controller's own /metrics over the window: kn_workqueue_* and http_client_request_duration_seconds (all API calls but event writes, which the broadcaster sends from its own goroutine). Busy workers = total reconcile time / window: a value near the controller's worker count (knative's default 2, or --threads-per-controller) means the queue sets the pace.")
	fmt.Fprintln(w)
	t.write(w)
}

func (b *bench) profiles(w io.Writer) {
	for _, r := range b.results {
		if r.profile == "" {
			continue
		}
		fmt.Fprintf(w, "## Controller CPU profile (%s)\n\n```\n%s```\n\n", r.sc.ID, r.profile)
	}
}

func objSize(r *result) string {
	if r.wfeBytes == 0 {
		return "–"
	}
	return fmt.Sprintf("%d (%d)", r.wfeBytes, r.wfeManagedBytes)
}

// treeState names the commit the controller is built from and whether the
// product's sources have uncommitted changes.
func treeState(root string) string {
	rev, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	out := "commit " + strings.TrimSpace(string(rev))
	dirty, err := exec.Command("git", "-C", root, "status", "--porcelain", "--", "cmd", "pkg", "config").Output()
	if err == nil {
		if n := len(strings.Fields(strings.TrimSpace(string(dirty)))) / 2; n > 0 {
			out += fmt.Sprintf(" + uncommitted changes to %d file(s) under cmd/, pkg/, config/", n)
		}
	}
	return out
}
