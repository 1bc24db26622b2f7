package app

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

var caseRef = regexp.MustCompile(`HL-\d{4}-\d{6}`)

// TestBrowserCaseWork drives the real binary through Chromium as two caseworkers and a
// supervisor use it: logging in (the supervisor through two-factor set-up), a call that opens
// a case, the same caller ringing again and their call added to the case, moves along the
// workflow, a stale edit refused between two browsers, the dashboard, and a report downloaded.
func TestBrowserCaseWork(t *testing.T) {
	srv := startServer(t)
	cw := srv.newTab(1280, 900, "en")
	cw.login("cw@example.org")

	// A new caller.
	cw.open("/calls/new")
	cw.do(
		typeIn(`[name="caller.phone"]`, "+992 93 555 12 12"),
		typeIn(`[name="caller.name"]`, "Farkhat Karimov"),
		choose(`#category`, "illegal_detention"),
		choose(`#region`, "RU-MOW"),
		typeIn(`#summary`, "Detained at the market in a raid."),
	)
	cw.click(`button[value=save]`)
	page := cw.text()
	ref := caseRef.FindString(page)
	if !strings.Contains(cw.location(), "/cases/") || ref == "" {
		t.Fatalf("the call opened no case: %s\n%s", cw.location(), page)
	}
	casePage := strings.TrimPrefix(cw.location(), srv.URL)

	// The same person rings again: the lookup finds them, the call goes on their case.
	cw.open("/calls/new")
	cw.do(typeIn(`[name="caller.phone"]`, "+992935551212"))
	cw.click(`button[value=lookup]`)
	if !strings.Contains(cw.text(), "Farkhat Karimov") {
		t.Fatalf("the lookup does not show the caller: %s", cw.text())
	}
	cw.do(
		chromedp.Click(chromedp.CSS(`input[name="caller.id"]:not([value=""])`)),
		chromedp.Click(chromedp.CSS(`#save-attach`)),
		typeIn(`#summary`, "Called again: still held."),
	)
	cw.click(`button[value=save]`)
	if loc := cw.location(); !strings.HasSuffix(loc, casePage) {
		t.Fatalf("after the repeat call: %s, want %s", loc, casePage)
	}
	if page := cw.text(); !strings.Contains(page, "Called again: still held.") {
		t.Fatalf("the repeat call is not on the case: %s", page)
	}

	// Workflow: the caseworker takes the case and starts work on it.
	cw.click(`form[action$="/transitions"] input[name=to][value=assigned] ~ button[type=submit]`)
	cw.click(`form[action$="/transitions"] input[name=to][value=in_progress] ~ button[type=submit]`)
	if page := cw.text(); !strings.Contains(page, "in progress") && !strings.Contains(page, "In progress") {
		t.Fatalf("the case did not move to in progress: %s", page)
	}

	// A stale edit: a supervisor and the caseworker open the edit form; the supervisor saves
	// first; the caseworker's save is refused and overwrites nothing.
	sup := srv.newTab(1280, 900, "en")
	sup.login("sup@example.org")
	sup.open(casePage + "/edit")
	cw.open(casePage + "/edit")
	sup.do(choose(`#city`, "Khimki"))
	sup.click(`main form button.primary`)
	cw.do(choose(`#city`, "Podolsk"))
	cw.click(`main form button.primary`)
	if page := cw.text(); !strings.Contains(strings.ToLower(page), "someone else changed") {
		t.Fatalf("the stale edit was not refused: %s", page)
	}
	sup.open(casePage)
	if page := sup.text(); !strings.Contains(page, "Khimki") || strings.Contains(page, "Podolsk") {
		t.Fatalf("after the refused edit the case shows: %s", page)
	}

	// The dashboard shows the case among today's calls.
	sup.open("/dashboard")
	if page := sup.text(); !strings.Contains(page, "Calls today") && !strings.Contains(page, "calls today") {
		t.Fatalf("dashboard: %s", page)
	}

	// A report, downloaded as CSV from the reports page.
	sup.open("/reports")
	href := sup.attr(`a[href*="/reports/export"][href*="format=csv"]`, "href")
	type download struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
		Body   string `json:"body"`
	}
	got := evalAs[download](sup, `fetch(`+jsString(href)+`).then(async r => ({status: r.status, type: r.headers.get("content-type"), body: await r.text()}))`)
	if got.Status != 200 || !strings.Contains(got.Type, "csv") || !strings.Contains(got.Body, "calls") {
		t.Fatalf("report download: %d %q %.200q", got.Status, got.Type, got.Body)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// TestBrowserAccessibility runs axe-core on the pages a caseworker and a supervisor use, in
// Russian and in English, and fails on any serious or critical violation; at 390 px wide, the intake, case and list pages
// must not scroll sideways.
func TestBrowserAccessibility(t *testing.T) {
	for _, lang := range []string{"ru", "en"} {
		t.Run(lang, func(t *testing.T) { checkAccessibility(t, lang) })
	}
}

// checkAccessibility checks the pages in one language: the browser asks for it, and the
// pages must answer in it.
func checkAccessibility(t *testing.T, lang string) {
	srv := startServer(t)
	cw := srv.newTab(1280, 900, lang)
	cw.login("cw@example.org")
	cw.open("/calls/new")
	cw.do(
		typeIn(`[name="caller.phone"]`, "+992 93 555 12 13"),
		choose(`#category`, "raid"),
		choose(`#region`, "RU-MOW"),
		typeIn(`#summary`, "Raid at the dormitory."),
	)
	cw.click(`button[value=save]`)
	casePage := strings.TrimPrefix(cw.location(), srv.URL)
	sup := srv.newTab(1280, 900, lang)
	sup.login("sup@example.org")
	anon := srv.newTab(1280, 900, lang)

	pages := []struct {
		tb   *tab
		path string
	}{
		{anon, "/login"},
		{cw, "/calls/new"},
		{cw, casePage},
		{cw, "/cases"},
		{cw, "/dashboard"},
		{cw, "/account"},
		{sup, "/dashboard"},
		{sup, "/reports"},
		{sup, "/cases"},
	}
	for _, p := range pages {
		p.tb.open(p.path)
		if got := evalAs[string](p.tb, `document.documentElement.lang`); got != lang {
			t.Errorf("%s: html lang %q, want %q", p.path, got, lang)
		}
		for _, v := range p.tb.axe() {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, strings.Join(n.Target, " "))
			}
			t.Errorf("%s: %s (%s): %s — %v", p.path, v.ID, v.Impact, v.Help, where)
		}
	}
	narrow := srv.newTab(390, 844, lang)
	narrow.login("cw@example.org")
	for _, path := range []string{"/calls/new", casePage, "/cases"} {
		narrow.open(path)
		if narrow.overflowsX() {
			t.Errorf("%s at 390 px scrolls sideways", path)
		}
	}
}
