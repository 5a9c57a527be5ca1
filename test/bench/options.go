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
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// options are the benchmark's knobs. Every flag has an environment
// variable (BENCH_<NAME>, e.g. BENCH_N=500) that sets its default.
type options struct {
	Quick bool

	N     int           // executions per steady scenario
	M     int           // targets per scenario
	Rates []float64     // steady arrival rates (WFE/s); each runs floor then controller
	Burst int           // executions created at once in the burst scenario (0: skip)
	Delay time.Duration // stand-in: PipelineRun created -> finished

	ScaleFinished  int // finished executions present in the scale scenario (0: skip)
	ScaleUnrelated int // unrelated PipelineRuns present in the memory scenario (0: skip)

	Soak       time.Duration // soak duration (0: off)
	SoakRate   float64
	SoakSample time.Duration

	Scenarios      map[string]bool // which scenario groups run
	DrainTimeout   time.Duration   // wait after the last create for every lock release
	ControllerArgs []string
	// ControllerBinary runs a prebuilt controller instead of building
	// ./cmd/controller (e.g. a variant built with go build -overlay).
	ControllerBinary string
	Verbose          bool
	// Audit turns on the API server's audit log (Metadata level, our
	// resources) and prints the controller's request sequences.
	Audit bool
	// AuditSink starts a loopback audit receiver and points the
	// controller's audit-sink-url at it.
	AuditSink bool
	// Pprof captures a CPU profile of the controller during each
	// controller scenario.
	Pprof bool

	// The tekton scenario (off by default): the rig's E2E tier, the real
	// Tekton controller and KWOK instead of the stand-in.
	TektonN     int
	TektonM     int
	TektonRate  float64
	TektonDelay time.Duration // simulated pod duration (rig.DelayAnnotation)

	// The retention scenario (off by default, retention.go).
	RetentionN    int
	RetentionRate float64
	Retention     time.Duration
}

// scenarioGroups are the values of -scenarios.
// tekton is not a default: it needs the E2E tier's binaries and runs alone.
var scenarioGroups = []string{"steady", "burst", "scale", "unrelated", "soak", "tekton", "retention"}

func env(name, def string) string {
	if v, ok := os.LookupEnv("BENCH_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); ok {
		return v
	}
	return def
}

