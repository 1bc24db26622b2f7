package app

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"himoya/models"
)

// intakeForm is a complete intake form for a new case; over replaces fields ("" deletes one).
func intakeForm(over map[string]string) url.Values {
	v := url.Values{
		"action": {"save"}, "save_as": {"new"},
		"channel": {"phone"}, "caller.phone": {"+7 916 123-45-67"}, "caller.name": {"Rustam Nazarov"},
		"caller.citizenship": {"TJ"}, "caller.language": {"tg"}, "caller.safe_to_call": {"1"},
		"caller.safe_contact": {"only WhatsApp after 8 pm"},
		"category":            {"illegal_detention"}, "categories": {"document_destruction", "police_extortion"},
		"summary": {"Detained at Sadovod market in a raid; the patent was torn by the police."},
		"region":  {"RU-MOW"}, "city": {"Moscow"}, "place_type": {"market"}, "perpetrator": {"police"},
		"people_affected": {"3"}, "urgency": {"critical"},
		"doc_work_permit": {"torn"}, "doc_passport": {"confiscated"},
	}
	for k, x := range over {
		if x == "" {
			v.Del(k)
		} else {
			v.Set(k, x)
		}
	}
	return v
}

var caseURL = regexp.MustCompile(`^/cases/(\d+)$`)

// savedCaseID reads the case id from the redirect after a save.
func savedCaseID(t *testing.T, resp *http.Response) uint {
	t.Helper()
	m := caseURL.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("save: status %d, location %q; want 303 to a case", resp.StatusCode, resp.Header.Get("Location"))
	}
	n, _ := strconv.Atoi(m[1])
	return uint(n)
}

