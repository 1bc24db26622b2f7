package views

import "testing"

// TestSpreadsheetText: a text a spreadsheet would start a formula with gets an apostrophe;
// other text is left alone. A text that reads like a negative number is text and is guarded
// too: numbers are written as numbers and never pass through the guard.
func TestSpreadsheetText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Moscow", "Moscow"},
		{"Москва", "Москва"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+7 916 123-45-67", "'+7 916 123-45-67"},
		{"-3", "'-3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"a=1", "a=1"},
		{"'=1", "'=1"},
	} {
		if got := SpreadsheetText(tc.in); got != tc.want {
			t.Errorf("SpreadsheetText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
