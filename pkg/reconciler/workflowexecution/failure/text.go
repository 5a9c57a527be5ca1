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
	"sort"
	"strings"
	"unicode/utf8"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
)

const (
	// maxMessageLen and maxSummaryLen bound failureDetails.message and
	// naturalLanguageSummary, in bytes (so also in characters).
	maxMessageLen = 1000
	maxSummaryLen = 1000

	// minRedactLen is the shortest parameter value redacted from messages:
	// shorter values ("1", "yes") are not secrets and would mangle the text.
	minRedactLen = 4

	redacted = "[redacted]"
	ellipsis = "…"
)

// redact replaces every parameter value in msg. Tekton echoes values in
// some messages, e.g. "param `MODE` value: aggressive is not in the enum list".
func redact(msg string, params pipelinev1.Params) string {
	var values []string
	for _, p := range params {
		values = append(values, p.Value.StringVal)
		values = append(values, p.Value.ArrayVal...)
		for _, v := range p.Value.ObjectVal {
			values = append(values, v)
		}
	}
	// Longest first, so that a value containing another is replaced whole;
	// then lexically, so that the result does not depend on map order.
	sort.Slice(values, func(i, j int) bool {
		if len(values[i]) != len(values[j]) {
			return len(values[i]) > len(values[j])
		}
		return values[i] < values[j]
	})
	for _, v := range values {
		if len(strings.TrimSpace(v)) < minRedactLen {
			continue
		}
		msg = strings.ReplaceAll(msg, v, redacted)
	}
	return msg
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