// allCases counts every case in the database, as a supervisor sees them.
func allCases(t *testing.T, e *testEnv, sup *models.User) int64 {
	t.Helper()
	p, err := e.Store.ListCases(context.Background(), sup, models.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Total
}

// getCase loads a case as u from the store.
func getCase(t *testing.T, e *testEnv, u *models.User, id uint) *models.Case {
	t.Helper()
	cs, err := e.Store.GetCase(context.Background(), u, id)
	if err != nil {
		t.Fatalf("case %d: %v", id, err)
	}
	return cs
}

func pageHas(t *testing.T, body, want, what string) {
	t.Helper()
	if !strings.Contains(body, want) {
		t.Fatalf("%s: the page does not contain %q", what, want)
	}
}

func pageLacks(t *testing.T, body, unwanted, what string) {
	t.Helper()
	if strings.Contains(body, unwanted) {
		t.Fatalf("%s: the page contains %q", what, unwanted)
	}
}

// openCaseByPage records a call through the intake form and returns the new case's id.
func openCaseByPage(t *testing.T, b *browser, over map[string]string) uint {
	t.Helper()
	b.get("/calls/new")
	resp, _ := b.post("/calls", intakeForm(over))
	return savedCaseID(t, resp)
}

func TestIntakeOpensCase(t *testing.T) {
	e := newTestEnv(t)
	cw := e.user("cw@example.org", models.RoleCaseworker)
	b := e.login("cw@example.org")

	resp, body := b.get("/calls/new")
	mustStatus(t, resp, 200, "intake form")
	for _, want := range []string{`name="received_at"`, `name="caller.phone"`, `name="action" value="lookup"`,
		`name="doc_work_permit"`, `value="critical"`, `>Tajikistan</option>`, `name="save_as" value="info"`} {
		pageHas(t, body, want, "intake form")
	}

	resp, _ = b.post("/calls", intakeForm(nil))
	n := savedCaseID(t, resp)
	cs := getCase(t, e, cw, n)
	if cs.Status != models.StatusNew {
		t.Errorf("status %s, want new", cs.Status)
	}
	if !regexp.MustCompile(`^HL-\d{4}-\d{6}$`).MatchString(cs.Reference) {
		t.Errorf("reference %q", cs.Reference)
	}
	if len(cs.Contacts) != 1 {
		t.Errorf("%d contacts, want the call itself", len(cs.Contacts))
	}
	if got := strings.Join(cs.CategoryCodes(), ","); got != "illegal_detention,document_destruction,police_extortion" {
		t.Errorf("categories %s", got)
	}
	if len(cs.Documents) != 2 || cs.PeopleAffected != 3 || cs.Urgency != models.UrgencyCritical || cs.PlaceType != "market" {
		t.Errorf("documents %v, people %d, urgency %s, place %s", cs.Documents, cs.PeopleAffected, cs.Urgency, cs.PlaceType)
	}
	if cs.Caller == nil || cs.Caller.Name != "Rustam Nazarov" || !cs.Caller.SafeToCall {
		t.Errorf("caller %+v", cs.Caller)
	}
	resp, body = b.get(resp.Header.Get("Location"))
	mustStatus(t, resp, 200, "case page")
	pageHas(t, body, cs.Reference+" opened", "flash")
	pageHas(t, body, "<h1>"+cs.Reference+"</h1>", "case page")
	pageHas(t, body, "Work permit (patent): torn", "case page")
}

func TestIntakeValidation(t *testing.T) {
	e := newTestEnv(t)
	sup := e.user("sup@example.org", models.RoleSupervisor)
	e.user("cw@example.org", models.RoleCaseworker)
	b := e.login("cw@example.org")
	future := time.Now().Add(48 * time.Hour).In(e.Store.Loc).Format("2006-01-02T15:04")
	for _, tc := range []struct {
		name, field, value, message string
		shown                       bool // the bad value is typed (not chosen in a select), so it comes back
	}{
		{"bad phone", "caller.phone", "call me maybe", "enter a phone number with its country code", true},
		{"unknown category", "category", "alien_abduction", "unknown category code", false},
		{"people not a number", "people_affected", "abc", "enter a number", true},
		{"no people", "people_affected", "0", "enter a number from 1 to 100000", true},
		{"call in the future", "received_at", future, "cannot be in the future", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.get("/calls/new")
			resp, body := b.post("/calls", intakeForm(map[string]string{tc.field: tc.value, "city": "Balashikha"}))
			mustStatus(t, resp, 422, tc.name)
			pageHas(t, body, tc.message, tc.name)
			if tc.shown {
				pageHas(t, body, `value="`+html.EscapeString(tc.value)+`"`, tc.name+": the bad value is kept")
			}
			pageHas(t, body, `value="Balashikha"`, tc.name+": the city is kept")
			pageHas(t, body, "Detained at Sadovod market in a raid; the patent was torn by the police.", tc.name+": the summary is kept")
			pageHas(t, body, `value="police_extortion" checked`, tc.name+": the extra categories are kept")
			pageHas(t, body, `<option value="torn" selected>`, tc.name+": the documents are kept")
			if n := allCases(t, e, sup); n != 0 {
				t.Fatalf("%s: %d cases saved", tc.name, n)
			}
		})
	}
	// All at once: every message shows, next to its field.
	b.get("/calls/new")
	resp, body := b.post("/calls", intakeForm(map[string]string{"caller.phone": "12", "people_affected": "abc", "received_at": future}))
	mustStatus(t, resp, 422, "several errors")
	for _, want := range []string{"enter a phone number", "enter a number", "cannot be in the future"} {
		pageHas(t, body, want, "several errors")
	}
	if n := allCases(t, e, sup); n != 0 {
		t.Fatalf("%d cases saved", n)
	}
}

