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
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

var (
	soakFlag = flag.Bool("soak", false, "run the soak mode (also WFE_RELIABILITY_SOAK=1)")
	seedFlag = flag.Int64("seed", 0, "seed of the fault schedule and outcomes (0: from the clock; also WFE_RELIABILITY_SEED)")
)

// profile sizes the suite: short (CI) or soak.
type profile struct {
	Name string
	// Executions over Targets for the kill, control-plane and replica streams.
	Executions, Targets int
	// ControllerKills is the number of SIGKILLs of the single controller.
	ControllerKills int
	// APIServerRestarts and EtcdPauses (each EtcdPause long) hit the control plane.
	APIServerRestarts, EtcdPauses int
	EtcdPause, APIServerDown      time.Duration
	// ReplicaFaults is the number of faults of a random replica in each
	// multi-replica stream: alternately a SIGKILL and restart, and a freeze
	// (SIGSTOP) longer than the leases.
	ReplicaFaults int
	// SinkOutage is how long the audit sink is down.
	SinkOutage time.Duration
	// ExternalExecutions over ExternalTargets feed the external-deletion
	// and hold-limit stream.
	ExternalExecutions, ExternalTargets int
}

var (
	shortProfile = profile{
		Name:       "short",
		Executions: 100, Targets: 10,
		ControllerKills:   3,
		APIServerRestarts: 1, EtcdPauses: 1, EtcdPause: 4 * time.Second, APIServerDown: 2 * time.Second,
		ReplicaFaults:      2,
		SinkOutage:         20 * time.Second,
		ExternalExecutions: 50, ExternalTargets: 5,
	}
	soakProfile = profile{
		Name:       "soak",
		Executions: 500, Targets: 20,
		ControllerKills:   15,
		APIServerRestarts: 3, EtcdPauses: 3, EtcdPause: 6 * time.Second, APIServerDown: 5 * time.Second,
		ReplicaFaults:      10,
		SinkOutage:         3 * time.Minute,
		ExternalExecutions: 200, ExternalTargets: 10,
	}
)

// currentProfile is the mode's profile; WFE_RELIABILITY_EXECUTIONS and
// WFE_RELIABILITY_TARGETS override the size of the streams (to chase a
// rare interleaving).
func currentProfile() profile {
	p := shortProfile
	if *soakFlag || os.Getenv("WFE_RELIABILITY_SOAK") == "1" {
		p = soakProfile
	}
	if n, err := strconv.Atoi(os.Getenv("WFE_RELIABILITY_EXECUTIONS")); err == nil && n > 0 {
		p.Executions, p.ExternalExecutions = n, n
	}
	if n, err := strconv.Atoi(os.Getenv("WFE_RELIABILITY_TARGETS")); err == nil && n > 0 {
		p.Targets, p.ExternalTargets = n, n
	}
	return p
}

// baseSeed is the seed every test derives its own from (logged, so a run
// can be replayed with -seed or WFE_RELIABILITY_SEED).
var baseSeed int64

func TestMain(m *testing.M) {
	flag.Parse()
	baseSeed = *seedFlag
	if v := os.Getenv("WFE_RELIABILITY_SEED"); v != "" && baseSeed == 0 {
		baseSeed, _ = strconv.ParseInt(v, 10, 64)
	}
	if baseSeed == 0 {
		baseSeed = time.Now().UnixNano() % 1_000_000_007
	}
	p := currentProfile()
	fmt.Printf("reliability: %s mode, seed %d\n", p.Name, baseSeed)
	start := time.Now()
	code := m.Run()
	fmt.Print(report.table(p, time.Since(start)))
	os.Exit(code)
}

// figures are what one scenario reports.
type figures struct {
	Scenario   string
	Executions int
	Phases     map[v1alpha1.Phase]int
	// Faults counts the faults injected, by kind.
	Faults map[string]int
	// PipelineRuns is how many PipelineRuns the invariant checker saw.
	PipelineRuns int
	Violations   int
	// Unexpected counts executions that did not end as their PipelineRun dictates.
	Unexpected int
	// Orphans counts PipelineRuns left without an owner holding the lock.
	Orphans int
	// AuditExpected events, AuditLost of them never delivered, AuditDuplicates
	// deliveries beyond the first (always with the same event_id).
	AuditExpected, AuditLost, AuditDuplicates int
	Panics                                    int
	Duration                                  time.Duration
	Notes                                     []string
}

type reportT struct {
	mu   sync.Mutex
	rows []figures
}

var report = &reportT{}

func (r *reportT) add(f figures) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, f)
}

// table renders the figures as the Markdown table of docs/reliability.md.
func (r *reportT) table(p profile, total time.Duration) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Reliability figures (%s mode, seed %d, total %s)\n\n", p.Name, baseSeed, total.Round(time.Second))
	b.WriteString("| scenario | executions | Completed/Failed/Skipped | faults injected | PipelineRuns | violations | wrong terminal | orphans | audit events (lost, dup) | panics | duration |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, f := range r.rows {
		var faults []string
		for k, v := range f.Faults {
			faults = append(faults, fmt.Sprintf("%s ×%d", k, v))
		}
		sort.Strings(faults)
		fmt.Fprintf(&b, "| %s | %d | %d/%d/%d | %s | %d | %d | %d | %d | %d (%d, %d) | %d | %s |\n",
			f.Scenario, f.Executions, f.Phases[v1alpha1.PhaseCompleted], f.Phases[v1alpha1.PhaseFailed], f.Phases[v1alpha1.PhaseSkipped],
			strings.Join(faults, ", "), f.PipelineRuns, f.Violations, f.Unexpected, f.Orphans,
			f.AuditExpected, f.AuditLost, f.AuditDuplicates, f.Panics, f.Duration.Round(100*time.Millisecond))
	}
	b.WriteString("\n")
	for _, f := range r.rows {
		for _, n := range f.Notes {
			fmt.Fprintf(&b, "- %s: %s\n", f.Scenario, n)
		}
	}
	if path := os.Getenv("WFE_RELIABILITY_REPORT"); path != "" {
		_ = os.WriteFile(path, []byte(b.String()), 0o644)
	}
	return b.String()
}
