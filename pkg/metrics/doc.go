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

// Package metrics records the WorkflowExecution controller's own metrics
// with OpenTelemetry, in the idiom of Tekton's pipelinerunmetrics.
//
// The instruments are created on the meter provider that knative's
// sharedmain installs globally (SetupObservabilityOrDie), which, with
// metrics-protocol "prometheus", serves them on :9090/metrics
// (METRICS_PROMETHEUS_PORT) next to knative's workqueue and client-go metrics.
//
// Instrument names are the exact Prometheus names: knative's exporter uses the
// UnderscoreEscapingWithSuffixes translation strategy, which keeps a trailing
// "_total" on counters, does not repeat the "_seconds" suffix of histograms
// with unit "s", and adds nothing to gauges without a unit.
//
// # Latencies
//
// workflowexecution_pipelinerun_creation_duration_seconds and
// workflowexecution_status_sync_duration_seconds are measured on the
// controller's clock, not from API timestamps (one-second precision):
//
//   - creation: from when the controller's WorkflowExecution informer
//     delivered the new execution to when the PipelineRun create returned;
//   - status sync: from when the controller's PipelineRun informer delivered
//     the run finished (Succeeded True or False) to when the write of the
//     execution's terminal status returned. Runs that Tekton did not finish
//     (cancelled at the hold limit, deleted, replaced) are not observed.
//
// An object that existed before the controller started watching has no
// delivery moment: its creationTimestamp (the run's completionTime) stands
// in. Every transition metric is recorded once, after the status write
// that commits it (the reconciler's recordTransition).
package metrics
