package app

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"himoya/models"
)

// accessFixture is a hotline with two caseworkers, a supervisor and an admin who is not a
// supervisor, and three cases: one assigned to the other caseworker, one unassigned but
// restricted, and one in the ordinary unassigned queue.
type accessFixture struct {
	*testEnv
	cw, other, sup, admOnly      *models.User
	cwTok, supTok, admOnlyTok    string
	theirs, restricted, queue    caseOut
	theirsPhone, restrictedPhone string
}

func newAccessFixture(t *testing.T) *accessFixture {
	e := newTestEnv(t)
	f := &accessFixture{testEnv: e}
	f.cw = e.user("cw@example.org", models.RoleCaseworker)
	f.other = e.user("other@example.org", models.RoleCaseworker)
	f.sup = e.user("sup@example.org", models.RoleSupervisor)
	f.admOnly = e.user("it@example.org", models.RoleAdminOnly)
	f.cwTok, f.supTok, f.admOnlyTok = e.token("cw@example.org"), e.token("sup@example.org"), e.token("it@example.org")
	mk := func(name, phone, summary string) caseOut {
		t.Helper()
		body := with(validCase(), "caller", map[string]any{"name": name, "phone": phone, "citizenship": "TJ", "language": "tg"})
		body = with(body, "summary", summary)
		var out caseOut
		if st := e.api("POST", "/api/v1/cases", f.supTok, body, &out); st != 201 {
			t.Fatalf("create case: %d", st)
		}
		return out
	}
	f.theirsPhone, f.restrictedPhone = "+992 93 111 2233", "+992 93 444 5566"
	f.theirs = mk("Фарход Каримов", f.theirsPhone, "Held at the station overnight.")
	f.restricted = mk("Зарина Активистка", f.restrictedPhone, "Activist; followed by two men near the dormitory.")
	f.queue = mk("Rustam Queue", "+992 93 777 8899", "Ordinary queue case.")
	if st := e.api("POST", caseAPI(f.theirs.ID)+"/transitions", f.supTok, map[string]any{"to": "assigned", "assignee_email": "other@example.org"}, &f.theirs); st != 200 {
		t.Fatalf("assign: %d", st)
	}
	if st := e.api("PATCH", caseAPI(f.restricted.ID), f.supTok, map[string]any{"version": f.restricted.Version, "restricted": true}, &f.restricted); st != 200 {
		t.Fatalf("restrict: %d", st)
	}
	return f
}

func caseAPI(id uint) string  { return fmt.Sprintf("/api/v1/cases/%d", id) }
func casePath(id uint) string { return fmt.Sprintf("/cases/%d", id) }

