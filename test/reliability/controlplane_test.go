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
	"strings"
	"testing"
	"time"
)

// recoveryLog is what the controller logs at the end of an API server
// outage (pkg/reconciler/workflowexecution/controller.go).
const recoveryLog = "The API server answers again"

// TestControlPlaneFaults restarts kube-apiserver and pauses etcd (SIGSTOP,
// then SIGCONT) in the middle of a stream. The controller is never
// restarted: it must recover on its own and the stream must complete.
func TestControlPlaneFaults(t *testing.T) {
	p := currentProfile()
	s := newSuite(t, suiteOptions{})
	st := s.newStream(streamOptions{Executions: p.Executions, Targets: p.Targets})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	ctl := s.controllers[0]
	pid := ctl.PID()

	// An even mix of the two faults, in a random order.
	var kinds []string
	for i := 0; i < p.APIServerRestarts; i++ {
		kinds = append(kinds, "apiserver")
	}
	for i := 0; i < p.EtcdPauses; i++ {
		kinds = append(kinds, "etcd")
	}
	for i := len(kinds) - 1; i > 0; i-- {
		j := s.intn(i + 1)
		kinds[i], kinds[j] = kinds[j], kinds[i]
	}
	fr := st.runWithFaults(ctx, s.randomPoints(len(kinds), 0.1, 0.85), 500*time.Millisecond, func(ctx context.Context, i int) error {
		switch kinds[i] {
		case "apiserver":
			s.countFault(fmt.Sprintf("kube-apiserver SIGKILL+restart (%s down)", p.APIServerDown))
			return s.cluster.RestartAPIServer(ctx, p.APIServerDown)
		default:
			if err := s.cluster.PauseEtcd(); err != nil {
				return err
			}
			s.countFault(fmt.Sprintf("etcd SIGSTOP %s", p.EtcdPause))
			time.Sleep(p.EtcdPause) // the fault's length, not a synchronisation
			return s.cluster.ResumeEtcd()
		}
	})
	f := st.verify(t, fmt.Sprintf("control plane faults (%d×%d targets)", p.Executions, p.Targets), verifyOptions{WatchGapsExpected: true})
	if exited, code := ctl.Exited(); exited || ctl.PID() != pid {
		t.Errorf("the controller did not ride out the faults by itself: exited=%v code=%d pid %d -> %d", exited, code, pid, ctl.PID())
	}
	// Each API server restart is an outage the controller must notice
	// (pkg/apirecovery), retrying its backed-off keys at once.
	if n := strings.Count(ctl.Logs(), recoveryLog); n < p.APIServerRestarts {
		t.Errorf("the controller logged %q %d time(s), want at least one per API server restart (%d)", recoveryLog, n, p.APIServerRestarts)
	}
	if n := fr.resumedNote(); n != "" {
		f.Notes = append(f.Notes, n)
	}
	report.add(f)
	t.Logf("figures: %+v", f)
}
