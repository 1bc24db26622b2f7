package app

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"himoya/models"
)

// accountKinds are the kinds of account the route table is walked with: every combination
// of roles a hotline can give (models.RoleChoices).
var accountKinds = []struct {
	name   string
	choice models.Role
	// has says which route roles (Access.Min) the account holds, written out here rather
	// than asked of models, so that the test checks the rules instead of repeating them.
	has map[models.Role]bool
}{
	{"caseworker", models.RoleCaseworker, map[models.Role]bool{models.RoleCaseworker: true}},
	{"supervisor", models.RoleSupervisor, map[models.Role]bool{models.RoleCaseworker: true, models.RoleSupervisor: true}},
	{"admin+supervisor", models.RoleAdmin, map[models.Role]bool{models.RoleCaseworker: true, models.RoleSupervisor: true, models.RoleAdmin: true}},
	{"admin-only", models.RoleAdminOnly, map[models.Role]bool{models.RoleAdmin: true}},
}

// TestEveryRouteHasItsRule walks the whole route table as anonymous and as every kind of
// account: a route is refused to every account that lacks its role, and opened to every
// account that has it. A route without a rule fails the test (and is refused to everyone).
func TestEveryRouteHasItsRule(t *testing.T) {
	e := newTestEnv(t)
	browsers := map[string]*browser{}
	tokens := map[string]string{}
	for _, k := range accountKinds {
		email := k.name + "@example.org"
		e.user(email, k.choice)
		browsers[k.name] = e.login(email)
		tokens[k.name] = e.token(email)
	}
	anon := e.browser()
	anon.get("/login") // a CSRF token bound to the anonymous browser
	for _, rt := range Routes() {
		acc := rt.Access
		if !acc.Public && !acc.Account && acc.Min == "" {
			t.Errorf("%s %s has no access rule", rt.Method, rt.Path)
		}
		if acc.Min != "" && acc.Min != models.RoleCaseworker && acc.Min != models.RoleSupervisor && acc.Min != models.RoleAdmin {
			t.Errorf("%s %s: unknown role %q", rt.Method, rt.Path, acc.Min)
		}
		path := strings.ReplaceAll(rt.Path, ":id", "1")
		api := strings.HasPrefix(path, "/api/")
		call := func(b *browser, token string) int {
			if api {
				return e.api(rt.Method, path, token, "{}", nil)
			}
			if rt.Method == "GET" {
				resp, _ := b.get(path)
				return resp.StatusCode
			}
			resp, _ := b.post(path, url.Values{})
			return resp.StatusCode
		}
		// Anonymous.
		st := call(anon, "")
		switch {
		case acc.Public:
			// (POST /login with no password answers 401 "wrong e-mail or password": that is
			// the login's own answer, not the guard's.)
			if st == 403 || (st == 401 && rt.Path != "/login") {
				t.Errorf("%s %s is public but refused anonymous (%d)", rt.Method, rt.Path, st)
			}
		case api && st != 401:
			t.Errorf("%s %s: anonymous got %d, want 401", rt.Method, rt.Path, st)
		case !api && rt.Method == "GET" && st != 303:
			t.Errorf("%s %s: anonymous got %d, want 303 to /login", rt.Method, rt.Path, st)
		case !api && rt.Method != "GET" && st != 401:
			t.Errorf("%s %s: anonymous got %d, want 401", rt.Method, rt.Path, st)
		}
		if acc.Public || rt.Path == "/logout" {
			continue
		}
		for _, k := range accountKinds {
			st := call(browsers[k.name], tokens[k.name])
			allowed := acc.Account || k.has[acc.Min]
			if !allowed && st != 403 {
				t.Errorf("%s %s: %s got %d, want 403", rt.Method, rt.Path, k.name, st)
			}
			if allowed && (st == 401 || st == 403 || st >= 500) {
				t.Errorf("%s %s: %s got %d, want access", rt.Method, rt.Path, k.name, st)
			}
		}
	}
}

// TestUnknownRoutes: anything not in the table is a 404, never a page.
func TestUnknownRoutes(t *testing.T) {
	e := newTestEnv(t)
	for _, p := range []string{"/nope", "/api/v1/nope", "/cases/1/delete"} {
		resp := e.do(httptest.NewRequest("GET", p, nil))
		if resp.StatusCode != 404 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

// TestSecurityHeaders: every response carries them.
func TestSecurityHeaders(t *testing.T) {
	e := newTestEnv(t)
	for _, p := range []string{"/login", "/healthz", "/api/v1/cases", "/static/himoya.css", "/nope"} {
		resp := e.do(httptest.NewRequest("GET", p, nil))
		h := resp.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			!strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", p, h)
		}
	}
	resp := e.do(httptest.NewRequest("GET", "/login", nil))
	for _, c := range resp.Cookies() {
		if !c.HttpOnly || c.SameSite == 0 {
			t.Errorf("cookie %s: HttpOnly %v SameSite %v", c.Name, c.HttpOnly, c.SameSite)
		}
	}
}
