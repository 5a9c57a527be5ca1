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
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	tektoninformers "github.com/tektoncd/pipeline/pkg/client/informers/externalversions"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	wfeinformers "kubernaut.ai/workflowexecution/pkg/client/informers/externalversions"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// mode says who does the work: the floor (a bare client) or the controller.
type mode int

const (
	modeFloor mode = iota
	modeController
)

// scenario is one measured run.
type scenario struct {
	// ID names the scenario, its namespace (bench-<ID>) and its targets.
	ID    string
	Title string
	Group string
	Mode  mode
	N, M  int
	// Rate is the arrival rate (WFE/s); 0 creates all N at once.
	Rate float64
	// Duration, when set, creates executions until it has passed (N is
	// then only a bound).
	Duration time.Duration
	// DeleteReleased deletes each execution once its lock is released (the
	// soak keeps the cluster's population steady).
	DeleteReleased bool
	// Sample is the controller's RSS sampling period.
	Sample time.Duration
	// Floor is the ID of the floor scenario the latencies are compared to.
	Floor string
	// Baseline is the ID of the controller scenario memory and decision
	// cost are compared to (scale scenarios).
	Baseline string
	// Population describes what else the cluster holds.
	Population string
	// RealTekton: the E2E tier's Tekton controller and KWOK finish the
	// PipelineRuns (no stand-in); the executions run the pushed bundle.
	RealTekton bool
	// Retention (when RetentionSet) is the retention-period the controller
	// runs with (retention.go).
	Retention    time.Duration
	RetentionSet bool
}

// namespace is where the scenario's executions live.
func (sc *scenario) namespace() string { return "bench-" + sc.ID }

// execRecord follows one execution. Times are the harness's.
type execRecord struct {
	name      string
	target    int
	created   time.Time // Create returned
	prSeen    time.Time // PipelineRun ADDED seen by the harness's watch
	prDone    time.Time // the stand-in's status update returned (RealTekton: Succeeded True/False first seen on the watch)
	terminal  time.Time // Succeeded True/False seen by the harness's watch
	released  time.Time // lock released (controller) or terminal (floor)
	outcome   v1alpha1.Phase
	writesTo  int // updates of the execution seen up to the terminal one
	writesAft int // updates seen after it
	createErr error
}

// tracker watches one scenario's executions and PipelineRuns, plays Tekton
// (the stand-in) and hands out free targets.
type tracker struct {
	b      *bench
	sc     *scenario
	ns     string
	execNS string
	cls    clients // watches and the stand-in
	driver clients

	mu          sync.Mutex
	recs        map[string]*execRecord
	free        chan int
	issued      int // -1 until the driver is done
	released    int
	allDone     chan struct{}
	starved     int
	stalled     bool
	firstAt     time.Time
	lastAt      time.Time
	standinErrs int

	cancel   context.CancelFunc
	finishes sync.WaitGroup
}

func (b *bench) newTracker(sc *scenario, execNS string) (*tracker, error) {
	cls, err := b.clients("watch-" + sc.ID)
	if err != nil {
		return nil, err
	}
	driver, err := b.clients("driver-" + sc.ID)
	if err != nil {
		return nil, err
	}
	t := &tracker{
		b: b, sc: sc, ns: sc.namespace(), execNS: execNS, cls: cls, driver: driver,
		recs: map[string]*execRecord{}, free: make(chan int, sc.M), issued: -1,
		allDone: make(chan struct{}),
	}
	for i := 0; i < sc.M; i++ {
		t.free <- i
	}
	return t, nil
}

