package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// End-to-end tests: the real himoya binary, built from this checkout and started on a fresh
// database, driven through headless Chromium as a person uses it. They need Chromium
// (Debian's chromium; HIMOYA_CHROMIUM names another) and, for the accessibility checks,
// axe-core (HIMOYA_AXE: the path of axe.min.js). Without them the tests skip — unless
// HIMOYA_REQUIRE_BROWSER is set, as .ci/run sets it: in CI they never skip.

// browserRequired reports whether a missing browser or axe-core fails the test.
func browserRequired() bool { return os.Getenv("HIMOYA_REQUIRE_BROWSER") != "" }

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("HIMOYA_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if browserRequired() {
		t.Fatal("Chromium not found (HIMOYA_REQUIRE_BROWSER is set): install Debian's chromium or set HIMOYA_CHROMIUM")
	}
	t.Skip("Chromium not found: the browser tests run in CI (.ci/run installs it)")
	return ""
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// himoyaBinary builds the binary once per test run, from this checkout.
func himoyaBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "himoya-e2e-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "himoya")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// server is a running himoya binary on a database of its own.
type server struct {
	t    *testing.T
	bin  string
	env  []string
	URL  string
	totp map[string]string // the two-factor secrets set up through the browser, by e-mail
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer starts himoya serve with extra environment variables, and stops it at the end
// of the test.
func startServer(t *testing.T, extra ...string) *server {
	t.Helper()
	bin := himoyaBinary(t)
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	s := &server{t: t, bin: bin, URL: "http://" + addr, totp: map[string]string{},
		env: append([]string{"HIMOYA_DB=" + filepath.Join(dir, "himoya.db"), "HIMOYA_ADDR=" + addr, "PATH=" + os.Getenv("PATH")}, extra...)}
	s.run("correct horse battery\n", "user", "add", "-email", "sup@example.org", "-role", "supervisor", "-name", "Malika Supervisor")
	s.run("correct horse battery\n", "user", "add", "-email", "cw@example.org", "-role", "caseworker", "-name", "Aziza Caseworker")
	s.run("correct horse battery\n", "user", "add", "-email", "cw2@example.org", "-role", "caseworker", "-name", "Dilshod Caseworker")
	cmd := exec.Command(bin, "serve")
	cmd.Env = s.env
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		logf.Close()
	})
	for i := 0; ; i++ {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			t.Fatalf("himoya did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s
}

// run runs a command of the binary on the server's database.
func (s *server) run(stdin string, args ...string) string {
	s.t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Env = s.env
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("himoya %v: %v: %s", args, err, out)
	}
	return string(out)
}

// tab is one browser (its own profile: its own cookies) with one page.
type tab struct {
	t   *testing.T
	s   *server
	ctx context.Context
}

// newTab opens a fresh headless Chromium, width by height pixels, speaking lang first.
func (s *server) newTab(width, height int, lang string) *tab {
	s.t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(s.t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", lang), chromedp.Flag("accept-lang", lang),
		chromedp.UserDataDir(s.t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	s.t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	tb := &tab{t: s.t, s: s, ctx: ctx}
	tb.do(chromedp.EmulateViewport(int64(width), int64(height)))
	return tb
}

// do runs browser actions and fails the test on an error.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("browser: %v (at %s)", err, tb.location())
	}
}

// load runs actions that load a page (a navigation, a click on a submit button) and waits
// until it has loaded; it returns the page's HTTP status.
func (tb *tab) load(actions ...chromedp.Action[chromedp.Void]) int64 {
	tb.t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, actions...)
	if err != nil {
		tb.t.Fatalf("browser: %v (at %s)", err, tb.location())
	}
	return resp.Status
}

func (tb *tab) location() string {
	u, _ := chromedp.Run(tb.ctx, chromedp.Location())
	return u
}

// open loads a page of the server and returns its status.
func (tb *tab) open(path string) int64 {
	tb.t.Helper()
	return tb.load(chromedp.Navigate(tb.s.URL + path))
}

// text is the page's visible text.
func (tb *tab) text() string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
	return s
}

// evalAs evaluates a script in the page (awaiting a promise) and returns its value.
func evalAs[T any](tb *tab, script string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("browser: %v (at %s)", err, tb.location())
	}
	return v
}

// click clicks an element that submits a form or follows a link, and waits for the next page.
func (tb *tab) click(sel string) int64 {
	tb.t.Helper()
	return tb.load(chromedp.Click(chromedp.CSS(sel)))
}

// typeIn types text into the element sel, as keystrokes.
func typeIn(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(sel), text)
}

// choose sets the value of a select or input sel.
func choose(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.SetValue(chromedp.CSS(sel), value)
}

// attr reads an attribute of the element sel.
func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	r, err := chromedp.Run(tb.ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
	return r.Value
}

// login logs in as email, setting up two-factor login on the way if the role requires it
// (the secret is read off the set-up page as a person types it into their app).
func (tb *tab) login(email string) {
	tb.t.Helper()
	tb.open("/login")
	tb.do(typeIn("#email", email), typeIn("#password", "correct horse battery"))
	tb.click(`form[action="/login"] button[type=submit]`)
	switch loc := tb.location(); {
	case strings.HasSuffix(loc, "/account/2fa"):
		secret, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS("#totp-secret")))
		if err != nil {
			tb.t.Fatal(err)
		}
		code, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			tb.t.Fatal(err)
		}
		tb.do(typeIn("#code", code), typeIn("#current", "correct horse battery"))
		tb.click(`form[action="/account/2fa"] button[type=submit]`)
		tb.s.totp[email] = secret
		if strings.HasSuffix(tb.location(), "/account/2fa") && !evalAs[bool](tb, `!!document.querySelector("ul.codes code")`) {
			tb.t.Fatalf("two-factor set-up of %s failed: %s", email, tb.text())
		}
	case strings.HasSuffix(loc, "/login/2fa"):
		code, err := totp.GenerateCode(tb.s.totp[email], time.Now().Add(30*time.Second))
		if err != nil {
			tb.t.Fatal(err)
		}
		tb.do(typeIn("#code", code))
		tb.click(`form[action="/login/2fa"] button[type=submit]`)
	}
	if strings.HasSuffix(tb.location(), "/login") {
		tb.t.Fatalf("login as %s failed: %s", email, tb.text())
	}
}

// axeViolation is what axe-core reports of one rule broken.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

var (
	axeOnce sync.Once
	axeSrc  string
)

// axe runs axe-core on the page and returns its serious and critical violations.
func (tb *tab) axe() []axeViolation {
	tb.t.Helper()
	axeOnce.Do(func() {
		if p := os.Getenv("HIMOYA_AXE"); p != "" {
			if b, err := os.ReadFile(p); err == nil {
				axeSrc = string(b)
			}
		}
	})
	if axeSrc == "" {
		if browserRequired() {
			tb.t.Fatal("axe-core not found: set HIMOYA_AXE to axe.min.js (.ci/run fetches it)")
		}
		tb.t.Skip("axe-core not found (HIMOYA_AXE): the accessibility checks run in CI")
	}
	evalAs[bool](tb, axeSrc+";true")
	raw := evalAs[string](tb, `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`)
	var all, bad []axeViolation
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		tb.t.Fatal(err)
	}
	for _, v := range all {
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, v)
		}
	}
	return bad
}

// overflowsX reports whether the page scrolls sideways.
func (tb *tab) overflowsX() bool {
	tb.t.Helper()
	return evalAs[bool](tb, `document.documentElement.scrollWidth > window.innerWidth + 1`)
}
