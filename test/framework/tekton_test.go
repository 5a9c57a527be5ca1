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
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/workflowexecution/test/rig"
)

// TestPipelineIsValidTekton: the bundle Pipeline the suites push parses
// strictly as a Tekton v1 Pipeline, passes Tekton's own validation, and
// runs its tasks in sequence with their annotations.
func TestPipelineIsValidTekton(t *testing.T) {
	y := Pipeline(
		Task{Name: "check", Step: "inspect"},
		Task{Name: "patch", Step: "apply", Annotations: map[string]string{rig.ExitCodeAnnotation: "3", rig.DelayAnnotation: "1s"}},
	)
	var p pipelinev1.Pipeline
	if err := yaml.UnmarshalStrict([]byte(y), &p); err != nil {
		t.Fatalf("parsing:\n%s\n%v", y, err)
	}
	p.SetDefaults(context.Background())
	if err := p.Validate(context.Background()); err != nil {
		t.Fatalf("Tekton rejects the Pipeline:\n%s\n%v", y, err)
	}
	if p.Name != "workflow" || len(p.Spec.Tasks) != 2 {
		t.Fatalf("got Pipeline %q with %d tasks, want workflow with 2", p.Name, len(p.Spec.Tasks))
	}
	if diff := cmp.Diff([]string{"check"}, p.Spec.Tasks[1].RunAfter); diff != "" {
		t.Errorf("runAfter of the second task (-want, +got):\n%s", diff)
	}
	want := map[string]string{rig.ExitCodeAnnotation: "3", rig.DelayAnnotation: "1s"}
	if diff := cmp.Diff(want, p.Spec.Tasks[1].TaskSpec.Metadata.Annotations); diff != "" {
		t.Errorf("annotations of the second task (-want, +got):\n%s", diff)
	}
	if got := p.Spec.Tasks[1].TaskSpec.Steps[0].Name; got != "apply" {
		t.Errorf("step of the second task = %q, want apply", got)
	}
	if Pipeline(Task{Name: "a", Step: "a", Annotations: want}) != Pipeline(Task{Name: "a", Step: "a", Annotations: want}) {
		t.Error("the same tasks give different Pipelines (the bundle digest would change)")
	}
}

// TestPipelineOfRealSteps: a task that sets its step's image, script and
// memory limit (the node tier's tasks) gives a valid Tekton Pipeline with
// exactly those; a task that sets none keeps the simulated step.
func TestPipelineOfRealSteps(t *testing.T) {
	y := Pipeline(
		Task{Name: "check", Step: "inspect"},
		Task{Name: "fill", Step: "allocate", Image: "registry.local/busybox@sha256:0123", MemoryLimit: "20Mi",
			Script: "echo \"$(params.TARGET)\"\nexec dd if=/dev/zero of=/dev/null bs=64M count=1\n"},
		Task{Name: "apply", Image: "registry.local/busybox", Steps: []Step{{Name: "backup", Script: "echo backup"}, {Name: "patch", Script: "exit 3"}}},
	)
	var p pipelinev1.Pipeline
	if err := yaml.UnmarshalStrict([]byte(y), &p); err != nil {
		t.Fatalf("parsing:\n%s\n%v", y, err)
	}
	p.SetDefaults(context.Background())
	if err := p.Validate(context.Background()); err != nil {
		t.Fatalf("Tekton rejects the Pipeline:\n%s\n%v", y, err)
	}
	if len(p.Spec.Tasks) != 3 {
		t.Fatalf("got %d tasks, want 3", len(p.Spec.Tasks))
	}
	simulated := p.Spec.Tasks[0].TaskSpec.Steps[0]
	if simulated.Image != "registry.invalid/busybox" || simulated.Script != `echo "$(params.TARGET) $(params.REPLICAS)"` || simulated.ComputeResources.Limits != nil {
		t.Errorf("the default step = image %q, script %q, limits %v; want the simulated echo", simulated.Image, simulated.Script, simulated.ComputeResources.Limits)
	}
	real := p.Spec.Tasks[1].TaskSpec.Steps[0]
	if real.Image != "registry.local/busybox@sha256:0123" {
		t.Errorf("image = %q", real.Image)
	}
	if want := "echo \"$(params.TARGET)\"\nexec dd if=/dev/zero of=/dev/null bs=64M count=1\n"; real.Script != want {
		t.Errorf("script = %q, want %q", real.Script, want)
	}
	if got := real.ComputeResources.Limits.Memory().String(); got != "20Mi" {
		t.Errorf("memory limit = %s, want 20Mi", got)
	}
	var steps []string
	for _, st := range p.Spec.Tasks[2].TaskSpec.Steps {
		steps = append(steps, st.Name+" "+st.Image+" "+st.Script)
	}
	if diff := cmp.Diff([]string{"backup registry.local/busybox echo backup\n", "patch registry.local/busybox exit 3\n"}, steps); diff != "" {
		t.Errorf("steps of a task of several steps (-want, +got):\n%s", diff)
	}
}

func TestMarkPipelineRunDone(t *testing.T) {
	created := metav1.NewTime(time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC))
	pr := &pipelinev1.PipelineRun{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: created}}
	MarkPipelineRunDone(pr, corev1.ConditionFalse, "Failed", "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0")
	if !pr.IsDone() || pr.IsSuccessful() {
		t.Errorf("IsDone() = %v, IsSuccessful() = %v, want true, false", pr.IsDone(), pr.IsSuccessful())
	}
	c := pr.Status.GetCondition("Succeeded")
	if c.Reason != "Failed" || c.Message != "Tasks Completed: 1 (Failed: 1, Cancelled 0), Skipped: 0" {
		t.Errorf("condition = %+v", c)
	}
	if pr.Status.StartTime == nil || !pr.Status.StartTime.Equal(&created) {
		t.Errorf("StartTime = %v, want the creation time %v", pr.Status.StartTime, created)
	}
	if pr.Status.CompletionTime == nil || pr.Status.CompletionTime.Before(&created) {
		t.Errorf("CompletionTime = %v, want set, after %v", pr.Status.CompletionTime, created)
	}
}

func TestStepStates(t *testing.T) {
	tr := &pipelinev1.TaskRun{Status: pipelinev1.TaskRunStatus{TaskRunStatusFields: pipelinev1.TaskRunStatusFields{Steps: []pipelinev1.StepState{
		{Name: "patch", TerminationReason: "Error", ContainerState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 3}}},
		{Name: "verify", ContainerState: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
	}}}}
	want := []StepState{
		{Name: "patch", Reason: "Error", TerminationReason: "Error", Exit: 3},
		{Name: "verify", Exit: -1},
	}
	if diff := cmp.Diff(want, StepStates(tr)); diff != "" {
		t.Errorf("StepStates (-want, +got):\n%s", diff)
	}
}
