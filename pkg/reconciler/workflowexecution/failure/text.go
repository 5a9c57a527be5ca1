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
	"strings"
	"unicode/utf8"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	"kubernaut.ai/workflowexecution/pkg/redact"
)

const (
	// maxMessageLen and maxSummaryLen bound failureDetails.message and
	// naturalLanguageSummary, in bytes (so also in characters).
	maxMessageLen = 1000
	maxSummaryLen = 1000

	ellipsis = "…"
)

// Redact replaces the values of params in msg (see redact.Values), as
// every message the controller copies from Tekton must.
func Redact(msg string, params pipelinev1.Params) string {
	var values []string
	for _, p := range params {
		values = append(values, p.Value.StringVal)
		values = append(values, p.Value.ArrayVal...)
		for _, v := range p.Value.ObjectVal {
			values = append(values, v)
		}
	}
	return redact.Values(msg, values...)
}

// truncate trims s to at most max bytes of valid UTF-8, marking the cut.
func truncate(s string, max int) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) <= max {
		return s
	}
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimRightFunc(s[:cut], isSpace) + ellipsis
}

func isSpace(r rune) bool { return r == ' ' || r == '\n' || r == '\t' || r == '\r' }
