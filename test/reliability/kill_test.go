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
	"testing"
	"time"
)

// TestControllerKilledAtRandomPoints SIGKILLs the controller at random
// points of a stream and restarts it each time: every execution must still
// end as its PipelineRun dictates, with its audit events, no orphaned run
// and the invariant intact.
func TestControllerKilledAtRandomPoints(t *testing.T) {
	p := currentProfile()
	s := newSuite(t, suiteOptions{})
	st := s.newStream(streamOptions{Executions: p.Executions, Targets: p.Targets})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	ctl := s.controllers[0]
	fr := st.runWithFaults(ctx, s.randomPoints(p.ControllerKills, 0.05, 0.9), time.Second, func(ctx context.Context, i int) error {
		return s.killAndRestart(ctx, ctl, "controller SIGKILL+restart")
	})
	f := st.verify(t, fmt.Sprintf("controller killed (%d×%d targets)", p.Executions, p.Targets), verifyOptions{})
	if n := fr.resumedNote(); n != "" {
		f.Notes = append(f.Notes, n)
	}
	report.add(f)
	t.Logf("figures: %+v", f)
}