func TestIntakeLookupAttachAndInformationOnly(t *testing.T) {
	e := newTestEnv(t)
	cw := e.user("cw@example.org", models.RoleCaseworker)
	sup := e.user("sup@example.org", models.RoleSupervisor)
	b := e.login("cw@example.org")
	first := openCaseByPage(t, b, map[string]string{"caller.phone": "+7 916 123-45-67"})
	cs := getCase(t, e, cw, first)

	// The same person calls again; the phone is typed differently.
	b.get("/calls/new")
	form := intakeForm(map[string]string{"action": "lookup", "caller.phone": "89161234567", "caller.name": "",
		"summary": "Calling again: the court hearing is tomorrow."})
	resp, body := b.post("/calls", form)
	mustStatus(t, resp, 200, "lookup")
	pageHas(t, body, "Rustam Nazarov", "lookup shows the earlier caller")
	pageHas(t, body, cs.Reference, "lookup shows the earlier case")
	pageHas(t, body, `name="caller.id" value="`+strconv.Itoa(int(cs.Caller.ID))+`"`, "lookup offers the earlier caller")
	pageHas(t, body, `value="89161234567"`, "lookup keeps the phone")
	pageHas(t, body, "Calling again: the court hearing is tomorrow.", "lookup keeps the summary")
	pageHas(t, body, `name="save_as" value="attach"`, "lookup offers attaching")
	pageHas(t, body, `href="/cases/`+strconv.Itoa(int(first))+`"`, "the caseworker's own case is linked")

	// Attach the call to the earlier case: a second contact, no new case.
	form.Set("action", "save")
	form.Set("save_as", "attach")
	form.Set("case_id", strconv.Itoa(int(first)))
	form.Set("caller.id", strconv.Itoa(int(cs.Caller.ID)))
	resp, _ = b.post("/calls", form)
	if got := savedCaseID(t, resp); got != first {
		t.Fatalf("attached call goes to case %d, want %d", got, first)
	}
	cs = getCase(t, e, cw, first)
	if len(cs.Contacts) != 2 {
		t.Fatalf("%d contacts after attaching, want 2", len(cs.Contacts))
	}
	if cs.Contacts[1].CallerID == nil || *cs.Contacts[1].CallerID != *cs.CallerID {
		t.Error("the attached call is not from the same caller")
	}
	if n := allCases(t, e, sup); n != 1 {
		t.Fatalf("%d cases after attaching, want 1", n)
	}

	// An information-only call: a contact with no case.
	b.get("/calls/new")
	resp, _ = b.post("/calls", intakeForm(map[string]string{"save_as": "info", "caller.phone": "+992 93 555 1234",
		"category": "consultation", "summary": "Asked how to renew a patent."}))
	mustStatus(t, resp, 303, "information-only call")
	if loc := resp.Header.Get("Location"); loc != "/calls/new" {
		t.Fatalf("information-only call redirects to %q", loc)
	}
	if n := allCases(t, e, sup); n != 1 {
		t.Fatalf("%d cases after an information-only call, want 1", n)
	}
	ms, err := e.Store.FindCallers(context.Background(), cw, "+992935551234")
	if err != nil || len(ms) != 1 || ms[0].Calls != 1 || len(ms[0].Cases) != 0 {
		t.Fatalf("information-only call: matches %+v, %v; want one caller with one call and no case", ms, err)
	}
	_, body = b.get("/calls/new")
	pageHas(t, body, "Call logged", "flash")

	// An information-only call needs to say what it was about.
	resp, body = b.post("/calls", intakeForm(map[string]string{"save_as": "info", "category": ""}))
	mustStatus(t, resp, 422, "information-only call without a category")
	pageHas(t, body, "choose what the call was about", "information-only call without a category")
}

