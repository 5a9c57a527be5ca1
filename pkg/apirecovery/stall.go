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
	"sync"
	"time"

	"go.uber.org/zap"
	"k8s.io/utils/clock"
	"knative.dev/pkg/logging"
)

// Stall detection. Leader election keeps two replicas from reconciling the
// same bucket only while every process makes progress: a process frozen
// (SIGSTOP, a VM pause, heavy CPU starvation) past its lease still believes
// it leads when it resumes, until its elector's next renew attempt, and its
// informer cache is as old as the freeze. Another replica may have run one
// of its young executions to the end meanwhile. The status writes are
// resourceVersion-checked and the deletes UID-preconditioned, so the only
// unsafe action from such a copy is the PipelineRun create: after a stall,
// the reconciler's freshness guard reads every Pending execution from the
// API server before it creates a run, for stallWindow. Like the Detector,
// it tells the controller how far to trust what it cached.
const (
	// stallTick is how often the watch records that the process runs.
	stallTick = 100 * time.Millisecond
	// stallLimit is the gap between ticks counted as a stall. It must stay
	// below the lease duration minus the renew deadline (6 s − 4 s in the
	// reliability suite, 60 s − 40 s with config-leader-election's
	// defaults): a shorter pause cannot make a leader outlive its lease.
	stallLimit = time.Second
	// stallWindow is how long the caches stay suspect after a stall: long
	// enough for the elector to notice a lost lease (one retry period, 10 s
	// by default) and for the informers to catch up.
	stallWindow = 30 * time.Second
)

// StallWatch tells whether this process may have been paused recently.
// A nil *StallWatch never suspects a stall.
type StallWatch struct {
	clock  clock.PassiveClock
	logger *zap.SugaredLogger

	mu           sync.Mutex
	last         time.Time // the last tick
	suspectUntil time.Time
}

// NewStallWatch returns a StallWatch; Run makes it tick.
func NewStallWatch(clk clock.PassiveClock) *StallWatch {
	return &StallWatch{clock: clk, logger: zap.NewNop().Sugar(), last: clk.Now()}
}

// Run ticks until ctx is done, logging stalls with ctx's logger.
func (s *StallWatch) Run(ctx context.Context) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.logger = logging.FromContext(ctx).Named("stall-watch")
	s.mu.Unlock()
	t := time.NewTicker(stallTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.tick()
		}
	}
}

// tick records that the process runs; a late tick opens the window.
func (s *StallWatch) tick() {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if gap := now.Sub(s.last); gap > stallLimit {
		s.suspectUntil = now.Add(stallWindow)
		s.logger.Warnw("The process was stalled; Pending executions are read from the API server before a PipelineRun is created",
			"stalledFor", gap.String(), "until", s.suspectUntil)
	}
	s.last = now
}

// Suspect reports whether the caches may be stale because of a stall: one
// that is still in progress as seen from here (the ticker has not run yet
// since the process resumed), or one that ended less than stallWindow ago.
func (s *StallWatch) Suspect() bool {
	if s == nil {
		return false
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return now.Sub(s.last) > stallLimit || now.Before(s.suspectUntil)
}
