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

package reliability

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	wfeclient "kubernaut.ai/workflowexecution/pkg/client/clientset/versioned"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// image is the bundle every execution names (nothing resolves it: the
// suite plays Tekton).
const image = "registry.example.com/remediation/restart:v1"

// baseConfig is config-workflowexecution for every scenario: targets free
// up as soon as a run ends, and deleting an execution does not wait long
// for its audit. The suite's namespaces are trusted, as the namespaces of
// remediation systems are: a target (in a namespace of its own) receives
// executions from all of them, which is what the lock is for.
var baseConfig = map[string]string{
	"cooldown-period":     "0s",
	"stuck-grace-period":  "5m",
	"audit-drain-timeout": "2s",
	"trusted-namespaces":  strings.Join(namespaces, ","),
}

// namespaces hold the executions of a suite; a target receives executions
// from all of them.
var namespaces = []string{"rel-a", "rel-b", "rel-c"}

type suiteOptions struct {
	// Config is applied over baseConfig.
	Config map[string]string
	// Replicas is the number of controller processes (default 1).
	Replicas int
	// HA runs the replicas with bucketed leader election (config-leader-election
	// buckets "3", short leases) instead of --disable-ha.
	HA bool
}

// suite is one scenario's cluster: the rig, one or more controllers, the
// invariant checker and the audit sink.
type suite struct {
	t           *testing.T
	cluster     *rig.Cluster
	wfe         wfeclient.Interface
	env         *framework.Env
	checker     *framework.Checker
	history     *history
	sink        *framework.AuditSink
	controllers []*rig.Controller
	seed        uint64

	rngMu sync.Mutex
	rng   *rand.Rand

	faultMu sync.Mutex
	faults  map[string]int
}

func newSuite(t *testing.T, opts suiteOptions) *suite {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	h := fnv.New64a()
	h.Write([]byte(t.Name()))
	s := &suite{t: t, seed: uint64(baseSeed) ^ h.Sum64(), faults: map[string]int{}}
	s.rng = rand.New(rand.NewPCG(s.seed, 0x5eed))
	t.Logf("seed %d (test seed %d)", baseSeed, s.seed)

	s.cluster = rig.StartForTest(t, rig.Options{Tier: rig.Integration})
	var err error
	if s.wfe, err = wfeclient.NewForConfig(s.cluster.RESTConfig); err != nil {
		t.Fatal(err)
	}
	s.sink = newAuditSink(t)
	cfg := map[string]string{"audit-sink-url": s.sink.URL()}
	for k, v := range baseConfig {
		cfg[k] = v
	}
	for k, v := range opts.Config {
		cfg[k] = v
	}
	s.env = &framework.Env{Cluster: s.cluster, WFE: s.wfe}
	if err := s.env.SetConfig(ctx, cfg); err != nil {
		t.Fatalf("configuring: %v", err)
	}
	if os.Getenv("WFE_RELIABILITY_CONTROLLER_DEBUG") == "1" {
		if err := s.debugLogging(ctx); err != nil {
			t.Fatalf("configuring logging: %v", err)
		}
	}
	if opts.HA {
		if err := s.setLeaderElection(ctx); err != nil {
			t.Fatalf("configuring leader election: %v", err)
		}
	}
	for _, ns := range namespaces {
		if err := s.cluster.CreateNamespace(ctx, ns); err != nil {
			t.Fatal(err)
		}
	}
	if s.checker, err = framework.StartChecker(ctx, s.cluster.Tekton, s.wfe); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.checker.Stop)
	s.env.Checker = s.checker
	s.history = s.startHistory()

	replicas := max(opts.Replicas, 1)
	for i := 0; i < replicas; i++ {
		o := rig.ControllerOptions{Name: "controller"}
		if replicas > 1 {
			o.Name = fmt.Sprintf("replica-%d", i)
		}
		if !opts.HA {
			o.Args = []string{"--disable-ha"}
		}
		// One at a time: StartController rewrites the ServiceAccount's
		// kubeconfig in place, which a replica still starting may be reading.
		ctl := s.cluster.StartController(t, o)
		if err := ctl.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
		s.controllers = append(s.controllers, ctl)
	}
	s.env.Controller = s.controllers[0]
	return s
}

