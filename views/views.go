// Package views holds himoya's HTML templates and static files, embedded in the binary so
// that it runs with no CDN and no files beside it, and the functions the templates use.
package views

import (
	"embed"
	"html/template"
	"io/fs"
	"strings"
	"time"
)

// FS holds the templates: layouts/, partials/ and one folder per resource.
//
//go:embed layouts partials errors auth calls cases events admin account audit callers reports dashboard
var FS embed.FS

//go:embed static
var staticFS embed.FS

// Static holds the stylesheet and scripts, served under /static.
var Static, _ = fs.Sub(staticFS, "static")

// Funcs are the formatting helpers the templates use; times show in the organisation's zone.
func Funcs(loc *time.Location) template.FuncMap {
	local := func(t any) (time.Time, bool) {
		switch v := t.(type) {
		case time.Time:
			return v.In(loc), !v.IsZero()
		case *time.Time:
			if v == nil {
				return time.Time{}, false
			}
			return v.In(loc), !v.IsZero()
		}
		return time.Time{}, false
	}
	return template.FuncMap{
		// when formats a time for reading: 2024-03-23 14:05.
		"when": func(t any) string {
			if v, ok := local(t); ok {
				return v.Format("2006-01-02 15:04")
			}
			return ""
		},
		// inputTime formats a time for a datetime-local input.
		"inputTime": func(t any) string {
			if v, ok := local(t); ok {
				return v.Format("2006-01-02T15:04")
			}
			return ""
		},
		"join": strings.Join,
		"has": func(list []string, v string) bool {
			for _, x := range list {
				if x == v {
					return true
				}
			}
			return false
		},
		"add":   func(a, b int) int { return a + b },
		"sub":   func(a, b int) int { return a - b },
		"lines": func(s string) []string { return strings.Split(s, "\n") },
		// caseURL is the page of a case, by id; recordURL the page an audit entry is about.
		"caseURL":   CaseURL,
		"recordURL": RecordURL,
	}
}
