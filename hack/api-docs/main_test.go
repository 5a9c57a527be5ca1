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

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAPIDocsUpToDate is the drift check make verify also runs.
func TestAPIDocsUpToDate(t *testing.T) {
	got, err := Generate(filepath.Join("..", "..", pkgDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## WorkflowExecutionSpec",
		"| `targetResource` | `string` | yes |",
		"| `executionConfig` | [`*ExecutionConfig`](#executionconfig) | no |",
		"| `RecentlyRemediated` |",
		"- Rule: `` rule=\"self == oldSelf\",message=\"spec is immutable\" ``",
		"`conditions` (the `Succeeded` condition)",
	} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("the reference lacks %q", want)
		}
	}
	if bytes.Contains(got, []byte("## Target\n")) {
		t.Error("Target is not part of the API's JSON and should not be documented")
	}
	cur, err := os.ReadFile(filepath.Join("..", "..", out))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cur, got) {
		t.Errorf("%s is out of date (run make api-docs)", out)
	}
	if strings.Count(string(got), "\n## ") < 10 {
		t.Errorf("too few sections:\n%s", got)
	}
}
