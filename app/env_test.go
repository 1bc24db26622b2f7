package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp/totp"

	"himoya/models"
)

// testEnv is a himoya server over a fresh SQLite database in a temporary folder, opened and
// migrated the way production does it.
type testEnv struct {
	t     *testing.T
	Store *models.Store
	App   *fiber.App
	Path  string // the database file
	// second holds, by e-mail, the two-factor secrets that login set up.
	second map[string]*secondFactor
	// userText lists texts users typed that no response header may carry (checked on every
	// response of do).
	userText []string
}

// secondFactor is what the tests keep of an account's two-factor login: the secret, the
// unused recovery codes, and the last TOTP time step used (a code is accepted once).
type secondFactor struct {
	secret   string
	recovery []string
	lastStep int64
}

const testPassword = "correct horse battery"

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "himoya.db")
	s, err := models.Open(ctx, models.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	a, err := NewServer(ctx, s, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, Store: s, App: a, Path: path, second: map[string]*secondFactor{}}
}

// user adds an account with testPassword.
func (e *testEnv) user(email string, role models.Role) *models.User {
	e.t.Helper()
	u, err := e.Store.CreateUser(context.Background(), models.UserInput{Email: email, Name: strings.Split(email, "@")[0], Role: role, Password: testPassword})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// token makes an API token for an account.
func (e *testEnv) token(email string) string {
	e.t.Helper()
	tok, err := e.Store.CreateToken(context.Background(), email, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// do sends a request through app.Test.
func (e *testEnv) do(req *http.Request) *http.Response {
	e.t.Helper()
	resp, err := e.App.Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	for name, vs := range resp.Header {
		for _, v := range vs {
			for _, text := range e.userText {
				if strings.Contains(v, text) || strings.Contains(v, url.QueryEscape(text)) || strings.Contains(v, url.PathEscape(text)) {
					e.t.Errorf("%s %s: header %s carries text a user typed: %q", req.Method, req.URL.Path, name, v)
				}
			}
		}
	}
	return resp
}

// api sends a JSON request with a bearer token (empty: none) and decodes the answer into out
// (if not nil). It returns the status.
func (e *testEnv) api(method, path, token string, body any, out any) int {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = strings.NewReader(string(buf))
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp := e.do(req)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("%s %s: %d, body is not JSON: %v: %s", method, path, resp.StatusCode, err, data)
		}
	}
	return resp.StatusCode
}

// browser is a logged-in (or anonymous) browser: it keeps cookies and the page's CSRF token.
type browser struct {
	// lang is the Accept-Language the browser sends ("": English).
	lang    string
	e       *testEnv
	cookies map[string]string
	csrf    string
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (e *testEnv) browser() *browser { return &browser{e: e, cookies: map[string]string{}} }

// login logs a browser in with testPassword and fails the test if that does not work. It
// goes through two-factor login as a person would: it types the code (or, when this test
// already used the current code, a recovery code) of an account that has it, and sets it up
// for a supervisor or admin who must and has not yet.
func (e *testEnv) login(email string) *browser {
	e.t.Helper()
	b := e.browser()
	b.get("/login")
	resp, _ := b.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login as %s: status %d", email, resp.StatusCode)
	}
	switch resp.Header.Get("Location") {
	case "/login/2fa":
		b.get("/login/2fa")
		resp, _ = b.post("/login/2fa", url.Values{"code": {e.secondCode(email)}})
		if resp.StatusCode != http.StatusSeeOther {
			e.t.Fatalf("login as %s, second step: status %d", email, resp.StatusCode)
		}
	case "/account/2fa":
		e.enrol(b, email)
	}
	if b.cookies["himoya_session"] == "" {
		e.t.Fatalf("login as %s: no session", email)
	}
	return b
}

var (
	totpSecretText   = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7]+)</code>`)
	recoveryCodeText = regexp.MustCompile(`<li><code>([a-z0-9-]{14})</code></li>`)
)

// enrol sets up two-factor login for the logged-in browser b of email, the way a person does
// on /account/2fa, and keeps the secret and recovery codes for later logins.
func (e *testEnv) enrol(b *browser, email string) {
	e.t.Helper()
	_, body := b.get("/account/2fa")
	m := totpSecretText.FindStringSubmatch(body)
	if m == nil {
		e.t.Fatalf("enrolment page of %s shows no secret", email)
	}
	sf := &secondFactor{secret: m[1]}
	form := url.Values{"code": {sf.code(e.t)}, "current": {testPassword}}
	if old := e.second[email]; old != nil { // replacing the authenticator: a code of the old one
		form.Set("current_code", e.secondCode(email))
	}
	resp, body := b.post("/account/2fa", form)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("confirming two-factor login of %s: status %d", email, resp.StatusCode)
	}
	for _, m := range recoveryCodeText.FindAllStringSubmatch(body, -1) {
		sf.recovery = append(sf.recovery, m[1])
	}
	if len(sf.recovery) != 10 {
		e.t.Fatalf("enrolment of %s showed %d recovery codes", email, len(sf.recovery))
	}
	e.second[email] = sf
}

// code is the TOTP code of the current time step, which it marks used.
func (sf *secondFactor) code(t *testing.T) string {
	t.Helper()
	now := time.Now()
	code, err := totp.GenerateCode(sf.secret, now)
	if err != nil {
		t.Fatal(err)
	}
	sf.lastStep = now.Unix() / 30
	return code
}

// secondCode is a second factor for the next login of email: the current TOTP code, or a
// recovery code when this step's code was used already.
func (e *testEnv) secondCode(email string) string {
	e.t.Helper()
	sf := e.second[email]
	if sf == nil {
		e.t.Fatalf("%s has two-factor login that this test did not set up", email)
	}
	if time.Now().Unix()/30 > sf.lastStep {
		return sf.code(e.t)
	}
	if len(sf.recovery) == 0 {
		e.t.Fatalf("%s: no recovery code left for another login within 30 s", email)
	}
	c := sf.recovery[0]
	sf.recovery = sf.recovery[1:]
	return c
}

func (b *browser) send(req *http.Request) (*http.Response, string) {
	b.e.t.Helper()
	if req.Header.Get("Accept-Language") == "" {
		// The tests read English pages unless they ask for another language.
		lang := b.lang
		if lang == "" {
			lang = "en"
		}
		req.Header.Set("Accept-Language", lang)
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp := b.e.do(req)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(data)
	if m := csrfField.FindStringSubmatch(body); m != nil {
		b.csrf = m[1]
	}
	return resp, body
}

// get loads a page.
func (b *browser) get(path string) (*http.Response, string) {
	return b.send(httptest.NewRequest("GET", path, nil))
}

// post submits a form with the CSRF token of the last page loaded.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	if form.Get("_csrf") == "" {
		form.Set("_csrf", b.csrf)
	}
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req)
}

// mustStatus fails the test when resp has another status.
func mustStatus(t *testing.T, resp *http.Response, want int, what string) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s: status %d, want %d", what, resp.StatusCode, want)
	}
}
