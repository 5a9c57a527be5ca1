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

package v1alpha1

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestRegister(t *testing.T) {
	if diff := cmp.Diff(schema.GroupKind{Group: "workflowexecution.kubernaut.ai", Kind: "WorkflowExecution"}, Kind("WorkflowExecution")); diff != "" {
		t.Errorf("Kind (-want, +got):\n%s", diff)
	}
	if diff := cmp.Diff(schema.GroupResource{Group: "workflowexecution.kubernaut.ai", Resource: "workflowexecutions"}, Resource("workflowexecutions")); diff != "" {
		t.Errorf("Resource (-want, +got):\n%s", diff)
	}

	scheme := runtime.NewScheme()
	if err := AddToScheme(scheme); err != nil {
		t.Fatalf("AddToScheme() = %v", err)
	}
	for _, obj := range []runtime.Object{&WorkflowExecution{}, &WorkflowExecutionList{}} {
		gvks, _, err := scheme.ObjectKinds(obj)
		if err != nil {
			t.Fatalf("ObjectKinds(%T) = %v", obj, err)
		}
		if len(gvks) != 1 || gvks[0].GroupVersion() != SchemeGroupVersion {
			t.Errorf("ObjectKinds(%T) = %v, want one kind in %v", obj, gvks, SchemeGroupVersion)
		}
	}
}
