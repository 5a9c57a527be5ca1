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

package main

import (
	"context"
	"fmt"
	"io"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"kubernaut.ai/workflowexecution/pkg/apis/config"
	"kubernaut.ai/workflowexecution/test/rig"
)

// The retention scenario (-scenarios retention): executions flow through
// at -retention-rate and the controller itself deletes each one
// -retention after it ended (config retention-period; docs/design.md §4.6). The
// harness deletes nothing: the controller's memory must stay flat because
// of retention alone. -retention 0 runs the same flow keeping every
// execution, for comparison.

// retentionScenario is the scenario of the options.
func retentionScenario(o *options) *scenario {
	return &scenario{ID: "ctl-retention", Group: "retention", Mode: modeController, N: o.RetentionN, M: o.M,
		Rate: o.RetentionRate, Sample: o.SoakSample, Retention: o.Retention, RetentionSet: true,
		Title: fmt.Sprintf("controller, %d executions at %s/s, retention-period %s (the controller deletes them)",
			o.RetentionN, rateID(o.RetentionRate), o.Retention)}
}

// setRetention sets retention-period in config-workflowexecution; an empty
// value removes the key (its default applies).
func (b *bench) setRetention(ctx context.Context, value string) error {
	patch := []byte(`{"data":{"` + config.RetentionPeriodKey + `":null}}`)
	if value != "" {
		patch = []byte(fmt.Sprintf(`{"data":{%q:%q}}`, config.RetentionPeriodKey, value))
	}
	_, err := b.admin.kube.CoreV1().ConfigMaps(rig.SystemNamespace).Patch(ctx, config.ConfigName, types.MergePatchType, patch, metav1.PatchOptions{})
	return err
}

// countExecutions counts the executions in ns (a one-item list: the API
// server reports how many remain).
func (b *bench) countExecutions(ctx context.Context, ns string) (int, error) {
	l, err := b.admin.wfe.WorkflowexecutionV1alpha1().WorkflowExecutions(ns).List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return 0, err
	}
	n := len(l.Items)
	if l.RemainingItemCount != nil {
		n += int(*l.RemainingItemCount)
	}
	return n, nil
}

// waitExpired waits, after the last execution ended, until the controller
// deleted them all (or timeout), and says how it went.
func (b *bench) waitExpired(ctx context.Context, ns string, timeout time.Duration) string {
	start := time.Now()
	left := -1
	for time.Since(start) < timeout && ctx.Err() == nil {
		n, err := b.countExecutions(ctx, ns)
		if err == nil {
			left = n
			if n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return fmt.Sprintf("%d executions left %s after the last one was released", left, time.Since(start).Round(time.Second))
}

// retentionSeries prints the controller's memory during the retention
// scenario.
func (b *bench) retentionSeries(w io.Writer) {
	r := b.find("ctl-retention")
	if r == nil {
		return
	}
	fmt.Fprintf(w, "## Retention: controller memory every %s, %d executions at %s WFE/s, retention-period %s\n\n",
		r.sc.Sample, r.sc.N, rate(r.sc.Rate), r.sc.Retention)
	fmt.Fprintln(w, "The controller deletes each execution retention-period after it ended; the harness deletes nothing. \"live\" is the number of executions in the namespace at the sample (the population the controller caches).")
	fmt.Fprintln(w)
	t := &table{head: []string{"t", "executions released", "live", "RSS MiB", "peak RSS MiB", "heap in use MiB", "GC goal MiB", "CPU s"}}
	for _, p := range r.rss {
		t.add(p.at.Round(time.Second).String(), fmt.Sprint(p.done), fmt.Sprint(p.live), mib(p.rss), mib(p.hwm),
			mib(int64(p.mem.heapInuse)), mib(int64(p.mem.heapGoal)), fmt.Sprintf("%.1f", p.cpu.Seconds()))
	}
	t.write(w)
	if len(r.rss) >= 4 {
		q := len(r.rss) / 4
		first, last := r.rss[q], r.rss[len(r.rss)-1]
		fmt.Fprintf(w, "From the first quarter's end to the end: RSS %s → %s MiB, heap in use %s → %s MiB.\n\n",
			mib(first.rss), mib(last.rss), mib(int64(first.mem.heapInuse)), mib(int64(last.mem.heapInuse)))
	}
	if r.note != "" {
		fmt.Fprintf(w, "%s.\n\n", r.note)
	}
}
