package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"himoya/models"
)

// Security sweeps over the whole application: cross-site scripting through every free-text
// field, SQL injection through every filter, and forged form posts on every route. They walk
// the route table and the filter struct, so that routes and filters added later are covered
// without editing this file.

// xssPayloads are the classic probes: a script element, and a break out of an attribute.
var xssPayloads = []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`}

// escaped is how html/template writes text into a page (in text and in quoted attributes).
func escaped(s string) string { return template.HTMLEscapeString(s) }

// rawMarkup are the fragments that must never reach a page unescaped.
var rawMarkup = []string{"<script>alert(1)", "<img src=x"}

// routeParam matches the parameters of a route's path.
var routeParam = regexp.MustCompile(`:[A-Za-z_]+`)

// TestXSSPayloadsComeBackEscaped stores each payload in every free-text field — caller name,
// safe-contact instructions, summary, city, move and assignment notes, timeline note,
// follow-up call, event name, user name, taxonomy label — and opens every page that shows
// them: each shows the text escaped, and no page (of the whole route table, for every role)
// carries the markup itself.
func TestXSSPayloadsComeBackEscaped(t *testing.T) {
	for i, p := range xssPayloads {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			e := newTestEnv(t)
			ctx := context.Background()
			e.user("cw@example.org", models.RoleCaseworker)
			sup := e.user("sup@example.org", models.RoleSupervisor)
			e.user("admin@example.org", models.RoleAdmin)
			admin := e.login("admin@example.org")
			sb := e.login("sup@example.org")
			cb := e.login("cw@example.org")
			text := func(field string) string { return field + " " + p }

			// An admin adds a category and an account whose label and name carry the payload.
			admin.get("/admin/taxonomy")
			code := fmt.Sprintf("xss_probe_%d", i)
			resp, _ := admin.post("/admin/taxonomy", url.Values{"kind": {"category"}, "code": {code}, "label_en": {text("Label")}, "label_ru": {text("Метка")}})
			mustStatus(t, resp, 303, "add category")
			admin.get("/admin/users")
			resp, _ = admin.post("/admin/users", url.Values{"email": {"probe@example.org"}, "name": {text("User")},
				"role": {string(models.RoleCaseworker)}, "password": {testPassword}})
			mustStatus(t, resp, 303, "add account")
			probe, err := e.Store.UserByEmail(ctx, "probe@example.org")
			if err != nil {
				t.Fatal(err)
			}
			// A supervisor names an event with it.
			sb.get("/events")
			resp, _ = sb.post("/events", url.Values{"name": {text("Event")}, "starts_on": {"2024-03-01"}, "region": {"RU-MOW"}})
			mustStatus(t, resp, 303, "add event")
			evs, err := e.Store.ListEvents(ctx, true)
			if err != nil || len(evs) != 1 {
				t.Fatalf("events: %v %v", evs, err)
			}
			// A caseworker records a call with it in every text field of the intake.
			n := openCaseByPage(t, cb, map[string]string{"caller.name": text("Name"), "caller.safe_contact": text("Safe"),
				"summary": text("Summary"), "city": text("City"), "categories": code, "event_id": strconv.Itoa(int(evs[0].ID)),
				"caller.phone": "+992 93 100 20 30"})
			casePath := fmt.Sprintf("/cases/%d", n)
			// The phone cannot hold it: refused, and shown back escaped.
			cb.get("/calls/new")
			resp, page := cb.post("/calls", intakeForm(map[string]string{"caller.phone": p}))
			mustStatus(t, resp, 422, "payload as a phone number")
			lacksMarkup(t, page, "intake refusing the phone")
			pageHas(t, page, escaped(p), "intake shows the refused phone escaped")
			// A supervisor assigns the case to the account, with notes, a follow-up call, a move.
			cs := getCase(t, e, sup, n)
			sb.get(casePath)
			resp, _ = sb.post(casePath+"/transitions", url.Values{"to": {"assigned"}, "assignee_id": {strconv.Itoa(int(probe.ID))},
				"version": {strconv.Itoa(cs.Version)}, "note": {text("Move")}})
			mustStatus(t, resp, 303, "assign")
			resp, _ = sb.post(casePath+"/notes", url.Values{"note": {text("Note")}})
			mustStatus(t, resp, 303, "note")
			resp, _ = sb.post(casePath+"/contacts", url.Values{"channel": {"phone"}, "summary": {text("Call")}})
			mustStatus(t, resp, 303, "follow-up call")
			callerID := *getCase(t, e, sup, n).CallerID
			// And hands it to a second account with the payload in its name: the message after
			// the form names the account, and no header may carry its text.
			e.userText = []string{p}
			admin.get("/admin/users")
			resp, _ = admin.post("/admin/users", url.Values{"email": {"probe2@example.org"}, "name": {text("Second")},
				"role": {string(models.RoleCaseworker)}, "password": {testPassword}})
			mustStatus(t, resp, 303, "add second account")
			probe2, err := e.Store.UserByEmail(ctx, "probe2@example.org")
			if err != nil {
				t.Fatal(err)
			}
			sb.get(casePath)
			resp, _ = sb.post(casePath+"/assign", url.Values{"assignee_id": {strconv.Itoa(int(probe2.ID))}, "note": {text("Reassign")},
				"version": {strconv.Itoa(getCase(t, e, sup, n).Version)}})
			mustStatus(t, resp, 303, "reassign")
			_, page = sb.get(casePath)
			pageHas(t, page, escaped(text("Second")), "the message after reassigning")

			// Each page that shows a field shows it escaped.
			for _, tc := range []struct {
				b      *browser
				method string
				path   string
				form   url.Values
				fields []string
			}{
				{sb, "GET", casePath, nil, []string{"Name", "Safe", "Summary", "City", "Move", "Note", "Call", "Event", "User", "Label"}},
				{sb, "GET", casePath + "/edit", nil, []string{"Summary", "City", "Event", "Label"}},
				{sb, "GET", "/cases", nil, []string{"User", "Label"}},
				{sb, "POST", "/cases/search", url.Values{"q": {"Summary"}}, []string{"User", "Label"}},
				{sb, "POST", "/calls", intakeForm(map[string]string{"action": "lookup", "caller.phone": "992931002030"}), []string{"Name", "Event", "Label"}},
				{sb, "GET", fmt.Sprintf("/callers/%d/forget", callerID), nil, []string{"Name"}},
				{sb, "GET", "/events", nil, []string{"Event"}},
				{admin, "GET", "/admin/users", nil, []string{"User"}},
				{admin, "GET", "/admin/taxonomy", nil, []string{"Label", "Метка"}},
			} {
				var page string
				if tc.method == "GET" {
					_, page = tc.b.get(tc.path)
				} else {
					tc.b.get("/cases") // a fresh CSRF token
					_, page = tc.b.post(tc.path, tc.form)
				}
				what := tc.method + " " + tc.path
				lacksMarkup(t, page, what)
				for _, f := range tc.fields {
					pageHas(t, page, escaped(text(f)), what)
				}
			}
			// The API answers JSON, which escapes markup too.
			tok := e.token("sup@example.org")
			req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/cases/%d", n), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp = e.do(req)
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "application/json") {
				t.Errorf("API case: %d %q", resp.StatusCode, ct)
			}
			lacksMarkup(t, string(data), "API case")

			// No page of the route table carries the markup, for any role. Downloads (CSV) are
			// not pages: a browser must not take them for one.
			ids := map[string]string{"case": strconv.Itoa(int(n)), "caller": strconv.Itoa(int(callerID)),
				"user": strconv.Itoa(int(probe.ID)), "event": strconv.Itoa(int(evs[0].ID))}
			for _, b := range []*browser{cb, sb, admin} {
				for _, rt := range Routes() {
					if rt.Method != "GET" || strings.HasPrefix(rt.Path, "/api/") {
						continue
					}
					resp, page := b.get(fillParams(rt.Path, ids))
					switch ct := resp.Header.Get("Content-Type"); {
					case resp.StatusCode >= 300 && resp.StatusCode < 400: // a redirect, no body
					case strings.HasPrefix(ct, "text/html"):
						lacksMarkup(t, page, "GET "+rt.Path)
					case ct == "" || strings.Contains(ct, "html") || strings.Contains(ct, "xml") ||
						resp.Header.Get("X-Content-Type-Options") != "nosniff":
						t.Errorf("GET %s: content type %q (nosniff %q) could be shown as a page", rt.Path, ct,
							resp.Header.Get("X-Content-Type-Options"))
					}
				}
			}
		})
	}
}

// fillParams puts ids into a route's parameters: the case's id by default, or the record the
// path names (/callers/:id, /admin/users/:id, /events/:id).
func fillParams(path string, ids map[string]string) string {
	id := ids["case"]
	switch {
	case strings.HasPrefix(path, "/callers/"):
		id = ids["caller"]
	case strings.HasPrefix(path, "/admin/users/"):
		id = ids["user"]
	case strings.HasPrefix(path, "/events/"):
		id = ids["event"]
	}
	return routeParam.ReplaceAllString(path, id)
}

func lacksMarkup(t *testing.T, page, what string) {
	t.Helper()
	for _, m := range rawMarkup {
		if strings.Contains(page, m) {
			t.Errorf("%s: the page carries %q unescaped", what, m)
		}
	}
}

// sqlProbes are strings that would change a query built by pasting text into SQL.
var sqlProbes = []string{`' OR '1'='1`, `1; DROP TABLE cases;--`, `%' --`, `") OR 1=1 --`}

