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
	"fmt"
	"sort"
	"strings"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// Task is one task of a test Pipeline: a task Name with one step Step that
// echoes its params; Annotations on the task steer its simulated pod (see
// test/rig/README.md: rig.DelayAnnotation, rig.ExitCodeAnnotation).
//
// On the node tier, where the pods are real, a task sets what its step
// runs: Image (default registry.invalid/busybox, which only KWOK "runs"),
// Script (default: echo the params) and MemoryLimit (none by default).
//
// Steps, if set, are the task's steps instead of the one Step (each with
// the task's Image and MemoryLimit).
type Task struct {
	Name, Step  string
	Annotations map[string]string

	Image, Script, MemoryLimit string
	Steps                      []Step
}

// Step is one of the Steps of a Task: Name runs Script (default: echo the
// params).
type Step struct {
	Name, Script string
}

// Pipeline is a bundle Pipeline named "workflow" running tasks in sequence.
// It declares the parameters the suites pass: TARGET_RESOURCE, and
// REPLICAS and REASON with defaults; each task gets TARGET and REPLICAS.
func Pipeline(tasks ...Task) string {
	var b strings.Builder
	b.WriteString(`apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: workflow
spec:
  params:
  - name: TARGET_RESOURCE
    type: string
  - name: REPLICAS
    type: string
    default: "1"
  - name: REASON
    type: string
    default: ""
  tasks:
`)
	for i, t := range tasks {
		fmt.Fprintf(&b, "  - name: %s\n", t.Name)
		if i > 0 {
			fmt.Fprintf(&b, "    runAfter: [%s]\n", tasks[i-1].Name)
		}
		b.WriteString(`    params:
    - name: TARGET
      value: $(params.TARGET_RESOURCE)
    - name: REPLICAS
      value: $(params.REPLICAS)
    taskSpec:
      params:
      - name: TARGET
      - name: REPLICAS
`)
		if len(t.Annotations) > 0 {
			b.WriteString("      metadata:\n        annotations:\n")
			keys := make([]string, 0, len(t.Annotations))
			for k := range t.Annotations {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(&b, "          %s: %q\n", k, t.Annotations[k])
			}
		}
		image := t.Image
		if image == "" {
			image = "registry.invalid/busybox"
		}
		steps := t.Steps
		if len(steps) == 0 {
			steps = []Step{{Name: t.Step, Script: t.Script}}
		}
		b.WriteString("      steps:\n")
		for _, s := range steps {
			fmt.Fprintf(&b, "      - name: %s\n        image: %s\n", s.Name, image)
			if t.MemoryLimit != "" {
				fmt.Fprintf(&b, "        computeResources:\n          limits: {memory: %s}\n", t.MemoryLimit)
			}
			if s.Script == "" {
				b.WriteString("        script: echo \"$(params.TARGET) $(params.REPLICAS)\"\n")
				continue
			}
			b.WriteString("        script: |\n")
			for _, l := range strings.Split(strings.TrimSpace(s.Script), "\n") {
				fmt.Fprintf(&b, "          %s\n", l)
			}
		}
	}
	return b.String()
}

// MarkPipelineRunDone sets what Tekton sets when a run ends: the start time
// (the creation time if it never started), the completion time and the
// Succeeded condition. The caller writes it through the status subresource.
func MarkPipelineRunDone(pr *pipelinev1.PipelineRun, status corev1.ConditionStatus, reason, message string) {
	now := metav1.Now()
	if pr.Status.StartTime == nil {
		pr.Status.StartTime = &pr.CreationTimestamp
	}
	pr.Status.CompletionTime = &now
	pr.Status.Conditions = duckv1.Conditions{{
		Type: apis.ConditionSucceeded, Status: status, Reason: reason, Message: message,
		LastTransitionTime: apis.VolatileTime{Inner: now},
	}}
}

// StepState is what a TaskRun reports of one step: the container's
// termination reason and exit code (-1 if not terminated) and Tekton's own
// termination reason (Completed, Error, Skipped ...).
type StepState struct {
	Name, Reason, TerminationReason string
	Exit                            int32
}

// StepStates lists the steps of tr as the tiers must agree on them.
func StepStates(tr *pipelinev1.TaskRun) []StepState {
	var states []StepState
	for _, s := range tr.Status.Steps {
		st := StepState{Name: s.Name, TerminationReason: s.TerminationReason, Exit: -1}
		if s.Terminated != nil {
			st.Reason, st.Exit = s.Terminated.Reason, s.Terminated.ExitCode
		}
		states = append(states, st)
	}
	return states
}
