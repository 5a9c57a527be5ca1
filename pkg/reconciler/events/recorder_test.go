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

package events

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
)

func TestDroppingRecorder(t *testing.T) {
	fake := record.NewFakeRecorder(10)
	rec := DropFinalizerUpdates(fake)
	obj := &corev1.ConfigMap{}
	rec.Eventf(obj, corev1.EventTypeNormal, finalizerUpdate, "Updated %q finalizers", "x")
	rec.Event(obj, corev1.EventTypeNormal, finalizerUpdate, "Updated finalizers")
	rec.AnnotatedEventf(obj, nil, corev1.EventTypeNormal, finalizerUpdate, "Updated %q finalizers", "x")
	rec.Eventf(obj, corev1.EventTypeWarning, "FinalizerUpdateFailed", "Failed to update finalizers for %q: %v", "x", "boom")
	rec.Event(obj, corev1.EventTypeNormal, "PipelineRunCreated", "Created PipelineRun a/b")
	rec.AnnotatedEventf(obj, map[string]string{"k": "v"}, corev1.EventTypeNormal, "LockReleased", "Released %s", "t")
	close(fake.Events)
	var got []string
	for e := range fake.Events {
		got = append(got, e)
	}
	want := []string{
		`Warning FinalizerUpdateFailed Failed to update finalizers for "x": boom`,
		"Normal PipelineRunCreated Created PipelineRun a/b",
		"Normal LockReleased Released t map[k:v]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recorded events (-want +got):\n%s", diff)
	}
}
