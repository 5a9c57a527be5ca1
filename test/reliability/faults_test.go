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

package reliability

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// randomPoints returns k sorted fractions of the stream in [lo, hi).
func (s *suite) randomPoints(k int, lo, hi float64) []float64 {
	out := make([]float64, k)
	for i := range out {
		out[i] = lo + (hi-lo)*s.float64()
	}
	sort.Float64s(out)
	return out
}

// faultRun is the outcome of a fault schedule.
type faultRun struct {
	injected int
	missed   int
	errs     []error
	// resumed is, for each fault, how long after it ended the next
	// execution ended (the stream's recovery), when one did.
	resumed []time.Duration
}

// resumedNote summarises how fast the stream recovered from its faults.
func (r faultRun) resumedNote() string {
	if len(r.resumed) == 0 {
		return ""
	}
	d := append([]time.Duration(nil), r.resumed...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return fmt.Sprintf("after each fault the next execution ended within %s (median %s, %d faults)",
		d[len(d)-1].Round(10*time.Millisecond), d[len(d)/2].Round(10*time.Millisecond), len(d))
}

// atProgress runs the fault schedule of a stream: fault i is injected once
// points[i] of the executions are terminal, after a further random delay
// under jitter (so that it lands anywhere in the controller's work). It
// runs in the background; wait on the returned channel.
func (st *stream) atProgress(ctx context.Context, points []float64, jitter time.Duration, inject func(ctx context.Context, i int) error) <-chan faultRun {
	out := make(chan faultRun, 1)
	go func() {
		var r faultRun
		defer func() { out <- r }()
		for i, p := range points {
			threshold := int(p * float64(st.opts.Executions))
			tick := time.NewTicker(10 * time.Millisecond)
			for st.Done() < threshold {
				select {
				case <-ctx.Done():
					tick.Stop()
					r.missed += len(points) - i
					return
				case <-st.Finished():
					tick.Stop()
					r.missed += len(points) - i
					return
				case <-tick.C:
				}
			}
			tick.Stop()
			select {
			case <-ctx.Done():
				r.missed += len(points) - i
				return
			case <-time.After(st.s.between(0, jitter)):
			}
			if err := inject(ctx, i); err != nil {
				r.errs = append(r.errs, fmt.Errorf("fault %d at %.0f%%: %w", i, 100*p, err))
			}
			r.injected++
			if d, ok := st.nextEnd(ctx); ok {
				r.resumed = append(r.resumed, d)
			}
		}
	}()
	return out
}

// runWithFaults runs the stream and its fault schedule and fails t if a
// fault could not be injected or was missed (the stream ended first).
func (st *stream) runWithFaults(ctx context.Context, points []float64, jitter time.Duration, inject func(ctx context.Context, i int) error) faultRun {
	t := st.s.t
	t.Helper()
	done := st.atProgress(ctx, points, jitter, inject)
	st.run(ctx)
	r := <-done
	for _, err := range r.errs {
		t.Errorf("injecting a fault: %v", err)
	}
	if r.missed > 0 {
		t.Errorf("%d of %d faults were not injected: the stream ended first", r.missed, len(points))
	}
	return r
}

// nextEnd waits until one more execution ends and returns how long that
// took, or false if the stream ended first.
func (st *stream) nextEnd(ctx context.Context) (time.Duration, bool) {
	start, before := time.Now(), st.Done()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for st.Done() == before {
		select {
		case <-ctx.Done():
			return 0, false
		case <-st.Finished():
			return 0, false
		case <-tick.C:
		}
	}
	return time.Since(start), true
}
