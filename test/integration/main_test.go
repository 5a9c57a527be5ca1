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
// Package integration runs our controller, as its own ServiceAccount, against
// a real kube-apiserver and etcd. Tekton's CRDs are installed but its
// controller is not: the tests play Tekton through the status subresource.
package integration

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

var env *framework.Env

// baseConfig is the configuration most tests run with; a test that needs
// another calls env.RestartWithConfig and restores this one when done.
var baseConfig = map[string]string{
	"cooldown-period":    "0s",
	"stuck-grace-period": "5m",
}

const image = "registry.example.com/remediation/restart:v1"

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	var err error
	env, err = framework.Start(ctx, rig.Integration, baseConfig)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting the integration rig: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "----- controller log (tail) -----\n%s\n", tailLines(env.Controller.Logs(), 80))
	}
	runs, running := env.Checker.Stats()
	fmt.Printf("invariant checker: %d PipelineRuns and %d Running executions checked, %d violations\n",
		runs, running, len(env.Checker.Violations()))
	if v := env.Checker.Violations(); len(v) > 0 {
		fmt.Fprintf(os.Stderr, "invariant violations:\n%v\n", v)
		code = 1
	}
	env.Stop()
	os.Exit(code)
}

// useConfig restarts the controller with cfg for one test and restores the
// base configuration afterwards.
func useConfig(t *testing.T, cfg map[string]string) {
	t.Helper()
	env.RestartWithConfig(t, cfg)
	t.Cleanup(func() { env.RestartWithConfig(t, baseConfig) })
}

// checkInvariant verifies the invariant at the end of a test.
func checkInvariant(t *testing.T) {
	t.Cleanup(func() { env.Checker.Verify(t, 5*time.Second) })
}

func tailLines(s string, n int) string {
	count := 0
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			count++
			if count > n {
				return s[i+1:]
			}
		}
	}
	return s
}
