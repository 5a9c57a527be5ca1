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

// Package safetext makes text that tenants wrote (or that their workflows
// printed) safe to show an operator: no control character, terminal
// escape sequence or bidirectional override reaches a terminal through an
// event, a summary or kubectl output (docs/security.md).
package safetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with every control character (C0, DEL, C1: ESC, BEL,
// CR, LF, TAB...), bidirectional formatting character, other non-printable
// rune and invalid UTF-8 byte replaced by a visible Go escape (\x1b, \n,
// \u202e, \xff); a
// backslash is kept as is. Printable text, including non-ASCII letters,
// is unchanged. Idempotent on its own output.
func Escape(s string) string {
	if Safe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && unsafe(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// Safe reports whether s needs no escaping.
func Safe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unsafe(r) {
			return false
		}
	}
	return true
}

// unsafe: every rune that is not printable (controls, format characters
// such as bidirectional overrides, line and paragraph separators, spaces
// other than the ASCII one).
func unsafe(r rune) bool {
	return r != ' ' && !unicode.IsPrint(r)
}
