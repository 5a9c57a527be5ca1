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

// Package reliability is the fault-injection suite of the controller. Each
// test starts a real API server and etcd (the rig's integration tier), runs
// our controller as its own ServiceAccount, plays Tekton itself (a watcher
// finishes, deletes or wedges each PipelineRun through the API), sends the
// audit trail to a real loopback HTTP sink, and pushes a stream of
// executions through the controller while it injects faults: SIGKILLed
// controllers, a restarted kube-apiserver, a paused etcd, several replicas
// with bucketed leader election or none at all, an audit sink that is down,
// PipelineRuns deleted or wedged under the controller, and malformed input.
//
// The invariant checker of test/framework watches throughout. At the end of
// every stream the suite checks that each execution reached the terminal
// state its PipelineRun dictates, that no PipelineRun is orphaned, that the
// audit sink received every event, and that no controller panicked.
//
// The default (short) mode is what CI runs; WFE_RELIABILITY_SOAK=1 (or
// -soak) selects the longer soak mode. See docs/reliability.md.
package reliability
