package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/pquerna/otp/totp"

	"himoya/models"
)

// otherCode is a six-digit code that is not code.
func otherCode(code string) string {
	n, _ := strconv.Atoi(code)
	return strconv.Itoa(100000 + (n+1)%900000)
}

// TestTwoFactorEnrolAndLogin: a caseworker turns two-factor login on with a code computed
// from the secret the page shows; from then on a login takes the password, then a code; a
// wrong code and a reused code are refused; a recovery code works once.
func TestTwoFactorEnrolAndLogin(t *testing.T) {
	e := newTestEnv(t)
	cw := e.user("cw@example.org", models.RoleCaseworker)
	b := e.login("cw@example.org") // caseworkers are not made to enrol
	resp, body := b.get("/account/2fa")
	mustStatus(t, resp, 200, "enrolment page")
	if !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatal("the enrolment page shows no QR code image")
	}
	m := totpSecretText.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the enrolment page shows no secret")
	}
	secret := m[1]
	// Reloading keeps the same secret (the QR code may have been scanned already).
	if _, again := b.get("/account/2fa"); !strings.Contains(again, secret) {
		t.Fatal("reloading the enrolment page changed the secret")
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	resp, body = b.post("/account/2fa", url.Values{"code": {otherCode(code)}, "current": {testPassword}})
	mustStatus(t, resp, 422, "wrong enrolment code")
	if !strings.Contains(body, "does not match") {
		t.Fatal("wrong enrolment code: no message")
	}
	if u, _ := e.Store.UserByID(context.Background(), cw.ID); u.TwoFactorAt != nil {
		t.Fatal("a wrong code turned two-factor login on")
	}
	enrolCode := code
	resp, body = b.post("/account/2fa", url.Values{"code": {code}, "current": {testPassword}})
	mustStatus(t, resp, 200, "enrolment")
	codes := recoveryCodeText.FindAllStringSubmatch(body, -1)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	if u, _ := e.Store.UserByID(context.Background(), cw.ID); u.TwoFactorAt == nil {
		t.Fatal("two-factor login is not on after enrolment")
	}
	// The secret is stored sealed, and the recovery codes as hashes.
	raw := rawStrings(t, e, "SELECT secret FROM two_factors UNION ALL SELECT hash FROM recovery_codes")
	for _, v := range raw {
		if strings.Contains(v, secret) || strings.Contains(v, codes[0][1]) || strings.Contains(v, strings.ReplaceAll(codes[0][1], "-", "")) {
			t.Fatal("the database holds the secret or a recovery code in clear")
		}
	}
	if !strings.HasPrefix(raw[0], "hk2.") {
		t.Fatal("the TOTP secret is not sealed")
	}

	// Password, then code. Each step gets a new secret in its cookie.
	login := func() (*browser, string) {
		t.Helper()
		b := e.browser()
		b.get("/login")
		resp, _ := b.post("/login", url.Values{"email": {"cw@example.org"}, "password": {testPassword}})
		mustStatus(t, resp, 303, "password step")
		if loc := resp.Header.Get("Location"); loc != "/login/2fa" {
			t.Fatalf("password step goes to %q", loc)
		}
		if b.cookies["himoya_session"] != "" {
			t.Fatal("the password alone gave a session")
		}
		pending := b.cookies["himoya_2fa"]
		if pending == "" {
			t.Fatal("no pending login cookie")
		}
		// Halfway, nothing opens but the code form.
		resp, _ = b.get("/account")
		mustStatus(t, resp, 303, "a page with a pending login")
		if loc := resp.Header.Get("Location"); loc != "/login" {
			t.Fatalf("a page with a pending login goes to %q", loc)
		}
		resp, _ = b.get("/login/2fa")
		mustStatus(t, resp, 200, "code form")
		return b, pending
	}
	b, pending := login()
	code, _ = totp.GenerateCode(secret, time.Now())
	resp, body = b.post("/login/2fa", url.Values{"code": {otherCode(code)}})
	mustStatus(t, resp, 401, "wrong code")
	if !strings.Contains(body, "wrong code") || b.cookies["himoya_session"] != "" {
		t.Fatal("wrong code: no message, or a session")
	}
	// The code that confirmed the enrolment is used up: it cannot log in.
	resp, _ = b.post("/login/2fa", url.Values{"code": {enrolCode}})
	mustStatus(t, resp, 401, "the enrolment's code again")
	// The next time step brings a new code: move the store's clock there rather than wait.
	e.Store.Now = func() time.Time { return time.Now().Add(30 * time.Second) }
	code, _ = totp.GenerateCode(secret, e.Store.Now())
	resp, _ = b.post("/login/2fa", url.Values{"code": {code}})
	mustStatus(t, resp, 303, "right code")
	session := b.cookies["himoya_session"]
	if session == "" || session == pending || b.cookies["himoya_2fa"] != "" {
		t.Fatal("the second step did not start a new session and end the pending login")
	}
	resp, _ = b.get("/account")
	mustStatus(t, resp, 200, "account after two-factor login")

	// The same code again, on another login, is refused.
	b2, _ := login()
	resp, _ = b2.post("/login/2fa", url.Values{"code": {code}})
	mustStatus(t, resp, 401, "reused code")
	// A recovery code works, once.
	rc := codes[3][1]
	resp, _ = b2.post("/login/2fa", url.Values{"code": {strings.ToUpper(rc)}})
	mustStatus(t, resp, 303, "recovery code")
	if b2.cookies["himoya_session"] == "" {
		t.Fatal("the recovery code gave no session")
	}
	b3, _ := login()
	resp, _ = b3.post("/login/2fa", url.Values{"code": {rc}})
	mustStatus(t, resp, 401, "recovery code used twice")
	var left int64
	if err := rawCount(t, e, "SELECT COUNT(*) FROM recovery_codes WHERE used_at IS NULL", &left); err != nil || left != 9 {
		t.Fatalf("%d unused recovery codes left, want 9 (%v)", left, err)
	}
}

