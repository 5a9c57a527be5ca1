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

package redact

import "testing"

func TestValues(t *testing.T) {
	values := []string{"abc", "  ab ", "prod", "secret", "secret-longer", "6chars", ""}
	for in, want := range map[string]string{
		"abc stays: too short":            "abc stays: too short",
		"  ab  stays: short once trimmed": "  ab  stays: short once trimmed",
		"env prod is redacted":            "env [REDACTED] is redacted",
		"x secret-longer y secret z":      "x [REDACTED] y [REDACTED] z",
		"6chars6chars":                    "[REDACTED][REDACTED]",
		"nothing to hide":                 "nothing to hide",
	} {
		if got := Values(in, values...); got != want {
			t.Errorf("Values(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValuesOrderDoesNotMatter(t *testing.T) {
	in := "token abcd-efgh and abcd"
	a := Values(in, "abcd", "abcd-efgh")
	b := Values(in, "abcd-efgh", "abcd")
	if a != b || a != "token [REDACTED] and [REDACTED]" {
		t.Errorf("Values depends on the order of the values: %q vs %q", a, b)
	}
}

func TestURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pa55@audit.example:8443/p?sig=x#frag": "https://audit.example:8443/p?redacted",
		"https://audit.example/api/v1/audit/events/batch":   "https://audit.example/api/v1/audit/events/batch",
		"http://u@h/?": "http://h/?redacted",
		"http://h/%zz": "[unparsable URL]",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}
