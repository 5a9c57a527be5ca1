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
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"
)

func entries(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}

// TestObservations: the start points of the latency metrics are the
// informer's deliveries (not its initial list), taken once, and nothing is
// kept past the execution's start or its deletion.
func TestObservations(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(now)
	o := &observations{clock: clk}
	var handed int
	next := func(any) { handed++ }
	wfes, runs := o.executionHandler(next), o.runHandler(next)

	fresh := self(t, "")
	old := wfe(t, otherNS, otherName, otherUID, otherWorkflow, otherTarget, statusPending)
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
	wfes.OnAdd(self(t, ""), false)
	wfes.OnUpdate(fresh, self(t, statusRunning))
	if n := entries(&o.seen); n != 0 {
		t.Errorf("%d start point(s) kept after the execution started", n)
	}

	running, done := ownPipelineRun(t, prRunning), ownPipelineRun(t, prSucceeded)
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
	wfes.OnAdd(self(t, ""), false)
	runs.OnUpdate(running, done)
	wfes.OnDelete(fresh)
	if n, m := entries(&o.seen), entries(&o.runDone); n+m != 0 {
		t.Errorf("%d start and %d completion point(s) kept after the deletions", n, m)
	}
	if handed != 15 {
		t.Errorf("%d events handed on, want every one (15)", handed)
	}
}
