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

// Command bench measures the WorkflowExecution controller on the rig's
// integration tier (etcd + kube-apiserver, no containers) against a floor: a
// bare client doing the minimal API work for the same workload. It prints
// tables (latency percentiles, ratios to the floor, throughput, API requests
// and CPU per execution, memory) and never passes or fails on time.
//
// Workload: N WorkflowExecutions over M targets arriving at a set rate; a
// target takes a new execution only once its previous one has released the
// lock. A stand-in for Tekton finishes each PipelineRun after a set delay
// through the status subresource.
//
// Run it with `make bench` (hack/bench.sh) or
// `go run ./test/bench -quick`; docs/benchmarks.md describes every knob
// and the results.
package main
