package app

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"himoya/models"
)

// auditRow is an audit entry as the database file holds it.
type auditRow struct {
	ID        uint
	ActorID   *uint
	Action    string
	Object    string
	ObjectID  *uint
	IP        string
	RequestID string
	Detail    string
}

func (r auditRow) String() string {
	opt := func(p *uint) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatUint(uint64(*p), 10)
	}
	return fmt.Sprintf("%d %s by %s on %s %s (%q) from %s", r.ID, r.Action, opt(r.ActorID), r.Object, opt(r.ObjectID), r.Detail, r.IP)
}

// rawDB opens the test database file directly, outside himoya.
func (e *testEnv) rawDB() *gorm.DB {
	e.t.Helper()
	g, err := gorm.Open(sqlite.Open(e.Path), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if d, err := g.DB(); err == nil {
			d.Close()
		}
	})
	return g
}

// auditRows reads the log from the database file, oldest first, after entry id since.
func (e *testEnv) auditRows(since uint) []auditRow {
	e.t.Helper()
	var rows []auditRow
	if err := e.rawDB().Table("audit_entries").Where("id > ?", since).Order("id").Find(&rows).Error; err != nil {
		e.t.Fatal(err)
	}
	return rows
}

// lastAuditID is the id of the newest entry.
func (e *testEnv) lastAuditID() uint {
	e.t.Helper()
	rows := e.auditRows(0)
	if len(rows) == 0 {
		return 0
	}
	return rows[len(rows)-1].ID
}

// TestAuditTrailThroughThePages: a failed and a successful login, a case created, viewed,
// moved and given a note through the pages each leave their entry, with the actor, the
// record, and the address Fiber reports for app.Test requests (0.0.0.0); no entry holds any
// of the personal data typed.
func TestAuditTrailThroughThePages(t *testing.T) {
	e := newTestEnv(t)
	sup := e.user("sup@example.org", models.RoleSupervisor)
	cw := e.user("cw@example.org", models.RoleCaseworker)
	since := e.lastAuditID()

	const typedPassword = "not the password at all"
	const note = "He was taken to the Sakharovo centre"
	b := e.browser()
	b.get("/login")
	resp, _ := b.post("/login", url.Values{"email": {sup.Email}, "password": {typedPassword}})
	mustStatus(t, resp, http.StatusUnauthorized, "wrong password")
	resp, _ = b.post("/login", url.Values{"email": {"someone-unknown@example.org"}, "password": {typedPassword}})
	mustStatus(t, resp, http.StatusUnauthorized, "unknown e-mail")
	b = e.login(sup.Email)
	form := intakeForm(nil)
	b.get("/calls/new")
	resp, _ = b.post("/calls", form)
	id := savedCaseID(t, resp)
	path := "/cases/" + strconv.FormatUint(uint64(id), 10)
	resp, _ = b.get(path)
	mustStatus(t, resp, http.StatusOK, "case page")
	resp, _ = b.post(path+"/transitions", url.Values{"to": {"assigned"}, "version": {"1"},
		"assignee_id": {strconv.FormatUint(uint64(cw.ID), 10)}, "note": {note}})
	mustStatus(t, resp, http.StatusSeeOther, "assign")
	resp, _ = b.post(path+"/notes", url.Values{"note": {note}})
	mustStatus(t, resp, http.StatusSeeOther, "note")
	resp, body := b.get(path)
	mustStatus(t, resp, http.StatusOK, "case page again")

	type step struct {
		action string
		actor  uint // 0: none
		object string
		id     uint
		detail string
	}
	steps := []step{
		{models.AuditLoginFail, sup.ID, models.ObjectUser, sup.ID, "password"},
		{models.AuditLoginFail, 0, "", 0, "unknown_account"},
		{models.AuditLoginOK, sup.ID, models.ObjectUser, sup.ID, ""},
		{models.AuditCaseCreate, sup.ID, models.ObjectCase, id, ""},
		{models.AuditCaseView, sup.ID, models.ObjectCase, id, ""},
		{models.AuditCaseMove, sup.ID, models.ObjectCase, id, "new->assigned"},
		{models.AuditCaseAssign, sup.ID, models.ObjectCase, id, fmt.Sprintf("assignee=%d", cw.ID)},
		{models.AuditCaseNote, sup.ID, models.ObjectCase, id, ""},
		{models.AuditCaseView, sup.ID, models.ObjectCase, id, ""},
	}
	// Only the actions this test makes are compared: logging in may log more (e.g. two-factor
	// enrolment), which other tests check.
	mine := map[string]bool{}
	for _, w := range steps {
		mine[w.action] = true
	}
	var rows []auditRow
	for _, r := range e.auditRows(since) {
		if mine[r.Action] {
			rows = append(rows, r)
		}
	}
	if len(rows) != len(steps) {
		for _, r := range rows {
			t.Log(r)
		}
		t.Fatalf("%d entries, want %d", len(rows), len(steps))
	}
	for i, w := range steps {
		r := rows[i]
		ok := r.Action == w.action && r.Object == w.object && r.Detail == w.detail &&
			(w.actor == 0) == (r.ActorID == nil) && (w.actor == 0 || *r.ActorID == w.actor) &&
			(w.id == 0) == (r.ObjectID == nil) && (w.id == 0 || *r.ObjectID == w.id)
		if !ok {
			t.Errorf("entry %d is %s; want %+v", i+1, r, w)
		}
		if r.IP != "0.0.0.0" || r.RequestID == "" {
			t.Errorf("entry %s: address %q, request id %q", r, r.IP, r.RequestID)
		}
	}
	if rows[0].RequestID == rows[1].RequestID {
		t.Errorf("two requests share the request id %q", rows[0].RequestID)
	}

	// The supervisor sees the case's log on its page, with the views and the move.
	mustShow(t, body, "Access and changes", "case page")
	mustShow(t, body, "new-&gt;assigned", "case page")
	mustShow(t, body, "0.0.0.0", "case page")
	if n := strings.Count(body, "<td>"+models.AuditCaseView+"</td>"); n != 2 {
		t.Errorf("case page lists %d views, want 2", n)
	}

	// Nothing personal in any column of any entry.
	var all []map[string]any
	if err := e.rawDB().Raw("SELECT * FROM audit_entries").Scan(&all).Error; err != nil {
		t.Fatal(err)
	}
	secrets := []string{form.Get("caller.name"), "Nazarov", form.Get("caller.phone"), "123-45-67", form.Get("summary"),
		"Sadovod", form.Get("caller.safe_contact"), note, "Sakharovo", typedPassword, "someone-unknown"}
	for _, r := range all {
		for col, v := range r {
			text := strings.ToLower(fmt.Sprint(v))
			for _, s := range secrets {
				if strings.Contains(text, strings.ToLower(s)) {
					t.Errorf("entry %v: column %s holds %q", r["id"], col, s)
				}
			}
		}
	}
}

