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

package termtext

import (
	"testing"
	"unicode"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"restart-deployment", "restart-deployment"},
		{"ns/Deployment/api", "ns/Deployment/api"},
		{"naïve café ✓ 日本", "naïve café ✓ 日本"},
		{"with space", "with space"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"bell\a", `bell\a`},
		{"line\nforged: line", `line\nforged: line`},
		{"cr\rover", `cr\rover`},
		{"tab\tcell", `tab\tcell`},
		{"\x9b31m", `\x9b31m`},             // C1 CSI as a rune
		{"\xc2", `\xc2`},                   // an invalid byte
		{"\x7f", `\x7f`},                   // DEL
		{"\x00nul", `\x00nul`},             // NUL
		{"rtl\u202eevil", `rtl\u202eevil`}, // bidirectional override
		{"\x1b]8;;http://x\x07link\x1b]8;;\x07", `\x1b]8;;http://x\alink\x1b]8;;\a`},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestEscapeLeavesNoControl checks every rune up to U+FFFF: no control or
// other non-printable character survives.
func TestEscapeLeavesNoControl(t *testing.T) {
	for r := rune(0); r <= 0xffff; r++ {
		for _, got := range Escape(string(r)) {
			if got != ' ' && !unicode.IsPrint(got) {
				t.Fatalf("Escape(%q) = %q keeps %U", string(r), Escape(string(r)), got)
			}
		}
	}
}
