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

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
