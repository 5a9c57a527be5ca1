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
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	tektonclient "github.com/tektoncd/pipeline/pkg/client/clientset/versioned"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	wfeclient "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// Names the workload uses.
const (
	workflowID = "bench-restart"
	image      = "registry.example.com/remediation/restart:v1"
	// floorExecNamespace holds the floor's PipelineRuns (the controller's
	// go to rig.ExecutionNamespace).
	floorExecNamespace = "bench-floor-exec"
	// finalizerName is the generated reconciler's finalizer (the
	// resource's plural.group).
	finalizerName = workflowexecution.FinalizerName
	// settle lets the last asynchronous writes (events) land before a
	// window closes.
	settle = 2 * time.Second
)

// benchConfig is config-workflowexecution during the benchmark: no
// cooldown, so that a target takes its next execution as soon as the lock is
// released.
var benchConfig = map[string]string{
	"cooldown-period":    "0s",
	"stuck-grace-period": "5m",
}

// bench is one benchmark run on one cluster.
type bench struct {
	opts    *options
	c       *rig.Cluster
	env     *framework.Env
	count   *counter
	checker *framework.Checker
	admin   clients
	results []*result
	// sink receives the controller's audit trail (-audit-sink), or nil.
	sink *framework.AuditSink
	// dir holds the rig's data and logs, the profiles and the metrics.
	dir string
	// binary is the controller every scenario runs; source says what it
	// was built from.
	binary, source string
	// auditLog is the API server's audit log (-audit), else "".
	auditLog string
	// bundleImage is the pushed Pipeline bundle the tekton scenario's
	// executions run (E2E tier only).
	bundleImage string
	logf        func(format string, args ...any)
}

// clients are the harness's clients of one role. Each role has its own
// connection, is not rate-limited client-side and is counted.
type clients struct {
	kube   kubernetes.Interface
	wfe    wfeclient.Interface
	tekton tektonclient.Interface
}

// newBench starts the integration rig, configures it and starts the
// invariant checker.
func newBench(ctx context.Context, o *options) (*bench, error) {
	b := &bench{opts: o, count: newCounter()}
	b.logf = func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "bench %s: "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
	rigLog := func(string, ...any) {}
	if o.Verbose {
		rigLog = b.logf
	}
	tier := rig.Integration
	if o.Scenarios["tekton"] {
		tier = rig.E2E
		useE2EBinaries(b.logf)
		b.logf("starting the E2E rig (etcd, kube-apiserver, scheduler, controller-manager, KWOK, Tekton controller and resolvers, OCI registry)")
	} else {
		b.logf("starting the integration rig (etcd, kube-apiserver)")
	}
	// The rig's data and logs live in a directory of our own, not in the
	// shared temporary directory that other runs on the machine clean up.
	var err error
	if b.dir, err = runDir(); err != nil {
		return nil, err
	}
	ropts := rig.Options{Tier: tier, Logf: rigLog, Dir: b.dir}
	if o.Audit {
		if ropts.APIServerArgs, b.auditLog, err = auditArgs(b.dir); err != nil {
			return nil, err
		}
		b.logf("API server audit log: %s", b.auditLog)
	}
	if tier == rig.E2E {
		if err := waitResolversPort(ctx, 15*time.Minute, b.logf); err != nil {
			_ = os.RemoveAll(b.dir)
			return nil, err
		}
	}
	c, err := rig.Start(ctx, ropts)
	if err != nil {
		_ = os.RemoveAll(b.dir)
		return nil, err
	}
	b.c = c
	b.logf("rig up in %s (logs in %s)", c.StartDuration.Round(time.Millisecond), filepath.Dir(c.LogPath("etcd")))
	if b.admin, err = b.clients("admin"); err != nil {
		c.Stop()
		return nil, err
	}
	b.env = &framework.Env{Cluster: c, WFE: b.admin.wfe}
	cfg := maps.Clone(benchConfig)
	if o.AuditSink {
		if b.sink, err = framework.StartAuditSink(); err != nil {
			c.Stop()
			return nil, err
		}
		cfg["audit-sink-url"] = b.sink.URL()
		b.logf("audit sink at %s", b.sink.URL())
	}
	if err := b.env.SetConfig(ctx, cfg); err != nil {
		c.Stop()
		return nil, fmt.Errorf("configuring the controller: %w", err)
	}
	if tier == rig.E2E {
		if b.bundleImage, err = b.pushBundle(ctx); err != nil {
			c.Stop()
			return nil, err
		}
		b.logf("pushed the Pipeline bundle %s", b.bundleImage)
	}
	if o.Pprof || o.Scenarios["soak"] {
		if err := b.enableProfiling(ctx); err != nil {
			c.Stop()
			return nil, err
		}
	}
	for _, ns := range []string{floorExecNamespace} {
		if err := c.CreateNamespace(ctx, ns); err != nil {
			c.Stop()
			return nil, err
		}
	}
	checkerClients, err := b.clients("checker")
	if err != nil {
		c.Stop()
		return nil, err
	}
	if b.checker, err = framework.StartChecker(ctx, checkerClients.tekton, checkerClients.wfe); err != nil {
		c.Stop()
		return nil, fmt.Errorf("starting the invariant checker: %w", err)
	}
	b.binary, b.source = o.ControllerBinary, "prebuilt binary "+o.ControllerBinary
	if b.binary == "" {
		b.logf("building the controller")
		built, err := rig.BuildController(ctx, c.RepoRoot, "./cmd/controller")
		if err != nil {
			b.stop()
			return nil, err
		}
		b.source = treeState(c.RepoRoot)
		// Other test runs on the machine rebuild the rig's shared binary in
		// place: every scenario runs this copy, so all run the same code.
		b.binary = filepath.Join(b.dir, "controller")
		if err := copyFile(built, b.binary); err != nil {
			b.stop()
			return nil, err
		}
	}
	return b, nil
}

