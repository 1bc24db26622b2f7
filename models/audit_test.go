package models

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// auditEntries reads the whole log, oldest first.
func auditEntries(t *testing.T, s *Store) []AuditEntry {
	t.Helper()
	var es []AuditEntry
	if err := s.rdb(context.Background()).Order("id").Find(&es).Error; err != nil {
		t.Fatal(err)
	}
	return es
}

// rawDB opens the store's database file directly, outside himoya, as someone tampering with
// it would.
func rawDB(t *testing.T, s *Store) *gorm.DB {
	t.Helper()
	var path string
	if err := s.rdb(context.Background()).Raw("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path).Error; err != nil {
		t.Fatal(err)
	}
	g, err := gorm.Open(sqlite.Open(filepath.ToSlash(path)), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d, err := g.DB(); err == nil {
			d.Close()
		}
	})
	return g
}

// want is an entry a test expects, matched in order.
type want struct {
	action string
	actor  *User // nil: no actor
	object string
	id     uint
	detail string
}

func (w want) matches(e AuditEntry) bool {
	if e.Action != w.action || e.Object != w.object || e.Detail != w.detail {
		return false
	}
	if (w.actor == nil) != (e.ActorID == nil) || (w.actor != nil && *e.ActorID != w.actor.ID) {
		return false
	}
	if (w.id == 0) != (e.ObjectID == nil) || (w.id != 0 && *e.ObjectID != w.id) {
		return false
	}
	return true
}

func (w want) String() string {
	actor := "nobody"
	if w.actor != nil {
		actor = w.actor.Email
	}
	return fmt.Sprintf("%s by %s on %s %d (%q)", w.action, actor, w.object, w.id, w.detail)
}

