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
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"kubernaut.ai/workflowexecution/test/rig"
)

func main() {
	o, err := parseOptions(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	} else if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(2)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, o)
	cancel()
	os.Exit(code)
}

// plan lists the scenarios the options select, in run order.
func plan(o *options) []*scenario {
	var out []*scenario
	steady := func(r float64, group string) (*scenario, *scenario) {
		id := rateID(r)
		f := &scenario{ID: "floor-" + id, Title: fmt.Sprintf("floor, %d executions at %s/s over %d targets", o.N, id, o.M),
			Group: group, Mode: modeFloor, N: o.N, M: o.M, Rate: r}
		c := &scenario{ID: "ctl-" + id, Title: fmt.Sprintf("controller, %d executions at %s/s over %d targets", o.N, id, o.M),
			Group: group, Mode: modeController, N: o.N, M: o.M, Rate: r, Floor: f.ID}
		return f, c
	}
	if o.Scenarios["steady"] {
		for _, r := range o.Rates {
			f, c := steady(r, "steady")
			out = append(out, f, c)
		}
	}
	if o.Scenarios["burst"] && o.Burst > 0 {
		f := &scenario{ID: "floor-burst", Title: fmt.Sprintf("floor, burst of %d", o.Burst), Group: "burst", Mode: modeFloor, N: o.Burst, M: o.Burst}
		c := &scenario{ID: "ctl-burst", Title: fmt.Sprintf("controller, burst of %d", o.Burst), Group: "burst", Mode: modeController, N: o.Burst, M: o.Burst, Floor: f.ID}
		out = append(out, f, c)
	}
	if (o.Scenarios["scale"] && o.ScaleFinished > 0) || (o.Scenarios["unrelated"] && o.ScaleUnrelated > 0) {
		r := o.Rates[0]
		base := "ctl-" + rateID(r)
		if !o.Scenarios["steady"] {
			f, c := steady(r, "steady")
			out = append(out, f, c)
		}
		if o.Scenarios["scale"] && o.ScaleFinished > 0 {
			out = append(out, &scenario{ID: "ctl-finished", Group: "scale", Mode: modeController, N: o.N, M: o.M, Rate: r,
				Title: fmt.Sprintf("controller, %d executions at %s/s with %d finished executions on other targets", o.N, rateID(r), o.ScaleFinished),
				Floor: "floor-" + rateID(r), Baseline: base,
				Population: fmt.Sprintf("%d finished WFEs", o.ScaleFinished)})
		}
		if o.Scenarios["unrelated"] && o.ScaleUnrelated > 0 {
			out = append(out, &scenario{ID: "ctl-unrelated", Group: "unrelated", Mode: modeController, N: o.N, M: o.M, Rate: r,
				Title: fmt.Sprintf("controller, %d executions at %s/s with %d unrelated PipelineRuns", o.N, rateID(r), o.ScaleUnrelated),
				Floor: "floor-" + rateID(r), Baseline: base,
				Population: fmt.Sprintf("%d unrelated PipelineRuns", o.ScaleUnrelated)})
		}
	}
	if o.Scenarios["soak"] {
		out = append(out, &scenario{ID: "ctl-soak", Group: "soak", Mode: modeController, N: int(o.SoakRate*o.Soak.Seconds()) + 1, M: o.M,
			Rate: o.SoakRate, Duration: o.Soak, DeleteReleased: true, Sample: o.SoakSample,
			Title: fmt.Sprintf("controller, soak for %s at %s/s (executions deleted once released)", o.Soak, rateID(o.SoakRate))})
	}
	if o.Scenarios["retention"] {
		out = append(out, retentionScenario(o))
	}
	if o.Scenarios["tekton"] {
		out = append(out, &scenario{ID: "ctl-tekton", Group: "tekton", Mode: modeController, N: o.TektonN, M: o.TektonM, Rate: o.TektonRate,
			RealTekton: true,
			Title: fmt.Sprintf("controller with the real Tekton controller and KWOK, %d executions at %s/s over %d targets, task pods run %s",
				o.TektonN, rateID(o.TektonRate), o.TektonM, o.TektonDelay)})
	}
	return out
}

func run(ctx context.Context, o *options) int {
	started, loadStart := time.Now(), loadavg()
	scenarios := plan(o)
	if len(scenarios) == 0 {
		fmt.Fprintln(os.Stderr, "bench: no scenario selected")
		return 2
	}
	b, err := newBench(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		return 1
	}
	defer b.stop()
	code, failures := 0, 0
	for _, sc := range scenarios {
		if ctx.Err() != nil {
			break
		}
		res, err := b.runWithPopulation(ctx, sc)
		if res != nil {
			b.results = append(b.results, res)
		}
		if err == nil {
			failures = 0
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: %s: %v\n", sc.ID, err)
		code = 1
		// One failure may be the scenario's; two in a row, the cluster's.
		if failures++; failures == 2 {
			fmt.Fprintln(os.Stderr, "bench: two scenarios failed in a row; stopping")
			break
		}
	}
	b.report(os.Stdout, started, loadStart)
	runs, running := b.checker.Stats()
	v := b.checker.Violations()
	fmt.Printf("invariant checker: %d PipelineRuns and %d Running executions checked, %d violations\n", runs, running, len(v))
	for _, s := range v {
		fmt.Printf("  violation: %s\n", s)
	}
	if len(v) > 0 {
		code = 1
	}
	if ctx.Err() != nil {
		code = 130
	}
	return code
}

// runWithPopulation sets up the scenario's population, runs it and removes
// the population.
func (b *bench) runWithPopulation(ctx context.Context, sc *scenario) (*result, error) {
	switch sc.Group {
	case "retention":
		if err := b.setRetention(ctx, sc.Retention.String()); err != nil {
			return nil, fmt.Errorf("setting retention-period: %w", err)
		}
		defer func() {
			if err := b.setRetention(ctx, ""); err != nil {
				b.logf("restoring retention-period: %v", err)
			}
		}()
	case "scale":
		b.logf("%s: creating %d finished executions", sc.ID, b.opts.ScaleFinished)
		start := time.Now()
		if err := b.populateFinished(ctx, b.opts.ScaleFinished); err != nil {
			return nil, fmt.Errorf("creating the finished executions: %w", err)
		}
		b.logf("%s: population ready in %s", sc.ID, time.Since(start).Round(time.Second))
		defer func() {
			if err := b.purge(ctx, finishedNamespace, rig.ExecutionNamespace); err != nil {
				b.logf("removing the finished executions: %v", err)
			}
		}()
	case "unrelated":
		b.logf("%s: creating %d unrelated PipelineRuns", sc.ID, b.opts.ScaleUnrelated)
		start := time.Now()
		if err := b.populateUnrelated(ctx, b.opts.ScaleUnrelated); err != nil {
			return nil, fmt.Errorf("creating the unrelated PipelineRuns: %w", err)
		}
		b.logf("%s: population ready in %s", sc.ID, time.Since(start).Round(time.Second))
		defer func() {
			if err := b.purgeUnrelated(ctx); err != nil {
				b.logf("removing the unrelated PipelineRuns: %v", err)
			}
		}()
	}
	return b.runScenario(ctx, sc)
}
