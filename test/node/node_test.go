//go:build node

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

// Package node runs our controller on the rig's node tier: the real Tekton
// controller, Tekton's own images (built with ko) and real pods on a real
// kubelet with containerd and runc. The failures are the kernel's and the
// runtime's, not a simulation: exit codes, OOM kills, image pulls,
// timeouts. TestScenarios runs framework.Scenarios, the one table of
// scenarios that run pods, which test/e2e runs on KWOK's simulated pods with
// the same expectations (failure details, step states, take-overs), so the
// simulation cannot drift from reality unnoticed; the failure package's
// fixtures are checked against runs recorded here.
//
//	go test -tags node ./test/node/     (Linux, root; see hack/rig/node-deps.sh)
//
// WFE_NODE_FIXTURES=DIR writes the PipelineRun and TaskRuns of every
// scenario's run to DIR, in the format of
// pkg/reconciler/workflowexecution/failure/testdata. WFE_TAKEOVERS sets how
// many take-overs the take-over scenario runs (default 4).
package node

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

var env *framework.Env

func TestMain(m *testing.M) {
	framework.Main(m, &env, framework.Suite{
		Name: "node tier", Tier: rig.Node, Config: map[string]string{"cooldown-period": "1h"},
		StartTimeout: 30 * time.Minute, Check: rig.NodeCheck,
	})
}

// TestScenarios runs framework.Scenarios, the table of scenarios that run
// pods, on real pods; test/e2e runs the same table on KWOK's simulated
// pods and expects the same. Each run is recorded as a fixture when
// WFE_NODE_FIXTURES is set.
func TestScenarios(t *testing.T) {
	env.RunScenarios(t, func(t *testing.T, s framework.Scenario, target string) {
		saveFixture(t, strings.ToLower(s.Name), target)
	})
}

func checkInvariant(t *testing.T) {
	t.Cleanup(func() { env.Checker.Verify(t, 5*time.Second) })
}

// TestLatencyHistogramsAgreeWithAWatch is test/integration's check with the
// real Tekton on real pods, take-overs included; test/e2e runs it on KWOK.
func TestLatencyHistogramsAgreeWithAWatch(t *testing.T) {
	checkInvariant(t)
	env.CheckLatencyWithTakeOvers(t, 10, 2)
}

// saveFixture writes the run's PipelineRun and TaskRuns to
// $WFE_NODE_FIXTURES/<name>.yaml (for refreshing the failure fixtures).
func saveFixture(t *testing.T, name, target string) {
	t.Helper()
	dir := os.Getenv("WFE_NODE_FIXTURES")
	if dir == "" {
		return
	}
	ctx := context.Background()
	pr, err := env.Cluster.Tekton.TektonV1().PipelineRuns(rig.ExecutionNamespace).Get(ctx, framework.PipelineRunName(t, target), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Recorded from a real run on the rig's node tier (test/node %s).\n", t.Name())
	write := func(o any) {
		y, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "---\n%s", y)
	}
	pr.ManagedFields = nil
	pr.TypeMeta = metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "PipelineRun"}
	write(pr)
	for _, tr := range env.TaskRuns(t, target) {
		tr.ManagedFields = nil
		tr.TypeMeta = metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "TaskRun"}
		write(tr)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
