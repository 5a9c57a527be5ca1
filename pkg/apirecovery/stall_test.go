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

package apirecovery

import (
	"context"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

var now = time.Date(2026, 3, 14, 10, 5, 0, 0, time.UTC)

func TestStallWatch(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(now)
	s := NewStallWatch(clk)
	// step moves the clock by d, ticking every stallTick unless the
	// process is frozen, or once at the end when the tick is late.
	step := func(d time.Duration, tick, late bool) {
		if !tick || late {
			clk.SetTime(clk.Now().Add(d))
			if late {
				s.tick()
			}
			return
		}
		for ; d > 0; d -= stallTick {
			clk.SetTime(clk.Now().Add(min(d, stallTick)))
			s.tick()
		}
	}
	for i, c := range []struct {
		what    string
		advance time.Duration
		tick    bool
		late    bool
		suspect bool
	}{
		{"ticking on time", stallTick, true, false, false},
		{"a late tick, at the limit", stallLimit, true, true, false},
		{"ticking again", time.Second, true, false, false},
		{"frozen, the ticker has not run since", stallLimit + time.Millisecond, false, false, true},
		{"resumed: the late tick opens the window", 0, true, true, true},
		{"still inside the window", stallWindow - stallTick, true, false, true},
		{"the window has passed", 2 * stallTick, true, false, false},
	} {
		step(c.advance, c.tick, c.late)
		if got := s.Suspect(); got != c.suspect {
			t.Errorf("step %d (%s): suspect() = %v, want %v", i, c.what, got, c.suspect)
		}
	}
	var none *StallWatch
	if none.Suspect() {
		t.Error("a nil StallWatch suspects a stall")
	}
}

func TestStallWatchRunStopsWithTheContext(t *testing.T) {
	s := NewStallWatch(clocktesting.NewFakePassiveClock(now))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Run(ctx)
		close(done)
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("run() did not return after the context was cancelled")
	}
}
