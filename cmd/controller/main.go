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
// Command controller runs the WorkflowExecution controller.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"go.uber.org/zap"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"knative.dev/pkg/controller"
	"knative.dev/pkg/injection"
	"knative.dev/pkg/injection/sharedmain"
	"knative.dev/pkg/signals"

	"kubernaut.ai/workflowexecution/pkg/apirecovery"
	"kubernaut.ai/workflowexecution/pkg/metrics"
	"kubernaut.ai/workflowexecution/pkg/probes"
	"kubernaut.ai/workflowexecution/pkg/reconciler/events"
	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution"
	"kubernaut.ai/workflowexecution/pkg/shutdown"
	"kubernaut.ai/workflowexecution/pkg/version"
)

// Client rate limits unless set by flags, and the default number of workers.
const (
	defaultQPS     = 200
	defaultBurst   = 400
	defaultThreads = 8
)

// shutdownBound bounds the work done after SIGTERM (audit flush).
const shutdownBound = 20 * time.Second

func main() {
	// One logging path (design.md §7): from the first line on, the version
	// line and start-up failures included, everything is JSON on stdout.
	logger := startupLogger(workflowexecution.ControllerName)
	defer logger.Sync() //nolint:errcheck // stdout

	disableHA := flag.Bool("disable-ha", false, "Disable leader election (one replica only).")
	printVersion := flag.Bool("version", false, "Print the version and exit.")
	// Reconciles wait on the API server, not the CPU: knative's default of 2
	// workers saturates under load (docs/benchmarks.md).
	controller.DefaultThreadsPerController = defaultThreads
	flag.IntVar(&controller.DefaultThreadsPerController, "threads-per-controller", defaultThreads,
		"Workers reconciling executions concurrently (never two for the same execution).")
	// --version must work without a cluster: look for it before knative
	// parses the flags and loads a kubeconfig.
	for _, a := range os.Args[1:] {
		if a == "--version" || a == "-version" {
			*printVersion = true
		}
	}
	build := version.Get()
	if *printVersion {
		logger.Infow(workflowexecution.ControllerName+" "+build.String(),
			"version", build.Version, "commit", build.Commit, "goVersion", build.GoVersion)
		return
	}
	cfg := injection.ParseAndGetRESTConfigOrDie()
	// knative's --kube-api-qps/--kube-api-burst (or KUBE_API_QPS/BURST)
	// win; client-go's default of 5 QPS would make the controller slow.
	if cfg.QPS == 0 {
		cfg.QPS = defaultQPS
	}
	if cfg.Burst == 0 {
		cfg.Burst = defaultBurst
	}
	recovery := apirecovery.New(clock.RealClock{})
	cfg.Wrap(recovery.WrapTransport)

	logger.Infow(workflowexecution.ControllerName+" "+build.String(),
		"version", build.Version, "commit", build.Commit, "goVersion", build.GoVersion)
	// On the global meter provider: it delegates to the one sharedmain installs.
	if err := metrics.RegisterBuildInfo(nil, build.Version, build.Commit, build.GoVersion); err != nil {
		logger.Fatalw("Registering "+metrics.BuildInfoName, zap.Error(err))
	}
	if err := checkTektonAPIs(cfg); err != nil {
		logger.Fatalw("Tekton Pipelines is not usable. Install Tekton Pipelines (v1 API) before this controller.", zap.Error(err))
	}

	probesPort := probes.DefaultPort
	if v := os.Getenv("PROBES_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			logger.Fatalf("PROBES_PORT=%q is not a port number", v)
		}
		probesPort = p
	}

	ctx := signals.NewContext()
	// The event recorder is built here, where the process is assembled;
	// the generated reconciler takes it from ctx.
	rec, err := events.NewRecorder(ctx, cfg, workflowexecution.ControllerName)
	if err != nil {
		logger.Fatalw("Creating the event recorder", zap.Error(err))
	}
	ctx = controller.WithEventRecorder(ctx, rec)
	stalls := apirecovery.NewStallWatch(clock.RealClock{})
	readiness, hooks := &probes.Readiness{}, &shutdown.Hooks{}
	ctx = sharedmain.WithHealthProbesDisabled(ctx)
	if *disableHA {
		ctx = sharedmain.WithHADisabled(ctx)
	}
	go func() {
		if err := readiness.Serve(ctx, probesPort); err != nil {
			logger.Fatalw(fmt.Sprintf("Serving probes on :%d", probesPort), zap.Error(err))
		}
	}()

	sharedmain.MainWithConfig(ctx, workflowexecution.ControllerName, cfg, workflowexecution.NewController(
		workflowexecution.Process{Readiness: readiness, Recovery: recovery, Stalls: stalls, Shutdown: hooks}, clock.RealClock{}))
	hooks.Run(shutdownBound)
}

// checkTektonAPIs fails unless the API server serves Tekton's v1
// PipelineRuns and TaskRuns.
func checkTektonAPIs(cfg *rest.Config) error {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("creating a discovery client: %w", err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		list, err := dc.ServerResourcesForGroupVersion("tekton.dev/v1")
		if err == nil {
			found := map[string]bool{}
			for _, r := range list.APIResources {
				found[r.Name] = true
			}
			for _, want := range []string{"pipelineruns", "taskruns"} {
				if !found[want] {
					return fmt.Errorf("the API server does not serve %s.tekton.dev/v1", want)
				}
			}
			return nil
		}
		lastErr = err
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("the API server does not serve tekton.dev/v1 (pipelineruns.tekton.dev, taskruns.tekton.dev): %w", err)
		}
		time.Sleep(time.Duration(attempt+1) * time.Second)
	}
	return fmt.Errorf("discovering tekton.dev/v1: %w", lastErr)
}
