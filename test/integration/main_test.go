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
	framework.Main(m, &env, framework.Suite{
		Name: "integration", Tier: rig.Integration, Config: baseConfig,
		StartTimeout: 10 * time.Minute, LogLines: 80,
	})
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