// start starts the watches and waits for their caches.
func (t *tracker) start(ctx context.Context) error {
	runCtx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	wf := wfeinformers.NewSharedInformerFactoryWithOptions(t.cls.wfe, 0, wfeinformers.WithNamespace(t.ns))
	wi := wf.Workflowexecution().V1alpha1().WorkflowExecutions().Informer()
	if _, err := wi.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { t.onWFE(nil, obj) },
		UpdateFunc: t.onWFE,
	}); err != nil {
		return err
	}
	pf := tektoninformers.NewSharedInformerFactoryWithOptions(t.cls.tekton, 0,
		tektoninformers.WithNamespace(t.execNS),
		tektoninformers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.LabelSelector = workflowexecution.SourceNamespaceLabelKey + "=" + t.ns
		}))
	pi := pf.Tekton().V1().PipelineRuns().Informer()
	if _, err := pi.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: t.onRunAdded, UpdateFunc: t.onRunUpdated}); err != nil {
		return err
	}
	wf.Start(runCtx.Done())
	pf.Start(runCtx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), wi.HasSynced, pi.HasSynced) {
		cancel()
		return fmt.Errorf("tracker caches did not sync")
	}
	return nil
}

// stop stops the watches once every pending stand-in update is done.
func (t *tracker) stop() {
	t.finishes.Wait()
	t.cancel()
}

func (t *tracker) target(i int) string {
	return fmt.Sprintf("%s/Deployment/api-%03d", t.ns, i)
}

// onWFE records the transitions of an execution.
func (t *tracker) onWFE(oldObj, obj any) {
	now := time.Now()
	w, ok := obj.(*v1alpha1.WorkflowExecution)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.recs[w.Name]
	if rec == nil {
		return
	}
	if old, ok := oldObj.(*v1alpha1.WorkflowExecution); ok {
		if old.ResourceVersion == w.ResourceVersion {
			return
		}
		if rec.terminal.IsZero() {
			rec.writesTo++
		} else {
			rec.writesAft++
		}
	}
	if rec.terminal.IsZero() && w.Status.IsDone() {
		rec.terminal, rec.outcome = now, w.Status.Phase
	}
	released := w.Status.IsDone()
	if t.sc.Mode == modeController {
		// The controller frees the target when it records the release; a
		// Skipped or invalid execution never held it.
		released = w.Status.LockReleaseTime != nil || (w.Status.IsDone() && w.Status.PipelineRunRef == nil)
	}
	if released {
		t.releaseLocked(rec, now)
	}
}

// releaseLocked frees the record's target; t.mu is held.
func (t *tracker) releaseLocked(rec *execRecord, now time.Time) {
	if !rec.released.IsZero() {
		return
	}
	rec.released = now
	t.released++
	t.free <- rec.target // never blocks: at most one execution per target
	if t.sc.DeleteReleased && rec.createErr == nil {
		go func(name string) {
			_ = t.driver.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(t.ns).Delete(context.Background(), name, metav1.DeleteOptions{})
		}(rec.name)
	}
	t.checkDoneLocked()
}

func (t *tracker) checkDoneLocked() {
	if t.issued >= 0 && t.released >= t.issued {
		select {
		case <-t.allDone:
		default:
			close(t.allDone)
		}
	}
}

// onRunAdded records the PipelineRun's arrival and schedules the stand-in.
func (t *tracker) onRunAdded(obj any) {
	now := time.Now()
	pr, ok := obj.(*pipelinev1.PipelineRun)
	if !ok {
		return
	}
	t.mu.Lock()
	rec := t.recs[pr.Labels[workflowexecution.WorkflowExecutionLabelKey]]
	if rec != nil && rec.prSeen.IsZero() {
		rec.prSeen = now
	}
	if rec != nil && t.sc.RealTekton && rec.prDone.IsZero() && pr.IsDone() {
		rec.prDone = now
	}
	t.mu.Unlock()
	if rec == nil || pr.IsDone() || t.sc.RealTekton {
		return
	}
	t.finishes.Add(1)
	time.AfterFunc(t.b.opts.Delay, func() {
		defer t.finishes.Done()
		t.finish(pr, rec)
	})
}

// onRunUpdated records when the real Tekton controller finished the run
// (RealTekton only; the stand-in times its own update).
func (t *tracker) onRunUpdated(_, obj any) {
	now := time.Now()
	if !t.sc.RealTekton {
		return
	}
	pr, ok := obj.(*pipelinev1.PipelineRun)
	if !ok || !pr.IsDone() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if rec := t.recs[pr.Labels[workflowexecution.WorkflowExecutionLabelKey]]; rec != nil && rec.prDone.IsZero() {
		rec.prDone = now
	}
}