// state is what a refused request must not change: the version, the timeline, the calls,
// the shares and the flag of a case, read as a supervisor.
func (f *accessFixture) state(id uint) string {
	f.t.Helper()
	cs, err := f.Store.GetCase(context.Background(), f.sup, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return fmt.Sprintf("v%d status=%s entries=%d calls=%d shares=%d restricted=%v summary=%q",
		cs.Version, cs.Status, len(cs.Entries), len(cs.Contacts), len(cs.Shares), cs.Restricted, cs.Summary.String())
}

// fresh loads a page so that the browser holds the CSRF token of its session: a refusal for
// a stale token would hide the refusal the test is about.
func fresh(t *testing.T, b *browser) *browser {
	t.Helper()
	resp, _ := b.get("/account")
	mustStatus(t, resp, 200, "account page")
	return b
}

// TestIDORCaseRoutes: a caseworker who changes the id in a URL or an API call reaches neither
// a colleague's case nor a restricted one: every case route answers 404 (403 for the routes
// of supervisors) and nothing changes. The same requests by a supervisor get through, which
// shows they were well formed.
func TestIDORCaseRoutes(t *testing.T) {
	f := newAccessFixture(t)
	cwB := fresh(t, f.login("cw@example.org"))
	supB := fresh(t, f.login("sup@example.org"))
	for _, target := range []caseOut{f.theirs, f.restricted} {
		id, v := target.ID, strconv.Itoa(target.Version)
		pages := []struct {
			method, path string
			form         url.Values
			want         int // for the caseworker
		}{
			{"GET", casePath(id), nil, 404},
			{"GET", casePath(id) + "/edit", nil, 404},
			{"POST", casePath(id), url.Values{"version": {v}, "category": {"raid"}, "summary": {"overwritten"}, "urgency": {"normal"}, "people_affected": {"1"}}, 404},
			{"POST", casePath(id) + "/transitions", url.Values{"version": {v}, "to": {"in_progress"}, "note": {"x"}}, 404},
			{"POST", casePath(id) + "/notes", url.Values{"note": {"a note"}}, 404},
			{"POST", casePath(id) + "/contacts", url.Values{"channel": {"phone"}, "summary": {"a call"}}, 404},
			{"POST", casePath(id) + "/assign", url.Values{"version": {v}, "assignee_id": {strconv.Itoa(int(f.cw.ID))}}, 403},
			{"POST", casePath(id) + "/restricted", url.Values{"version": {v}, "restricted": {"0"}}, 403},
			{"POST", casePath(id) + "/shares", url.Values{"user_id": {strconv.Itoa(int(f.cw.ID))}}, 403},
			{"POST", casePath(id) + "/unshare", url.Values{"user_id": {strconv.Itoa(int(f.cw.ID))}}, 403},
		}
		for _, p := range pages {
			before := f.state(id)
			send := func(b *browser) int {
				if p.method == "GET" {
					resp, _ := b.get(p.path)
					return resp.StatusCode
				}
				form := url.Values{}
				for k, x := range p.form {
					form[k] = x
				}
				resp, _ := b.post(p.path, form)
				return resp.StatusCode
			}
			if st := send(cwB); st != p.want {
				t.Errorf("caseworker %s %s (case %s): %d, want %d", p.method, p.path, target.Reference, st, p.want)
			}
			if after := f.state(id); after != before {
				t.Errorf("caseworker %s %s changed the case: %s -> %s", p.method, p.path, before, after)
			}
			if p.method == "GET" {
				if st := send(supB); st != 200 {
					t.Errorf("supervisor %s %s: %d, want 200", p.method, p.path, st)
				}
			}
		}
		apis := []struct {
			method, path string
			body         map[string]any
		}{
			{"GET", caseAPI(id), nil},
			{"PATCH", caseAPI(id), map[string]any{"version": target.Version, "summary": "overwritten"}},
			{"PATCH", caseAPI(id), map[string]any{"version": target.Version, "restricted": false}},
			{"POST", caseAPI(id) + "/transitions", map[string]any{"to": "in_progress"}},
		}
		for _, a := range apis {
			before := f.state(id)
			var e apiErr
			if st := f.api(a.method, a.path, f.cwTok, a.body, &e); st != 404 || e.Error.Code != "not_found" {
				t.Errorf("caseworker API %s %s (case %s): %d %q, want 404", a.method, a.path, target.Reference, st, e.Error.Code)
			}
			if after := f.state(id); after != before {
				t.Errorf("caseworker API %s %s changed the case: %s -> %s", a.method, a.path, before, after)
			}
		}
		if st := f.api("GET", caseAPI(id), f.supTok, nil, nil); st != 200 {
			t.Errorf("supervisor API GET %s: %d", target.Reference, st)
		}
	}

	// A call cannot be attached to a restricted case by its id: the answer is the one for a
	// case that does not exist, so the id reveals nothing.
	before := f.state(f.restricted.ID)
	var hidden, missing apiErr
	stHidden := f.api("POST", "/api/v1/contacts", f.cwTok, map[string]any{"channel": "phone", "case_id": f.restricted.ID, "summary": "x"}, &hidden)
	stMissing := f.api("POST", "/api/v1/contacts", f.cwTok, map[string]any{"channel": "phone", "case_id": 99999, "summary": "x"}, &missing)
	if stHidden != 422 || stHidden != stMissing || hidden.Error.Fields["case_id"] != missing.Error.Fields["case_id"] {
		t.Errorf("call on a restricted case: %d %v; on a missing case: %d %v", stHidden, hidden.Error.Fields, stMissing, missing.Error.Fields)
	}
	if after := f.state(f.restricted.ID); after != before {
		t.Errorf("a refused call changed the restricted case: %s -> %s", before, after)
	}
	// The intake page refuses it the same way.
	resp, _ := cwB.post("/calls", intakeForm(map[string]string{"save_as": "attach", "case_id": strconv.Itoa(int(f.restricted.ID)), "caller.phone": "", "caller.name": ""}))
	if resp.StatusCode != 422 {
		t.Errorf("intake attaching to a restricted case: %d, want 422", resp.StatusCode)
	}
	if after := f.state(f.restricted.ID); after != before {
		t.Errorf("the intake changed the restricted case: %s -> %s", before, after)
	}
	// A colleague's ordinary case still takes a call from its caller (the caller rang back,
	// and the caseworker found the case by the caller's number)...
	if st := f.api("POST", "/api/v1/contacts", f.cwTok, map[string]any{"channel": "phone", "case_id": f.theirs.ID, "summary": "rang back",
		"caller": map[string]any{"phone": f.theirsPhone}}, nil); st != 201 {
		t.Errorf("call on a colleague's case from its caller's number: %d, want 201", st)
	}
	// ...but its id alone proves nothing: refused like a case that does not exist.
	before = f.state(f.theirs.ID)
	var bare apiErr
	if st := f.api("POST", "/api/v1/contacts", f.cwTok, map[string]any{"channel": "phone", "case_id": f.theirs.ID, "summary": "x"}, &bare); st != 422 || bare.Error.Fields["case_id"] != missing.Error.Fields["case_id"] {
		t.Errorf("call on a colleague's case by id alone: %d %v, want 422 like a missing case", st, bare.Error.Fields)
	}
	if after := f.state(f.theirs.ID); after != before {
		t.Errorf("a refused call changed the colleague's case: %s -> %s", before, after)
	}
}

// TestRestrictedCaseInvisible: a restricted case appears in no list, search or caller lookup
// of a caseworker not named on it; sharing it with them shows it, unsharing hides it again;
// its assignee sees it; supervisors always do, and it still counts for them.
func TestRestrictedCaseInvisible(t *testing.T) {
	f := newAccessFixture(t)
	ctx := context.Background()
	cwB := fresh(t, f.login("cw@example.org"))
	ref := f.restricted.Reference

	link := `href="` + casePath(f.restricted.ID) + `"`
	seen := func(what string, want, queued bool) {
		t.Helper()
		_, queue := cwB.get("/cases?assignee=none&open=1")
		_, all := cwB.get("/cases")
		_, search := cwB.post("/cases/search", url.Values{"q": {ref}})
		_, lookup := cwB.post("/calls", intakeForm(map[string]string{"action": "lookup", "caller.phone": f.restrictedPhone, "caller.name": ""}))
		var list struct {
			Items []caseOut `json:"items"`
			Total int       `json:"total"`
		}
		f.api("GET", "/api/v1/cases", f.cwTok, nil, &list)
		inAPI := false
		for _, c := range list.Items {
			inAPI = inAPI || c.ID == f.restricted.ID
		}
		p, err := f.Store.ListCases(ctx, f.cw, models.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		inModels := false
		for _, c := range p.Items {
			inModels = inModels || c.ID == f.restricted.ID
		}
		_, err = f.Store.GetCase(ctx, f.cw, f.restricted.ID)
		for name, got := range map[string]bool{
			"queue page": strings.Contains(queue, link), "list page": strings.Contains(all, link),
			"search": strings.Contains(search, link), "API list": inAPI, "models list": inModels, "GetCase": err == nil,
		} {
			if name == "queue page" && !queued {
				continue
			}
			if got != want {
				t.Errorf("%s: restricted case in the caseworker's %s: %v, want %v", what, name, got, want)
			}
		}
		// The caller lookup never names a restricted case the caseworker is not on, nor its
		// caller; once shared, it links it.
		if strings.Contains(lookup, ref) != want || strings.Contains(lookup, "Зарина") != want {
			t.Errorf("%s: caller lookup names the restricted case or its caller: %v, want %v\n%s", what, !want, want, lookup)
		}
		if want && !strings.Contains(lookup, link) {
			t.Errorf("%s: caller lookup does not link the shared case", what)
		}
	}
	seen("restricted", false, true)
	// The ordinary queue case is there all along: the lists work.
	if _, queue := cwB.get("/cases?assignee=none&open=1"); !strings.Contains(queue, f.queue.Reference) {
		t.Fatal("the queue does not show the ordinary unassigned case")
	}

	// Supervisors see it, marked, and it counts.
	supB := fresh(t, f.login("sup@example.org"))
	_, page := supB.get("/cases?assignee=none")
	pageHas(t, page, ref, "supervisor's queue")
	pageHas(t, page, `badge restricted`, "restricted badge in the list")
	if p, _ := f.Store.ListCases(ctx, f.sup, models.CaseFilter{}); p.Total != 3 {
		t.Errorf("supervisor counts %d cases, want 3", p.Total)
	}

	// Shared with the caseworker: they see it everywhere.
	_, page = supB.get(casePath(f.restricted.ID))
	pageHas(t, page, "Restrict", "case page")
	pageHas(t, page, `<option value="`+strconv.Itoa(int(f.cw.ID))+`">cw</option>`, "share candidates")
	resp, _ := supB.post(casePath(f.restricted.ID)+"/shares", url.Values{"user_id": {strconv.Itoa(int(f.cw.ID))}})
	mustStatus(t, resp, 303, "share")
	seen("shared", true, true)
	resp, page = cwB.get(casePath(f.restricted.ID))
	mustStatus(t, resp, 200, "shared case page")
	pageHas(t, page, "Shared with cw", "case page names the share")
	pageHas(t, page, "badge restricted", "case page shows the restriction")
	pageLacks(t, page, `action="`+casePath(f.restricted.ID)+`/unshare"`, "a caseworker's case page offers unsharing")
	// A share is not a hand-over: the caseworker may add to the case but not move it.
	resp, _ = cwB.post(casePath(f.restricted.ID)+"/notes", url.Values{"note": {"met her today"}})
	mustStatus(t, resp, 303, "note on a shared case")

	// Unshared: hidden again.
	supB.get(casePath(f.restricted.ID))
	resp, _ = supB.post(casePath(f.restricted.ID)+"/unshare", url.Values{"user_id": {strconv.Itoa(int(f.cw.ID))}})
	mustStatus(t, resp, 303, "unshare")
	seen("unshared", false, true)

	// Assigned to the caseworker: theirs to see, still restricted from the other one.
	if st := f.api("POST", caseAPI(f.restricted.ID)+"/transitions", f.supTok, map[string]any{"to": "assigned", "assignee_email": "cw@example.org"}, nil); st != 200 {
		t.Fatalf("assign: %d", st)
	}
	seen("assigned to them", true, false)
	if _, err := f.Store.GetCase(ctx, f.other, f.restricted.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the other caseworker opens the restricted case: %v", err)
	}
}

// TestRestrictBySupervisorsOnly: only supervisors restrict a case or lift the restriction,
// on the page or through the API; a closed case can be restricted too.
func TestRestrictBySupervisorsOnly(t *testing.T) {
	f := newAccessFixture(t)
	// The caseworker's own case: they may edit it but not restrict it.
	var mine caseOut
	f.api("POST", caseAPI(f.queue.ID)+"/transitions", f.cwTok, map[string]any{"to": "assigned", "assignee_email": "cw@example.org"}, &mine)
	before := f.state(mine.ID)
	var e apiErr
	if st := f.api("PATCH", caseAPI(mine.ID), f.cwTok, map[string]any{"version": mine.Version, "restricted": true, "city": "Tver"}, &e); st != 403 {
		t.Errorf("caseworker restricts through the API: %d, want 403", st)
	}
	if after := f.state(mine.ID); after != before {
		t.Errorf("a refused restriction changed the case: %s -> %s", before, after)
	}
	// Sending the flag unchanged (a client echoing the case back) is no change at all.
	if st := f.api("PATCH", caseAPI(mine.ID), f.cwTok, map[string]any{"version": mine.Version, "restricted": false, "city": "Tver"}, nil); st != 200 {
		t.Errorf("caseworker's edit with the flag unchanged: %d, want 200", st)
	}

	supB := fresh(t, f.login("sup@example.org"))
	cs, _ := f.Store.GetCase(context.Background(), f.sup, mine.ID)
	resp, _ := supB.post(casePath(mine.ID)+"/restricted", url.Values{"version": {strconv.Itoa(cs.Version)}, "restricted": {"1"}})
	mustStatus(t, resp, 303, "restrict on the page")
	_, page := supB.get(casePath(mine.ID))
	pageHas(t, page, "badge restricted", "badge after restricting")
	pageHas(t, page, "Lift the restriction", "the button to lift it")
	pageHas(t, page, "restricted", "timeline")
	cs, _ = f.Store.GetCase(context.Background(), f.sup, mine.ID)
	if !cs.Restricted || cs.Entries[len(cs.Entries)-1].Fields != "restricted" {
		t.Errorf("after restricting: restricted %v, last entry %+v", cs.Restricted, cs.Entries[len(cs.Entries)-1])
	}
	// A stale version is a conflict, and changes nothing.
	before = f.state(mine.ID)
	resp, _ = supB.post(casePath(mine.ID)+"/restricted", url.Values{"version": {"1"}, "restricted": {"0"}})
	mustStatus(t, resp, 409, "stale restriction")
	if after := f.state(mine.ID); after != before {
		t.Errorf("a stale restriction changed the case: %s -> %s", before, after)
	}

	// A closed case.
	var closed caseOut
	f.api("POST", caseAPI(f.theirs.ID)+"/transitions", f.supTok, map[string]any{"to": "in_progress"}, &closed)
	f.api("POST", caseAPI(f.theirs.ID)+"/transitions", f.supTok, map[string]any{"to": "resolved", "outcome": "released"}, &closed)
	f.api("POST", caseAPI(f.theirs.ID)+"/transitions", f.supTok, map[string]any{"to": "closed"}, &closed)
	if closed.Status != "closed" {
		t.Fatalf("case not closed: %s", closed.Status)
	}
	var out struct {
		Restricted bool `json:"restricted"`
	}
	if st := f.api("PATCH", caseAPI(closed.ID), f.supTok, map[string]any{"version": closed.Version, "restricted": true}, &out); st != 200 || !out.Restricted {
		t.Errorf("restricting a closed case: %d %v", st, out.Restricted)
	}
	if st := f.api("PATCH", caseAPI(closed.ID), f.supTok, map[string]any{"version": closed.Version + 1, "city": "Tver"}, nil); st != 422 {
		t.Errorf("editing a closed case: %d, want 422", st)
	}
}

// TestAdminOnlyReadsNoCase: an admin who is not a supervisor manages accounts, and gets 403
// on every case page and API route (and models show them nothing either).
func TestAdminOnlyReadsNoCase(t *testing.T) {
	f := newAccessFixture(t)
	b := fresh(t, f.login("it@example.org"))
	resp, _ := b.get("/")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin/users" {
		t.Errorf("home of an admin only: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := b.get("/admin/users")
	mustStatus(t, resp, 200, "users page")
	pageLacks(t, page, `href="/calls/new"`, "an admin only's menu")
	pageHas(t, page, "admin only (no access to cases)", "the role shown")
	for _, p := range []string{"/cases", casePath(f.queue.ID), casePath(f.queue.ID) + "/edit", "/calls/new", "/cases/export.csv"} {
		if resp, _ := b.get(p); resp.StatusCode != 403 {
			t.Errorf("admin only GET %s: %d, want 403", p, resp.StatusCode)
		}
	}
	before := f.state(f.queue.ID)
	for _, p := range []string{casePath(f.queue.ID) + "/notes", casePath(f.queue.ID)} {
		if resp, _ := b.post(p, url.Values{"note": {"x"}, "version": {"1"}}); resp.StatusCode != 403 {
			t.Errorf("admin only POST %s: %d, want 403", p, resp.StatusCode)
		}
	}
	for _, a := range []struct{ method, path string }{{"GET", "/api/v1/cases"}, {"GET", caseAPI(f.queue.ID)},
		{"PATCH", caseAPI(f.queue.ID)}, {"POST", caseAPI(f.queue.ID) + "/transitions"}, {"POST", "/api/v1/contacts"}} {
		if st := f.api(a.method, a.path, f.admOnlyTok, map[string]any{"version": 1}, nil); st != 403 {
			t.Errorf("admin only API %s %s: %d, want 403", a.method, a.path, st)
		}
	}
	if after := f.state(f.queue.ID); after != before {
		t.Errorf("the admin only changed a case: %s -> %s", before, after)
	}
	ctx := context.Background()
	if _, err := f.Store.GetCase(ctx, f.admOnly, f.queue.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("models open a case to an admin only: %v", err)
	}
	if p, err := f.Store.ListCases(ctx, f.admOnly, models.CaseFilter{}); err != nil || p.Total != 0 {
		t.Errorf("models list cases to an admin only: %v %v", p, err)
	}
	// An admin only is never offered as an assignee, nor accepted as one.
	us, _ := f.Store.Caseworkers(ctx)
	for _, u := range us {
		if u.ID == f.admOnly.ID {
			t.Error("an admin only is offered as an assignee")
		}
	}
	var e apiErr
	if st := f.api("POST", caseAPI(f.queue.ID)+"/transitions", f.supTok, map[string]any{"to": "assigned", "assignee_email": "it@example.org"}, &e); st != 422 || e.Error.Fields["assignee"] == "" {
		t.Errorf("assigning to an admin only: %d %v", st, e.Error.Fields)
	}
}

// TestAdminRolesOnThePage: an admin makes a supervisor an admin only and back, on the users
// page; the change takes effect at once.
func TestAdminRolesOnThePage(t *testing.T) {
	f := newAccessFixture(t)
	adm := f.user("boss@example.org", models.RoleAdmin)
	if !adm.IsAdmin() || !adm.Can(models.RoleSupervisor) {
		t.Fatalf("an admin made as before is not admin + supervisor: %+v", adm)
	}
	b := fresh(t, f.login("boss@example.org"))
	_, page := b.get("/admin/users")
	for _, want := range []string{`value="admin-only"`, "admin &#43; supervisor", "admin only (no access to cases)"} {
		pageHas(t, page, want, "users page")
	}
	resp, _ := b.post(fmt.Sprintf("/admin/users/%d", f.sup.ID), url.Values{"name": {"sup"}, "role": {"admin-only"}, "active": {"1"}})
	mustStatus(t, resp, 303, "make the supervisor an admin only")
	u, _ := f.Store.UserByID(context.Background(), f.sup.ID)
	if !u.IsAdmin() || u.WorksOnCases() || u.Choice() != models.RoleAdminOnly {
		t.Fatalf("after the change: %+v", u)
	}
	if st := f.api("GET", caseAPI(f.queue.ID), f.supTok, nil, nil); st != 401 {
		t.Errorf("the supervisor's token after they became admin only: %d, want 401", st)
	}
	resp, _ = b.post(fmt.Sprintf("/admin/users/%d", f.sup.ID), url.Values{"name": {"sup"}, "role": {"admin"}, "active": {"1"}})
	mustStatus(t, resp, 303, "make them admin + supervisor")
	u, _ = f.Store.UserByID(context.Background(), f.sup.ID)
	if !u.IsAdmin() || !u.Can(models.RoleSupervisor) {
		t.Fatalf("after the change back: %+v", u)
	}
	// No admin changes their own role (see TestNoAdminActsOnOwnAccount): another one does,
	// and it takes effect on the open session at once.
	resp, _ = b.post(fmt.Sprintf("/admin/users/%d", adm.ID), url.Values{"name": {"boss"}, "role": {"admin-only"}, "active": {"1"}})
	mustStatus(t, resp, 422, "an admin changes their own role")
	other := fresh(t, f.login("sup@example.org"))
	resp, _ = other.post(fmt.Sprintf("/admin/users/%d", adm.ID), url.Values{"name": {"boss"}, "role": {"admin-only"}, "active": {"1"}})
	mustStatus(t, resp, 303, "another admin makes the admin an admin only")
	if resp, _ := b.get(casePath(f.queue.ID)); resp.StatusCode != 403 {
		t.Errorf("the admin's own session after becoming admin only: %d, want 403", resp.StatusCode)
	}
}

// TestExportCases: supervisors export the cases the filters select as a UTF-8 CSV with a BOM
// (names in Cyrillic, phone numbers, summaries), each export is in the audit log, and
// caseworkers and admins only get 403.
func TestExportCases(t *testing.T) {
	f := newAccessFixture(t)
	// A summary a spreadsheet would run as a formula.
	f.api("PATCH", caseAPI(f.queue.ID), f.supTok, map[string]any{"version": f.queue.Version, "summary": "=HYPERLINK(\"http://evil\")"}, nil)
	supB := fresh(t, f.login("sup@example.org"))
	_, list := supB.get("/cases?region=RU-MOW")
	pageHas(t, list, `href="/cases/export.csv?region=RU-MOW"`, "export link with the list's filters")

	resp, _ := supB.send(httptest.NewRequest("GET", "/cases/export.csv?region=RU-MOW", nil))
	mustStatus(t, resp, 200, "export")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("content disposition %q", cd)
	}
	body := exportBody(t, supB, "/cases/export.csv?region=RU-MOW")
	if !strings.HasPrefix(body, "\uFEFFreference,") {
		t.Errorf("no BOM and header: %q", body[:min(len(body), 40)])
	}
	for _, want := range []string{f.theirs.Reference, f.restricted.Reference, f.queue.Reference, "Фарход Каримов",
		"'+992 93 111 2233", "Held at the station overnight.", `'=HYPERLINK(""http://evil"")`} {
		if !strings.Contains(body, want) {
			t.Errorf("the export lacks %q", want)
		}
	}
	if lines := strings.Count(strings.TrimSpace(body), "\n"); lines != 3 {
		t.Errorf("export has %d rows, want 3", lines)
	}
	// The filters apply.
	if body := exportBody(t, supB, "/cases/export.csv?assignee=other@example.org"); strings.Contains(body, f.queue.Reference) || !strings.Contains(body, f.theirs.Reference) {
		t.Errorf("filtered export: %s", body)
	}
	// Logged, with the count and nothing personal.
	adm := f.user("boss@example.org", models.RoleAdmin)
	log, err := f.Store.ListAudit(context.Background(), adm, models.AuditFilter{Action: models.AuditExport})
	if err != nil {
		t.Fatal(err)
	}
	if log.Total != 3 || log.Items[0].Detail != "cases=1" || *log.Items[0].ActorID != f.sup.ID {
		t.Errorf("export audit entries: %d, newest %+v", log.Total, log.Items[0])
	}
	// Refused to others, and an export that is refused is not logged.
	cwB := fresh(t, f.login("cw@example.org"))
	if resp, _ := cwB.get("/cases/export.csv"); resp.StatusCode != 403 {
		t.Errorf("caseworker export: %d, want 403", resp.StatusCode)
	}
	if _, err := f.Store.ExportCases(context.Background(), f.cw, models.CaseFilter{}, func(*models.Case) error { return nil }); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("models export for a caseworker: %v", err)
	}
	if resp, _ := supB.get("/cases/export.csv?q=Фарход"); resp.StatusCode != 422 {
		t.Errorf("export with a text search: %d, want 422", resp.StatusCode)
	}
	if log, _ := f.Store.ListAudit(context.Background(), adm, models.AuditFilter{Action: models.AuditExport}); log.Total != 3 {
		t.Errorf("refused exports were logged: %d entries", log.Total)
	}
}

func exportBody(t *testing.T, b *browser, path string) string {
	t.Helper()
	resp, body := b.send(httptest.NewRequest("GET", path, nil))
	if resp.StatusCode != 200 {
		t.Fatalf("export %s: %d", path, resp.StatusCode)
	}
	return body
}

// TestTokenRoles: a token acts with its own role, at most its account's; a revoked token, or
// one whose account lost the role, gets 401.
func TestTokenRoles(t *testing.T) {
	f := newAccessFixture(t)
	ctx := context.Background()
	low, tok, err := f.Store.CreateTokenWithRole(ctx, "sup@example.org", "telephony", models.RoleCaseworker)
	if err != nil || tok.Role != models.RoleCaseworker || !strings.HasPrefix(low, tok.Prefix) || len(tok.Prefix) != 8 {
		t.Fatalf("caseworker token of a supervisor: %v %+v", err, tok)
	}
	// Acting as a caseworker: the colleague's case and the restricted one are out of sight,
	// and assigning to someone else is refused.
	for _, id := range []uint{f.theirs.ID, f.restricted.ID} {
		if st := f.api("GET", caseAPI(id), low, nil, nil); st != 404 {
			t.Errorf("caseworker token of a supervisor opens case %d: %d, want 404", id, st)
		}
	}
	if st := f.api("POST", caseAPI(f.queue.ID)+"/transitions", low, map[string]any{"to": "assigned", "assignee_email": "other@example.org"}, nil); st != 403 {
		t.Errorf("caseworker token assigns to another: %d, want 403", st)
	}
	if st := f.api("GET", caseAPI(f.theirs.ID), f.supTok, nil, nil); st != 200 {
		t.Errorf("the supervisor's own token: %d", st)
	}
	// No more than the account.
	var ve *models.ValidationError
	if _, _, err := f.Store.CreateTokenWithRole(ctx, "cw@example.org", "x", models.RoleSupervisor); !errors.As(err, &ve) || ve.Fields["role"] == "" {
		t.Errorf("supervisor token for a caseworker: %v", err)
	}
	if _, _, err := f.Store.CreateTokenWithRole(ctx, "it@example.org", "x", models.RoleCaseworker); !errors.As(err, &ve) {
		t.Errorf("caseworker token for an admin only: %v", err)
	}
	// Revoked, by prefix: 401 from then on.
	if _, err := f.Store.RevokeToken(ctx, 0, tok.Prefix[:8]); err != nil {
		t.Fatal(err)
	}
	if st := f.api("GET", "/api/v1/cases", low, nil, nil); st != 401 {
		t.Errorf("revoked token: %d, want 401", st)
	}
	// The account demoted: its supervisor token stops working.
	adm := f.user("boss@example.org", models.RoleAdmin)
	if _, err := f.Store.UpdateUser(ctx, adm, f.sup.ID, "sup", models.RoleCaseworker, true); err != nil {
		t.Fatal(err)
	}
	if st := f.api("GET", "/api/v1/cases", f.supTok, nil, nil); st != 401 {
		t.Errorf("supervisor token of a demoted account: %d, want 401", st)
	}
}

// TestCLITokens: himoya token create -role, list and revoke (by id and by prefix).
func TestCLITokens(t *testing.T) {
	c := newCLI(t)
	if code, out := c.run(testPassword+"\n", "user", "add", "-email", "sup@example.org", "-role", "supervisor"); code != 0 {
		t.Fatalf("user add: %d %s", code, out)
	}
	code, out := c.run("", "token", "create", "-email", "sup@example.org", "-role", "caseworker", "-name", "telephony")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	tok := lines[len(lines)-1]
	if code != 0 || !strings.HasPrefix(tok, "hmy_") || !strings.Contains(out, "acting as caseworker") {
		t.Fatalf("token create: %d %s", code, out)
	}
	if code, out := c.run("", "token", "create", "-email", "sup@example.org", "-role", "admin"); code == 0 || !strings.Contains(out, "role") {
		t.Errorf("admin token for a supervisor: %d %s", code, out)
	}
	c.run("", "token", "create", "-email", "sup@example.org")
	code, out = c.run("", "token", "list", "-email", "sup@example.org")
	if code != 0 || !strings.Contains(out, tok[:8]+"…") || !strings.Contains(out, "telephony") || strings.Count(out, "active") != 2 ||
		!strings.Contains(out, "supervisor") || strings.Contains(out, tok[8:16]) {
		t.Errorf("token list: %d %s", code, out)
	}
	if code, out := c.run("", "token", "revoke", "-prefix", tok[:10]); code != 0 || !strings.Contains(out, "revoked") {
		t.Errorf("revoke by prefix: %d %s", code, out)
	}
	if _, err := c.store().TokenUser(context.Background(), tok); !errors.Is(err, models.ErrUnauthenticated) {
		t.Errorf("revoked token still acts: %v", err)
	}
	if code, out := c.run("", "token", "revoke", "-prefix", "hmy_"); code == 0 {
		t.Errorf("revoke with a prefix that names every token: %d %s", code, out)
	}
	if code, out := c.run("", "token", "revoke", "-id", "2"); code != 0 || !strings.Contains(out, "token 2") {
		t.Errorf("revoke by id: %d %s", code, out)
	}
	if _, out := c.run("", "token", "list", "-email", "sup@example.org"); strings.Count(out, "revoked") != 2 {
		t.Errorf("after revoking both: %s", out)
	}
	for _, args := range [][]string{{"token", "revoke"}, {"token", "revoke", "-id", "1", "-prefix", "hmy_abcd"}, {"token", "list"}, {"token", "create", "-email", "sup@example.org", "-role", "boss"}} {
		if code, _ := c.run("", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	// Roles as a hotline types them.
	for role, want := range map[string]string{"admin": "admin + supervisor", "admin-only": "admin only", "admin+supervisor": "admin + supervisor"} {
		email := strings.ReplaceAll(role, "+", "") + "@example.org"
		if code, out := c.run(testPassword+"\n", "user", "add", "-email", email, "-role", role); code != 0 || !strings.Contains(out, want) {
			t.Errorf("user add -role %s: %d %s", role, code, out)
		}
	}
}
