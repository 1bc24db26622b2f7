package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"himoya/models"
)

// accountID finds an account's id by e-mail, failing the test if there is none.
func (e *testEnv) accountID(email string) uint {
	e.t.Helper()
	u, err := e.Store.UserByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatalf("account %s: %v", email, err)
	}
	return u.ID
}

// findTerm finds a term of a kind by code in the stored taxonomy; nil if there is none.
func (e *testEnv) findTerm(k models.TermKind, code string) *models.Term {
	e.t.Helper()
	tax, err := e.Store.Taxonomy(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, x := range tax.Terms[k] {
		if x.Code == code {
			return &x
		}
	}
	return nil
}

func offeredCodes(t *testing.T, s *models.Store, k models.TermKind) map[string]bool {
	t.Helper()
	tax, err := s.Taxonomy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, x := range tax.Active(k) {
		out[x.Code] = true
	}
	return out
}

func mustShow(t *testing.T, body, want, what string) {
	t.Helper()
	if !strings.Contains(body, want) {
		t.Fatalf("%s: the page does not contain %q", what, want)
	}
}

func TestAdminAddsUser(t *testing.T) {
	e := newTestEnv(t)
	e.user("admin@example.org", models.RoleAdmin)
	b := e.login("admin@example.org")
	resp, body := b.get("/admin/users")
	mustStatus(t, resp, 200, "users page")
	mustShow(t, body, "admin@example.org", "users page")

	resp, _ = b.post("/admin/users", url.Values{"email": {"new.worker@example.org"}, "name": {"New Worker"},
		"role": {"caseworker"}, "password": {testPassword}})
	mustStatus(t, resp, 303, "add account")
	if loc := resp.Header.Get("Location"); loc != "/admin/users" {
		t.Fatalf("add account redirects to %q", loc)
	}
	u, err := e.Store.UserByEmail(context.Background(), "new.worker@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != models.RoleCaseworker || !u.Active || u.Name != "New Worker" {
		t.Fatalf("new account: role %s, active %v, name %q", u.Role, u.Active, u.Name)
	}
	e.login("new.worker@example.org") // fails the test if the new account cannot log in
	_, body = b.get("/admin/users")
	mustShow(t, body, "new.worker@example.org", "users page after adding")

	// A short password: the form again with the message and the typed values, never the password.
	resp, body = b.post("/admin/users", url.Values{"email": {"short.pw@example.org"}, "name": {"Short Password"},
		"role": {"supervisor"}, "password": {"tiny secret"}})
	mustStatus(t, resp, 422, "short password")
	mustShow(t, body, "use at least 12 characters", "short password")
	mustShow(t, body, `value="short.pw@example.org"`, "short password: typed e-mail kept")
	mustShow(t, body, `value="Short Password"`, "short password: typed name kept")
	mustShow(t, body, `<option value="supervisor" selected>`, "short password: typed role kept")
	if strings.Contains(body, "tiny secret") {
		t.Fatal("short password: the page shows the typed password")
	}
	if _, err := e.Store.UserByEmail(context.Background(), "short.pw@example.org"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("short password: an account was created (err %v)", err)
	}

	// A duplicate e-mail (in another case) is refused and changes nothing.
	before, _ := e.Store.CountUsers(context.Background())
	resp, body = b.post("/admin/users", url.Values{"email": {"New.Worker@example.org"}, "name": {"Twin"},
		"role": {"admin"}, "password": {"another long password"}})
	mustStatus(t, resp, 422, "duplicate e-mail")
	mustShow(t, body, "an account with this e-mail exists", "duplicate e-mail")
	after, _ := e.Store.CountUsers(context.Background())
	if after != before {
		t.Fatalf("duplicate e-mail: %d accounts, want %d", after, before)
	}
	if u, _ := e.Store.UserByEmail(context.Background(), "new.worker@example.org"); u.Role != models.RoleCaseworker || u.Name != "New Worker" {
		t.Fatal("duplicate e-mail changed the existing account")
	}
}

func TestAdminChangesAndDeactivatesUser(t *testing.T) {
	e := newTestEnv(t)
	e.user("admin@example.org", models.RoleAdmin)
	e.user("cw@example.org", models.RoleCaseworker)
	cwID := e.accountID("cw@example.org")
	b := e.login("admin@example.org")
	b.get("/admin/users")
	path := fmt.Sprintf("/admin/users/%d", cwID)

	resp, _ := b.post(path, url.Values{"name": {"Senior Worker"}, "role": {"supervisor"}, "active": {"1"}})
	mustStatus(t, resp, 303, "change role")
	u, _ := e.Store.UserByID(context.Background(), cwID)
	if u.Role != models.RoleSupervisor || u.Name != "Senior Worker" || !u.Active {
		t.Fatalf("after the change: role %s, name %q, active %v", u.Role, u.Name, u.Active)
	}

	// An unknown role is refused with the message by the field and changes nothing.
	resp, body := b.post(path, url.Values{"name": {"Senior Worker"}, "role": {"boss"}, "active": {"1"}})
	mustStatus(t, resp, 422, "unknown role")
	mustShow(t, body, "choose caseworker, supervisor, admin or admin-only", "unknown role")
	if u, _ := e.Store.UserByID(context.Background(), cwID); u.Role != models.RoleSupervisor {
		t.Fatalf("unknown role: role is now %s", u.Role)
	}

	// Deactivating: the account's open browser is sent to the login page and it cannot log in.
	theirs := e.login("cw@example.org")
	resp, _ = theirs.get("/account")
	mustStatus(t, resp, 200, "their page before deactivation")
	resp, _ = b.post(path, url.Values{"name": {"Senior Worker"}, "role": {"supervisor"}})
	mustStatus(t, resp, 303, "deactivate")
	if u, _ := e.Store.UserByID(context.Background(), cwID); u.Active {
		t.Fatal("the account is still active")
	}
	resp, _ = theirs.get("/account")
	mustStatus(t, resp, 303, "their page after deactivation")
	if loc := resp.Header.Get("Location"); loc != "/login" {
		t.Fatalf("their page after deactivation redirects to %q", loc)
	}
	again := e.browser()
	again.get("/login")
	resp, _ = again.post("/login", url.Values{"email": {"cw@example.org"}, "password": {testPassword}})
	mustStatus(t, resp, 401, "login of a deactivated account")
	_, body = b.get("/admin/users")
	mustShow(t, body, "deactivated", "users page")
}

func TestAdminResetsPassword(t *testing.T) {
	e := newTestEnv(t)
	e.user("admin@example.org", models.RoleAdmin)
	e.user("cw@example.org", models.RoleCaseworker)
	path := fmt.Sprintf("/admin/users/%d/password", e.accountID("cw@example.org"))
	theirs := e.login("cw@example.org")
	b := e.login("admin@example.org")
	b.get("/admin/users")

	resp, body := b.post(path, url.Values{"password": {"too short"}})
	mustStatus(t, resp, 422, "short new password")
	mustShow(t, body, "use at least 12 characters", "short new password")
	resp, _ = theirs.get("/account")
	mustStatus(t, resp, 200, "their session after a refused reset")

	const next = "a brand new password"
	resp, _ = b.post(path, url.Values{"password": {next}})
	mustStatus(t, resp, 303, "reset password")
	resp, _ = theirs.get("/account")
	mustStatus(t, resp, 303, "their session after the reset")
	if _, err := e.Store.Authenticate(context.Background(), "cw@example.org", next, "192.0.2.1"); err != nil {
		t.Fatalf("the new password does not work: %v", err)
	}
}

// accountState is what an admin action on account id may change: its row (role, access,
// password, two-factor login), its sessions and its second factor, read from the file.
func (e *testEnv) accountState(id uint) string {
	e.t.Helper()
	var row struct {
		Name, Role, PasswordHash string
		AlsoSupervisor, Active   bool
		TwoFactorAt              string
		Sessions, Secrets, Codes int
	}
	err := e.rawDB().Raw(`SELECT name, role, password_hash, also_supervisor, active, COALESCE(two_factor_at, '') AS two_factor_at,
		(SELECT COUNT(*) FROM sessions WHERE user_id = u.id) AS sessions,
		(SELECT COUNT(*) FROM two_factors WHERE user_id = u.id) AS secrets,
		(SELECT COUNT(*) FROM recovery_codes WHERE user_id = u.id) AS codes
		FROM users u WHERE id = ?`, id).Scan(&row).Error
	if err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprintf("%+v", row)
}

// TestNoAdminActsOnOwnAccount: separation of duties. For every admin action on an account
// (each route under /admin/users/:id in the route table), an admin acting on their own
// account is refused and nothing changes — an admin only cannot make itself a supervisor and
// read cases, nor reset its own password or second factor without proving who it is; another
// admin doing the same succeeds, and the audit log names them, with codes only.
func TestNoAdminActsOnOwnAccount(t *testing.T) {
	// What each route is sent: every form is tried on one's own account; the first by
	// another admin too.
	forms := map[string][]url.Values{
		"/admin/users/:id": {
			{"name": {"it"}, "role": {"admin"}, "active": {"1"}}, // admin only -> admin + supervisor
			{"name": {"it"}, "role": {"supervisor"}, "active": {"1"}},
			{"name": {"it"}, "role": {"admin-only"}}, // deactivate
			{"name": {"Someone Else"}, "role": {"admin-only"}, "active": {"1"}},
		},
		"/admin/users/:id/password":     {{"password": {"a brand new password"}}},
		"/admin/users/:id/sessions/end": {{"confirm": {"1"}}},
		"/admin/users/:id/2fa/reset":    {{"confirm": {"1"}}},
	}
	// What the other admin's action leaves in the audit log.
	audits := map[string][2]string{
		"/admin/users/:id":              {models.AuditUserUpdate, "role=admin-only->admin"},
		"/admin/users/:id/password":     {models.AuditUserPassword, "reset"},
		"/admin/users/:id/sessions/end": {models.AuditSessionsEnd, "count=1"},
		"/admin/users/:id/2fa/reset":    {models.AuditTwoFactorReset, ""},
	}
	seen := 0
	for _, r := range Routes() {
		if !strings.HasPrefix(r.Path, "/admin/users/:id") {
			continue
		}
		seen++
		if forms[r.Path] == nil || r.Method != "POST" {
			t.Errorf("%s %s: an admin action on an account that this test does not cover", r.Method, r.Path)
			continue
		}
		t.Run(r.Path, func(t *testing.T) {
			e := newTestEnv(t)
			e.user("it@example.org", models.RoleAdminOnly)
			e.user("boss@example.org", models.RoleAdmin)
			itID, bossID := e.accountID("it@example.org"), e.accountID("boss@example.org")
			path := strings.Replace(r.Path, ":id", strconv.Itoa(int(itID)), 1)
			it := e.login("it@example.org") // sets up two-factor login: admins must
			before := e.accountState(itID)
			since := e.lastAuditID()
			for _, form := range forms[r.Path] {
				it.get("/admin/users")
				resp, body := it.post(path, url.Values(http.Header(form).Clone()))
				mustStatus(t, resp, 422, "acting on one's own account")
				mustShow(t, body, "you cannot change your own role or access", "acting on one's own account")
				if after := e.accountState(itID); after != before {
					t.Fatalf("a refused action on one's own account changed it:\n%s\n%s", before, after)
				}
			}
			if rows := e.auditRows(since); len(rows) != 0 {
				t.Fatalf("refused actions left entries in the audit log: %v", rows)
			}
			resp, _ := it.get("/cases")
			mustStatus(t, resp, 403, "the admin only's cases after the refusal")

			boss := e.login("boss@example.org")
			boss.get("/admin/users")
			resp, _ = boss.post(path, url.Values(http.Header(forms[r.Path][0]).Clone()))
			mustStatus(t, resp, 303, "another admin")
			if e.accountState(itID) == before {
				t.Fatal("another admin's action changed nothing")
			}
			want := audits[r.Path]
			found := false
			for _, row := range e.auditRows(since) {
				if row.Action == want[0] && row.ActorID != nil && *row.ActorID == bossID && row.ObjectID != nil && *row.ObjectID == itID {
					found = true
					if row.Detail != want[1] {
						t.Errorf("audit entry %s: detail %q, want %q", row, row.Detail, want[1])
					}
				}
			}
			if !found {
				t.Fatalf("no %s entry by the other admin on the account: %v", want[0], e.auditRows(since))
			}
		})
	}
	if seen != len(forms) {
		t.Errorf("%d admin routes on an account, %d in this test: a route was renamed or removed", seen, len(forms))
	}
}

func TestAdminTaxonomy(t *testing.T) {
	e := newTestEnv(t)
	e.user("admin@example.org", models.RoleAdmin)
	b := e.login("admin@example.org")
	resp, body := b.get("/admin/taxonomy")
	mustStatus(t, resp, 200, "taxonomy page")
	for _, want := range []string{"Categories", "Regions (ISO 3166-2)", "Citizenship (ISO 3166-1)", `href="#list-region"`,
		`id="list-region"`, "never deleted", "illegal_detention", "RU-MOW"} {
		mustShow(t, body, want, "taxonomy page")
	}

	resp, _ = b.post("/admin/taxonomy", url.Values{"kind": {"category"}, "code": {"new_category"},
		"label_en": {"New category"}, "label_ru": {"Новая категория"}})
	mustStatus(t, resp, 303, "add term")
	if !offeredCodes(t, e.Store, models.KindCategory)["new_category"] {
		t.Fatal("the new category is not active")
	}
	added := e.findTerm(models.KindCategory, "new_category")
	path := fmt.Sprintf("/admin/taxonomy/%d", added.ID)

	resp, _ = b.post(path, url.Values{"label_en": {"Renamed category"}, "label_ru": {"Переименовано"}, "active": {"1"},
		"code": {"sneaky_new_code"}})
	mustStatus(t, resp, 303, "rename term")
	got := e.findTerm(models.KindCategory, "new_category")
	if got == nil || got.ID != added.ID || got.LabelEN != "Renamed category" || got.LabelRU != "Переименовано" || !got.Active {
		t.Fatalf("after renaming: %+v", got)
	}
	if e.findTerm(models.KindCategory, "sneaky_new_code") != nil {
		t.Fatal("renaming changed the code")
	}

	resp, _ = b.post(path, url.Values{"label_en": {"Renamed category"}, "label_ru": {"Переименовано"}})
	mustStatus(t, resp, 303, "deactivate term")
	if offeredCodes(t, e.Store, models.KindCategory)["new_category"] {
		t.Fatal("the deactivated category is still offered")
	}
	if got := e.findTerm(models.KindCategory, "new_category"); got == nil || got.Active {
		t.Fatalf("the deactivated category: %+v", got)
	}
	_, body = b.get("/admin/taxonomy")
	mustShow(t, body, "new_category", "taxonomy page after deactivating")

	resp, body = b.post(path, url.Values{"label_en": {"  "}, "label_ru": {"x"}, "active": {"1"}})
	mustStatus(t, resp, 422, "empty English label")
	mustShow(t, body, "enter an English label", "empty English label")
	if got := e.findTerm(models.KindCategory, "new_category"); got.LabelEN != "Renamed category" || got.Active {
		t.Fatalf("a refused rename changed the term: %+v", got)
	}

	for _, tc := range []struct{ what, code, msg string }{
		{"invalid code", "Bad Code!", "standard form"},
		{"duplicate code", "new_category", "this code exists already"},
	} {
		n := len(e.kindTerms(models.KindCategory))
		resp, body = b.post("/admin/taxonomy", url.Values{"kind": {"category"}, "code": {tc.code},
			"label_en": {"Whatever"}, "label_ru": {""}})
		mustStatus(t, resp, 422, tc.what)
		mustShow(t, body, tc.msg, tc.what)
		mustShow(t, body, `value="Whatever"`, tc.what+": typed label kept")
		if len(e.kindTerms(models.KindCategory)) != n {
			t.Fatalf("%s: a term was added", tc.what)
		}
	}
}

func (e *testEnv) kindTerms(k models.TermKind) []models.Term {
	e.t.Helper()
	tax, err := e.Store.Taxonomy(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return tax.Terms[k]
}

func TestAdminPagesAccess(t *testing.T) {
	e := newTestEnv(t)
	e.user("cw@example.org", models.RoleCaseworker)
	e.user("sup@example.org", models.RoleSupervisor)
	e.user("admin@example.org", models.RoleAdmin)
	adminID := e.accountID("admin@example.org")
	term := e.findTerm(models.KindCategory, "raid")
	type req struct {
		method, path string
		form         url.Values
	}
	adminOnly := []req{
		{"GET", "/admin/users", nil},
		{"GET", "/admin/taxonomy", nil},
		{"POST", "/admin/users", url.Values{"email": {"intruder@example.org"}, "role": {"admin"}, "password": {testPassword}}},
		{"POST", fmt.Sprintf("/admin/users/%d", adminID), url.Values{"name": {"x"}, "role": {"caseworker"}}},
		{"POST", fmt.Sprintf("/admin/users/%d/password", adminID), url.Values{"password": {"taken over password"}}},
		{"POST", "/admin/taxonomy", url.Values{"kind": {"category"}, "code": {"intruder"}, "label_en": {"x"}}},
		{"POST", fmt.Sprintf("/admin/taxonomy/%d", term.ID), url.Values{"label_en": {"x"}}},
	}
	supervisorOnly := []req{
		{"GET", "/events", nil},
		{"POST", "/events", url.Values{"name": {"Intruder event"}, "starts_on": {"2024-03-23"}}},
	}
	try := func(b *browser, who string, r req, want int) {
		t.Helper()
		b.get("/account") // a fresh CSRF token, so that only the role decides
		var resp *http.Response
		if r.method == "GET" {
			resp, _ = b.get(r.path)
		} else {
			resp, _ = b.post(r.path, r.form)
		}
		if resp.StatusCode != want {
			t.Errorf("%s %s as %s: status %d, want %d", r.method, r.path, who, resp.StatusCode, want)
		}
	}
	for _, who := range []string{"cw@example.org", "sup@example.org"} {
		b := e.login(who)
		for _, r := range adminOnly {
			try(b, who, r, 403)
		}
	}
	cw := e.login("cw@example.org")
	for _, r := range supervisorOnly {
		try(cw, "caseworker", r, 403)
	}
	sup := e.login("sup@example.org")
	try(sup, "supervisor", supervisorOnly[0], 200)

	// Nothing the refused requests asked for happened.
	if _, err := e.Store.UserByEmail(context.Background(), "intruder@example.org"); !errors.Is(err, models.ErrNotFound) {
		t.Fatal("a refused request created an account")
	}
	if u, _ := e.Store.UserByID(context.Background(), adminID); u.Role != models.RoleAdmin || !u.Active {
		t.Fatal("a refused request changed the admin")
	}
	e.login("admin@example.org") // the password was not taken over
	if e.findTerm(models.KindCategory, "intruder") != nil || e.findTerm(models.KindCategory, "raid").LabelEN != term.LabelEN {
		t.Fatal("a refused request changed the taxonomy")
	}
	if evs, _ := e.Store.ListEvents(context.Background(), false); len(evs) != 0 {
		t.Fatal("a refused request created an event")
	}

	anon := e.browser()
	for _, p := range []string{"/admin/users", "/admin/taxonomy", "/events"} {
		resp, _ := anon.get(p)
		mustStatus(t, resp, 303, "anonymous "+p)
		if loc := resp.Header.Get("Location"); loc != "/login" {
			t.Fatalf("anonymous %s redirects to %q", p, loc)
		}
	}
}

func TestSupervisorManagesEvents(t *testing.T) {
	e := newTestEnv(t)
	e.user("sup@example.org", models.RoleSupervisor)
	ctx := context.Background()
	b := e.login("sup@example.org")
	resp, body := b.get("/events")
	mustStatus(t, resp, 200, "events page")
	mustShow(t, body, "must never name a caller", "events page")

	resp, _ = b.post("/events", url.Values{"name": {"Raid at Viktoria market"}, "starts_on": {"2011-11-14"}, "region": {"RU-MOW"}})
	mustStatus(t, resp, 303, "add event")
	evs, err := e.Store.ListEvents(ctx, true)
	if err != nil || len(evs) != 1 || evs[0].Name != "Raid at Viktoria market" || evs[0].Region != "RU-MOW" {
		t.Fatalf("offered events: %+v, %v", evs, err)
	}
	ev := evs[0]
	_, body = b.get("/events")
	for _, want := range []string{"Raid at Viktoria market", "2011-11-14", "Moscow", "offered"} {
		mustShow(t, body, want, "events page after adding")
	}

	path := fmt.Sprintf("/events/%d", ev.ID)
	resp, _ = b.post(path, url.Values{"active": {"0"}})
	mustStatus(t, resp, 303, "withdraw event")
	if evs, _ := e.Store.ListEvents(ctx, true); len(evs) != 0 {
		t.Fatalf("a withdrawn event is still offered: %+v", evs)
	}
	if all, _ := e.Store.ListEvents(ctx, false); len(all) != 1 || all[0].Active {
		t.Fatalf("all events after withdrawing: %+v", all)
	}
	_, body = b.get("/events")
	mustShow(t, body, "withdrawn", "events page after withdrawing")
	resp, _ = b.post(path, url.Values{"active": {"1"}})
	mustStatus(t, resp, 303, "offer event again")
	if evs, _ := e.Store.ListEvents(ctx, true); len(evs) != 1 {
		t.Fatal("the event is not offered again")
	}
	resp, _ = b.post("/events/999999", url.Values{"active": {"1"}})
	mustStatus(t, resp, 404, "unknown event")

	for _, tc := range []struct{ what, day, region, msg string }{
		{"bad date", "14/11/2011", "RU-MOW", "use a day like 2024-03-23"},
		{"unknown region", "2024-03-23", "RU-XXX", "unknown region code"},
	} {
		resp, body = b.post("/events", url.Values{"name": {"Crackdown after the attack"}, "starts_on": {tc.day}, "region": {tc.region}})
		mustStatus(t, resp, 422, tc.what)
		mustShow(t, body, tc.msg, tc.what)
		mustShow(t, body, `value="Crackdown after the attack"`, tc.what+": typed name kept")
		if all, _ := e.Store.ListEvents(ctx, false); len(all) != 1 {
			t.Fatalf("%s: an event was created", tc.what)
		}
	}
}

func TestAdminPagesEscapeNames(t *testing.T) {
	e := newTestEnv(t)
	e.user("admin@example.org", models.RoleAdmin)
	b := e.login("admin@example.org")
	b.get("/admin/users")
	const payload = `<script>alert("x")</script>`
	const escaped = `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`

	resp, _ := b.post("/admin/users", url.Values{"email": {"xss@example.org"}, "name": {payload}, "role": {"caseworker"}, "password": {testPassword}})
	mustStatus(t, resp, 303, "add account named with a script")
	_, body := b.get("/admin/users")
	if strings.Contains(body, "<script>alert") {
		t.Fatal("users page: the name is not escaped")
	}
	mustShow(t, body, escaped, "users page")

	resp, _ = b.post("/events", url.Values{"name": {payload}, "starts_on": {"2024-03-23"}})
	mustStatus(t, resp, 303, "add event named with a script")
	_, body = b.get("/events")
	if strings.Contains(body, "<script>alert") {
		t.Fatal("events page: the name is not escaped")
	}
	mustShow(t, body, escaped, "events page")
}