// caseFilterNames are the filters of a case list, read from models.CaseFilter: a filter added
// there is probed here too.
func caseFilterNames() []string {
	var out []string
	ft := reflect.TypeOf(models.CaseFilter{})
	for i := 0; i < ft.NumField(); i++ {
		if q := ft.Field(i).Tag.Get("query"); q != "" {
			out = append(out, q)
		}
	}
	sort.Strings(out)
	return out
}

// TestSQLInjectionInFiltersIsHarmless sends each probe in each filter of the case list page,
// its search form and the API, and compares the answer with the answer to a harmless value
// that matches nothing ("zzz"): the same status (never a server error) and the same number of
// cases, so the probe was read as a value and nothing else. The cases are all still there.
func TestSQLInjectionInFiltersIsHarmless(t *testing.T) {
	f := newAPIFixture(t)
	for i := 0; i < 3; i++ {
		f.create(f.cw, validCase())
	}
	sup := f.login("sup@example.org")
	names := caseFilterNames()
	if len(names) < 10 {
		t.Fatalf("filters read from models.CaseFilter: %v", names)
	}
	type answer struct{ status, cases int }
	api := func(name, v string) answer {
		var list struct {
			Total int `json:"total"`
		}
		st := f.api("GET", "/api/v1/cases?"+url.Values{name: {v}}.Encode(), f.sup, nil, &list)
		return answer{st, list.Total}
	}
	page := func(method, name, v string) answer {
		var st int
		var body string
		if method == "GET" {
			resp, b := sup.get("/cases?" + url.Values{name: {v}}.Encode())
			st, body = resp.StatusCode, b
		} else {
			sup.get("/cases")
			resp, b := sup.post("/cases/search", url.Values{name: {v}})
			st, body = resp.StatusCode, b
		}
		a := answer{st, -1}
		if m := listTotal.FindStringSubmatch(body); m != nil {
			a.cases, _ = strconv.Atoi(m[1])
		}
		return a
	}
	for _, name := range names {
		for _, ask := range []struct {
			where string
			get   func(v string) answer
		}{
			{"GET /api/v1/cases", func(v string) answer { return api(name, v) }},
			{"GET /cases", func(v string) answer { return page("GET", name, v) }},
			{"POST /cases/search", func(v string) answer { return page("POST", name, v) }},
		} {
			want := ask.get("zzz")
			for _, probe := range sqlProbes {
				got := ask.get(probe)
				if got.status >= 500 || got != want {
					t.Errorf("%s %s=%q: status %d with %d cases; %q gives %d with %d", ask.where, name, probe,
						got.status, got.cases, "zzz", want.status, want.cases)
				}
			}
		}
	}
	// Every case is still there, and the table too.
	if a := api("status", ""); a.cases != 3 {
		t.Fatalf("%d cases after the probes, want 3", a.cases)
	}
	var tables int64
	sqliteFile(t, f.Path).Raw("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'cases'").Scan(&tables)
	if tables != 1 {
		t.Fatal("the cases table is gone")
	}
}