// finish plays Tekton: the run succeeds, through the status subresource.
func (t *tracker) finish(pr *pipelinev1.PipelineRun, rec *execRecord) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	prs := t.cls.tekton.TektonV1().PipelineRuns(pr.Namespace)
	for attempt := 0; attempt < 5; attempt++ {
		done := pr.DeepCopy()
		framework.MarkPipelineRunDone(done, corev1.ConditionTrue, "Succeeded", "Tasks Completed: 1 (Failed: 0, Cancelled 0), Skipped: 0")
		_, err := prs.UpdateStatus(ctx, done, metav1.UpdateOptions{})
		if err == nil {
			returned := time.Now()
			t.mu.Lock()
			rec.prDone = returned
			t.mu.Unlock()
			return
		}
		if apierrors.IsNotFound(err) {
			return
		}
		if !apierrors.IsConflict(err) {
			t.mu.Lock()
			t.standinErrs++
			t.mu.Unlock()
		}
		fresh, getErr := prs.Get(ctx, pr.Name, metav1.GetOptions{})
		if getErr != nil || fresh.UID != pr.UID {
			return
		}
		pr = fresh
	}
}

// drive creates the executions at the scenario's rate, each on a free
// target (round-robin in the order the targets were freed).
func (t *tracker) drive(ctx context.Context) {
	sc := t.sc
	var tick <-chan time.Time
	if sc.Rate > 0 {
		ticker := time.NewTicker(time.Duration(float64(time.Second) / sc.Rate))
		defer ticker.Stop()
		tick = ticker.C
	}
	wfes := t.driver.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(t.ns)
	start := time.Now()
	var wg sync.WaitGroup
	issued := 0
loop:
	for ; issued < sc.N; issued++ {
		if sc.Duration > 0 && time.Since(start) >= sc.Duration {
			break
		}
		if tick != nil {
			select {
			case <-tick:
			case <-ctx.Done():
				break loop
			}
		}
		var tgt int
		select {
		case tgt = <-t.free:
		default:
			t.mu.Lock()
			t.starved++
			t.mu.Unlock()
			select {
			case tgt = <-t.free:
			case <-time.After(t.b.opts.DrainTimeout):
				t.mu.Lock()
				t.stalled = true
				t.mu.Unlock()
				break loop
			case <-ctx.Done():
				break loop
			}
		}
		rec := &execRecord{name: fmt.Sprintf("%s-%05d", sc.ID, issued), target: tgt}
		t.mu.Lock()
		t.recs[rec.name] = rec
		t.mu.Unlock()
		img := image
		if sc.RealTekton {
			img = t.b.bundleImage
		}
		w := framework.NewWFE(t.ns, rec.name, t.target(tgt), workflowID, img, func(w *v1alpha1.WorkflowExecution) {
			w.Spec.Parameters = map[string]string{"REPLICAS": "3", "REASON": "bench"}
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			callStart := time.Now()
			_, err := wfes.Create(ctx, w, metav1.CreateOptions{})
			returned := time.Now()
			t.mu.Lock()
			defer t.mu.Unlock()
			rec.created = returned
			if t.firstAt.IsZero() || callStart.Before(t.firstAt) {
				t.firstAt = callStart
			}
			if returned.After(t.lastAt) {
				t.lastAt = returned
			}
			if err != nil {
				rec.createErr = err
				t.releaseLocked(rec, returned)
			}
		}()
	}
	wg.Wait()
	t.mu.Lock()
	t.issued = issued
	t.checkDoneLocked()
	t.mu.Unlock()
}

// wait waits until every issued execution released its target, or timeout.
func (t *tracker) wait(ctx context.Context, timeout time.Duration) bool {
	select {
	case <-t.allDone:
		return true
	case <-time.After(timeout):
		return false
	case <-ctx.Done():
		return false
	}
}

// rssPoint is one sample of the controller's memory.
type rssPoint struct {
	at       time.Duration // since the window opened
	rss, hwm int64
	cpu      time.Duration
	done     int        // executions released so far
	live     int        // executions in the namespace (retention only)
	mem      runtimeMem // from the controller's /metrics (soak only)
}

// sampler samples the controller's memory periodically.
type sampler struct {
	stop   chan struct{}
	done   chan struct{}
	points []rssPoint
}

// startSampler reads /proc/<pid> every period, and mem too if it is set.
func (t *tracker) startSampler(pid int, every time.Duration, mem func() runtimeMem) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	if pid == 0 || every <= 0 {
		close(s.done)
		return s
	}
	start := time.Now()
	go func() {
		defer close(s.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
				p, err := readProc(pid)
				if err != nil {
					return
				}
				t.mu.Lock()
				n := t.released
				t.mu.Unlock()
				pt := rssPoint{at: time.Since(start), rss: p.RSS, hwm: p.HWM, cpu: p.CPU, done: n}
				if mem != nil {
					pt.mem = mem()
				}
				if t.sc.RetentionSet {
					pt.live, _ = t.b.countExecutions(context.Background(), t.ns)
				}
				s.points = append(s.points, pt)
			}
		}
	}()
	return s
}