func (b *bench) stop() {
	if b.checker != nil {
		b.checker.Stop()
	}
	if b.sink != nil {
		b.sink.Close()
	}
	b.c.Stop()
	if os.Getenv("WFE_RIG_KEEP") == "1" {
		b.logf("kept %s (WFE_RIG_KEEP=1)", b.dir)
		return
	}
	_ = os.RemoveAll(b.dir)
}

// runDir creates the run's directory in the rig's cache
// (WFE_RIG_CACHE, else $XDG_CACHE_HOME or ~/.cache, /workflowexecution).
func runDir() (string, error) {
	root := os.Getenv("WFE_RIG_CACHE")
	if root == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", err
			}
			base = filepath.Join(home, ".cache")
		}
		root = filepath.Join(base, "workflowexecution")
	}
	parent := filepath.Join(root, "bench")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(parent, "run-")
}

// clients builds counted, unthrottled clients with their own connection;
// role names them in the API server's logs (user agent).
func (b *bench) clients(role string) (clients, error) {
	cfg := rest.CopyConfig(b.c.RESTConfig)
	cfg.UserAgent = "wfe-bench/" + role
	cfg.RateLimiter = flowcontrol.NewFakeAlwaysRateLimiter()
	cfg.QPS, cfg.Burst = -1, -1
	// The harness writes the controller's finalizer itself (populations,
	// cleanup); the API server's advice about its name is not news here.
	cfg.WarningHandler = rest.NoWarnings{}
	// A wrapped transport is never shared: each role gets its own
	// connection, as separate processes would.
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return b.count.wrap(rt) })
	var cs clients
	var err error
	if cs.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return cs, err
	}
	if cs.wfe, err = wfeclient.NewForConfig(cfg); err != nil {
		return cs, err
	}
	if cs.tekton, err = tektonclient.NewForConfig(cfg); err != nil {
		return cs, err
	}
	return cs, nil
}

// snapshot is the state of the counters at one instant.
type snapshot struct {
	at         time.Time
	api        reqCounts // API server, tracked resources
	harness    reqCounts // the harness's own requests
	procs      procSet
	violations int
}

// snap takes a snapshot; ctl may be nil.
func (b *bench) snap(ctx context.Context, ctl *rig.Controller) (snapshot, error) {
	s := snapshot{harness: b.count.snapshot()}
	var err error
	if s.api, err = scrapeAPIServer(ctx, b.c.Kube); err != nil {
		return s, err
	}
	// The scrape is not a tracked request; take the harness's counts again
	// so that nothing in flight between the two is missed.
	s.harness = b.count.snapshot()
	s.procs = sampleProcs(b.pids(ctl))
	s.violations = len(b.checker.Violations())
	s.at = time.Now()
	return s, nil
}

// pids are the processes whose CPU and memory are reported.
func (b *bench) pids(ctl *rig.Controller) map[string]int {
	all := b.c.PIDs()
	out := map[string]int{"kube-apiserver": all["kube-apiserver"], "etcd": all["etcd"]}
	if ctl != nil {
		out["controller"] = ctl.PID()
	}
	return out
}

// attributed is what the API server served in (before, after] that the
// harness did not ask for: the controller's requests.
func attributed(before, after snapshot) reqCounts {
	return after.api.sub(before.api).sub(after.harness.sub(before.harness))
}

// startupCost is what starting the controller took.
type startupCost struct {
	ready, idle time.Duration
	api         reqCounts
	hwm         int64
}

