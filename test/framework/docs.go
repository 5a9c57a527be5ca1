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
	"fmt"
	"regexp"
	"strings"
)

// DocFiles are the documents (relative to the repository) whose command blocks a user is told to run,
// in the order the test runs them.
var DocFiles = []string{
	"README.md",
	"docs/operator-runbook.md",
	"docs/workflow-authors-guide.md",
	"config/samples/README.md",
}

// A command block (```sh, ```bash, ```console) in DocFiles carries a marker,
// an HTML comment on the line before it (invisible on GitHub):
//
//	<!-- doc-test: run -->                         run it; it must exit 0
//	<!-- doc-test: run, needs namespace team-a --> the same, in a cluster where team-a exists
//	<!-- doc-test: fails (TEXT) -->                run it; it must exit non-zero and print TEXT
//	<!-- doc-test: skip (REASON) -->               not run, for REASON (e.g. ko or tkn, output)
var docMarker = regexp.MustCompile(`^<!-- doc-test: (run|fails|skip)(?:, needs namespace ([a-z0-9-]+))?(?: \((.+)\))? -->$`)

// DocBlock is a command block of a document, or the commands in a sample's
// header.
type DocBlock struct {
	Where  string // file:line
	Info   string // the fence's info string, or "sample header"
	Mark   string // run, fails, skip
	Needs  string // a namespace the block assumes
	Reason string // why skipped, or the text a failing block prints
	Text   string
}

// commandInfo are the info strings of blocks that hold commands.
var commandInfo = map[string]bool{"sh": true, "bash": true, "shell": true, "console": true}

// ParseDocBlocks returns the command blocks of a Markdown document, and an
// error for each block that is not marked, or marked wrongly.
func ParseDocBlocks(file, content string) ([]DocBlock, []error) {
	var blocks []DocBlock
	var errs []error
	lines := strings.Split(content, "\n")
	prev := ""
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(trimmed, "```") {
			if trimmed != "" {
				prev = trimmed
			}
			continue
		}
		indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " "))]
		b := DocBlock{Where: fmt.Sprintf("%s:%d", file, i+1), Info: strings.TrimPrefix(trimmed, "```")}
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, strings.TrimPrefix(lines[i], indent))
		}
		b.Text = strings.Join(body, "\n")
		marker := prev
		prev = ""
		if !commandInfo[b.Info] {
			continue
		}
		m := docMarker.FindStringSubmatch(marker)
		switch {
		case m == nil:
			errs = append(errs, fmt.Errorf("%s: a %q block without a marker on the line before it: "+
				"<!-- doc-test: run --> if a user runs it as written, else <!-- doc-test: skip (why not) -->", b.Where, b.Info))
			continue
		case m[1] == "skip" && m[3] == "":
			errs = append(errs, fmt.Errorf("%s: doc-test: skip without a reason", b.Where))
		case m[1] != "skip" && b.Info == "console":
			errs = append(errs, fmt.Errorf("%s: a console block (commands and their output) cannot run: write the commands in an sh block", b.Where))
		case m[1] == "fails" && m[3] == "":
			errs = append(errs, fmt.Errorf("%s: doc-test: fails without the text the failure prints", b.Where))
		}
		b.Mark, b.Needs, b.Reason = m[1], m[2], m[3]
		blocks = append(blocks, b)
	}
	return blocks, errs
}

// sampleCommand is a command line in a sample's header comment
// ("#   kubectl apply ..."), with its continuation lines.
var sampleCommand = regexp.MustCompile(`^#   ((kubectl|sed|tkn|crane) .*)$`)

// ParseSampleHeader returns the commands of a sample's header comment: the
// kubectl and sed lines run, tkn and crane are not in the rig.
func ParseSampleHeader(file, content string) []DocBlock {
	var blocks []DocBlock
	lines := strings.Split(content, "\n")
	for i := 0; i < len(lines) && (strings.HasPrefix(lines[i], "#") || strings.TrimSpace(lines[i]) == ""); i++ {
		m := sampleCommand.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		b := DocBlock{Where: fmt.Sprintf("%s:%d", file, i+1), Info: "sample header", Mark: "run", Text: m[1]}
		for strings.HasSuffix(b.Text, `\`) && i+1 < len(lines) {
			i++
			b.Text += "\n" + strings.TrimPrefix(lines[i], "#")
		}
		if m[2] == "tkn" || m[2] == "crane" {
			b.Mark, b.Reason = "skip", m[2]+" is not in the rig: the test pushes config/samples/bundle/restart-pipeline.yaml itself"
		}
		blocks = append(blocks, b)
	}
	return blocks
}
