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

package workflowexecution

import (
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgotesting "k8s.io/client-go/testing"
)

// childOf is a finished TaskRun of pr, as Tekton creates it.
func childOf(pr *pipelinev1.PipelineRun) *pipelinev1.TaskRun {
	tr := &pipelinev1.TaskRun{ObjectMeta: metav1.ObjectMeta{
		Namespace: pr.Namespace, Name: pr.Name + "-run", UID: "7a000000-0000-4000-8000-0000000000c1",
		Labels:          map[string]string{"tekton.dev/pipelineRun": pr.Name},
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(pr, pipelinev1.SchemeGroupVersion.WithKind("PipelineRun"))},
	}}
	for k, v := range pr.Labels {
		tr.Labels[k] = v
	}
	return tr
}

// TestRunsWithTaskRunsAreDeletedInTheForeground: every path that deletes a
// run (here a take-over and the release after the cooldown) deletes a run
// that has TaskRuns in the foreground, so that it stays terminating,
// holding its target, until the garbage collector has removed its TaskRuns
// and their pods: the next run has the same name, and Tekton would take the
// old TaskRun or pod (by name) for its own and succeed without running
// anything. A run without TaskRuns goes at once (background).
func TestRunsWithTaskRunsAreDeletedInTheForeground(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, status string) *pipelinev1.PipelineRun
		self string
		want metav1.DeletionPropagation
	}{
		{"take-over of a finished run", foreignRun, statusPending, metav1.DeletePropagationForeground},
		{"release after the cooldown", ownPipelineRun, ended("Completed", 6*time.Minute), metav1.DeletePropagationForeground},
		{"take-over of a run without TaskRuns", foreignRun, statusPending, metav1.DeletePropagationBackground},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr := tc.run(t, prSucceeded)
			s := objects(self(t, tc.self), other(t, ended("Completed", time.Minute)), pr)
			if tc.want == metav1.DeletePropagationForeground {
				s.cached = append(s.cached, childOf(pr))
			}
			f := newFixture(t, s)
			_ = f.reconcile(selfKey)
			var deletes int
			for _, a := range f.tekton.Actions() {
				d, ok := a.(clientgotesting.DeleteActionImpl)
				if !ok || d.GetResource().Resource != "pipelineruns" {
					continue
				}
				deletes++
				o := d.GetDeleteOptions()
				if o.PropagationPolicy == nil || *o.PropagationPolicy != tc.want {
					t.Errorf("delete %s/%s propagation = %v, want %s", d.GetNamespace(), d.GetName(), o.PropagationPolicy, tc.want)
				}
				if o.Preconditions == nil || o.Preconditions.UID == nil {
					t.Errorf("delete %s/%s without a UID precondition", d.GetNamespace(), d.GetName())
				}
			}
			if deletes != 1 {
				t.Errorf("%d deletes (actions %q), want 1", deletes, f.tektonActions())
			}
		})
	}
}