// TestAuditRecordsEveryStep follows a case and some logins through the log: each step is one
// entry with its actor, action, record, detail and the request's address and id, and no
// entry holds any of the personal data typed.
func TestAuditRecordsEveryStep(t *testing.T) {
	s := openTest(t)
	ctx := WithRequestInfo(context.Background(), "203.0.113.7", "req-42")
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	admin := mkUser(t, s, "admin@example.org", RoleAdmin)
	start := len(auditEntries(t, s))

	const (
		name      = "Rustam Nazarov"
		phone     = "+7 916 555-01-23"
		summary   = "Detained at Sadovod market, patent torn"
		note      = "Brother says he was moved to Sakharovo"
		safe      = "only WhatsApp after 8 pm"
		typedMail = "nobody-at-all@example.org"
		typedPass = "a wrong password typed"
	)
	if _, err := s.Authenticate(ctx, typedMail, typedPass, "203.0.113.7"); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("unknown account: %v", err)
	}
	if _, err := s.Authenticate(ctx, sup.Email, typedPass, "203.0.113.7"); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := s.Authenticate(ctx, sup.Email, "correct horse battery", "203.0.113.7"); err != nil {
		t.Fatalf("login: %v", err)
	}
	cs, err := s.CreateCase(ctx, sup, IntakeInput{Channel: "phone",
		Caller:     CallerInput{Name: name, Phone: phone, SafeContact: safe},
		CaseFields: CaseFields{Category: "raid", Summary: summary}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCase(ctx, sup, cs.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition(ctx, sup, cs.ID, TransitionInput{To: "assigned", AssigneeID: cw.ID, Note: note}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Transition(ctx, cw, cs.ID, TransitionInput{To: "in_progress"}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddNote(ctx, cw, cs.ID, note); err != nil {
		t.Fatal(err)
	}
	cur, err := s.getCase(s.rdb(ctx), cw, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateCase(ctx, cw, cs.ID, CaseUpdate{Version: cur.Version, CaseFields: CaseFields{Summary: summary + " (more)", Urgency: "high"},
		Present: map[string]bool{"summary": true, "urgency": true}}); err != nil {
		t.Fatal(err)
	}
	ct, err := s.LogContact(ctx, cw, ContactInput{Channel: "phone", Summary: note, CaseID: &cs.ID})
	if err != nil {
		t.Fatal(err)
	}
	newcomer, err := s.CreateUserAs(ctx, admin, UserInput{Email: "new@example.org", Name: "New Colleague", Role: RoleCaseworker, Password: "another long password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateUser(ctx, admin, newcomer.ID, "New Colleague", RoleSupervisor, false); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetPassword(ctx, admin, newcomer.ID, "a reset password here"); err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreateSession(ctx, cw, "203.0.113.7", "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EndSession(ctx, tok); err != nil {
		t.Fatal(err)
	}

	wants := []want{
		{AuditLoginFail, nil, "", 0, "unknown_account"},
		{AuditLoginFail, sup, ObjectUser, sup.ID, "password"},
		{AuditLoginOK, sup, ObjectUser, sup.ID, ""},
		{AuditCaseCreate, sup, ObjectCase, cs.ID, ""},
		{AuditCaseView, sup, ObjectCase, cs.ID, ""},
		{AuditCaseMove, sup, ObjectCase, cs.ID, "new->assigned"},
		{AuditCaseAssign, sup, ObjectCase, cs.ID, fmt.Sprintf("assignee=%d", cw.ID)},
		{AuditCaseMove, cw, ObjectCase, cs.ID, "assigned->in_progress"},
		{AuditCaseNote, cw, ObjectCase, cs.ID, ""},
		{AuditCaseUpdate, cw, ObjectCase, cs.ID, "summary,urgency"},
		{AuditContact, cw, ObjectContact, ct.ID, fmt.Sprintf("case=%d", cs.ID)},
		{AuditUserCreate, admin, ObjectUser, newcomer.ID, "role=caseworker"},
		{AuditUserUpdate, admin, ObjectUser, newcomer.ID, "role=caseworker->supervisor active=false"},
		{AuditUserPassword, admin, ObjectUser, newcomer.ID, "reset"},
		{AuditLogout, cw, ObjectUser, cw.ID, ""},
	}
	got := auditEntries(t, s)[start:]
	if len(got) != len(wants) {
		for _, e := range got {
			t.Logf("got %s %s %s %q", e.Action, e.Object, e.Record(), e.Detail)
		}
		t.Fatalf("%d entries, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		e := got[i]
		if !w.matches(e) {
			t.Errorf("entry %d: got %s by %v on %s (%q), want %s", e.ID, e.Action, e.ActorID, e.Record(), e.Detail, w)
		}
		if e.IP != "203.0.113.7" || e.RequestID != "req-42" {
			t.Errorf("entry %d (%s): address %q, request %q", e.ID, e.Action, e.IP, e.RequestID)
		}
	}

	// No column of any entry holds what was typed about the caller, nor the login attempts'
	// e-mail and password.
	var rows []map[string]any
	if err := rawDB(t, s).Raw("SELECT * FROM audit_entries").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	secrets := []string{name, "Rustam", "Nazarov", phone, "555-01-23", summary, "Sadovod", note, "Sakharovo", safe, typedMail, typedPass, "New Colleague"}
	for _, r := range rows {
		for col, v := range r {
			text := strings.ToLower(fmt.Sprint(v))
			for _, sec := range secrets {
				if strings.Contains(text, strings.ToLower(sec)) {
					t.Errorf("audit entry %v: column %s holds %q", r["id"], col, sec)
				}
			}
		}
	}
	if n, err := s.VerifyAudit(context.Background()); err != nil || n != len(got)+start {
		t.Errorf("VerifyAudit = %d, %v; want %d, nil", n, err, len(got)+start)
	}
}

// TestRateLimitedLoginIsAudited: a refused attempt past the limits is a failure in the log.
func TestRateLimitedLoginIsAudited(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	u := mkUser(t, s, "cw@example.org", RoleCaseworker)
	for i := 0; i < maxFailsPerAccount; i++ {
		if _, err := s.Authenticate(ctx, u.Email, "wrong wrong wrong", "198.51.100.1"); !errors.Is(err, ErrBadLogin) {
			t.Fatal(err)
		}
	}
	if _, err := s.Authenticate(ctx, u.Email, "correct horse battery", "198.51.100.1"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("got %v, want ErrRateLimited", err)
	}
	es := auditEntries(t, s)
	last := es[len(es)-1]
	if !(want{AuditLoginFail, u, ObjectUser, u.ID, "rate_limited"}).matches(last) {
		t.Errorf("last entry %s %s %q", last.Action, last.Record(), last.Detail)
	}
}

// TestRereadsAfterChangesAreNotViews: only GetCase, which pages and the API call to show a
// case, logs a view; the models' own reads after a change do not.
func TestRereadsAfterChangesAreNotViews(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	cs := mkCase(t, s, sup)
	if _, err := s.Transition(ctx, sup, cs.ID, TransitionInput{To: "assigned", AssigneeID: sup.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Assign(ctx, sup, cs.ID, TransitionInput{AssigneeID: mkUser(t, s, "cw@example.org", RoleCaseworker).ID}); err != nil {
		t.Fatal(err)
	}
	views := func() int64 {
		var n int64
		if err := s.rdb(ctx).Model(&AuditEntry{}).Where("action = ?", AuditCaseView).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := views(); n != 0 {
		t.Fatalf("%d views logged by changes", n)
	}
	if _, err := s.GetCase(ctx, sup, cs.ID); err != nil {
		t.Fatal(err)
	}
	if n := views(); n != 1 {
		t.Fatalf("%d views after one GetCase", n)
	}
	// A case the user may not open is not shown, and so not logged as a view.
	other := mkUser(t, s, "other@example.org", RoleCaseworker)
	if _, err := s.GetCase(ctx, other, cs.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("colleague's case: %v", err)
	}
	if n := views(); n != 1 {
		t.Fatalf("%d views after a refused GetCase", n)
	}
}

// TestVerifyAuditDetectsTampering: the chain holds on a good log and breaks, naming the
// entry, when a row is edited or deleted directly in SQLite.
func TestVerifyAuditDetectsTampering(t *testing.T) {
	for _, tc := range []struct {
		name, sql, msg string
	}{
		{"edited", "UPDATE audit_entries SET detail = 'done->new' WHERE id = 2", "entry 2 was changed"},
		{"actor changed", "UPDATE audit_entries SET actor_id = NULL WHERE id = 2", "entry 2 was changed"},
		{"deleted", "DELETE FROM audit_entries WHERE id = 2", "entry 2 is missing"},
		{"rehashed", "UPDATE audit_entries SET detail = 'x', hash = 'forged' WHERE id = 2", "entry 2 was changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
			cs := mkCase(t, s, sup)
			for i := 0; i < 3; i++ {
				if _, err := s.GetCase(ctx, sup, cs.ID); err != nil {
					t.Fatal(err)
				}
			}
			total := len(auditEntries(t, s))
			n, err := s.VerifyAudit(ctx)
			if err != nil || n != total || n < 4 {
				t.Fatalf("good log: VerifyAudit = %d, %v; want %d entries", n, err, total)
			}
			// The triggers refuse the change; someone holding the file drops them first.
			if err := rawDB(t, s).Exec(tc.sql).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("the database let the audit log be changed: %v", err)
			}
			if err := rawDB(t, s).Exec("DROP TRIGGER audit_entries_no_update; DROP TRIGGER audit_entries_no_delete").Error; err != nil {
				t.Fatal(err)
			}
			if err := rawDB(t, s).Exec(tc.sql).Error; err != nil {
				t.Fatal(err)
			}
			n, err = s.VerifyAudit(ctx)
			if !errors.Is(err, ErrAuditBroken) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("after tampering: %v; want %q", err, tc.msg)
			}
			if n != 1 {
				t.Errorf("%d entries checked before the break, want 1", n)
			}
		})
	}
}

// TestCaseAuditForSupervisorsOnly: the case page's log is refused to caseworkers and lists
// the case's entries, and the calls logged on it, for supervisors.
func TestCaseAuditForSupervisorsOnly(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	cs := mkCase(t, s, cw)
	other := mkCase(t, s, cw)
	if _, err := s.GetCase(ctx, cw, cs.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCase(ctx, cw, other.ID); err != nil {
		t.Fatal(err)
	}
	ct, err := s.LogContact(ctx, cw, ContactInput{Channel: "phone", Summary: "again", CaseID: &cs.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CaseAudit(ctx, cw, cs.ID); !errors.Is(err, ErrForbidden) {
		t.Fatalf("caseworker: %v, want ErrForbidden", err)
	}
	es, err := s.CaseAudit(ctx, sup, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Action+" "+e.Record())
		if e.Actor == nil || e.Actor.ID != cw.ID {
			t.Errorf("%s: actor not loaded", e.Action)
		}
	}
	wantList := []string{
		AuditContact + fmt.Sprintf(" contact %d", ct.ID),
		AuditCaseView + fmt.Sprintf(" case %d", cs.ID),
		AuditCaseCreate + fmt.Sprintf(" case %d", cs.ID),
	}
	if strings.Join(got, "|") != strings.Join(wantList, "|") {
		t.Errorf("case log = %v, want %v", got, wantList)
	}
}

// TestListAndExportAudit: the admin's filters select what they say, pages hold PerPage
// entries, only admins read the log, and an export is itself logged.
func TestListAndExportAudit(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	admin := mkUser(t, s, "admin@example.org", RoleAdmin)
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	a := mkCase(t, s, sup)
	b := mkCase(t, s, sup)
	for i := 0; i < 3; i++ {
		if _, err := s.GetCase(ctx, sup, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.GetCase(ctx, admin, b.ID); err != nil {
		t.Fatal(err)
	}
	today := s.now().In(s.Loc).Format("2006-01-02")
	for _, tc := range []struct {
		name string
		f    AuditFilter
		want int64
	}{
		{"everything", AuditFilter{}, 8}, // 2 accounts, 2 cases, 4 views
		{"actor", AuditFilter{ActorID: admin.ID}, 1},
		{"action", AuditFilter{Action: AuditCaseView}, 4},
		{"record", AuditFilter{Object: ObjectCase, ObjectID: a.ID}, 4},
		{"actor and action", AuditFilter{ActorID: sup.ID, Action: AuditCaseView}, 3},
		{"today", AuditFilter{From: today, To: today}, 8},
		{"before today", AuditFilter{To: s.now().In(s.Loc).AddDate(0, 0, -1).Format("2006-01-02")}, 0},
		{"injection is only a value", AuditFilter{Action: "' OR 1=1 --"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.ListAudit(ctx, admin, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != tc.want || int64(len(p.Items)) != tc.want {
				t.Errorf("total %d, items %d; want %d", p.Total, len(p.Items), tc.want)
			}
		})
	}
	p, err := s.ListAudit(ctx, admin, AuditFilter{PerPage: 3, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 8 || len(p.Items) != 3 || p.Pages() != 3 || p.Items[0].ID != 5 {
		t.Errorf("page 2 of 3: total %d, %d items, %d pages, first id %d", p.Total, len(p.Items), p.Pages(), p.Items[0].ID)
	}
	for _, f := range []AuditFilter{{From: "yesterday"}, {ObjectID: 3}, {Page: -1}, {PerPage: MaxPerPage + 1}} {
		var ve *ValidationError
		if _, err := s.ListAudit(ctx, admin, f); !errors.As(err, &ve) {
			t.Errorf("filter %+v: %v, want a ValidationError", f, err)
		}
	}
	for _, u := range []*User{sup, nil} {
		if _, err := s.ListAudit(ctx, u, AuditFilter{}); !errors.Is(err, ErrForbidden) {
			t.Errorf("ListAudit by %v: %v", u, err)
		}
		if _, err := s.ExportAudit(ctx, u, AuditFilter{}, func(*AuditEntry) error { return nil }); !errors.Is(err, ErrForbidden) {
			t.Errorf("ExportAudit by %v: %v", u, err)
		}
	}

	var ids []uint
	n, err := s.ExportAudit(ctx, admin, AuditFilter{Action: AuditCaseView}, func(e *AuditEntry) error {
		ids = append(ids, e.ID)
		return nil
	})
	if err != nil || n != 4 || len(ids) != 4 || ids[0] >= ids[3] {
		t.Fatalf("export: n %d, ids %v, %v", n, ids, err)
	}
	es := auditEntries(t, s)
	last := es[len(es)-1]
	if !(want{AuditExport, admin, ObjectAudit, 0, "audit.csv rows=4 action=case.view"}).matches(last) {
		t.Errorf("export entry: %s %s %q", last.Action, last.Record(), last.Detail)
	}
}
