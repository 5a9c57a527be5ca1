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

// Package redact hides what may be secret before the controller shows it:
// an execution's parameter values in free text it copies from elsewhere
// (Tekton, the API server) into statuses, events and audit events —
// parameters may carry secrets, and Tekton echoes them in some messages
// ("param `MODE` value: aggressive is not in the enum list") — and the
// secret parts of the audit sink's URL in log lines and errors.
package redact

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
)

// Marker replaces a redacted value.
const Marker = "[REDACTED]"

// MinLength is the shortest value redacted, not counting surrounding
// spaces: shorter values ("1", "yes") are not secrets and redacting them
// would garble every message.
const MinLength = 4

// Parameters is Values with the values of an execution's parameters (name
// to value): the one redaction of parameter values in messages copied from
// elsewhere (Tekton, the API server) into statuses and audit events.
func Parameters(text string, params map[string]string) string {
	values := make([]string, 0, len(params))
	for _, v := range params {
		values = append(values, v)
	}
	return Values(text, values...)
}

// Values replaces in text every value of MinLength characters or more with
// Marker. The longest values go first, so that a value containing another
// is replaced whole; ties go lexically, so that the result never depends on
// the order of the values (a map's).
func Values(text string, values ...string) string {
	vs := make([]string, 0, len(values))
	for _, v := range values {
		if len(strings.TrimSpace(v)) >= MinLength {
			vs = append(vs, v)
		}
	}
	slices.SortFunc(vs, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	for _, v := range vs {
		text = strings.ReplaceAll(text, v, Marker)
	}
	return text
}

// URL returns rawURL without the parts that may be secret: user
// information, query and fragment (a present query shows as "?redacted").
// Every log line, error and configuration dump that names the audit sink
// uses it.
func URL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "[unparsable URL]"
	}
	u.User = nil
	if u.RawQuery != "" || u.ForceQuery {
		u.RawQuery, u.ForceQuery = "redacted", false
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}