func (s *sampler) finish() []rssPoint {
	select {
	case <-s.done:
	default:
		close(s.stop)
		<-s.done
	}
	return s.points
}

// heapEarlyAt is when a soak of d takes its first heap profile: after 5
// minutes (caches and the event correlator warm), or halfway if d is shorter.
func heapEarlyAt(d time.Duration) time.Duration {
	return min(5*time.Minute, d/2)
}

// soakMemProfileRate is the soak controller's heap sampling period in
// bytes (runtime.MemProfileRate; Go's default, 512 KiB, leaves too few
// samples to tell which site grew by a few hundred KiB).
const soakMemProfileRate = 32 << 10

// soakGODEBUG sets the soak controller's memprofilerate, keeping the other
// settings of the benchmark's GODEBUG.
func soakGODEBUG(inherited string) string {
	v := fmt.Sprintf("memprofilerate=%d", soakMemProfileRate)
	if inherited != "" {
		v = inherited + "," + v
	}
	return "GODEBUG=" + v
}

// result is what one scenario measured.
type result struct {
	sc *scenario

	issued, createErrors                   int
	completed, failed, skipped, incomplete int
	stalled                                bool
	starved                                int
	standinErrs                            int

	createToPR, doneToTerminal summary
	// tektonRun (RealTekton): PipelineRun ADDED → Succeeded True/False,
	// both on the harness's watch: the time Tekton and KWOK take.
	tektonRun  summary
	createRate float64 // creates/s achieved
	throughput float64 // executions ended per second over the run
	wall       time.Duration

	ctlCPU, apiCPU, etcdCPU time.Duration
	ctlHWM, ctlRSS          int64
	ctlAPI                  reqCounts // requests attributed to the controller
	// ctlAPIFromClient: ctlAPI comes from the controller's own client
	// metrics (the API server's counts also hold Tekton's requests); then
	// ctlConflicts is the 409 count, which those metrics give without the
	// resource.
	ctlAPIFromClient       bool
	ctlConflicts           float64
	writesTo, writesAfter  float64 // per execution, from the watch
	violations             int
	rss                    []rssPoint
	startup                *startupCost
	ctlMetrics             *controllerMetrics
	queue                  queueStats
	window                 time.Duration
	windowStart, windowEnd time.Time
	audit                  *auditSummary
	profile                string // pprof -top output
	// heapGrowth (soak): the live heap early and late, and pprof -top of
	// late minus early.
	heapGrowth string
	// wfeBytes is the JSON size of a finished execution, of which
	// wfeManagedBytes are metadata.managedFields.
	wfeBytes, wfeManagedBytes int
	note                      string
}

