package app

import (
	"net/url"
	"strings"
	"testing"

	"himoya/models"
)

func TestLoginFlow(t *testing.T) {
	e := newTestEnv(t)
	e.user("cw@example.org", models.RoleCaseworker)

	anon := e.browser()
	resp, _ := anon.get("/account")
	mustStatus(t, resp, 303, "anonymous page")
	if loc := resp.Header.Get("Location"); loc != "/login" {
		t.Fatalf("anonymous page redirects to %q", loc)
	}

	b := e.browser()
	b.get("/login")
	resp, body := b.post("/login", url.Values{"email": {"cw@example.org"}, "password": {"wrong password!!"}})
	mustStatus(t, resp, 401, "wrong password")
	if !strings.Contains(body, "wrong e-mail or password") {
		t.Fatal("wrong password: no message")
	}
	pre := b.cookies["himoya_session"]
	if pre != "" {
		t.Fatal("a failed login set a session")
	}

	b = e.login("cw@example.org")
	first := b.cookies["himoya_session"]
	resp, body = b.get("/account")
	mustStatus(t, resp, 200, "account page")
	if !strings.Contains(body, "cw@example.org") {
		t.Fatal("account page does not show the user")
	}
	// A second login gets a new session id.
	b2 := e.login("cw@example.org")
	if b2.cookies["himoya_session"] == first {
		t.Fatal("login reused a session id")
	}
	// Logout ends the session in the database: the old cookie no longer works.
	resp, _ = b.post("/logout", url.Values{})
	mustStatus(t, resp, 303, "logout")
	replay := e.browser()
	replay.cookies["himoya_session"] = first
	resp, _ = replay.get("/account")
	mustStatus(t, resp, 303, "old session after logout")
}

func TestLoginRateLimited(t *testing.T) {
	e := newTestEnv(t)
	e.user("cw@example.org", models.RoleCaseworker)
	b := e.browser()
	b.get("/login")
	for i := 0; i < 5; i++ {
		resp, _ := b.post("/login", url.Values{"email": {"cw@example.org"}, "password": {"wrong password!!"}})
		mustStatus(t, resp, 401, "wrong password")
	}
	// Even the right password is refused while the account is locked out.
	resp, _ := b.post("/login", url.Values{"email": {"cw@example.org"}, "password": {testPassword}})
	mustStatus(t, resp, 429, "sixth attempt")
}

func TestFormWithoutCSRFRefused(t *testing.T) {
	e := newTestEnv(t)
	e.user("cw@example.org", models.RoleCaseworker)
	b := e.login("cw@example.org")
	resp, _ := b.post("/account/password", url.Values{"_csrf": {"forged"}, "current": {testPassword}, "next": {"another long password"}, "confirm": {"another long password"}})
	mustStatus(t, resp, 403, "forged CSRF token")
	// The password did not change: logging in with the old one still works.
	e.login("cw@example.org")
}
