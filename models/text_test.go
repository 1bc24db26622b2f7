package models

import (
	"testing"
)

// TestTextProblem: right-to-left and other scripts are text (Persian's zero-width non-joiner
// included); control characters and the controls of writing direction are not; line breaks
// and tabs only in long texts.
func TestTextProblem(t *testing.T) {
	for _, tc := range []struct {
		v           string
		short, long bool // accepted as such
	}{
		{"Фаррух Рахимов", true, true},
		{"فرخ رحیمی", true, true},
		{"می\u200cخواهم", true, true},
		{"שלום", true, true},
		{"Ali 👍 +7 (916) 123-45-67", true, true},
		{"line one\nline two", false, true},
		{"a\r\nb\tc", false, true},
		{"nul\x00", false, false},
		{"bell\a", false, false},
		{"esc\x1b[31m", false, false},
		{"del\x7f", false, false},
		{"nel\u0085", false, false},
		{"csi\u009b", false, false},
		{"txt.\u202eexe", false, false},
		{"\u2066isolate\u2069", false, false},
		{"mark\u200e", false, false},
		{"mark\u200f", false, false},
		{"arabic mark\u061c", false, false},
		{"bad \xff utf-8", false, false},
	} {
		if got := textProblem(tc.v, false) == ""; got != tc.short {
			t.Errorf("short %q: accepted %v, want %v (%s)", tc.v, got, tc.short, textProblem(tc.v, false))
		}
		if got := textProblem(tc.v, true) == ""; got != tc.long {
			t.Errorf("long %q: accepted %v, want %v (%s)", tc.v, got, tc.long, textProblem(tc.v, true))
		}
	}
	if _, args := SplitMessage(textProblem("x\u202ey", false)); args["Char"] != "U+202E" {
		msg := textProblem("x\u202ey", false)
		t.Errorf("the message does not name the character: %q", msg)
	}
}
