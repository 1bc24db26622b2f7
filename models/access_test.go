package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestVisibilityRule: canSee (Go) and visible (SQL) say the same for every kind of case and
// account.
func TestVisibilityRule(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	other := mkUser(t, s, "other@example.org", RoleCaseworker)
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	adm := mkUser(t, s, "adm@example.org", RoleAdmin)
	admOnly := mkUser(t, s, "it@example.org", RoleAdminOnly)
	restricted := true
	mk := func(assignee *User, restrict bool, shareWith *User) uint {
		t.Helper()
		cs := mkCase(t, s, sup)
		if assignee != nil {
			if _, err := s.Assign(ctx, sup, cs.ID, TransitionInput{AssigneeID: assignee.ID}); err != nil {
				t.Fatal(err)
			}
		}
		if restrict {
			cur, _ := s.GetCase(ctx, sup, cs.ID)
			if _, err := s.UpdateCase(ctx, sup, cs.ID, CaseUpdate{Version: cur.Version, Restricted: &restricted, Present: map[string]bool{"restricted": true}}); err != nil {
				t.Fatal(err)
			}
		}
		if shareWith != nil {
			if err := s.ShareCase(ctx, sup, cs.ID, shareWith.ID); err != nil {
				t.Fatal(err)
			}
		}
		return cs.ID
	}
	cases := map[string]uint{
		"queue":                      mk(nil, false, nil),
		"other's":                    mk(other, false, nil),
		"mine":                       mk(cw, false, nil),
		"restricted queue":           mk(nil, true, nil),
		"restricted other's":         mk(other, true, nil),
		"restricted mine":            mk(cw, true, nil),
		"restricted, shared with me": mk(other, true, cw),
		"other's, shared with me":    mk(other, false, cw),
	}
	sees := map[*User]map[string]bool{
		cw: {"queue": true, "mine": true, "restricted mine": true, "restricted, shared with me": true, "other's, shared with me": true},
		other: {"queue": true, "other's": true, "restricted other's": true, "restricted, shared with me": true,
			"other's, shared with me": true},
		sup: nil, adm: nil, // every case
		admOnly: {},
	}
	for u, want := range sees {
		p, err := s.ListCases(ctx, u, CaseFilter{PerPage: MaxPerPage})
		if err != nil {
			t.Fatal(err)
		}
		listed := map[uint]bool{}
		for _, c := range p.Items {
			listed[c.ID] = true
		}
		for name, id := range cases {
			w := want == nil || want[name]
			_, err := s.GetCase(ctx, u, id)
			if (err == nil) != w || listed[id] != w {
				t.Errorf("%s, case %q: opens %v (%v), listed %v; want %v", u.Email, name, err == nil, err, listed[id], w)
			}
		}
	}
	// Unsharing takes sight away; sharing with an admin only is refused.
	if err := s.UnshareCase(ctx, sup, cases["restricted, shared with me"], cw.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCase(ctx, cw, cases["restricted, shared with me"]); !errors.Is(err, ErrNotFound) {
		t.Errorf("after unsharing: %v", err)
	}
	var ve *ValidationError
	if err := s.ShareCase(ctx, sup, cases["queue"], admOnly.ID); !errors.As(err, &ve) {
		t.Errorf("sharing with an admin only: %v", err)
	}
	if err := s.ShareCase(ctx, cw, cases["mine"], other.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("a caseworker shares: %v", err)
	}
}

// TestRestrictedStillCounts: restricting a case hides it from caseworkers, not from the
// hotline's numbers.
func TestRestrictedStillCounts(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	cs := mkCase(t, s, sup)
	mkCase(t, s, sup)
	before, err := s.Count(ctx, CountRange{})
	if err != nil {
		t.Fatal(err)
	}
	restricted := true
	if _, err := s.UpdateCase(ctx, sup, cs.ID, CaseUpdate{Version: cs.Version, Restricted: &restricted, Present: map[string]bool{"restricted": true}}); err != nil {
		t.Fatal(err)
	}
	after, err := s.Count(ctx, CountRange{})
	if err != nil {
		t.Fatal(err)
	}
	if before.Cases != 2 || after.Cases != before.Cases || after.Calls != before.Calls || after.PeopleAffected != before.PeopleAffected {
		t.Errorf("counts before %d cases %d calls, after %d cases %d calls", before.Cases, before.Calls, after.Cases, after.Calls)
	}
}

// TestShareAndUnshareAreAudited: each share and unshare that changes something leaves one
// entry naming the case, the supervisor and the account; one that changes nothing leaves none.
// Sharing with an account that is missing, deactivated or does not work on cases is a
// validation error on "user", never a database error.
func TestShareAndUnshareAreAudited(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	cw := mkUser(t, s, "cw@example.org", RoleCaseworker)
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	gone := mkUser(t, s, "gone@example.org", RoleCaseworker)
	admOnly := mkUser(t, s, "it@example.org", RoleAdminOnly)
	if err := s.db.Model(&User{}).Where("id = ?", gone.ID).Update("active", false).Error; err != nil {
		t.Fatal(err)
	}
	cs := mkCase(t, s, sup)
	shareEntries := func() []want {
		var out []want
		for _, e := range auditEntries(t, s) {
			if e.Action == AuditCaseShare || e.Action == AuditCaseUnshare {
				w := want{action: e.Action, object: e.Object, detail: e.Detail}
				if e.ActorID != nil && *e.ActorID == sup.ID {
					w.actor = sup
				}
				if e.ObjectID != nil {
					w.id = *e.ObjectID
				}
				out = append(out, w)
			}
		}
		return out
	}
	detail := fmt.Sprintf("user=%d", cw.ID)
	steps := []struct {
		name  string
		do    func() error
		field string // the validation error expected, if any
		want  []want // the share entries after the step
	}{
		{"share", func() error { return s.ShareCase(ctx, sup, cs.ID, cw.ID) }, "",
			[]want{{AuditCaseShare, sup, ObjectCase, cs.ID, detail}}},
		{"share again", func() error { return s.ShareCase(ctx, sup, cs.ID, cw.ID) }, "",
			[]want{{AuditCaseShare, sup, ObjectCase, cs.ID, detail}}},
		{"unshare", func() error { return s.UnshareCase(ctx, sup, cs.ID, cw.ID) }, "",
			[]want{{AuditCaseShare, sup, ObjectCase, cs.ID, detail}, {AuditCaseUnshare, sup, ObjectCase, cs.ID, detail}}},
		{"unshare again", func() error { return s.UnshareCase(ctx, sup, cs.ID, cw.ID) }, "",
			[]want{{AuditCaseShare, sup, ObjectCase, cs.ID, detail}, {AuditCaseUnshare, sup, ObjectCase, cs.ID, detail}}},
		{"share with no such account", func() error { return s.ShareCase(ctx, sup, cs.ID, 9999) }, "user",
			[]want{{AuditCaseShare, sup, ObjectCase, cs.ID, detail}, {AuditCaseUnshare, sup, ObjectCase, cs.ID, detail}}},
		{"share with a deactivated account", func() error { return s.ShareCase(ctx, sup, cs.ID, gone.ID) }, "user",
			[]want{{AuditCaseShare, sup, ObjectCase, cs.ID, detail}, {AuditCaseUnshare, sup, ObjectCase, cs.ID, detail}}},
		{"share with an admin only", func() error { return s.ShareCase(ctx, sup, cs.ID, admOnly.ID) }, "user",
			[]want{{AuditCaseShare, sup, ObjectCase, cs.ID, detail}, {AuditCaseUnshare, sup, ObjectCase, cs.ID, detail}}},
	}
	for _, st := range steps {
		err := st.do()
		if st.field == "" && err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if st.field != "" {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields[st.field] == "" {
				t.Fatalf("%s: %v, want a validation error on %s", st.name, err, st.field)
			}
		}
		got := shareEntries()
		if fmt.Sprint(got) != fmt.Sprint(st.want) {
			t.Fatalf("%s: audit entries\n%v\nwant\n%v", st.name, got, st.want)
		}
	}
	// Refused before anything is read: a caseworker, and a case that does not exist.
	if err := s.UnshareCase(ctx, cw, cs.ID, cw.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("a caseworker unshares: %v", err)
	}
	if err := s.ShareCase(ctx, sup, 9999, cw.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("sharing a case that does not exist: %v", err)
	}
	if err := s.UnshareCase(ctx, sup, 9999, cw.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("unsharing a case that does not exist: %v", err)
	}
}

// TestShareCandidates: a case may be shared with the active caseworkers who do not see it by
// being its assignee or by an earlier share, in the order of their names.
func TestShareCandidates(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mk := func(email, name string, role Role) *User {
		t.Helper()
		u, err := s.CreateUser(ctx, UserInput{Email: email, Name: name, Role: role, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	sup := mk("sup@example.org", "Sup", RoleSupervisor)
	zarina := mk("zarina@example.org", "Zarina", RoleCaseworker)
	mk("aziz@example.org", "Aziz", RoleCaseworker)
	bahrom := mk("bahrom@example.org", "Bahrom", RoleCaseworker)
	gone := mk("gone@example.org", "Gone", RoleCaseworker)
	mk("adm@example.org", "Admin", RoleAdmin)
	if err := s.db.Model(&User{}).Where("id = ?", gone.ID).Update("active", false).Error; err != nil {
		t.Fatal(err)
	}
	names := func(cs *Case) string {
		t.Helper()
		us, err := s.ShareCandidates(ctx, cs)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range us {
			out = append(out, u.Name)
		}
		return strings.Join(out, " ")
	}
	cs := mkCase(t, s, sup)
	if got := names(cs); got != "Aziz Bahrom Zarina" {
		t.Errorf("an unassigned case: %s", got)
	}
	if _, err := s.Assign(ctx, sup, cs.ID, TransitionInput{AssigneeID: bahrom.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.ShareCase(ctx, sup, cs.ID, zarina.ID); err != nil {
		t.Fatal(err)
	}
	cs, _ = s.GetCase(ctx, sup, cs.ID)
	if got := names(cs); got != "Aziz" {
		t.Errorf("a case assigned to Bahrom and shared with Zarina: %s", got)
	}
}

// TestClosedCaseOnlyRestriction: a closed case keeps its fields; only its restriction may
// change (an old case can become dangerous).
func TestClosedCaseOnlyRestriction(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	sup := mkUser(t, s, "sup@example.org", RoleSupervisor)
	cs := mkCase(t, s, sup)
	if _, err := s.Transition(ctx, sup, cs.ID, TransitionInput{To: "closed", Note: "a duplicate"}); err != nil {
		t.Fatal(err)
	}
	yes := true
	for _, tc := range []struct {
		name    string
		present map[string]bool
		ok      bool
	}{
		{"nothing", map[string]bool{}, false},
		{"the city", map[string]bool{"city": true}, false},
		{"the city and the restriction", map[string]bool{"city": true, "restricted": true}, false},
		{"the restriction", map[string]bool{"restricted": true}, true},
		{"the restriction and the version", map[string]bool{"restricted": true, "version": true}, true},
		{"the restriction, the city not given", map[string]bool{"restricted": true, "city": false}, true},
	} {
		cur, err := s.GetCase(ctx, sup, cs.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.UpdateCase(ctx, sup, cs.ID, CaseUpdate{Version: cur.Version, CaseFields: CaseFields{City: "Khimki"},
			Restricted: &yes, Present: tc.present})
		var ve *ValidationError
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case !tc.ok && (!errors.As(err, &ve) || ve.Fields["status"] == ""):
			t.Errorf("%s: %v, want a validation error on the status", tc.name, err)
		}
	}
	if got, _ := s.GetCase(ctx, sup, cs.ID); got.City != "" || !got.Restricted {
		t.Errorf("closed case: city %q, restricted %v", got.City, got.Restricted)
	}
}
