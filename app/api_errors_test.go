package app

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"himoya/models"
)

// apiServer serves e's app on a socket of this machine, as in production: some failures
// (a body too large, a broken body) happen in the HTTP server before any route, where
// app.Test cannot see the answer.
func apiServer(t *testing.T, e *testEnv) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.App.Listener(ln)
	t.Cleanup(func() { e.App.Shutdown() })
	return "http://" + ln.Addr().String()
}

// badRequest is one way of asking wrongly, with the status it gets (0: any 4xx).
type badRequest struct {
	name  string
	body  bool // sent only to the routes that read a body
	build func(method, url string) *http.Request
	want  int
}

func withBody(ct, body string) func(method, url string) *http.Request {
	return func(method, url string) *http.Request {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		return req
	}
}

var badRequests = []badRequest{
	{"multipart body", true, withBody("multipart/form-data; boundary=xx",
		"--xx\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nraid\r\n--xx--\r\n"), 415},
	{"broken multipart body", true, withBody("multipart/form-data; boundary=xx", "--xx\r\nno header\r\n\r\nraid"), 415},
	{"form body", true, withBody("application/x-www-form-urlencoded", "category=raid&summary=x"), 415},
	{"text body", true, withBody("text/plain", "category: raid"), 415},
	{"JSON without a content type", true, func(method, url string) *http.Request {
		req, _ := http.NewRequest(method, url, strings.NewReader(`{"category":"raid"}`))
		return req
	}, 0},
	{"malformed JSON", true, withBody("application/json", `{"category": "raid",`), 400},
	{"JSON of the wrong shape", true, withBody("application/json", `["category", "raid"]`), 400},
}

// rawRequest sends head (a request line and headers, without the blank line) on a
// connection of its own, then what follows, and reads the answer.
func rawRequest(t *testing.T, base, head, rest string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "%s\r\nHost: himoya.test\r\n\r\n%s", head, rest)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: %v", head, err)
	}
	return resp
}

// checkAPIError reads an answer that must be the API's error: JSON, {"error": {"code",
// "message"}} with a code, and (unless want5xx) a 4xx status.
func checkAPIError(t *testing.T, what string, resp *http.Response, want5xx bool) (int, string) {
	t.Helper()
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var out apiErr
	err := json.Unmarshal(data, &out)
	switch {
	case ct != "application/json":
		t.Errorf("%s: %d with Content-Type %q: %.80s", what, resp.StatusCode, resp.Header.Get("Content-Type"), data)
	case err != nil || out.Error.Code == "" || out.Error.Message == "":
		t.Errorf("%s: %d, not an API error: %v %.120s", what, resp.StatusCode, err, data)
	case want5xx && resp.StatusCode < 500, !want5xx && (resp.StatusCode < 400 || resp.StatusCode >= 500):
		t.Errorf("%s: status %d (%s)", what, resp.StatusCode, out.Error.Code)
	}
	return resp.StatusCode, out.Error.Code
}

