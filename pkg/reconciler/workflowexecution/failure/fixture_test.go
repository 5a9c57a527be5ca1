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

package failure

import (
	"path/filepath"
	"testing"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"kubernaut.ai/workflowexecution/test/parse"
)

// mustLoad parses testdata/name: one PipelineRun and its TaskRuns, as
// Tekton v1 YAML documents separated by "---". Unknown fields fail the test,
// so a fixture cannot drift from Tekton's schema.
func mustLoad(t testing.TB, name string) (*pipelinev1.PipelineRun, []*pipelinev1.TaskRun) {
	t.Helper()
	var pr *pipelinev1.PipelineRun
	var trs []*pipelinev1.TaskRun
	for _, o := range parse.MustReadObjects(t, filepath.Join("testdata", name)) {
		switch o := o.(type) {
		case *pipelinev1.PipelineRun:
			if pr != nil {
				t.Fatalf("%s: more than one PipelineRun", name)
			}
			pr = o
		case *pipelinev1.TaskRun:
			trs = append(trs, o)
		default:
			t.Fatalf("%s: unexpected %T", name, o)
		}
	}
	if pr == nil {
		t.Fatalf("%s: no PipelineRun", name)
	}
	return pr, trs
}
