package views

import "strings"

// This file is the one formula-injection guard of every file himoya writes for a
// spreadsheet program: the CSV and XLSX of reports, the CSV of cases, the CSV of the audit
// log. The file writers live here, in views, so that every one of them reaches it.

// formulaStarts are the characters that make a spreadsheet program read a cell as a formula
// (=, + and - start one, @ calls a function in Excel), and the tab and carriage return that
// OWASP lists because some programs skip them before looking at the first character.
const formulaStarts = "=+-@\t\r"

// SpreadsheetText is the value to write in a text cell of a file people open in a
// spreadsheet program: a text that a spreadsheet would take for a formula (CSV or formula
// injection: =HYPERLINK(...), +cmd|..., @SUM(...)) gets an apostrophe in front, which
// spreadsheets show as text and never evaluate. Other text is returned as it is.
//
// Every text cell goes through it, whoever typed the text: taxonomy labels, event names,
// names, summaries, e-mail addresses, request ids. Numbers do not: a count or a change is
// written as a number (in CSV its digits, e.g. -3, which a spreadsheet reads as the number
// -3 and not as a formula; in XLSX a numeric cell, which is never evaluated), so a negative
// number is not turned into the text "'-3".
func SpreadsheetText(v string) string {
	if v != "" && strings.IndexByte(formulaStarts, v[0]) >= 0 {
		return "'" + v
	}
	return v
}
