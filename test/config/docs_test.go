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

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kubernaut.ai/workflowexecution/test/framework"
)

// TestDocsCommandBlocksAreMarked: every command block of the documents the
// e2e test TestDocsRun runs says whether it runs (and so is run against the
// rig) or why not. This is the parse only, without a cluster.
func TestDocsCommandBlocksAreMarked(t *testing.T) {
	root := filepath.Join(configDir(t), "..")
	for _, f := range framework.DocFiles {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		blocks, errs := framework.ParseDocBlocks(f, string(b))
		for _, err := range errs {
			t.Error(err)
		}
		run := 0
		for _, b := range blocks {
			if b.Mark != "skip" {
				run++
			}
		}
		if run == 0 {
			t.Errorf("%s: no command block is run", f)
		}
	}
}

// TestDocsMarkerParse: the parser finds blocks in list items, reads the
// markers, and reports a block without one.
func TestDocsMarkerParse(t *testing.T) {
	doc := strings.Join([]string{
		"<!-- doc-test: run, needs namespace team-a -->",
		"```sh",
		"kubectl get wfe -n team-a",
		"```",
		"1. Item:",
		"",
		"   <!-- doc-test: skip (needs ko) -->",
		"   ```sh",
		"   ko apply -f config/",
		"   ```",
		"<!-- doc-test: fails (unknown key) -->",
		"```sh",
		"kubectl patch",
		"```",
		"```yaml",
		"a: b",
		"```",
		"```console",
		"$ kubectl get wfe",
		"```",
	}, "\n")
	blocks, errs := framework.ParseDocBlocks("doc.md", doc)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "doc.md:18") {
		t.Errorf("errors %v, want one for the unmarked console block at line 18", errs)
	}
	want := []framework.DocBlock{
		{Where: "doc.md:2", Info: "sh", Mark: "run", Needs: "team-a", Text: "kubectl get wfe -n team-a"},
		{Where: "doc.md:8", Info: "sh", Mark: "skip", Reason: "needs ko", Text: "ko apply -f config/"},
		{Where: "doc.md:12", Info: "sh", Mark: "fails", Reason: "unknown key", Text: "kubectl patch"},
	}
	if len(blocks) != len(want) {
		t.Fatalf("blocks %+v, want %+v", blocks, want)
	}
	for i := range want {
		if blocks[i] != want[i] {
			t.Errorf("block %d = %+v, want %+v", i, blocks[i], want[i])
		}
	}
	header := "# License.\n\n# A sample.\n#\n#   kubectl apply -f x.yaml\n#   tkn bundle push r \\\n#     -f y.yaml\n#   - not a command\napiVersion: v1\n#   kubectl not-in-header\n"
	hb := framework.ParseSampleHeader("s.yaml", header)
	if len(hb) != 2 || hb[0].Text != "kubectl apply -f x.yaml" || hb[0].Mark != "run" ||
		hb[1].Mark != "skip" || hb[1].Text != "tkn bundle push r \\\n     -f y.yaml" {
		t.Errorf("sample header commands %+v", hb)
	}
}
