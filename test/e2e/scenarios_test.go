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

package e2e

import "testing"

// TestScenarios runs framework.Scenarios, the table of scenarios that run
// pods, on KWOK's simulated pods; test/node runs the same table on real
// pods and expects the same.
func TestScenarios(t *testing.T) {
	env.RunScenarios(t, nil)
}

// TestLatencyHistogramsAgreeWithAWatch is test/integration's check with the
// real Tekton and KWOK's pods, take-overs included; test/node runs it on
// real pods.
func TestLatencyHistogramsAgreeWithAWatch(t *testing.T) {
	checkInvariant(t)
	env.CheckLatencyWithTakeOvers(t, 10, 2)
}
