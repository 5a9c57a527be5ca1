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

package framework

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"kubernaut.ai/workflowexecution/test/rig"
)

// Suite is what a suite's TestMain starts: a rig of Tier with our
// controller, config-workflowexecution set to Config.
type Suite struct {
	// Name names the suite in messages ("e2e", "node tier").
	Name   string
	Tier   rig.Tier
	Config map[string]string
	// StartTimeout bounds bringing the rig up.
	StartTimeout time.Duration
	// Check, if set, says why the suite cannot run here ("" if it can);
	// the suite then fails without starting anything.
	Check func(context.Context) string
	// LogLines is how many lines of each component's log to print when
	// the suite fails (default 40).
	LogLines int
}

// Main runs a suite from its TestMain: it starts the rig, sets *env, runs
// the tests, reports the invariant checker (a violation fails the suite),
// prints the tail of every component's log if anything failed, tears the
// rig down and exits.
func Main(m *testing.M, env **Env, s Suite) {
	if s.Check != nil {
		if why := s.Check(context.Background()); why != "" {
			fmt.Fprintf(os.Stderr, "the %s cannot run here: %s\n", s.Name, why)
			os.Exit(1)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.StartTimeout)
	start := time.Now()
	e, err := Start(ctx, s.Tier, s.Config)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting the %s rig: %v\n", s.Name, err)
		os.Exit(1)
	}
	*env = e
	fmt.Printf("%s: cluster up in %s (rig start %s)\n", s.Name, time.Since(start).Round(time.Millisecond), e.Cluster.StartDuration.Round(time.Millisecond))
	code := m.Run()
	runs, running := e.Checker.Stats()
	v := e.Checker.Violations()
	fmt.Printf("invariant checker: %d PipelineRuns and %d Running executions checked, %d violations\n", runs, running, len(v))
	if len(v) > 0 {
		fmt.Fprintf(os.Stderr, "invariant violations:\n%s\n", strings.Join(v, "\n"))
		code = 1
	}
	if code != 0 {
		n := s.LogLines
		if n == 0 {
			n = 40
		}
		var b strings.Builder
		e.Cluster.DumpLogs(&b, n)
		fmt.Fprintln(os.Stderr, b.String())
	}
	e.Stop()
	os.Exit(code)
}