func TestCaseWorkflowPages(t *testing.T) {
	e := newTestEnv(t)
	cw := e.user("cw@example.org", models.RoleCaseworker)
	e.user("sup@example.org", models.RoleSupervisor)
	b := e.login("cw@example.org")
	n := openCaseByPage(t, b, nil)
	path := "/cases/" + strconv.Itoa(int(n))

	resp, body := b.get(path)
	mustStatus(t, resp, 200, "case page")
	pageHas(t, body, "Take this case", "caseworker on an unassigned new case")
	pageLacks(t, body, `name="to" value="closed"`, "caseworker on a new case")
	pageLacks(t, body, "/assign", "caseworker's case page")
	pageHas(t, body, "Moscow", "facts")
	pageHas(t, body, "only WhatsApp after 8 pm", "caller")

	resp, _ = b.post(path+"/transitions", url.Values{"to": {"assigned"}, "version": {"1"}, "assignee_id": {strconv.Itoa(int(cw.ID))}})
	mustStatus(t, resp, 303, "take the case")
	cs := getCase(t, e, cw, n)
	if cs.Status != models.StatusAssigned || cs.AssigneeID == nil || *cs.AssigneeID != cw.ID {
		t.Fatalf("after taking it: status %s, assignee %v", cs.Status, cs.AssigneeID)
	}
	_, body = b.get(path)
	pageHas(t, body, "new → assigned", "timeline shows the move")
	pageHas(t, body, "by cw", "timeline shows who moved it")
	pageHas(t, body, "Start work", "next move")
	pageLacks(t, body, "Take this case", "an assigned case")

	resp, _ = b.post(path+"/transitions", url.Values{"to": {"in_progress"}, "version": {"2"}})
	mustStatus(t, resp, 303, "start work")
	resp, body = b.post(path+"/transitions", url.Values{"to": {"resolved"}, "version": {"3"}})
	mustStatus(t, resp, 422, "resolve without an outcome")
	pageHas(t, body, "choose the outcome", "resolve without an outcome")
	if cs := getCase(t, e, cw, n); cs.Status != models.StatusInProgress {
		t.Fatalf("a refused move changed the status to %s", cs.Status)
	}
	// A move from a stale page is refused with 409.
	resp, body = b.post(path+"/transitions", url.Values{"to": {"waiting"}, "version": {"2"}})
	mustStatus(t, resp, 409, "stale move")
	pageHas(t, body, "Someone else changed this case", "stale move")
	// A move the workflow lacks is refused with 422.
	resp, _ = b.post(path+"/transitions", url.Values{"to": {"new"}, "version": {"3"}})
	mustStatus(t, resp, 422, "in progress -> new")

	resp, _ = b.post(path+"/transitions", url.Values{"to": {"resolved"}, "version": {"3"}, "outcome": {"released"}})
	mustStatus(t, resp, 303, "resolve")
	_, body = b.get(path)
	pageHas(t, body, "outcome: Released", "timeline shows the outcome")
	pageLacks(t, body, `name="to" value="closed"`, "caseworker on a resolved case")

	// A note and a follow-up call land on the timeline.
	resp, _ = b.post(path+"/notes", url.Values{"note": {"Lawyer Ivanova will call him back."}})
	mustStatus(t, resp, 303, "add a note")
	resp, body = b.post(path+"/notes", url.Values{"note": {"  "}})
	mustStatus(t, resp, 422, "empty note")
	if !strings.Contains(body, "write the note") {
		t.Fatal("an empty note is refused without saying why")
	}
	resp, _ = b.post(path+"/contacts", url.Values{"channel": {"whatsapp"}, "summary": {"He thanked us."}})
	mustStatus(t, resp, 303, "follow-up call")
	cs = getCase(t, e, cw, n)
	if len(cs.Contacts) != 2 || cs.Contacts[1].CallerID == nil || *cs.Contacts[1].CallerID != *cs.CallerID {
		t.Fatalf("follow-up call: %d contacts, caller of the last %v", len(cs.Contacts), cs.Contacts[len(cs.Contacts)-1].CallerID)
	}
	_, body = b.get(path)
	pageHas(t, body, "Lawyer Ivanova will call him back.", "timeline shows the note")
	pageHas(t, body, "He thanked us.", "timeline shows the call")

	// The supervisor closes and reopens, and may reassign.
	s := e.login("sup@example.org")
	_, body = s.get(path)
	pageHas(t, body, `name="to" value="closed"`, "supervisor on a resolved case")
	pageHas(t, body, "Reopen", "supervisor on a resolved case")
	resp, _ = s.post(path+"/transitions", url.Values{"to": {"closed"}, "version": {"4"}})
	mustStatus(t, resp, 303, "close")
	_, body = s.get(path)
	pageHas(t, body, "Reopen", "supervisor on a closed case")
	resp, _ = s.post(path+"/transitions", url.Values{"to": {"in_progress"}, "version": {"5"}})
	mustStatus(t, resp, 303, "reopen")
	_, body = s.get(path)
	pageHas(t, body, `action="`+path+`/assign"`, "supervisor's assign form")
}

