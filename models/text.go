package models

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text that people type is stored only if it is text: valid UTF-8, without control
// characters (C0, DEL and C1: NUL, BEL, ESC, ...), which terminals, logs and other programs
// act on, and without the invisible controls of writing direction (the bidirectional
// embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069, the marks U+200E,
// U+200F and U+061C), which make a list show a text other than the one stored: a name that
// reads "Ali" in a list of callers can hold "ilA", a file name can end in "exe.txt" and read
// "txt.exe". Arabic, Persian or Hebrew text needs none of them to show right-to-left.
//
// A long text (a summary, a note) may hold line breaks and tabs; a short one (a name, a
// city, a label, an e-mail) is one line. Leading and trailing spaces and line breaks are
// trimmed before the check.

// isBidiControl reports whether r is one of the controls of writing direction.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// textProblem says what is wrong with v as a short text (long false) or a long one, or ""
// when nothing is.
func textProblem(v string, long bool) string {
	if !utf8.ValidString(v) {
		return "v.not_text"
	}
	for _, r := range v {
		switch {
		case long && (r == '\n' || r == '\r' || r == '\t'):
		case r == '\n' || r == '\r' || r == '\t':
			return "v.one_line"
		case unicode.IsControl(r):
			return Message("v.control_char", "Char", fmt.Sprintf("U+%04X", r))
		case isBidiControl(r):
			return Message("v.bidi_char", "Char", fmt.Sprintf("U+%04X", r))
		}
	}
	return ""
}

// checkText trims v, checks it as a short or long text of at most max characters, adds what
// is wrong to fe under field, and returns the trimmed text.
func checkText(fe fieldErrors, field, v string, max int, long bool) string {
	v = strings.TrimSpace(v)
	if msg := textProblem(v, long); msg != "" {
		fe.add(field, msg)
	} else if utf8.RuneCountInString(v) > max {
		fe.add(field, Message("v.max_chars", "N", max))
	}
	return v
}

// textField checks a short text typed by a person: one line (a name, a city, a label).
func textField(fe fieldErrors, field, v string, max int) string {
	return checkText(fe, field, v, max, false)
}

// longTextField checks a long text typed by a person, which may have several lines and
// tabs: a summary, a note.
func longTextField(fe fieldErrors, field, v string, max int) string {
	return checkText(fe, field, v, max, true)
}
