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
package metrics

import (
	"fmt"
	"testing"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"go.opentelemetry.io/otel/metric/noop"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"
	"knative.dev/pkg/apis"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

const (
	selfUID  = "5f0c1c2e-0000-4000-8000-000000000001"
	otherUID = "5f0c1c2e-0000-4000-8000-000000000002"
)

var now = time.Date(2026, 3, 14, 10, 5, 0, 0, time.UTC)

// execution is an execution of that UID in phase ("" = not reconciled yet;
// Running = started).
func execution(uid types.UID, phase v1alpha1.Phase) *v1alpha1.WorkflowExecution {
	w := &v1alpha1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "payment", Name: string(uid), UID: uid}}
	w.Status.Phase = phase
	if phase == v1alpha1.PhaseRunning {
		start := metav1.NewTime(now.Add(-time.Minute))
		w.Status.StartTime = &start
	}
	return w
}

// ownRun is the PipelineRun of the execution selfUID with that Succeeded status.
func ownRun(status corev1.ConditionStatus) *pipelinev1.PipelineRun {
	pr := &pipelinev1.PipelineRun{ObjectMeta: metav1.ObjectMeta{
		Namespace: "kubernaut-workflows", Name: "wfe-8df8f872429e9491",
		Labels: map[string]string{
			workflowexecution.WorkflowExecutionLabelKey: selfUID,
			workflowexecution.SourceNamespaceLabelKey:   "payment",
		},
		Annotations: map[string]string{workflowexecution.WorkflowExecutionUIDAnnotationKey: selfUID},
	}}
	pr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: status})
	return pr
}

func entries(m *startPoints) int { return m.len() }

// TestStartPointsAreBounded: a start point nobody takes (its deletion
// missed) expires after observationTTL, and the cache holds at most
// observationEntries.
func TestStartPointsAreBounded(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(now)
	p := newStartPoints(clk)
	p.storeOnce(selfUID)
	clk.SetTime(now.Add(observationTTL))
	if at, ok := p.take(selfUID); !ok || !at.Equal(now) {
		t.Errorf("at observationTTL: start point = %v, %v; want %v", at, ok, now)
	}
	p.storeOnce(selfUID)
	clk.SetTime(clk.Now().Add(observationTTL + time.Nanosecond))
	if _, ok := p.take(selfUID); ok {
		t.Error("a start point outlived observationTTL")
	}
	for i := range observationEntries + 10 {
		p.storeOnce(types.UID(fmt.Sprint(i)))
	}
	if n := p.len(); n != observationEntries {
		t.Errorf("%d start points kept, want at most %d", n, observationEntries)
	}
}

// TestObservations: the start points of the latency metrics are the
// informer's deliveries (not its initial list), taken once, and nothing is
// kept past the execution's start or its deletion.
func TestObservations(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(now)
	r, err := NewRecorder(noop.NewMeterProvider(), WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	o := &r.observed
	var handed int
	next := func(any) { handed++ }
	wfes, runs := r.ExecutionHandler(next), r.RunHandler(next)

	fresh := execution(selfUID, "")
	old := execution(otherUID, v1alpha1.PhasePending)
	wfes.OnAdd(old, true) // initial list: existed before this process watched
	wfes.OnAdd(fresh, false)
	clk.SetTime(now.Add(time.Second))
	wfes.OnUpdate(fresh, fresh) // a later delivery does not move the start
	wfes.OnUpdate(old, old)
	if _, ok := o.takeSeen(old.UID); ok {
		t.Error("an execution of the initial list has a start point")
	}
	if at, ok := o.takeSeen(fresh.UID); !ok || !at.Equal(now) {
		t.Errorf("start point = %v, %v; want %v (the ADDED delivery)", at, ok, now)
	}
	if _, ok := o.takeSeen(fresh.UID); ok {
		t.Error("a start point was taken twice")
	}
	wfes.OnAdd(execution(selfUID, ""), false)
	wfes.OnUpdate(fresh, execution(selfUID, v1alpha1.PhaseRunning))
	if n := entries(&o.seen); n != 0 {
		t.Errorf("%d start point(s) kept after the execution started", n)
	}

	running, done := ownRun(corev1.ConditionUnknown), ownRun(corev1.ConditionTrue)
	runs.OnAdd(done, true) // initial list
	if n := entries(&o.runDone); n != 0 {
		t.Errorf("a run of the initial list has a completion point")
	}
	runs.OnUpdate(running, running)
	clk.SetTime(now.Add(2 * time.Second))
	runs.OnUpdate(running, done)
	clk.SetTime(now.Add(3 * time.Second))
	runs.OnUpdate(done, done) // not the moment it finished
	if at, ok := o.takeRunDone(fresh.UID); !ok || !at.Equal(now.Add(2*time.Second)) {
		t.Errorf("completion point = %v, %v; want %v", at, ok, now.Add(2*time.Second))
	}
	runs.OnUpdate(running, done)
	runs.OnDelete(cache.DeletedFinalStateUnknown{Obj: done})
	wfes.OnAdd(execution(selfUID, ""), false)
	runs.OnUpdate(running, done)
	wfes.OnDelete(fresh)
	if n, m := entries(&o.seen), entries(&o.runDone); n+m != 0 {
		t.Errorf("%d start and %d completion point(s) kept after the deletions", n, m)
	}
	if handed != 15 {
		t.Errorf("%d events handed on, want every one (15)", handed)
	}
}
