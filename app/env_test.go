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

	"github.com/gofiber/fiber/v2"

	"himoya/models"
)

// testEnv is a himoya server over a fresh SQLite database in a temporary folder, opened and
// migrated the way production does it.
type testEnv struct {
	t     *testing.T
	Store *models.Store
	App   *fiber.App
	Path  string // the database file
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
	a, err := NewServer(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, Store: s, App: a, Path: path}
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
	e       *testEnv
	cookies map[string]string
	csrf    string
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (e *testEnv) browser() *browser { return &browser{e: e, cookies: map[string]string{}} }

// login logs a browser in with testPassword and fails the test if that does not work.
func (e *testEnv) login(email string) *browser {
	e.t.Helper()
	b := e.browser()
	b.get("/login")
	resp, _ := b.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther || b.cookies["himoya_session"] == "" {
		e.t.Fatalf("login as %s: status %d", email, resp.StatusCode)
	}
	return b
}

func (b *browser) send(req *http.Request) (*http.Response, string) {
	b.e.t.Helper()
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