// setLeaderElection shares the work in three buckets with short leases, so
// that a dead replica's buckets move within seconds.
func (s *suite) setLeaderElection(ctx context.Context) error {
	cms := s.cluster.Kube.CoreV1().ConfigMaps(rig.SystemNamespace)
	cm, err := cms.Get(ctx, "config-leader-election", metav1.GetOptions{})
	if err != nil {
		return err
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	cm.Data["buckets"] = "3"
	cm.Data["lease-duration"] = "6s"
	cm.Data["renew-deadline"] = "4s"
	cm.Data["retry-period"] = "1s"
	_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	return err
}

// debugLogging makes the controllers log at debug level without zap's
// sampling (which drops repeated messages beyond 100 a second), to
// diagnose a failure: WFE_RELIABILITY_CONTROLLER_DEBUG=1.
func (s *suite) debugLogging(ctx context.Context) error {
	cms := s.cluster.Kube.CoreV1().ConfigMaps(rig.SystemNamespace)
	cm, err := cms.Get(ctx, "config-logging", metav1.GetOptions{})
	if err != nil {
		return err
	}
	cm.Data["zap-logger-config"] = `{"level": "debug", "development": false, "outputPaths": ["stdout"], "errorOutputPaths": ["stderr"], "encoding": "json",
  "encoderConfig": {"timeKey": "timestamp", "levelKey": "severity", "nameKey": "logger", "callerKey": "caller", "messageKey": "message",
    "stacktraceKey": "stacktrace", "timeEncoder": "iso8601"}}`
	cm.Data["loglevel.workflowexecution-controller"] = "debug"
	_, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
	return err
}

// intn and float64 are the suite's seeded randomness, safe for concurrent use.
func (s *suite) intn(n int) int {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.IntN(n)
}

func (s *suite) float64() float64 {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	return s.rng.Float64()
}

// between returns a random duration in [lo, hi).
func (s *suite) between(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(s.intn(int(hi-lo)))
}

func (s *suite) countFault(kind string) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults[kind]++
}

func (s *suite) setFault(kind string, n int) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults[kind] = n
}

func (s *suite) faultCounts() map[string]int {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	out := map[string]int{}
	for k, v := range s.faults {
		out[k] = v
	}
	return out
}

// killAndRestart SIGKILLs a controller, starts it again and waits until it
// is ready.
func (s *suite) killAndRestart(ctx context.Context, ctl *rig.Controller, kind string) error {
	ctl.Kill()
	s.countFault(kind)
	if err := ctl.Restart(); err != nil {
		return fmt.Errorf("restarting %s: %w", ctl.Name, err)
	}
	return ctl.WaitReady(ctx)
}

// freeze stops a controller with SIGSTOP for d, then resumes it.
func (s *suite) freeze(ctx context.Context, ctl *rig.Controller, d time.Duration) error {
	ctl.Pause()
	s.countFault("replica SIGSTOP 2-9s")
	err := pause(ctx, d)
	ctl.Resume()
	return err
}

// panics returns the log lines of every controller that mention a panic.
func (s *suite) panics() []string {
	var out []string
	for _, ctl := range s.controllers {
		for _, line := range strings.Split(ctl.Logs(), "\n") {
			if strings.Contains(strings.ToLower(line), "panic") {
				out = append(out, ctl.Name+": "+line)
			}
		}
	}
	return out
}

// checkNoPanic fails the test if a controller logged a panic.
func (s *suite) checkNoPanic() int {
	p := s.panics()
	if len(p) > 0 {
		s.t.Errorf("controllers logged %d panic line(s):\n%s", len(p), strings.Join(head(p, 40), "\n"))
	}
	return len(p)
}

func head(lines []string, n int) []string {
	if len(lines) > n {
		return append(lines[:n:n], fmt.Sprintf("... and %d more", len(lines)-n))
	}
	return lines
}
