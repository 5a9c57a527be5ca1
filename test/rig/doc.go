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

// Package rig runs a real Kubernetes control plane without containers for
// the integration and e2e tests: etcd and kube-apiserver (Integration tier),
// plus kube-controller-manager, kube-scheduler, KWOK with one fake node whose
// pods are simulated, the Tekton controller and resolvers, and an in-process
// OCI registry for Tekton bundles (E2E tier). Binaries come from
// hack/rig/build.sh (pinned, cached outside the repository).
//
// Our controller runs as a subprocess authenticated as its ServiceAccount
// (StartController), so the RBAC in config/ is exercised. Every process runs
// in its own process group, dies with the test binary and logs to a file
// whose tail is printed when a test fails. See README.md.
package rig