// runScenario runs one scenario from a clean namespace to a clean namespace.
func (b *bench) runScenario(ctx context.Context, sc *scenario) (*result, error) {
	ns := sc.namespace()
	execNS := floorExecNamespace
	if sc.Mode == modeController {
		execNS = rig.ExecutionNamespace
	}
	if err := b.c.CreateNamespace(ctx, ns); err != nil {
		return nil, err
	}
	res := &result{sc: sc}
	var ctl *rig.Controller
	var fl *floor
	var err error
	if sc.Mode == modeController {
		var env []string
		if sc.Duration > 0 {
			env = append(env, soakGODEBUG(os.Getenv("GODEBUG")))
		}
		if ctl, res.startup, err = b.startController(ctx, sc.ID, env...); err != nil {
			return nil, err
		}
		defer func() {
			if ctl != nil {
				ctl.Kill()
			}
		}()
	} else {
		if fl, err = b.startFloor(ctx, ns, execNS); err != nil {
			return nil, err
		}
		defer fl.stop()
	}
	t, err := b.newTracker(sc, execNS)
	if err != nil {
		return nil, err
	}
	if err := t.start(ctx); err != nil {
		return nil, err
	}
	defer t.stop()

	before, err := b.snap(ctx, ctl)
	if err != nil {
		return nil, err
	}
	var metricsBefore *controllerMetrics
	if ctl != nil {
		metricsBefore = b.scrapeController(ctx, ctl, "")
	}
	pid := 0
	if ctl != nil {
		pid = ctl.PID()
	}
	every := sc.Sample
	if every == 0 {
		every = time.Second
	}
	var mem func() runtimeMem
	if sc.Sample > 0 && ctl != nil {
		mem = func() runtimeMem { return b.scrapeController(ctx, ctl, "").runtimeMem() }
	}
	smp := t.startSampler(pid, every, mem)
	b.logf("%s: %s", sc.ID, sc.Title)
	// The soak takes a heap profile once the caches are warm and another
	// when it stops creating executions.
	var earlyHeap chan string
	driven := make(chan struct{})
	if sc.Duration > 0 && ctl != nil {
		earlyHeap = make(chan string, 1)
		go func() {
			select {
			case <-time.After(heapEarlyAt(sc.Duration)):
				earlyHeap <- b.heapProfile(ctx, ctl, sc.ID, "early")
			case <-driven:
				earlyHeap <- ""
			}
		}()
	}
	profiled := make(chan string, 1)
	if b.opts.Pprof && ctl != nil {
		d := sc.Duration
		if d == 0 && sc.Rate > 0 {
			d = time.Duration(float64(sc.N) / sc.Rate * float64(time.Second))
		}
		d = min(max(d, 5*time.Second), 60*time.Second)
		go func() { profiled <- b.profile(ctx, ctl, sc.ID, d) }()
	} else {
		profiled <- ""
	}
	t.drive(ctx)
	close(driven)
	lateHeap := ""
	if earlyHeap != nil {
		lateHeap = b.heapProfile(ctx, ctl, sc.ID, "late")
	}
	if !t.wait(ctx, b.opts.DrainTimeout) {
		b.logf("%s: not every execution ended and released its target within %s", sc.ID, b.opts.DrainTimeout)
	}
	if sc.RetentionSet && sc.Retention > 0 {
		res.note = b.waitExpired(ctx, ns, sc.Retention+b.opts.DrainTimeout)
	}
	time.Sleep(settle)
	after, err := b.snap(ctx, ctl)
	if err != nil {
		return nil, err
	}
	res.rss = smp.finish()
	res.profile = <-profiled
	if earlyHeap != nil {
		res.heapGrowth = b.heapGrowth(ctx, ctl, sc.ID, <-earlyHeap, lateHeap)
	}
	t.stop()

	b.collect(res, t, before, after)
	if b.auditLog != "" && sc.Mode == modeController {
		if events, err := readAudit(b.auditLog, before.at, after.at); err != nil {
			b.logf("%s: reading the audit log: %v", sc.ID, err)
		} else {
			res.audit = summarizeAudit(events, t)
		}
	}
	if ctl != nil {
		res.ctlMetrics = b.scrapeController(ctx, ctl, sc.ID)
		res.queue = queueDelta(metricsBefore, res.ctlMetrics)
		if sc.RealTekton {
			// apiserver_request_total has no user label: Tekton's own
			// PipelineRun, TaskRun and event requests land in the same
			// series. Count the controller's requests on its side instead.
			res.ctlAPI = clientRequests(res.ctlMetrics).sub(clientRequests(metricsBefore))
			res.ctlAPIFromClient = true
			res.ctlConflicts = clientConflicts(res.ctlMetrics) - clientConflicts(metricsBefore)
		}
		if err := ctl.Stop(); err != nil {
			b.logf("%s: controller exit: %v", sc.ID, err)
		}
		ctl = nil
	}
	if sc.Mode == modeController {
		res.wfeBytes, res.wfeManagedBytes = b.objectSize(ctx, ns)
	}
	if fl != nil {
		fl.stop()
		res.standinErrs += int(fl.errs.Load())
	}
	if err := b.purge(ctx, ns, execNS); err != nil {
		return res, fmt.Errorf("cleaning up after %s: %w", sc.ID, err)
	}
	return res, nil
}