// startController starts a fresh controller and waits until it is ready
// and idle (its startup reconciles done).
// env is added to the controller's environment.
func (b *bench) startController(ctx context.Context, name string, env ...string) (*rig.Controller, *startupCost, error) {
	before, err := b.snap(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	ctl, err := b.c.RunController(ctx, rig.ControllerOptions{Name: "controller-" + name, Args: b.opts.ControllerArgs, Binary: b.binary, Env: env})
	if err != nil {
		return nil, nil, err
	}
	if err := ctl.WaitReady(ctx); err != nil {
		ctl.Kill()
		return nil, nil, err
	}
	cost := &startupCost{ready: time.Since(start)}
	if err := waitIdle(ctx, ctl.PID(), 2*time.Minute); err != nil {
		b.logf("controller %s: %v", name, err)
	}
	cost.idle = time.Since(start)
	after, err := b.snap(ctx, ctl)
	if err != nil {
		ctl.Kill()
		return nil, nil, err
	}
	cost.api = attributed(before, after)
	cost.hwm = after.procs["controller"].HWM
	return ctl, cost, nil
}

// waitIdle waits until the process has used less than 2% of a CPU over one
// second (its startup work is done).
func waitIdle(ctx context.Context, pid int, timeout time.Duration) error {
	prev, err := readProc(pid)
	if err != nil {
		return err
	}
	quiet := 0
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, false, func(context.Context) (bool, error) {
		cur, err := readProc(pid)
		if err != nil {
			return false, err
		}
		if cur.CPU-prev.CPU <= 5*time.Millisecond {
			quiet++
		} else {
			quiet = 0
		}
		prev = cur
		return quiet >= 4, nil
	})
	if err != nil {
		return fmt.Errorf("not idle after %s: %w", timeout, err)
	}
	return nil
}

// purge removes every execution of ns (stripping finalizers: no controller
// runs at this point) and the PipelineRuns of execNS that came from ns.
func (b *bench) purge(ctx context.Context, ns, execNS string) error {
	wfes := b.admin.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(ns)
	list, err := wfes.List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	var names []string
	for _, w := range list.Items {
		if len(w.Finalizers) > 0 {
			names = append(names, w.Name)
		}
	}
	patch := []byte(`{"metadata":{"finalizers":null}}`)
	if err := parallel(ctx, len(names), 16, func(i int) error {
		_, err := wfes.Patch(ctx, names[i], types.MergePatchType, patch, metav1.PatchOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}); err != nil {
		return fmt.Errorf("removing finalizers in %s: %w", ns, err)
	}
	if err := wfes.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		return fmt.Errorf("deleting the executions of %s: %w", ns, err)
	}
	prs := b.admin.tekton.TektonV1().PipelineRuns(execNS)
	sel := metav1.ListOptions{}
	if execNS != ns {
		sel.LabelSelector = "kubernaut.ai/source-namespace=" + ns
	}
	if err := prs.DeleteCollection(ctx, metav1.DeleteOptions{}, sel); err != nil {
		return fmt.Errorf("deleting the PipelineRuns of %s: %w", ns, err)
	}
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		l, err := wfes.List(ctx, metav1.ListOptions{Limit: 1})
		if err != nil {
			return false, err
		}
		p, err := prs.List(ctx, metav1.ListOptions{Limit: 1, LabelSelector: sel.LabelSelector})
		if err != nil {
			return false, err
		}
		return len(l.Items) == 0 && len(p.Items) == 0, nil
	})
}

// parallel runs f(0..n-1) on width goroutines and returns the first error.
func parallel(ctx context.Context, n, width int, f func(i int) error) error {
	var (
		mu    sync.Mutex
		first error
		next  int
		wg    sync.WaitGroup
	)
	for w := 0; w < width; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil || ctx.Err() != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// rateID renders a rate for scenario names and namespaces ("20", "2p5").
func rateID(r float64) string {
	return strings.ReplaceAll(strconv.FormatFloat(r, 'f', -1, 64), ".", "p")
}

// enableProfiling turns on knative's pprof server in the controller
// (config-observability runtime-profiling).
func (b *bench) enableProfiling(ctx context.Context) error {
	patch := []byte(`{"data":{"runtime-profiling":"enabled"}}`)
	_, err := b.admin.kube.CoreV1().ConfigMaps(rig.SystemNamespace).Patch(ctx, "config-observability", types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("enabling profiling: %w", err)
	}
	return nil
}

// objectSize returns the JSON size of one execution of ns and the part of
// it that is metadata.managedFields (every watch event and response carries
// it; informers decode and cache it unless they strip it).
func (b *bench) objectSize(ctx context.Context, ns string) (total, managed int) {
	l, err := b.admin.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil || len(l.Items) == 0 {
		return 0, 0
	}
	w := l.Items[0]
	full, err := json.Marshal(&w)
	if err != nil {
		return 0, 0
	}
	w.ManagedFields = nil
	stripped, _ := json.Marshal(&w)
	return len(full), len(full) - len(stripped)
}

// copyFile copies an executable.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
