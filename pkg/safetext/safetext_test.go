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

package safetext

import (
	"testing"
	"unicode"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"restart-deployment", "restart-deployment"},
		{"redémarrage ✓ 再起動", "redémarrage ✓ 再起動"},
		{"a\x1b[2J\x1b]0;pwned\ab", `a\x1b[2J\x1b]0;pwned\x07b`},
		{"line\nWorkflow drain completed", `line\nWorkflow drain completed`},
		{"cr\rtab\t", `cr\rtab\t`},
		{"del\x7f c1\u0085 csi\u009b", `del\x7f c1\u0085 csi\u009b`},
		{"rtl\u202egnp.exe", `rtl\u202egnp.exe`},
		{"bad\xffutf8", `bad\xffutf8`},
		{`back\slash`, `back\slash`},
		{"with space", "with space"},
		{"\x00nul", `\x00nul`},
		{"zero\u200bwidth nbsp\u00a0", `zero\u200bwidth nbsp\u00a0`},
		{"\x1b]8;;http://x\x07link\x1b]8;;\x07", `\x1b]8;;http://x\x07link\x1b]8;;\x07`},
	} {
		got := Escape(tc.in)
		if got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !Safe(got) {
			t.Errorf("Escape(%q) = %q is not Safe", tc.in, got)
		}
		if again := Escape(got); again != got {
			t.Errorf("Escape is not idempotent: %q -> %q", got, again)
		}
	}
}

// TestEscapeEveryControlCharacter: no rune of the control or bidi classes
// survives.
func TestEscapeEveryControlCharacter(t *testing.T) {
	for r := rune(0); r <= 0x10ffff; r++ {
		if !unicode.IsControl(r) && !unicode.Is(unicode.Bidi_Control, r) {
			continue
		}
		for _, c := range Escape("x" + string(r) + "y") {
			if unicode.IsControl(c) || unicode.Is(unicode.Bidi_Control, c) {
				t.Fatalf("Escape(%U) kept %U", r, c)
			}
		}
	}
}

// TestEscapeLeavesOnlyPrintable checks every rune: only printable ones and
// the ASCII space survive.
func TestEscapeLeavesOnlyPrintable(t *testing.T) {
	for r := rune(0); r <= 0x10ffff; r++ {
		for _, got := range Escape("x" + string(r) + "y") {
			if got != ' ' && !unicode.IsPrint(got) {
				t.Fatalf("Escape(%U) kept %U", r, got)
			}
		}
	}
}
