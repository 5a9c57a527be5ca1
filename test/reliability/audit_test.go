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
	"net/http"
	"testing"
	"time"
)

// TestAuditSinkOutage takes the audit sink down in the middle of a stream:
// first its port refuses connections, then it answers 503; the controller
// is SIGKILLed in between (what it held in memory is gone). The buffer is
// small, so it also fills. When the sink is back, every event must arrive,
// and executions must have kept ending meanwhile (sending never blocks
// reconciliation).
func TestAuditSinkOutage(t *testing.T) {
	p := currentProfile()
	s := newSuite(t, suiteOptions{Config: map[string]string{"audit-buffer-size": "64"}})
	st := s.newStream(streamOptions{Executions: p.Executions, Targets: p.Targets})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	ctl := s.controllers[0]
	var endedDuring int
	var sinkBack time.Time
	st.runWithFaults(ctx, []float64{0.2}, 500*time.Millisecond, func(ctx context.Context, _ int) error {
		before := st.Done()
		s.sink.Down()
		s.countFault(fmt.Sprintf("audit sink down %s (refused, then 503)", p.SinkOutage))
		if err := pause(ctx, p.SinkOutage/2); err != nil {
			return err
		}
		if err := s.killAndRestart(ctx, ctl, "controller SIGKILL+restart during the outage"); err != nil {
			return err
		}
		if err := s.sink.Fail(http.StatusServiceUnavailable); err != nil {
			return err
		}
		if err := pause(ctx, p.SinkOutage/2); err != nil {
			return err
		}
		endedDuring = st.Done() - before
		sinkBack = time.Now()
		return s.sink.Up()
	})
	f := st.verify(t, fmt.Sprintf("audit sink outage (%d×%d targets)", p.Executions, p.Targets), verifyOptions{AuditDeadline: 3 * time.Minute})
	f.Notes = append(f.Notes, fmt.Sprintf("%d executions ended while the sink was down; every event had arrived %s after it came back (%d requests reached the sink, %d of them answered 503)",
		endedDuring, st.auditComplete.Sub(sinkBack).Round(100*time.Millisecond), s.sink.Requests(), s.sink.Failed()))
	if endedDuring == 0 {
		t.Error("no execution ended while the audit sink was down: does audit block reconciliation?")
	}
	report.add(f)
	t.Logf("figures: %+v", f)
}

// pause waits for d (a fault's length, not a synchronisation) or ctx.
func pause(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