// collect turns the records and snapshots into the result.
func (b *bench) collect(res *result, t *tracker, before, after snapshot) {
	t.mu.Lock()
	defer t.mu.Unlock()
	res.issued, res.starved, res.stalled, res.standinErrs = t.issued, t.starved, t.stalled, t.standinErrs
	var a, bl, runs []time.Duration
	var lastEnd time.Time
	var writesTo, writesAfter, nTerm, nRel int
	for _, r := range t.recs {
		switch {
		case r.createErr != nil:
			res.createErrors++
			continue
		case r.terminal.IsZero():
			res.incomplete++
		case r.outcome == v1alpha1.PhaseCompleted:
			res.completed++
		case r.outcome == v1alpha1.PhaseSkipped:
			res.skipped++
		default:
			res.failed++
		}
		if !r.prSeen.IsZero() && !r.created.IsZero() {
			a = append(a, r.prSeen.Sub(r.created))
		}
		if t.sc.RealTekton && !r.prSeen.IsZero() && !r.prDone.IsZero() {
			runs = append(runs, r.prDone.Sub(r.prSeen))
		}
		if !r.terminal.IsZero() && !r.prDone.IsZero() && r.outcome != v1alpha1.PhaseSkipped {
			bl = append(bl, r.terminal.Sub(r.prDone))
		}
		if !r.terminal.IsZero() {
			nTerm++
			writesTo += r.writesTo
			if r.terminal.After(lastEnd) {
				lastEnd = r.terminal
			}
		}
		if !r.released.IsZero() {
			nRel++
			writesAfter += r.writesAft
		}
	}
	res.createToPR, res.doneToTerminal, res.tektonRun = summarize(a), summarize(bl), summarize(runs)
	if nTerm > 0 {
		res.writesTo = float64(writesTo) / float64(nTerm)
	}
	if nRel > 0 {
		res.writesAfter = float64(writesAfter) / float64(nRel)
	}
	if span := t.lastAt.Sub(t.firstAt); span > 0 && t.issued > 1 {
		res.createRate = float64(t.issued-1) / span.Seconds()
	}
	if span := lastEnd.Sub(t.firstAt); span > 0 {
		res.throughput = float64(nTerm) / span.Seconds()
		res.wall = span
	}
	res.ctlCPU = after.procs["controller"].CPU - before.procs["controller"].CPU
	res.apiCPU = after.procs["kube-apiserver"].CPU - before.procs["kube-apiserver"].CPU
	res.etcdCPU = after.procs["etcd"].CPU - before.procs["etcd"].CPU
	res.ctlHWM, res.ctlRSS = after.procs["controller"].HWM, after.procs["controller"].RSS
	res.ctlAPI = attributed(before, after)
	res.violations = after.violations - before.violations
	res.window = after.at.Sub(before.at)
	res.windowStart, res.windowEnd = before.at, after.at
}