// TestAuditPagesAccess: a caseworker sees neither the case's log nor the admin's log; a
// supervisor sees the case's log but not the whole log; an admin sees and filters it.
func TestAuditPagesAccess(t *testing.T) {
	e := newTestEnv(t)
	e.user("sup@example.org", models.RoleSupervisor)
	cw := e.user("cw@example.org", models.RoleCaseworker)
	e.user("admin@example.org", models.RoleAdmin)
	bcw := e.login("cw@example.org")
	bcw.get("/calls/new")
	resp, _ := bcw.post("/calls", intakeForm(nil))
	id := savedCaseID(t, resp)
	path := "/cases/" + strconv.FormatUint(uint64(id), 10)

	resp, body := bcw.get(path)
	mustStatus(t, resp, http.StatusOK, "caseworker's case")
	if strings.Contains(body, "Access and changes") || strings.Contains(body, models.AuditCaseView) {
		t.Error("a caseworker sees the case's audit log")
	}
	if strings.Contains(body, `href="/admin/audit"`) {
		t.Error("a caseworker is offered the audit log")
	}
	bsup := e.login("sup@example.org")
	resp, body = bsup.get(path)
	mustStatus(t, resp, http.StatusOK, "supervisor on the case")
	mustShow(t, body, "Access and changes", "supervisor's case page")
	mustShow(t, body, "<td>"+cw.Name+"</td>", "supervisor's case page") // who created and viewed it
	mustShow(t, body, "<td>"+models.AuditCaseCreate+"</td>", "supervisor's case page")
	badm := e.login("admin@example.org")
	for _, p := range []string{"/admin/audit", "/admin/audit.csv", "/admin/audit?action=case.view"} {
		for who, b := range map[string]*browser{"caseworker": bcw, "supervisor": bsup} {
			resp, _ := b.get(p)
			mustStatus(t, resp, http.StatusForbidden, who+" "+p)
		}
		resp, _ := e.browser().get(p)
		mustStatus(t, resp, http.StatusSeeOther, "anonymous "+p)
	}

	resp, body = badm.get("/admin/audit")
	mustStatus(t, resp, http.StatusOK, "admin's audit log")
	mustShow(t, body, `href="/admin/audit" aria-current="page"`, "menu")
	mustShow(t, body, "<td>"+models.AuditCaseCreate+"</td>", "audit log")
	resp, body = badm.get(fmt.Sprintf("/admin/audit?actor=%d&action=case.view&object=case&object_id=%d", cw.ID, id))
	mustStatus(t, resp, http.StatusOK, "filtered log")
	mustShow(t, body, "1 entry", "filtered log")
	if strings.Contains(body, "<td>"+models.AuditCaseCreate+"</td>") {
		t.Error("the filter on case.view shows a case.create")
	}
	resp, body = badm.get("/admin/audit?from=2024-13-01")
	mustStatus(t, resp, http.StatusUnprocessableEntity, "bad day")
	mustShow(t, body, "use a day like", "bad day")
	resp, _ = badm.get("/admin/audit?actor=x")
	mustStatus(t, resp, http.StatusBadRequest, "tampered actor")
}