func TestSupervisorAssigns(t *testing.T) {
	e := newTestEnv(t)
	cw := e.user("cw@example.org", models.RoleCaseworker)
	other := e.user("other@example.org", models.RoleCaseworker)
	sup := e.user("sup@example.org", models.RoleSupervisor)
	n := openCaseByPage(t, e.login("cw@example.org"), nil)
	path := "/cases/" + strconv.Itoa(int(n))
	s := e.login("sup@example.org")
	_, body := s.get(path)
	pageHas(t, body, "Close as duplicate or invalid", "supervisor on a new case")
	pageLacks(t, body, "Take this case", "supervisor on a new case")

	resp, _ := s.post(path+"/assign", url.Values{"assignee_id": {strconv.Itoa(int(cw.ID))}, "version": {"1"}})
	mustStatus(t, resp, 303, "assign")
	resp, _ = s.post(path+"/assign", url.Values{"assignee_id": {strconv.Itoa(int(other.ID))}, "version": {"2"}, "note": {"cw is on leave"}})
	mustStatus(t, resp, 303, "reassign")
	cs := getCase(t, e, sup, n)
	if cs.AssigneeID == nil || *cs.AssigneeID != other.ID || cs.Status != models.StatusAssigned {
		t.Fatalf("after reassigning: assignee %v, status %s", cs.AssigneeID, cs.Status)
	}
	_, body = s.get(path)
	pageHas(t, body, "Assigned to other", "timeline shows the reassignment")
	pageHas(t, body, "cw is on leave", "timeline shows why")
	// Caseworkers may not use the assign form.
	resp, _ = e.login("other@example.org").post(path+"/assign", url.Values{"assignee_id": {strconv.Itoa(int(other.ID))}, "version": {"3"}})
	mustStatus(t, resp, 403, "caseworker assigns")
}

func TestStaleEditIsRefused(t *testing.T) {
	e := newTestEnv(t)
	cw := e.user("cw@example.org", models.RoleCaseworker)
	b := e.login("cw@example.org")
	n := openCaseByPage(t, b, nil)
	path := "/cases/" + strconv.Itoa(int(n))

	resp, body := b.get(path + "/edit")
	mustStatus(t, resp, 200, "edit form")
	pageHas(t, body, `name="version" value="1"`, "edit form")
	pageHas(t, body, `value="Moscow"`, "edit form has the city")
	pageHas(t, body, `<option value="confiscated" selected>`, "edit form has the documents")

	// Meanwhile a colleague changes the case.
	city := "Khimki"
	if _, err := e.Store.UpdateCase(context.Background(), cw, n, models.CaseUpdate{Version: 1,
		CaseFields: models.CaseFields{City: city}, Present: map[string]bool{"city": true}}); err != nil {
		t.Fatal(err)
	}
	form := intakeForm(map[string]string{"city": "Podolsk", "summary": "Our version of the story."})
	form.Set("version", "1")
	resp, body = b.post(path, form)
	mustStatus(t, resp, 409, "stale edit")
	pageHas(t, body, "Someone else changed this case while you were editing it. Nothing was saved.", "stale edit")
	pageHas(t, body, "Our version of the story.", "stale edit keeps the user's input")
	pageHas(t, body, `href="`+path+`"`, "stale edit links to the current case")
	cs := getCase(t, e, cw, n)
	if cs.City != city || cs.Version != 2 || strings.Contains(cs.Summary.String(), "Our version") {
		t.Fatalf("after a stale edit: city %q, version %d, summary %q", cs.City, cs.Version, cs.Summary)
	}

	// A current edit saves; a bad one is refused with its messages.
	form.Set("version", "2")
	form.Set("people_affected", "many")
	resp, body = b.post(path, form)
	mustStatus(t, resp, 422, "bad edit")
	pageHas(t, body, "enter a number", "bad edit")
	form.Set("people_affected", "5")
	form.Del("doc_passport")
	resp, _ = b.post(path, form)
	mustStatus(t, resp, 303, "edit")
	cs = getCase(t, e, cw, n)
	if cs.City != "Podolsk" || cs.PeopleAffected != 5 || len(cs.Documents) != 1 || cs.Version != 3 {
		t.Fatalf("after the edit: city %q, people %d, documents %v, version %d", cs.City, cs.PeopleAffected, cs.Documents, cs.Version)
	}
	_, body = b.get(path)
	pageHas(t, body, "Case saved", "flash")
	pageHas(t, body, "Edited", "timeline shows the edit")
	pageHas(t, body, "people affected", "timeline names the changed fields")
}