// listTotal reads the number of cases a list page found.
var listTotal = regexp.MustCompile(`<p>(\d+) cases?\b`)

// fingerprint hashes the content of each table of the database file.
func fingerprint(t *testing.T, path string) map[string]string {
	t.Helper()
	db := sqliteFile(t, path)
	var tables []string
	if err := db.Raw("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, tb := range tables {
		rows, err := db.Raw(`SELECT * FROM "` + tb + `"`).Rows()
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		h := sha256.New()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%v\n", vals)
		}
		rows.Close()
		out[tb] = hex.EncodeToString(h.Sum(nil))
	}
	return out
}

// TestCSRFRefusedOnEveryForm posts to every route of the table that changes something (all
// but GET and the bearer-token API) from logged-in browsers of every role, without the CSRF
// token and with another browser's token: each is refused with 403, and no table changes.
func TestCSRFRefusedOnEveryForm(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	browsers := map[string]*browser{}
	var sup *models.User
	for _, r := range models.Roles {
		u := e.user(string(r)+"@example.org", r)
		if r == models.RoleSupervisor {
			sup = u
		}
	}
	for _, r := range models.Roles {
		browsers[string(r)] = e.login(string(r) + "@example.org")
	}
	anon := e.browser()
	anon.get("/login")
	browsers["anonymous"] = anon
	other := e.user("other@example.org", models.RoleCaseworker)
	ob := e.login(other.Email)
	ob.get("/account")
	otherToken := ob.csrf
	// Records for the routes' ids to name.
	n := openCaseByPage(t, browsers[string(models.RoleCaseworker)], nil)
	if _, err := e.Store.CreateEvent(ctx, sup, models.EventInput{Name: "Raid at the market", StartsOn: "2024-03-01", Region: "RU-MOW"}); err != nil {
		t.Fatal(err)
	}
	cs := getCase(t, e, sup, n)
	ids := map[string]string{"case": strconv.Itoa(int(n)), "caller": strconv.Itoa(int(*cs.CallerID)), "user": strconv.Itoa(int(other.ID)), "event": "1"}
	// What a form would send: enough for most routes to do something if the token passed.
	form := url.Values{"note": {"forged"}, "summary": {"forged"}, "name": {"Forged"}, "label_en": {"Forged"}, "code": {"forged"},
		"kind": {"category"}, "to": {"assigned"}, "version": {strconv.Itoa(cs.Version)}, "assignee_id": {strconv.Itoa(int(other.ID))},
		"channel": {"phone"}, "category": {"raid"}, "reason": {"data_error"}, "role": {"admin"}, "active": {"0"},
		"email": {"forged@example.org"}, "password": {"a forged password 123"}, "current": {testPassword},
		"next": {"a forged password 123"}, "confirm": {"a forged password 123"}, "starts_on": {"2024-03-01"}, "region": {"RU-MOW"}}

	// Tables that change on any request (sessions seen, the audit of views) are not the
	// forms' doing: find them by browsing.
	base := fingerprint(t, e.Path)
	for _, b := range browsers {
		b.get("/")
		b.get("/cases/" + ids["case"])
	}
	quiet := fingerprint(t, e.Path)
	volatile := map[string]bool{"audit_entries": true}
	for tb, h := range quiet {
		if base[tb] != h {
			volatile[tb] = true
		}
	}

	posts := 0
	for _, rt := range Routes() {
		if rt.Method == "GET" || rt.Method == "HEAD" || strings.HasPrefix(rt.Path, "/api/") {
			continue
		}
		path := fillParams(rt.Path, ids)
		for who, b := range browsers {
			if who == "anonymous" && !rt.Access.Public {
				continue
			}
			for _, tok := range []string{"", otherToken} {
				f := url.Values{}
				for k, v := range form {
					f[k] = v
				}
				if tok != "" {
					f.Set("_csrf", tok)
				}
				req := httptest.NewRequest(rt.Method, path, strings.NewReader(f.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, _ := b.send(req)
				posts++
				if resp.StatusCode != 403 {
					t.Errorf("%s %s by %s with token %q: status %d, want 403", rt.Method, rt.Path, who, tok, resp.StatusCode)
				}
			}
		}
	}
	if posts < 20 {
		t.Fatalf("only %d forged posts: the route table walk found too few routes", posts)
	}
	after := fingerprint(t, e.Path)
	for tb, h := range after {
		if !volatile[tb] && quiet[tb] != h {
			t.Errorf("table %s changed under forged posts", tb)
		}
	}
	// Everyone is still logged in (the forged logouts did nothing)...
	for who, b := range browsers {
		if who == "anonymous" {
			continue
		}
		if resp, _ := b.get("/account"); resp.StatusCode != 200 {
			t.Errorf("%s was logged out by a forged post: %d", who, resp.StatusCode)
		}
	}
	// ...and the same post with the page's own token goes through and shows in the tables,
	// so the check above can see a change.
	b := browsers[string(models.RoleSupervisor)]
	b.get("/cases/" + ids["case"])
	resp, _ := b.post("/cases/"+ids["case"]+"/notes", url.Values{"note": {"genuine"}})
	mustStatus(t, resp, 303, "a genuine note")
	if fingerprint(t, e.Path)["case_entries"] == after["case_entries"] {
		t.Error("the fingerprint does not see a genuine change")
	}
}
