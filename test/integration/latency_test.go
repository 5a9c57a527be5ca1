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
package integration

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/framework"
)

// TestLatencyHistogramsAgreeWithAWatch: the creation and status-sync
// histograms measure, with sub-second precision, what a client watching
// the API server sees: execution ADDED → its PipelineRun ADDED, and
// PipelineRun finished → execution terminal. Over N executions, each
// histogram's mean (sum/count of the executions' samples) is within 50 ms
// of the watch's mean. With API timestamps (one-second precision) both
// histograms read about 0.5 s on average while the real latency is a few
// milliseconds. Here the test plays Tekton; test/e2e and test/node run the
// same check with the real Tekton, on simulated and on real pods, take-overs
// included.
func TestLatencyHistogramsAgreeWithAWatch(t *testing.T) {
	checkInvariant(t)
	const n = 20
	ns := env.Namespace(t, "latency")
	m := env.WatchMoments(t, ns)
	before := framework.Scrape(t, env.Controller)
	var names []string
	for i := 0; i < n; i++ {
		target := env.Target(ns, "Deployment")
		w := env.Create(t, framework.NewWFE(ns, fmt.Sprintf("lat-%02d", i), target, "restart", image))
		names = append(names, w.Name)
		env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseRunning, waitLong)
		env.FinishPipelineRun(t, prName(t, target), corev1.ConditionTrue, "Succeeded", "done")
		env.WaitFor(t, ns, w.Name, "terminal", waitLong, func(w *v1alpha1.WorkflowExecution) bool { return w.Status.IsDone() })
	}
	env.CheckLatencyHistograms(t, m, before, names)
}
