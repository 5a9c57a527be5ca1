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
package e2e

import (
	"testing"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// TestStepNamedForbiddenIsTaskFailed: on real Tekton, a step named
// check-forbidden-access (in a task named forbidden-quota-check) that
// exits 3 is TaskFailed with exit code 3 and the step named: Tekton's
// message quotes the step's name, and the step's exit code is read before
// any message text (docs/design.md §5).
func TestStepNamedForbiddenIsTaskFailed(t *testing.T) {
	checkInvariant(t)
	image := env.Push(t, "wf/forbidden-name:v1",
		framework.Task{Name: "forbidden-quota-check", Step: "check-forbidden-access", Annotations: map[string]string{rig.ExitCodeAnnotation: "3"}})
	ns := env.Namespace(t, "names")
	w := env.Create(t, framework.NewWFE(ns, "check", env.Target(ns, "Deployment"), "check-access", image))
	got := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseFailed, waitLong)
	fd := got.Status.FailureDetails
	if fd == nil {
		t.Fatal("failureDetails not set")
	}
	if fd.Reason != v1alpha1.FailureReasonTaskFailed || fd.ExitCode == nil || *fd.ExitCode != 3 ||
		fd.FailedStepName != "check-forbidden-access" || fd.FailedTaskName != "forbidden-quota-check" {
		t.Errorf("failureDetails = %s, exit %v, step %q, task %q; want TaskFailed, 3, check-forbidden-access, forbidden-quota-check (full: %+v)",
			fd.Reason, fd.ExitCode, fd.FailedStepName, fd.FailedTaskName, fd)
	}
}
