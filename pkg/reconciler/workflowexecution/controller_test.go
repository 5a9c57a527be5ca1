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

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

func TestStripManagedFields(t *testing.T) {
	pr := &pipelinev1.PipelineRun{ObjectMeta: metav1.ObjectMeta{
		Name:          "run",
		Labels:        map[string]string{"a": "b"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
	}}
	got, err := stripManagedFields(pr)
	if err != nil {
		t.Fatal(err)
	}
	out := got.(*pipelinev1.PipelineRun)
	if out.ManagedFields != nil || out.Name != "run" || out.Labels["a"] != "b" {
		t.Errorf("stripManagedFields = %+v, want the object without managedFields only", out.ObjectMeta)
	}
	if v, err := stripManagedFields("not an object"); err != nil || v != "not an object" {
		t.Errorf("stripManagedFields(non-object) = %v, %v", v, err)
	}
}

func TestHasWorkLeft(t *testing.T) {
	deleted := func(w *v1alpha1.WorkflowExecution) *v1alpha1.WorkflowExecution {
		at := metav1.NewTime(now)
		w.DeletionTimestamp = &at
		return w
	}
	for _, c := range []struct {
		name string
		wfe  *v1alpha1.WorkflowExecution
		want bool
	}{
		{name: "new", wfe: self(t, ""), want: true},
		{name: "Pending", wfe: self(t, statusPending), want: true},
		{name: "Running", wfe: self(t, statusRunning), want: true},
		{name: "Completed, lock held", wfe: self(t, ended("Completed", time.Second)), want: true},
		{name: "Completed, lock released", wfe: self(t, released(ended("Completed", time.Second)))},
		{name: "Completed, lock released, being deleted", wfe: deleted(self(t, released(ended("Completed", time.Second)))), want: true},
	} {
		if got := hasWorkLeft(c.wfe); got != c.want {
			t.Errorf("%s: hasWorkLeft() = %v, want %v", c.name, got, c.want)
		}
	}
	if hasWorkLeft("not an execution") {
		t.Error("hasWorkLeft(a string) = true")
	}
}