func TestCaseListAndSearch(t *testing.T) {
	e := newTestEnv(t)
	cw := e.user("cw@example.org", models.RoleCaseworker)
	e.user("other@example.org", models.RoleCaseworker)
	sup := e.user("sup@example.org", models.RoleSupervisor)
	b := e.login("cw@example.org")
	o := e.login("other@example.org")
	mine := openCaseByPage(t, b, map[string]string{"summary": "Patent torn at the Lyublino depot."})
	theirs := openCaseByPage(t, o, map[string]string{"summary": "Held overnight at the Tverskoy police station.", "urgency": "high"})
	queue := openCaseByPage(t, o, map[string]string{"summary": "Employer withholds wages for three months.", "category": "labour_exploitation"})
	take := func(br *browser, u *models.User, n uint) {
		t.Helper()
		resp, _ := br.post("/cases/"+strconv.Itoa(int(n))+"/transitions", url.Values{"to": {"assigned"}, "version": {"1"}, "assignee_id": {strconv.Itoa(int(u.ID))}})
		mustStatus(t, resp, 303, "take a case")
	}
	take(b, cw, mine)
	otherUser, err := e.Store.UserByEmail(context.Background(), "other@example.org")
	if err != nil {
		t.Fatal(err)
	}
	take(o, otherUser, theirs)
	ref := func(n uint) string { return getCase(t, e, sup, n).Reference }

	resp, body := b.get("/cases?assignee=me&open=1")
	mustStatus(t, resp, 200, "my cases")
	pageHas(t, body, ref(mine), "my cases")
	pageLacks(t, body, ref(theirs), "my cases")
	pageLacks(t, body, ref(queue), "my cases")
	pageHas(t, body, "1 case", "my cases")
	pageHas(t, body, `aria-current="page">My cases`, "nav")

	_, body = b.get("/cases?assignee=none&open=1")
	pageHas(t, body, ref(queue), "unassigned queue")
	pageLacks(t, body, ref(mine), "unassigned queue")
	pageHas(t, body, `aria-current="page">Unassigned`, "nav")

	_, body = b.get("/cases")
	pageLacks(t, body, ref(theirs), "a caseworker's list")
	resp, _ = b.get("/cases/" + strconv.Itoa(int(theirs)))
	mustStatus(t, resp, 404, "a colleague's case")
	for _, action := range []string{"/notes", "/contacts", "/edit"} {
		path := "/cases/" + strconv.Itoa(int(theirs)) + action
		var resp *http.Response
		if action == "/edit" {
			resp, _ = b.get(path)
		} else {
			resp, _ = b.post(path, url.Values{"note": {"x"}, "channel": {"phone"}, "summary": {"x"}})
		}
		mustStatus(t, resp, 404, action+" on a colleague's case")
	}
	if cs := getCase(t, e, sup, theirs); len(cs.Contacts) != 1 || len(cs.Entries) != 2 {
		t.Fatalf("a colleague's case changed: %d contacts, %d entries", len(cs.Contacts), len(cs.Entries))
	}

	// Supervisors see every case and filter them.
	s := e.login("sup@example.org")
	_, body = s.get("/cases")
	for _, n := range []uint{mine, theirs, queue} {
		pageHas(t, body, ref(n), "supervisor's list")
	}
	pageHas(t, body, `<option value="other@example.org"`, "supervisor's assignee filter")
	_, body = s.get("/cases?urgency=high")
	pageHas(t, body, ref(theirs), "urgency filter")
	pageLacks(t, body, ref(mine), "urgency filter")
	_, body = s.get("/cases?assignee=other@example.org")
	pageHas(t, body, ref(theirs), "assignee filter")
	pageLacks(t, body, ref(mine), "assignee filter")
	_, body = s.get("/cases?category=labour_exploitation")
	pageHas(t, body, ref(queue), "category filter")
	pageLacks(t, body, ref(theirs), "category filter")

	// Text search by POST: a word of the summary, a reference.
	s.get("/cases")
	resp, body = s.post("/cases/search", url.Values{"q": {"lyublino"}})
	mustStatus(t, resp, 200, "search")
	pageHas(t, body, ref(mine), "search by a word of the summary")
	pageLacks(t, body, ref(theirs), "search by a word of the summary")
	resp, body = s.post("/cases/search", url.Values{"q": {ref(theirs)}, "urgency": {"high"}})
	mustStatus(t, resp, 200, "search by reference")
	pageHas(t, body, ref(theirs), "search by reference")
	pageLacks(t, body, ref(mine), "search by reference")
	// The search text is never read from a URL.
	_, body = s.get("/cases?q=lyublino")
	pageHas(t, body, ref(theirs), "q in the URL is ignored")
	// A caseworker's search stays within their cases and the queue.
	b.get("/cases")
	_, body = b.post("/cases/search", url.Values{"q": {"Tverskoy"}})
	pageLacks(t, body, ref(theirs), "a caseworker's search")

	// Bad filters are a 422 with a message, never a 500.
	resp, body = s.get("/cases?from=yesterday")
	mustStatus(t, resp, 422, "bad from day")
	pageHas(t, body, "use a day like 2024-03-23", "bad from day")
	resp, _ = s.get("/cases?status=lost")
	mustStatus(t, resp, 422, "bad status")
	resp, _ = s.get("/cases?page=x")
	mustStatus(t, resp, 422, "bad page")
	resp, _ = s.post("/cases/search", url.Values{"to": {"2024-13-45"}})
	mustStatus(t, resp, 422, "bad to day in a search")
}

