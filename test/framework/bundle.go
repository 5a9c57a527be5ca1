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

package framework

import (
	"context"
	"testing"

	"kubernaut.ai/workflowexecution/pkg/reconciler/workflowexecution/resources"
	"kubernaut.ai/workflowexecution/pkg/target/targettest"
)

// Push pushes Pipeline(tasks...) to the rig's registry as repo and returns
// the bundle reference an execution names.
func (e *Env) Push(t testing.TB, repo string, tasks ...Task) string {
	t.Helper()
	if _, err := e.Cluster.PushPipelineBundle(context.Background(), repo, Pipeline(tasks...)); err != nil {
		t.Fatalf("pushing %s: %v", repo, err)
	}
	return e.Cluster.BundleRef(repo)
}

// PipelineRunName is the controller's PipelineRun name for target.
func PipelineRunName(t testing.TB, target string) string {
	t.Helper()
	// The controller resolves the kind through discovery; the tests
	// target built-in kinds, which targettest serves alike.
	c, err := targettest.Canonical(target)
	if err != nil {
		t.Fatalf("canonical target of %q: %v", target, err)
	}
	return resources.PipelineRunName(c)
}
