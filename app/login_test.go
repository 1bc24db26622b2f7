package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
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

// postAtOnce sends the forms to path at the same moment, each in its own goroutine, from
// browser b (its cookies and CSRF token, which none of them changes), and returns their
// statuses.
func postAtOnce(t *testing.T, b *browser, path string, forms []url.Values) []int {
	t.Helper()
	statuses := make([]int, len(forms))
	errs := make([]error, len(forms))
	var start, done sync.WaitGroup
	start.Add(1)
	for i, form := range forms {
		form.Set("_csrf", b.csrf)
		req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range b.cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		done.Add(1)
		go func(i int, req *http.Request) {
			defer done.Done()
			start.Wait()
			resp, err := b.e.App.Test(req, -1)
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}(i, req)
	}
	start.Done()
	done.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return statuses
}

// TestParallelLoginsLimited: wrong passwords sent all at once are refused past the limit
// (5 per account, 30 per address) without being checked, and the right password afterwards
// is refused within the window, as if they had come one by one.
func TestParallelLoginsLimited(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int
		// email is the account the i-th wrong password is typed for.
		email func(i int) string
	}{
		{"per account", 5, func(int) string { return "cw@example.org" }},
		{"per address", 30, func(i int) string { return fmt.Sprintf("someone%d@example.org", i) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.user("cw@example.org", models.RoleCaseworker)
			b := e.browser()
			b.get("/login")
			forms := make([]url.Values, 50)
			for i := range forms {
				forms[i] = url.Values{"email": {tc.email(i)}, "password": {"wrong password!!"}}
			}
			got := map[int]int{}
			for _, st := range postAtOnce(t, b, "/login", forms) {
				got[st]++
			}
			if got[401] != tc.limit || got[429] != len(forms)-tc.limit {
				t.Fatalf("%d wrong passwords at once: %v, want %d x 401 and the rest 429", len(forms), got, tc.limit)
			}
			resp, _ := b.post("/login", url.Values{"email": {"cw@example.org"}, "password": {testPassword}})
			mustStatus(t, resp, 429, "the right password afterwards")
			if b.cookies["himoya_session"] != "" {
				t.Fatal("the right password past the limit gave a session")
			}
		})
	}
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
