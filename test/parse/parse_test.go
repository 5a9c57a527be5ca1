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

package parse

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"kubernaut.ai/workflowexecution/pkg/apis/workflowexecution/v1alpha1"
)

// fatalRecorder is a testing.TB whose Fatalf records the message and stops
// the goroutine, as the real one does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(r)
}

// fatal runs f against a recorder and returns what it failed with ("" if
// it did not fail).
func fatal(t *testing.T, f func(testing.TB)) (msg string) {
	t.Helper()
	r := &fatalRecorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		msg = r.msg
	}()
	f(r)
	return ""
}

func TestMisspeltFieldFails(t *testing.T) {
	for name, f := range map[string]func(testing.TB){
		"WorkflowExecution":  func(tb testing.TB) { MustParseWorkflowExecution(tb, "spec:\n  targetResorce: a/b\n") },
		"status":             func(tb testing.TB) { MustParseWorkflowExecutionStatus(tb, "phaze: Running\n") },
		"PipelineRun":        func(tb testing.TB) { MustParseV1PipelineRun(tb, "spec:\n  timeout: 1h\n") },
		"PipelineRun status": func(tb testing.TB) { MustParseV1PipelineRunStatus(tb, "startedAt: x\n") },
		"TaskRun":            func(tb testing.TB) { MustParseV1TaskRun(tb, "spec:\n  bogus: 1\n") },
	} {
		t.Run(name, func(t *testing.T) {
			if msg := fatal(t, f); !strings.Contains(msg, "unknown field") {
				t.Errorf("parsing a misspelt field failed with %q, want an unknown-field error", msg)
			}
		})
	}
}

func TestMustParseWorkflowExecutionJoinsParts(t *testing.T) {
	w := MustParseWorkflowExecution(t, "metadata:\n  name: a\n", "status:\n  phase: Running\n")
	if w.Name != "a" || w.Status.Phase != v1alpha1.PhaseRunning {
		t.Errorf("got name %q phase %q, want a and Running", w.Name, w.Status.Phase)
	}
}

func TestMustReadObjects(t *testing.T) {
	file := filepath.Join(t.TempDir(), "objects.yaml")
	content := `# comments only
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: pr}
---  
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: tr}
---
apiVersion: workflowexecution.kubernaut.ai/v1alpha1
kind: WorkflowExecution
metadata: {name: wfe}
`
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	objs := MustReadObjects(t, file)
	if len(objs) != 3 {
		t.Fatalf("got %d objects, want 3", len(objs))
	}
	if pr, ok := objs[0].(*pipelinev1.PipelineRun); !ok || pr.Name != "pr" {
		t.Errorf("objs[0] = %#v, want PipelineRun pr", objs[0])
	}
	if tr, ok := objs[1].(*pipelinev1.TaskRun); !ok || tr.Name != "tr" {
		t.Errorf("objs[1] = %#v, want TaskRun tr", objs[1])
	}
	if w, ok := objs[2].(*v1alpha1.WorkflowExecution); !ok || w.Name != "wfe" {
		t.Errorf("objs[2] = %#v, want WorkflowExecution wfe", objs[2])
	}

	if err := os.WriteFile(file, []byte("kind: Pod\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if msg := fatal(t, func(tb testing.TB) { MustReadObjects(tb, file) }); !strings.Contains(msg, `unexpected kind "Pod"`) {
		t.Errorf("a Pod document failed with %q, want an unexpected-kind error", msg)
	}
}
