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

// Package parse turns the YAML the unit tests are written in into objects,
// as Tekton's test/parse does for its tests, with two differences: decoding
// is strict, so a misspelt or misplaced field fails the test instead of
// vanishing, and TypeMeta is left as written (our builders leave it empty).
package parse

import (
	"os"
	"regexp"
	"strings"
	"testing"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// MustParseWorkflowExecution parses a WorkflowExecution. The parts are
// joined first, so a test can append a status block to a shared base.
func MustParseWorkflowExecution(t testing.TB, parts ...string) *v1alpha1.WorkflowExecution {
	t.Helper()
	return mustParse(t, "WorkflowExecution", strings.Join(parts, ""), &v1alpha1.WorkflowExecution{})
}

// MustParseWorkflowExecutionStatus parses the status of a WorkflowExecution.
func MustParseWorkflowExecutionStatus(t testing.TB, y string) v1alpha1.WorkflowExecutionStatus {
	t.Helper()
	return *mustParse(t, "WorkflowExecutionStatus", y, &v1alpha1.WorkflowExecutionStatus{})
}

// MustParseV1PipelineRun parses a Tekton v1 PipelineRun.
func MustParseV1PipelineRun(t testing.TB, y string) *pipelinev1.PipelineRun {
	t.Helper()
	return mustParse(t, "PipelineRun", y, &pipelinev1.PipelineRun{})
}

// MustParseV1PipelineRunStatus parses the status of a Tekton v1 PipelineRun.
func MustParseV1PipelineRunStatus(t testing.TB, y string) pipelinev1.PipelineRunStatus {
	t.Helper()
	return *mustParse(t, "PipelineRun status", y, &pipelinev1.PipelineRunStatus{})
}

// MustParseV1TaskRun parses a Tekton v1 TaskRun.
func MustParseV1TaskRun(t testing.TB, y string) *pipelinev1.TaskRun {
	t.Helper()
	return mustParse(t, "TaskRun", y, &pipelinev1.TaskRun{})
}

// docSeparator separates the documents of a multi-document YAML file.
var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// MustReadObjects parses a multi-document YAML file of PipelineRuns,
// TaskRuns and WorkflowExecutions, each document naming its kind.
// Documents without a kind (empty or comments only) are skipped; any other
// kind fails the test.
func MustReadObjects(t testing.TB, file string) []runtime.Object {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("reading %s: %v", file, err)
	}
	var out []runtime.Object
	for i, doc := range docSeparator.Split(string(b), -1) {
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("%s document %d: %v", file, i, err)
		}
		switch meta.Kind {
		case "PipelineRun":
			out = append(out, MustParseV1PipelineRun(t, doc))
		case "TaskRun":
			out = append(out, MustParseV1TaskRun(t, doc))
		case "WorkflowExecution":
			out = append(out, MustParseWorkflowExecution(t, doc))
		case "":
		default:
			t.Fatalf("%s document %d: unexpected kind %q", file, i, meta.Kind)
		}
	}
	return out
}

func mustParse[T any](t testing.TB, what, y string, into *T) *T {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(y), into); err != nil {
		t.Fatalf("parsing %s: %v\n%s", what, err, y)
	}
	return into
}
