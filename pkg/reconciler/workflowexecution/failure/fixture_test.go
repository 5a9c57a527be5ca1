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
	"os"
	"path/filepath"
	"regexp"
	"testing"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"sigs.k8s.io/yaml"
)

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// mustLoad parses testdata/name: one PipelineRun and its TaskRuns, as
// Tekton v1 YAML documents separated by "---". Unknown fields fail the test,
// so a fixture cannot drift from Tekton's schema.
func mustLoad(t testing.TB, name string) (*pipelinev1.PipelineRun, []*pipelinev1.TaskRun) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	var pr *pipelinev1.PipelineRun
	var trs []*pipelinev1.TaskRun
	for i, doc := range docSeparator.Split(string(raw), -1) {
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("%s document %d: %v", name, i, err)
		}
		switch meta.Kind {
		case "PipelineRun":
			if pr != nil {
				t.Fatalf("%s: more than one PipelineRun", name)
			}
			pr = &pipelinev1.PipelineRun{}
			if err := yaml.UnmarshalStrict([]byte(doc), pr); err != nil {
				t.Fatalf("%s document %d: %v", name, i, err)
			}
		case "TaskRun":
			tr := &pipelinev1.TaskRun{}
			if err := yaml.UnmarshalStrict([]byte(doc), tr); err != nil {
				t.Fatalf("%s document %d: %v", name, i, err)
			}
			trs = append(trs, tr)
		case "":
			// comment-only document
		default:
			t.Fatalf("%s document %d: unexpected kind %q", name, i, meta.Kind)
		}
	}
	if pr == nil {
		t.Fatalf("%s: no PipelineRun", name)
	}
	return pr, trs
}