func TestCaseListPages(t *testing.T) {
	e := newTestEnv(t)
	sup := e.user("sup@example.org", models.RoleSupervisor)
	for i := 0; i < 27; i++ {
		_, err := e.Store.CreateCase(context.Background(), sup, models.IntakeInput{Channel: "phone",
			CaseFields: models.CaseFields{Category: "raid", Summary: "Raid at the market, caller " + strconv.Itoa(i)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	s := e.login("sup@example.org")
	_, body := s.get("/cases?category=raid")
	pageHas(t, body, "27 cases · page 1 of 2", "first page")
	pageHas(t, body, `href="/cases?category=raid&amp;page=2"`, "link to the next page")
	_, body = s.get("/cases?category=raid&page=2")
	pageHas(t, body, "page 2 of 2", "second page")
	// Inside a search, the next page is a POST carrying the search.
	_, body = s.post("/cases/search", url.Values{"q": {"raid at the market"}})
	pageHas(t, body, `<input type="hidden" name="q" value="raid at the market">`, "search pagination")
	pageLacks(t, body, "page=2", "search pagination has no link")
	resp, body := s.post("/cases/search", url.Values{"q": {"raid at the market"}, "page": {"2"}})
	mustStatus(t, resp, 200, "second page of a search")
	pageHas(t, body, "page 2 of 2", "second page of a search")
}

func TestCasePageEscapesUserText(t *testing.T) {
	e := newTestEnv(t)
	e.user("cw@example.org", models.RoleCaseworker)
	b := e.login("cw@example.org")
	const payload = `<script>alert(1)</script>`
	n := openCaseByPage(t, b, map[string]string{"summary": "Summary " + payload, "caller.name": "Name " + payload})
	path := "/cases/" + strconv.Itoa(int(n))
	resp, _ := b.post(path+"/notes", url.Values{"note": {"Note " + payload}})
	mustStatus(t, resp, 303, "note")
	_, body := b.get(path)
	pageLacks(t, body, payload, "case page")
	escaped := html.EscapeString(payload)
	for _, want := range []string{"Summary " + escaped, "Name " + escaped, "Note " + escaped} {
		pageHas(t, body, want, "case page")
	}
	// The intake form shows typed text escaped too.
	b.get("/calls/new")
	resp, body = b.post("/calls", intakeForm(map[string]string{"summary": payload, "people_affected": "abc"}))
	mustStatus(t, resp, 422, "refused intake")
	pageLacks(t, body, payload, "refused intake")
}

func TestIntakeAttachToColleaguesCase(t *testing.T) {
	e := newTestEnv(t)
	e.user("cw@example.org", models.RoleCaseworker)
	other := e.user("other@example.org", models.RoleCaseworker)
	sup := e.user("sup@example.org", models.RoleSupervisor)
	o := e.login("other@example.org")
	n := openCaseByPage(t, o, nil)
	resp, _ := o.post("/cases/"+strconv.Itoa(int(n))+"/transitions", url.Values{"to": {"assigned"}, "version": {"1"}, "assignee_id": {strconv.Itoa(int(other.ID))}})
	mustStatus(t, resp, 303, "take the case")
	ref := getCase(t, e, sup, n).Reference

	// The caller rings again and another caseworker answers: the case shows, unlinked.
	b := e.login("cw@example.org")
	b.get("/calls/new")
	form := intakeForm(map[string]string{"action": "lookup", "caller.phone": "8 916 123 45 67"})
	_, body := b.post("/calls", form)
	pageHas(t, body, ref, "lookup shows the colleague's case")
	pageLacks(t, body, `href="/cases/`+strconv.Itoa(int(n))+`"`, "lookup links the colleague's case")

	form.Set("action", "save")
	form.Set("save_as", "attach")
	form.Set("case_id", strconv.Itoa(int(n)))
	resp, _ = b.post("/calls", form)
	mustStatus(t, resp, 303, "attach to a colleague's case")
	if loc := resp.Header.Get("Location"); loc != "/calls/new" {
		t.Fatalf("attaching to a colleague's case redirects to %q", loc)
	}
	_, body = b.get("/calls/new")
	pageHas(t, body, "Call added to case "+ref, "flash names the case")
	if cs := getCase(t, e, sup, n); len(cs.Contacts) != 2 {
		t.Fatalf("%d contacts on the colleague's case, want 2", len(cs.Contacts))
	}
}

// TestMoveCarriesAnOptionalNote: every move can say why, not only those that must.
func TestMoveCarriesAnOptionalNote(t *testing.T) {
	e := newTestEnv(t)
	cw := e.user("cw@example.org", models.RoleCaseworker)
	cs, err := e.Store.CreateCase(context.Background(), cw, models.IntakeInput{Channel: "phone", CaseFields: models.CaseFields{Category: "raid"}})
	if err != nil {
		t.Fatal(err)
	}
	b := e.login("cw@example.org")
	_, body := b.get(fmt.Sprintf("/cases/%d", cs.ID))
	if !strings.Contains(body, "Note (optional)") {
		t.Fatal("the move form has no optional note")
	}
	resp, _ := b.post(fmt.Sprintf("/cases/%d/transitions", cs.ID), url.Values{"to": {"assigned"}, "version": {"1"},
		"assignee_id": {fmt.Sprint(cw.ID)}, "note": {"taking it: I speak Tajik"}})
	mustStatus(t, resp, 303, "take with a note")
	got, _ := e.Store.GetCase(context.Background(), cw, cs.ID)
	if last := got.Entries[len(got.Entries)-1]; last.ToStatus != models.StatusAssigned || last.Note != "taking it: I speak Tajik" {
		t.Fatalf("last entry %+v", last)
	}
}