// TestAuditPaging: the log pages with links that keep the filters.
func TestAuditPaging(t *testing.T) {
	e := newTestEnv(t)
	e.user("admin@example.org", models.RoleAdmin)
	sup := e.user("sup@example.org", models.RoleSupervisor)
	ctx := context.Background()
	cs, err := e.Store.CreateCase(ctx, sup, models.IntakeInput{Channel: "phone", CaseFields: models.CaseFields{Category: "raid", Summary: "raid"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 56; i++ {
		if _, err := e.Store.GetCase(ctx, sup, cs.ID); err != nil {
			t.Fatal(err)
		}
	}
	b := e.login("admin@example.org")
	resp, body := b.get("/admin/audit?action=case.view")
	mustStatus(t, resp, http.StatusOK, "page 1")
	mustShow(t, body, "56 entries", "page 1")
	mustShow(t, body, "page 1 of 2", "page 1")
	mustShow(t, body, `href="/admin/audit?action=case.view&amp;page=2"`, "next link")
	resp, body = b.get("/admin/audit?action=case.view&page=2")
	mustStatus(t, resp, http.StatusOK, "page 2")
	if n := strings.Count(body, "<td>case.view</td>"); n != 6 {
		t.Errorf("page 2 shows %d entries, want 6", n)
	}
	resp, _ = b.get("/admin/audit?page=0")
	mustStatus(t, resp, http.StatusUnprocessableEntity, "page 0")
}

// TestAuditCSVExport: the export is a CSV attachment that parses back, holds what the filter
// selects, and is itself recorded in the log.
func TestAuditCSVExport(t *testing.T) {
	e := newTestEnv(t)
	sup := e.user("sup@example.org", models.RoleSupervisor)
	admin := e.user("admin@example.org", models.RoleAdmin)
	bsup := e.login(sup.Email)
	bsup.get("/calls/new")
	resp, _ := bsup.post("/calls", intakeForm(nil))
	id := savedCaseID(t, resp)
	for i := 0; i < 3; i++ {
		bsup.get("/cases/" + strconv.FormatUint(uint64(id), 10))
	}
	b := e.login(admin.Email)
	resp, body := b.get("/admin/audit.csv?action=case.view")
	mustStatus(t, resp, http.StatusOK, "export")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition %q", cd)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v\n%s", err, body)
	}
	if len(recs) != 4 {
		t.Fatalf("%d records, want a header and 3 views:\n%s", len(recs), body)
	}
	if strings.Join(recs[0], ",") != "id,at,actor_id,actor,action,object,object_id,ip,request_id,detail,prev_hash,hash" {
		t.Errorf("header %v", recs[0])
	}
	for _, r := range recs[1:] {
		if r[2] != strconv.FormatUint(uint64(sup.ID), 10) || r[3] != sup.Email || r[4] != models.AuditCaseView ||
			r[5] != models.ObjectCase || r[6] != strconv.FormatUint(uint64(id), 10) || r[7] != "0.0.0.0" || len(r[11]) != 64 {
			t.Errorf("row %v", r)
		}
	}
	rows := e.auditRows(0)
	last := rows[len(rows)-1]
	if last.Action != models.AuditExport || last.ActorID == nil || *last.ActorID != admin.ID ||
		last.Detail != "audit.csv rows=3 action=case.view" {
		t.Errorf("the export's own entry: %s", last)
	}
	// A filter that does not hold is refused, and nothing is exported or logged.
	resp, body = b.get("/admin/audit.csv?from=someday")
	mustStatus(t, resp, http.StatusUnprocessableEntity, "bad export filter")
	if strings.Contains(body, "request_id") || resp.Header.Get("Content-Disposition") != "" {
		t.Error("a refused export sent CSV")
	}
	if n := len(e.auditRows(last.ID)); n != 0 {
		t.Errorf("a refused export logged %d entries", n)
	}
}

// TestCLIAuditVerify: `himoya audit verify` passes on a good log and fails, naming the entry,
// once a row is edited directly in the database file.
func TestCLIAuditVerify(t *testing.T) {
	c := newCLI(t)
	if code, out := c.run(testPassword+"\n", "user", "add", "-email", "sup@example.org", "-role", "supervisor"); code != 0 {
		t.Fatalf("user add: %d %s", code, out)
	}
	if code, out := c.run(testPassword+"\n", "user", "add", "-email", "cw@example.org", "-role", "caseworker"); code != 0 {
		t.Fatalf("user add: %d %s", code, out)
	}
	if code, out := c.run("", "audit", "verify"); code != 0 || !strings.Contains(out, "2 entries checked") {
		t.Fatalf("good log: exit %d, %q", code, out)
	}
	if code, out := c.run("", "audit", "check"); code != 2 || !strings.Contains(out, "himoya audit verify") {
		t.Errorf("bad sub-command: exit %d, %q", code, out)
	}
	if err := c.raw().Exec("DROP TRIGGER audit_entries_no_update; UPDATE audit_entries SET detail = 'role=admin' WHERE id = 2").Error; err != nil {
		t.Fatal(err)
	}
	code, out := c.run("", "audit", "verify")
	if code != 1 || !strings.Contains(out, "entry 2 was changed") {
		t.Fatalf("tampered log: exit %d, %q", code, out)
	}
}