// TestTwoFactorCodesLimited: wrong codes count as failed logins of the account; past the
// limit the pending login ends, even if the password is typed again.
func TestTwoFactorCodesLimited(t *testing.T) {
	e := newTestEnv(t)
	e.user("sup@example.org", models.RoleSupervisor)
	e.login("sup@example.org") // enrols
	secret := e.second["sup@example.org"].secret
	b := e.browser()
	b.get("/login")
	resp, _ := b.post("/login", url.Values{"email": {"sup@example.org"}, "password": {testPassword}})
	mustStatus(t, resp, 303, "password step")
	b.get("/login/2fa")
	code, _ := totp.GenerateCode(secret, time.Now())
	for i := 0; i < 5; i++ {
		resp, _ = b.post("/login/2fa", url.Values{"code": {otherCode(code)}})
		mustStatus(t, resp, 401, "wrong code")
	}
	resp, _ = b.post("/login/2fa", url.Values{"code": {otherCode(code)}})
	mustStatus(t, resp, 429, "sixth wrong code")
	// The password again does not buy more guesses.
	b.get("/login")
	resp, _ = b.post("/login", url.Values{"email": {"sup@example.org"}, "password": {testPassword}})
	mustStatus(t, resp, 429, "password after too many codes")
}

// TestSupervisorMustEnrol: a supervisor without two-factor login reaches only its set-up
// page (and logging out) until it is done; the API, with its separate tokens, is unaffected.
func TestSupervisorMustEnrol(t *testing.T) {
	e := newTestEnv(t)
	e.user("sup@example.org", models.RoleSupervisor)
	tok := e.token("sup@example.org")
	b := e.browser()
	b.get("/login")
	resp, _ := b.post("/login", url.Values{"email": {"sup@example.org"}, "password": {testPassword}})
	mustStatus(t, resp, 303, "login")
	if loc := resp.Header.Get("Location"); loc != "/account/2fa" {
		t.Fatalf("login goes to %q, want the set-up page", loc)
	}
	for _, p := range []string{"/", "/cases", "/account", "/events", "/calls/new", "/cases/1"} {
		resp, _ := b.get(p)
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/account/2fa" {
			t.Errorf("GET %s: %d to %q, want 303 to /account/2fa", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, _ = b.get("/account/2fa")
	mustStatus(t, resp, 200, "set-up page")
	resp, _ = b.post("/cases/search", url.Values{"q": {"x"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/account/2fa" {
		t.Errorf("POST /cases/search: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if st := e.api("GET", "/api/v1/cases", tok, nil, nil); st != 200 {
		t.Errorf("API with a token: %d", st)
	}
	e.enrol(b, "sup@example.org")
	resp, _ = b.get("/cases")
	mustStatus(t, resp, 200, "cases after enrolment")
	// Admins too.
	e.user("admin@example.org", models.RoleAdmin)
	a := e.browser()
	a.get("/login")
	resp, _ = a.post("/login", url.Values{"email": {"admin@example.org"}, "password": {testPassword}})
	if loc := resp.Header.Get("Location"); loc != "/account/2fa" {
		t.Fatalf("admin login goes to %q", loc)
	}
	resp, _ = a.get("/admin/users")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/account/2fa" {
		t.Errorf("admin before enrolment: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestCommonPasswordsRefused: a password on the list of common passwords is refused with a
// message that says so, whatever its case, when an account is made and when it is changed.
func TestCommonPasswordsRefused(t *testing.T) {
	e := newTestEnv(t)
	for _, pw := range []string{"password1234", "qwertyuiop123", "QwertyUiop123"} {
		_, err := e.Store.CreateUser(context.Background(), models.UserInput{Email: "x@example.org", Role: models.RoleCaseworker, Password: pw})
		var ve *models.ValidationError
		if !errors.As(err, &ve) || ve.Fields["password"] != "v.this_password_on_list_common" {
			t.Errorf("%q: %v", pw, err)
		}
	}
	e.user("cw@example.org", models.RoleCaseworker)
	b := e.login("cw@example.org")
	b.get("/account")
	resp, body := b.post("/account/password", url.Values{"current": {testPassword}, "next": {"qwertyuiop123"}, "confirm": {"qwertyuiop123"}})
	mustStatus(t, resp, 422, "common password")
	if !strings.Contains(body, "list of common passwords") {
		t.Fatal("no message about common passwords")
	}
	e.login("cw@example.org") // the password did not change
	resp, _ = b.post("/account/password", url.Values{"current": {testPassword}, "next": {"a river of slow tea"}, "confirm": {"a river of slow tea"}})
	mustStatus(t, resp, 303, "an uncommon password")
}

var endSessionForm = regexp.MustCompile(`action="/account/sessions/([0-9a-f]{64})/end"`)

// TestEndOwnSession: a user sees their sessions and ends another one; its cookie stops
// working at once, and theirs goes on. Another user's session cannot be ended by its id.
func TestEndOwnSession(t *testing.T) {
	e := newTestEnv(t)
	e.user("cw@example.org", models.RoleCaseworker)
	e.user("cw2@example.org", models.RoleCaseworker)
	other := e.login("cw@example.org")
	b := e.login("cw@example.org")
	resp, body := b.get("/account")
	mustStatus(t, resp, 200, "account page")
	if !strings.Contains(body, "this one") {
		t.Fatal("the account page does not mark the current session")
	}
	m := endSessionForm.FindAllStringSubmatch(body, -1)
	if len(m) != 1 {
		t.Fatalf("%d sessions with an end button, want 1 (the other one)", len(m))
	}
	// A colleague cannot end it.
	c2 := e.login("cw2@example.org")
	c2.get("/account")
	resp, _ = c2.post("/account/sessions/"+m[0][1]+"/end", url.Values{})
	mustStatus(t, resp, 404, "ending a colleague's session")
	resp, _ = other.get("/account")
	mustStatus(t, resp, 200, "the session a colleague tried to end")

	resp, _ = b.post("/account/sessions/"+m[0][1]+"/end", url.Values{})
	mustStatus(t, resp, 303, "ending the other session")
	resp, _ = other.get("/account")
	mustStatus(t, resp, 303, "the ended session")
	if resp.Header.Get("Location") != "/login" {
		t.Fatalf("the ended session goes to %q", resp.Header.Get("Location"))
	}
	resp, body = b.get("/account")
	mustStatus(t, resp, 200, "the session that ended the other")
	if len(endSessionForm.FindAllStringSubmatch(body, -1)) != 0 {
		t.Fatal("the ended session is still listed")
	}
}

// TestAdminEndsSessions: an admin logs an account out everywhere from the users page.
func TestAdminEndsSessions(t *testing.T) {
	e := newTestEnv(t)
	e.user("admin@example.org", models.RoleAdmin)
	cw := e.user("cw@example.org", models.RoleCaseworker)
	b1, b2 := e.login("cw@example.org"), e.login("cw@example.org")
	a := e.login("admin@example.org")
	_, body := a.get("/admin/users")
	path := "/admin/users/" + strconv.Itoa(int(cw.ID)) + "/sessions/end"
	if !strings.Contains(body, `action="`+path+`"`) {
		t.Fatal("the users page has no button to end the sessions")
	}
	resp, _ := a.post(path, url.Values{})
	mustStatus(t, resp, 422, "without confirming")
	resp, _ = b1.get("/account")
	mustStatus(t, resp, 200, "a session before the admin confirmed")
	resp, _ = a.post(path, url.Values{"confirm": {"1"}})
	mustStatus(t, resp, 303, "ending the sessions")
	for i, b := range []*browser{b1, b2} {
		resp, _ := b.get("/account")
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/login" {
			t.Errorf("session %d after the admin ended it: %d", i+1, resp.StatusCode)
		}
	}
	resp, _ = a.get("/admin/users")
	mustStatus(t, resp, 200, "the admin's own session")
	// A caseworker cannot.
	b3 := e.login("cw@example.org")
	b3.get("/account")
	resp, _ = b3.post("/admin/users/1/sessions/end", url.Values{"confirm": {"1"}})
	mustStatus(t, resp, 403, "a caseworker ending sessions")
}

// TestAdminResetsTwoFactor: after an admin resets it, a supervisor must set it up again.
func TestAdminResetsTwoFactor(t *testing.T) {
	e := newTestEnv(t)
	e.user("admin@example.org", models.RoleAdmin)
	sup := e.user("sup@example.org", models.RoleSupervisor)
	e.login("sup@example.org")
	a := e.login("admin@example.org")
	a.get("/admin/users")
	resp, _ := a.post("/admin/users/"+strconv.Itoa(int(sup.ID))+"/2fa/reset", url.Values{"confirm": {"1"}})
	mustStatus(t, resp, 303, "reset")
	if u, _ := e.Store.UserByID(context.Background(), sup.ID); u.TwoFactorAt != nil {
		t.Fatal("two-factor login still on after the reset")
	}
	b := e.browser()
	b.get("/login")
	resp, _ = b.post("/login", url.Values{"email": {"sup@example.org"}, "password": {testPassword}})
	if loc := resp.Header.Get("Location"); loc != "/account/2fa" {
		t.Fatalf("login after the reset goes to %q", loc)
	}
}

// TestValidTokenPassesLimitedAddress: bad API tokens from one address are refused with 429
// past 20, but a valid token from that address still works: a misconfigured client (or a
// scanner) behind an office's NAT or a reverse proxy locks out nobody else. A revoked token
// is a bad one. The count lives in the database, so a restarted himoya keeps it.
func TestValidTokenPassesLimitedAddress(t *testing.T) {
	e := newTestEnv(t)
	e.user("cw@example.org", models.RoleCaseworker)
	good := e.token("cw@example.org")
	revoked, rt, err := e.Store.CreateTokenWithRole(context.Background(), "cw@example.org", "old", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.RevokeToken(context.Background(), rt.ID, ""); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Error struct{ Code string } `json:"error"`
	}
	for i := 0; i < 25; i++ {
		want, code := 401, "unauthenticated"
		if i >= 20 {
			want, code = 429, "rate_limited"
		}
		if st := e.api("GET", "/api/v1/cases", "hmy_wrong"+strconv.Itoa(i), nil, &out); st != want || out.Error.Code != code {
			t.Fatalf("bad token %d: %d %q, want %d %q", i+1, st, out.Error.Code, want, code)
		}
	}
	// (app.Test sends every request from 0.0.0.0: the good client shares the address.)
	for i := 0; i < 3; i++ {
		if st := e.api("GET", "/api/v1/cases", good, nil, nil); st != 200 {
			t.Fatalf("valid token from the limited address: %d, want 200", st)
		}
	}
	for what, tok := range map[string]string{"bad": "hmy_wrong_again", "revoked": revoked} {
		if st := e.api("GET", "/api/v1/cases", tok, nil, &out); st != 429 || out.Error.Code != "rate_limited" {
			t.Fatalf("%s token after the limit: %d %q, want 429 rate_limited", what, st, out.Error.Code)
		}
	}
	// A second instance over the same database (or a restart) sees the same count, and lets
	// the valid token through too.
	ctx := context.Background()
	s2, err := models.Open(ctx, models.Options{Path: e.Path, KeyFile: filepath.Join(filepath.Dir(e.Path), "himoya.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.TokenUserFrom(ctx, "hmy_wrong_there", "0.0.0.0"); !errors.Is(err, models.ErrRateLimited) {
		t.Fatalf("limit after a restart: %v", err)
	}
	if u, err := s2.TokenUserFrom(ctx, good, "0.0.0.0"); err != nil || u.Email != "cw@example.org" {
		t.Fatalf("valid token after a restart: %v", err)
	}
	// Another address is not limited.
	if _, err := s2.TokenUserFrom(ctx, "hmy_wrong_there", "192.0.2.7"); !errors.Is(err, models.ErrUnauthenticated) {
		t.Fatalf("bad token from another address: %v", err)
	}
}

// TestHSTSAndSecureCookiesOverTLS: behind a proxy that terminates TLS and says so
// (X-Forwarded-Proto: https), responses carry HSTS and cookies are Secure; over plain HTTP
// neither. (app.Test cannot speak TLS itself: Fiber's Protocol() reads the header, which it
// trusts unless EnableTrustedProxyCheck is set.)
func TestHSTSAndSecureCookiesOverTLS(t *testing.T) {
	e := newTestEnv(t)
	plain := e.do(httptest.NewRequest("GET", "/login", nil))
	if plain.Header.Get("Strict-Transport-Security") != "" {
		t.Fatal("HSTS over plain HTTP")
	}
	for _, c := range plain.Cookies() {
		if c.Secure {
			t.Fatalf("cookie %s is Secure over plain HTTP", c.Name)
		}
	}
	req := httptest.NewRequest("GET", "https://himoya.example/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	tls := e.do(req)
	if !strings.Contains(tls.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatal("no HSTS over TLS")
	}
	if len(tls.Cookies()) == 0 {
		t.Fatal("the login page set no cookie")
	}
	for _, c := range tls.Cookies() {
		if !c.Secure || !c.HttpOnly {
			t.Fatalf("cookie %s over TLS: Secure %v HttpOnly %v", c.Name, c.Secure, c.HttpOnly)
		}
	}
}

// rawDB opens the test database file directly, as someone holding a copy of it would.
func rawDB(t *testing.T, e *testEnv) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+e.Path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rawStrings runs a query of one text column on the raw database file.
func rawStrings(t *testing.T, e *testEnv, q string) []string {
	t.Helper()
	rows, err := rawDB(t, e).Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no rows", q)
	}
	return out
}

// rawCount runs a query of one number on the raw database file.
func rawCount(t *testing.T, e *testEnv, q string, out *int64) error {
	t.Helper()
	return rawDB(t, e).QueryRow(q).Scan(out)
}

// TestResetTwoFactorFromCommandLine: an organisation whose only admin lost their phone and
// recovery codes gets back in from the server's command line.
func TestResetTwoFactorFromCommandLine(t *testing.T) {
	c := newCLI(t)
	if code, out := c.run("a long admin password\n", "user", "add", "-email", "boss@example.org", "-role", "admin"); code != 0 {
		t.Fatalf("user add: %d %s", code, out)
	}
	s := c.store()
	ctx := context.Background()
	u, err := s.UserByEmail(ctx, "boss@example.org")
	if err != nil {
		t.Fatal(err)
	}
	en, err := s.StartEnrolment(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(en.Secret, time.Now())
	if _, err := s.ConfirmEnrolment(ctx, u, "192.0.2.1", models.Proof{Password: "a long admin password"}, code); err != nil {
		t.Fatal(err)
	}
	if st, out := c.run("", "user", "reset-2fa"); st == 0 {
		t.Fatalf("reset-2fa without -email: %d %s", st, out)
	}
	st, out := c.run("", "user", "reset-2fa", "-email", "boss@example.org")
	if st != 0 || !strings.Contains(out, "set it up again") {
		t.Fatalf("reset-2fa: %d %s", st, out)
	}
	if u, _ := s.UserByEmail(ctx, "boss@example.org"); u.TwoFactorAt != nil || !s.MustEnrolTwoFactor(u) {
		t.Fatal("two-factor login still on after reset-2fa")
	}
}

// TestTwoFactorRequiredSetting: HIMOYA_2FA_REQUIRED chooses who must use two-factor login.
func TestTwoFactorRequiredSetting(t *testing.T) {
	for v, want := range map[string]models.Role{"": models.RoleSupervisor, "supervisor": models.RoleSupervisor,
		"everyone": models.RoleCaseworker, "admin": models.RoleAdmin, "none": "none"} {
		cfg, err := loadConfig(func(k string) string {
			if k == "HIMOYA_2FA_REQUIRED" {
				return v
			}
			return ""
		})
		if err != nil || cfg.TwoFactorFrom != want {
			t.Errorf("%q: %q %v", v, cfg.TwoFactorFrom, err)
		}
	}
	if _, err := loadConfig(func(k string) string {
		if k == "HIMOYA_2FA_REQUIRED" {
			return "sometimes"
		}
		return ""
	}); err == nil {
		t.Error("an unknown HIMOYA_2FA_REQUIRED was accepted")
	}
}

// TestCredentialChangesNeedProof: each form that changes one's own credentials (password,
// two-factor set-up or a new phone) asks for the current password, and with two-factor login
// on a current code too (a recovery code does, for a lost phone). A wrong or missing one
// gets the form again with a message and changes nothing; each wrong try counts as a failed
// login, so past the limit even the right password is refused (429), here and at the login
// form: a stolen session cannot take the account over, nor guess its password faster.
func TestCredentialChangesNeedProof(t *testing.T) {
	type route struct {
		path string
		// change is the form's own part; ok is the status of a change made.
		change func(b *browser) url.Values
		ok     int
	}
	password := route{"/account/password", func(*browser) url.Values {
		// The same password again: a change all the same (a new salt), and the password
		// stays the right one for the rest of the test.
		return url.Values{"next": {testPassword}, "confirm": {testPassword}}
	}, 303}
	twoFactor := route{"/account/2fa", func(b *browser) url.Values {
		_, body := b.get("/account/2fa")
		m := totpSecretText.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("the set-up page shows no secret")
		}
		code, _ := totp.GenerateCode(m[1], time.Now())
		return url.Values{"code": {code}}
	}, 200}
	for _, tc := range []struct {
		name string
		route
		enrolled bool
	}{
		{"password", password, false},
		{"password with two-factor login", password, true},
		{"two-factor set-up", twoFactor, false},
		{"new phone", twoFactor, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			cw := e.user("cw@example.org", models.RoleCaseworker)
			b := e.login("cw@example.org")
			if tc.enrolled {
				e.enrol(b, "cw@example.org")
			}
			state := func() string {
				q := fmt.Sprintf("SELECT COALESCE((SELECT secret || pending FROM two_factors WHERE user_id = %d), '-')", cw.ID)
				return e.accountState(cw.ID) + " " + strings.Join(rawStrings(t, e, q), "")
			}
			failures := func() int64 {
				var n int64
				if err := rawCount(t, e, "SELECT COUNT(*) FROM login_failures", &n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			try := func(current, code string) (int, string) {
				t.Helper()
				b.get("/account")
				form := tc.change(b)
				form.Set("current", current)
				if code != "" {
					form.Set("current_code", code)
				}
				resp, body := b.post(tc.path, form)
				return resp.StatusCode, body
			}
			tc.change(b) // the set-up page makes its pending secret once
			before := state()
			refused := []struct{ what, current, code, msg string }{
				{"a wrong password", "not my password", "", "the current password is wrong"},
				{"no password", "", "", "the current password is wrong"},
			}
			if tc.enrolled {
				refused = append(refused,
					struct{ what, current, code, msg string }{"no code", testPassword, "", "enter the code your app shows now"},
					struct{ what, current, code, msg string }{"a wrong code", testPassword, "123456", "enter the code your app shows now"})
			}
			for i, r := range refused {
				st, body := try(r.current, r.code)
				if st != 422 || !strings.Contains(body, r.msg) {
					t.Fatalf("%s: %d, want 422 with %q", r.what, st, r.msg)
				}
				if state() != before {
					t.Fatalf("%s changed the account", r.what)
				}
				if n := failures(); n != int64(i+1) {
					t.Fatalf("%s: %d failed logins recorded, want %d", r.what, n, i+1)
				}
			}
			code := ""
			if tc.enrolled {
				code = e.second["cw@example.org"].recovery[9] // the phone is lost
			}
			st, body := try(testPassword, code)
			if st != tc.ok || state() == before {
				t.Fatalf("with the right proof: %d, want %d and a change", st, tc.ok)
			}
			// The right proof from now on: the new recovery codes of a new set-up.
			if m := recoveryCodeText.FindAllStringSubmatch(body, -1); m != nil {
				code = m[0][1]
			} else if tc.enrolled {
				code = e.second["cw@example.org"].recovery[8]
			}
			if failures() != int64(len(refused)) {
				t.Fatal("the right proof was counted as a failure, or cleared the earlier ones")
			}
			// Guessing: past the limit of 5 the right password is refused too, here and at login.
			for failures() < 5 {
				if st, _ := try("still not my password", code); st != 422 {
					t.Fatalf("a wrong password: %d", st)
				}
			}
			before = state()
			if st, body := try(testPassword, code); st != 429 || !strings.Contains(body, "too many attempts") {
				t.Fatalf("the right password past the limit: %d, want 429", st)
			}
			if state() != before {
				t.Fatal("a change past the limit was made")
			}
			l := e.browser()
			l.get("/login")
			resp, _ := l.post("/login", url.Values{"email": {"cw@example.org"}, "password": {testPassword}})
			mustStatus(t, resp, 429, "logging in after guesses on the account page")
		})
	}
}
