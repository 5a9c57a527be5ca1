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
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
	"kubernaut.ai/workflowexecution/test/framework"
	"kubernaut.ai/workflowexecution/test/rig"
)

// TestFailingStepOfThree is test/node's scenario of the same name,
// simulated: the middle step of three fails with 3. The steps' statuses
// must be what Tekton reports on real pods (recorded on the node tier): the
// first Completed, the failed one Error/3, the last one Skipped with exit 1.
func TestFailingStepOfThree(t *testing.T) {
	checkInvariant(t)
	image := env.Push(t, "wf/steps:v1", framework.Task{Name: "apply", Steps: []framework.Step{
		{Name: "backup", Script: "echo backup"}, {Name: "patch", Script: "echo patching; exit 3"}, {Name: "verify", Script: "echo never"},
	}, Annotations: map[string]string{rig.ExitCodeAnnotation: "3", rig.FailStepAnnotation: "patch"}})
	ns := env.Namespace(t, "steps")
	target := env.Target(ns, "Deployment")
	w := env.Create(t, framework.NewWFE(ns, "steps", target, "patch-steps", image))
	got := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseFailed, waitLong)
	fd := got.Status.FailureDetails
	if fd == nil || fd.Reason != v1alpha1.FailureReasonTaskFailed || fd.FailedTaskName != "apply" || fd.FailedStepName != "patch" ||
		fd.ExitCode == nil || *fd.ExitCode != 3 || !fd.WasExecutionFailure {
		t.Errorf("failureDetails = %+v, want TaskFailed in step patch of task apply with exit code 3", fd)
	}
	trs, err := env.Cluster.Tekton.TektonV1().TaskRuns(rig.ExecutionNamespace).List(context.Background(), metav1.ListOptions{
		LabelSelector: "tekton.dev/pipelineRun=" + prName(t, target),
	})
	if err != nil || len(trs.Items) != 1 {
		t.Fatalf("TaskRuns: %v (%d)", err, len(trs.Items))
	}
	want := []framework.StepState{
		{Name: "backup", Reason: "Completed", TerminationReason: "Completed", Exit: 0},
		{Name: "patch", Reason: "Error", TerminationReason: "Error", Exit: 3},
		{Name: "verify", Reason: "Error", TerminationReason: "Skipped", Exit: 1},
	}
	if diff := cmp.Diff(want, framework.StepStates(&trs.Items[0])); diff != "" {
		t.Errorf("step states (-real node, +KWOK): %s", diff)
	}
}

// TestOOMKilled is test/node's scenario of the same name, simulated with
// what the real node reports: the step's container OOMKilled with 137.
func TestOOMKilled(t *testing.T) {
	checkInvariant(t)
	image := env.Push(t, "wf/oom:v1", framework.Task{Name: "fill", Step: "allocate", Annotations: map[string]string{
		rig.ExitCodeAnnotation: "137", rig.FailReasonAnnotation: "OOMKilled",
	}})
	ns := env.Namespace(t, "oom")
	w := env.Create(t, framework.NewWFE(ns, "oom", env.Target(ns, "Deployment"), "fill-memory", image))
	got := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseFailed, waitLong)
	fd := got.Status.FailureDetails
	if fd == nil || fd.Reason != v1alpha1.FailureReasonOOMKilled || fd.FailedTaskName != "fill" || fd.FailedStepName != "allocate" ||
		fd.ExitCode == nil || *fd.ExitCode != 137 || !fd.WasExecutionFailure {
		t.Errorf("failureDetails = %+v, want OOMKilled in step allocate of task fill with exit code 137 (as on a real node)", fd)
	}
}

// TestImagePullBackOff is test/node's scenario of the same name, simulated:
// the step's container waits in ImagePullBackOff.
func TestImagePullBackOff(t *testing.T) {
	checkInvariant(t)
	image := env.Push(t, "wf/pull:v1", framework.Task{Name: "run", Step: "run", Annotations: map[string]string{rig.ImagePullBackOffAnnotation: "true"}})
	ns := env.Namespace(t, "imagepull")
	w := env.Create(t, framework.NewWFE(ns, "imagepull", env.Target(ns, "Deployment"), "pull-image", image))
	got := env.WaitForPhase(t, ns, w.Name, v1alpha1.PhaseFailed, waitLong)
	fd := got.Status.FailureDetails
	if fd == nil || fd.Reason != v1alpha1.FailureReasonImagePullBackOff || fd.FailedTaskName != "run" || fd.FailedStepName != "run" ||
		fd.ExitCode != nil || fd.WasExecutionFailure {
		t.Errorf("failureDetails = %+v, want ImagePullBackOff in step run of task run, no exit code, before execution (as on a real node)", fd)
	}
	if fd != nil && !strings.Contains(fd.Message, "registry.invalid/busybox") {
		t.Errorf("the message does not name the image: %q", fd.Message)
	}
}