// parseOptions parses args (without the program name).
func parseOptions(args []string) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	quick := fs.Bool("quick", env("quick", "") == "true" || env("quick", "") == "1",
		"development mode (~2 min): N=100, M=50, rates 20,100, scale sizes 2000, unless set explicitly")
	n := fs.Int("n", atoi(env("n", "1000")), "executions per steady scenario")
	m := fs.Int("m", atoi(env("m", "100")), "targets per scenario")
	rates := fs.String("rates", env("rates", "20,100,200"), "steady arrival rates in WFE/s, comma-separated; each runs the floor then the controller")
	burst := fs.Int("burst", atoi(env("burst", "100")), "executions created at once in the burst scenario")
	delay := fs.Duration("delay", dur(env("delay", "100ms")), "stand-in for Tekton: PipelineRun created -> finished")
	scaleFinished := fs.Int("scale-finished", atoi(env("scale-finished", "10000")), "finished executions (other targets) present during the scale scenario")
	scaleUnrelated := fs.Int("scale-unrelated", atoi(env("scale-unrelated", "10000")), "unrelated PipelineRuns (other namespace, no label) present during the memory scenario")
	soak := fs.Duration("soak", dur(env("soak", "0")), "soak duration at -soak-rate (0: off); RSS sampled every -soak-sample")
	soakRate := fs.Float64("soak-rate", atof(env("soak-rate", "20")), "arrival rate of the soak, WFE/s")
	soakSample := fs.Duration("soak-sample", dur(env("soak-sample", "10s")), "RSS sampling period of the soak")
	scenarios := fs.String("scenarios", env("scenarios", "steady,burst,scale,unrelated"), "scenario groups to run: "+strings.Join(scenarioGroups, ",")+" (soak also runs when -soak > 0)")
	drain := fs.Duration("drain-timeout", dur(env("drain-timeout", "3m")), "how long to wait after the last create for every execution to end and release its lock")
	ctlArgs := fs.String("controller-args", env("controller-args", "--disable-ha"), "arguments of the controller under test (space-separated)")
	ctlBin := fs.String("controller-binary", env("controller-binary", ""), "prebuilt controller binary to run instead of building ./cmd/controller")
	verbose := fs.Bool("v", env("v", "") != "", "log progress details")
	pprof := fs.Bool("pprof", env("pprof", "") != "", "capture a CPU profile of the controller during each controller scenario (runtime-profiling enabled in config-observability) and print its top functions")
	audit := fs.Bool("audit", env("audit", "") != "", "turn on the API server's audit log and print the controller's request sequence per execution (costs API server CPU)")
	auditSink := fs.Bool("audit-sink", env("audit_sink", "") != "", "start a loopback audit receiver (datastorage format) and set audit-sink-url, so the controller also sends its audit trail")
	tektonN := fs.Int("tekton-n", atoi(env("tekton-n", "100")), "tekton scenario: executions")
	tektonM := fs.Int("tekton-m", atoi(env("tekton-m", "20")), "tekton scenario: targets")
	tektonRate := fs.Float64("tekton-rate", atof(env("tekton-rate", "5")), "tekton scenario: arrival rate, WFE/s")
	tektonDelay := fs.Duration("tekton-delay", dur(env("tekton-delay", "200ms")), "tekton scenario: how long KWOK runs each task pod (rig.DelayAnnotation)")
	retentionN := fs.Int("retention-n", atoi(env("retention-n", "20000")), "retention scenario: executions")
	retentionRate := fs.Float64("retention-rate", atof(env("retention-rate", "50")), "retention scenario: arrival rate, WFE/s")
	retention := fs.Duration("retention", dur(env("retention", "5s")), "retention scenario: retention-period of the controller (0 keeps every execution, for comparison); memory sampled every -soak-sample")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range []string{"n", "m", "rates", "scale-finished", "scale-unrelated"} {
		if _, ok := os.LookupEnv("BENCH_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); ok {
			set[name] = true
		}
	}

	o := &options{
		Quick: *quick, N: *n, M: *m, Burst: *burst, Delay: *delay,
		ScaleFinished: *scaleFinished, ScaleUnrelated: *scaleUnrelated,
		Soak: *soak, SoakRate: *soakRate, SoakSample: *soakSample,
		DrainTimeout: *drain, ControllerArgs: strings.Fields(*ctlArgs), ControllerBinary: *ctlBin, Verbose: *verbose, Audit: *audit, AuditSink: *auditSink, Pprof: *pprof,
		Scenarios: map[string]bool{},
		TektonN:   *tektonN, TektonM: *tektonM, TektonRate: *tektonRate, TektonDelay: *tektonDelay,
		RetentionN: *retentionN, RetentionRate: *retentionRate, Retention: *retention,
	}
	var err error
	if o.Rates, err = parseRates(*rates); err != nil {
		return nil, err
	}
	if o.Quick {
		if !set["n"] {
			o.N = 100
		}
		if !set["m"] {
			o.M = 50
		}
		if !set["rates"] {
			o.Rates = []float64{20, 100}
		}
		if !set["scale-finished"] {
			o.ScaleFinished = 2000
		}
		if !set["scale-unrelated"] {
			o.ScaleUnrelated = 2000
		}
	}
	for _, s := range strings.Split(*scenarios, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !contains(scenarioGroups, s) {
			return nil, fmt.Errorf("unknown scenario %q (want some of %s)", s, strings.Join(scenarioGroups, ","))
		}
		o.Scenarios[s] = true
	}
	if o.Soak > 0 {
		o.Scenarios["soak"] = true
	}
	switch {
	case o.N < 1 || o.M < 1:
		return nil, fmt.Errorf("-n and -m must be positive")
	case o.Delay < 0:
		return nil, fmt.Errorf("-delay must not be negative")
	case o.Scenarios["soak"] && (o.Soak <= 0 || o.SoakRate <= 0):
		return nil, fmt.Errorf("the soak needs -soak > 0 and -soak-rate > 0")
	case o.Scenarios["tekton"] && len(o.Scenarios) > 1:
		return nil, fmt.Errorf("-scenarios tekton runs alone: it needs the E2E tier, where the real Tekton controller would also reconcile the other scenarios' PipelineRuns")
	case o.Scenarios["tekton"] && (o.TektonN < 1 || o.TektonM < 1 || o.TektonRate <= 0 || o.TektonDelay < 0):
		return nil, fmt.Errorf("the tekton scenario needs -tekton-n, -tekton-m and -tekton-rate > 0 and -tekton-delay >= 0")
	case o.Scenarios["retention"] && (o.RetentionN < 1 || o.RetentionRate <= 0 || o.Retention < 0):
		return nil, fmt.Errorf("the retention scenario needs -retention-n and -retention-rate > 0 and -retention >= 0")
	case (o.Scenarios["scale"] || o.Scenarios["unrelated"]) && len(o.Rates) == 0:
		return nil, fmt.Errorf("the scale scenarios run at the first of -rates: give at least one rate")
	}
	return o, nil
}

func parseRates(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		r, err := strconv.ParseFloat(f, 64)
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("bad rate %q in -rates", f)
		}
		out = append(out, r)
	}
	return out, nil
}

// atoi, atof and dur parse environment defaults; a bad value becomes an
// impossible one that the flag checks reject.
func atoi(s string) int {
	v, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return v
}

func atof(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return -1
	}
	return v
}

func dur(s string) time.Duration {
	if s == "0" {
		return 0
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return -1
	}
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