// TestAPIErrorsAreJSON asks every /api/v1 route of the route table wrongly — a multipart,
// form or text body, malformed JSON, a body too large, a method it does not take, no token,
// a bad token — and a few paths under /api/v1 that are no route; then breaks a body halfway,
// makes a handler panic and exhausts the limit on bad tokens. Every answer is JSON with
// {"error": {"code", "message"}}, 4xx for what the client did wrong (5xx only for the panic).
func TestAPIErrorsAreJSON(t *testing.T) {
	e := newTestEnv(t)
	e.user("sup@example.org", models.RoleSupervisor)
	tok := e.token("sup@example.org")
	base := apiServer(t, e)
	client := &http.Client{Timeout: 20 * time.Second}
	send := func(req *http.Request, token string) *http.Response {
		t.Helper()
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
		}
		return resp
	}
	var apiRoutes []Route
	methods := map[string][]string{}
	for _, rt := range Routes() {
		if strings.HasPrefix(rt.Path, "/api/") {
			apiRoutes = append(apiRoutes, rt)
			methods[rt.Path] = append(methods[rt.Path], rt.Method)
		}
	}
	if len(apiRoutes) < 8 {
		t.Fatalf("API routes in the table: %d", len(apiRoutes))
	}
	path := func(rt Route) string { return base + strings.ReplaceAll(rt.Path, ":id", "1") }
	for _, rt := range apiRoutes {
		for _, br := range badRequests {
			if br.body && rt.Method == "GET" {
				continue // a GET reads no body: it would rightly ignore it
			}
			what := fmt.Sprintf("%s %s with a %s", rt.Method, rt.Path, br.name)
			if st, code := checkAPIError(t, what, send(br.build(rt.Method, path(rt)), tok), false); br.want != 0 && st != br.want {
				t.Errorf("%s: %d %s, want %d", what, st, code, br.want)
			}
		}
		for _, m := range []string{"PUT", "DELETE", "POST", "PATCH", "GET"} {
			if strings.Contains(strings.Join(methods[rt.Path], " "), m) {
				continue
			}
			req, _ := http.NewRequest(m, path(rt), nil)
			resp := send(req, tok)
			allow := resp.Header.Get("Allow")
			if st, code := checkAPIError(t, m+" "+rt.Path, resp, false); st != 405 || code != "method_not_allowed" ||
				allow != strings.Join(methods[rt.Path], ", ") {
				t.Errorf("%s %s: %d %s, Allow %q; want 405 method_not_allowed, Allow %q", m, rt.Path, st, code, allow,
					strings.Join(methods[rt.Path], ", "))
			}
		}
		// A body larger than the limit is refused on its announced length, before it is read
		// (sent whole, it would be cut off by the server's closing the connection).
		resp := rawRequest(t, base, fmt.Sprintf("%s %s HTTP/1.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"+
			"Content-Length: %d", rt.Method, strings.TrimPrefix(path(rt), base), tok, 2<<20), "")
		if st, code := checkAPIError(t, rt.Method+" "+rt.Path+" with a body too large", resp, false); st != 413 || code != "too_large" {
			t.Errorf("%s %s with a body too large: %d %s, want 413 too_large", rt.Method, rt.Path, st, code)
		}
		req, _ := http.NewRequest(rt.Method, path(rt), nil)
		if st, _ := checkAPIError(t, rt.Method+" "+rt.Path+" without a token", send(req, ""), false); st != 401 {
			t.Errorf("%s %s without a token: %d, want 401", rt.Method, rt.Path, st)
		}
	}
	for _, p := range []string{"/api/v1", "/api/v1/", "/api/v1/nothing", "/api/v1/cases/1/nothing", "/api/v1/cases/abc",
		"/api/v2/cases", "/api/"} {
		req, _ := http.NewRequest("GET", base+p, nil)
		if st, _ := checkAPIError(t, "GET "+p, send(req, tok), false); st != 404 {
			t.Errorf("GET %s: %d, want 404", p, st)
		}
	}

	// A body that breaks off halfway: the server forgets the request before any route.
	resp := rawRequest(t, base, "POST /api/v1/cases HTTP/1.1\r\nAuthorization: Bearer "+tok+
		"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", "zz\r\n{\r\n")
	checkAPIError(t, "POST /api/v1/cases with a broken chunked body", resp, false)

	// A handler that panics answers the API's error, as a failure of ours.
	now := e.Store.Now
	e.Store.Now = func() time.Time { panic("the clock broke") }
	req, _ := http.NewRequest("GET", base+"/api/v1/cases", nil)
	if _, code := checkAPIError(t, "a panic", send(req, tok), true); code != "internal" {
		t.Errorf("a panic: code %q, want internal", code)
	}
	e.Store.Now = now

	// Bad tokens, until the address is refused for a while: 401s, then 429, all JSON.
	var last int
	for i := 0; i < 25; i++ {
		rt := apiRoutes[i%len(apiRoutes)]
		req, _ := http.NewRequest(rt.Method, path(rt), nil)
		last, _ = checkAPIError(t, rt.Method+" "+rt.Path+" with a bad token", send(req, "hmy_bad"+fmt.Sprint(i)), false)
	}
	if last != 429 {
		t.Errorf("after 25 bad tokens: %d, want 429", last)
	}
}
