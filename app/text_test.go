package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"himoya/models"
)

// Text that is not text: every text a person types into himoya refuses control characters
// and the invisible controls of writing direction; a long text (summary, note) accepts line
// breaks and tabs. The sweep below finds the inputs in three ways, so that one added later is
// probed or fails the test: the input structs of models (parsed from its source), the API
// routes that take a body, and the form routes of the route table.

// textProbe is a character a short text refuses; inLong says whether a long one does too.
type textProbe struct {
	r      rune
	inLong bool
}

var textProbes = []textProbe{
	{0x00, true}, {0x07, true}, {0x1b, true}, {0x7f, true}, {0x85, true}, {0x9b, true}, // NUL BEL ESC DEL NEL CSI
	{'\n', false}, {'\r', false}, {'\t', false},
	{0x202a, true}, {0x202b, true}, {0x202c, true}, {0x202d, true}, {0x202e, true},
	{0x2066, true}, {0x2067, true}, {0x2068, true}, {0x2069, true},
	{0x200e, true}, {0x200f, true}, {0x061c, true},
}

// codeProbes are the few probes sent to a field that is not free text (a code, a time, a
// role): its own check refuses any character it does not expect, the probes show it does.
var codeProbes = []textProbe{{0x00, true}, {'\n', false}, {0x202e, true}}

// longTexts are the fields, by name, that hold several lines.
var longTexts = map[string]bool{"summary": true, "note": true}

// freeTexts are the fields of the API's bodies, by the name a refusal gives, that hold
// free text rather than a code, a time or an e-mail address to look up.
var freeTexts = map[string]bool{"caller.name": true, "caller.phone": true, "caller.safe_contact": true,
	"summary": true, "city": true, "note": true, "name": true, "phone": true, "safe_contact": true}

// probesFor are the probes for a field.
func probesFor(text bool) []textProbe {
	if text {
		return textProbes
	}
	return codeProbes
}

// secretFields are strings of the input structs that are not text shown to anyone: any
// character is allowed.
var secretFields = map[string]bool{"UserInput.Password": true}

// probed puts r in the middle of a valid value.
func probed(valid string, r rune) string {
	rs := []rune(valid)
	return string(rs[:len(rs)/2]) + string(r) + string(rs[len(rs)/2:])
}

// problemHint is part of the message a refused text gets.
func problemHint(r rune) string {
	if r == '\n' || r == '\r' || r == '\t' {
		return "must be one line"
	}
	return fmt.Sprintf("U+%04X", r)
}

// storedState hashes every table that a refused request must leave alone: all but the
// sessions, tokens and login failures, which each request touches, and the audit log, where
// a case page that shows a refused form again records that the case was viewed.
func storedState(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var tables []string
	if err := db.Raw("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, tb := range tables {
		switch tb {
		case "sessions", "api_tokens", "login_failures", "audit_entries":
			continue
		}
		rows, err := db.Raw(`SELECT * FROM "` + tb + `"`).Rows()
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%s %v\n", tb, vals)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

// inputStructs lists the types named ...Input that models declares, read from its source.
func inputStructs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "models", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			if g, ok := d.(*ast.GenDecl); ok {
				for _, s := range g.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok && strings.HasSuffix(ts.Name.Name, "Input") {
						if _, ok := ts.Type.(*ast.StructType); ok {
							out = append(out, ts.Name.Name)
						}
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// textPath is a string in a JSON body: "caller.name", "categories[]", "documents[].status".
type textPath struct {
	path string
	// key is the field a refusal names.
	key string
}

// stringPaths walks a struct the way encoding/json does and lists its strings; seen collects
// the names of the structs met.
func stringPaths(typ reflect.Type, prefix string, seen map[string]bool) []textPath {
	seen[typ.Name()] = true
	var out []textPath
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && name == "" {
			out = append(out, stringPaths(f.Type, prefix, seen)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		p := prefix + name
		key := strings.SplitN(p, "[]", 2)[0]
		switch ft := f.Type; {
		case ft.Kind() == reflect.String:
			out = append(out, textPath{p, key})
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			out = append(out, textPath{p + "[]", key})
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, stringPaths(ft.Elem(), p+"[].", seen)...)
		case ft.Kind() == reflect.Struct:
			out = append(out, stringPaths(ft, p+".", seen)...)
		}
	}
	return out
}

// jsonAt returns functions that read and replace the string at path in a decoded JSON body
// (the first element of a list).
func jsonAt(body map[string]any, path string) (get func() (string, bool), set func(string)) {
	parts := strings.Split(path, ".")
	var cur any = body
	for _, p := range parts[:len(parts)-1] {
		name, list := strings.CutSuffix(p, "[]")
		m, _ := cur.(map[string]any)
		cur = m[name]
		if list {
			l, _ := cur.([]any)
			if len(l) == 0 {
				return func() (string, bool) { return "", false }, func(string) {}
			}
			cur = l[0]
		}
	}
	last, list := strings.CutSuffix(parts[len(parts)-1], "[]")
	m, _ := cur.(map[string]any)
	if list {
		l, _ := m[last].([]any)
		if len(l) == 0 {
			return func() (string, bool) { return "", false }, func(string) {}
		}
		return func() (string, bool) { s, ok := l[0].(string); return s, ok }, func(v string) { l[0] = v }
	}
	return func() (string, bool) { s, ok := m[last].(string); return s, ok && s != "" }, func(v string) { m[last] = v }
}

// generic turns a body into the maps and lists of decoded JSON (a fresh copy each time).
func generic(t *testing.T, v any) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(mustJSON(t, v)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTextThatIsNotTextIsRefused sends every probe character in every string of every API
// body and every text field of every form, and checks the answer is a 422 that names the
// field, with nothing stored; in a long text a line break and a tab are kept.
func TestTextThatIsNotTextIsRefused(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.user("cw@example.org", models.RoleCaseworker)
	admin := e.user("admin@example.org", models.RoleAdmin) // also a supervisor
	cw, err := e.Store.UserByEmail(ctx, "cw@example.org")
	if err != nil {
		t.Fatal(err)
	}
	tok := e.token("admin@example.org")
	b := e.login("admin@example.org")
	raw := sqliteFile(t, e.Path)
	cs := func() caseOut {
		return openCaseAPI(t, e, tok, validCase())
	}

	// The API: each route that takes a body, with the struct it decodes into and a valid body
	// that sets every string of that struct.
	full := with(validCase(), "received_at", "2024-03-01T10:00")
	full = with(full, "incident_at", "2024-03-01T09:00")
	full = with(full, "documents", []map[string]string{{"document": models.DocumentKinds[0], "status": models.DocumentStatuses[0]}})
	full["caller"] = map[string]any{"name": "Farkhat", "phone": "+992 93 123 4567", "citizenship": "TJ", "language": "tg",
		"safe_contact": "WhatsApp only"}
	patchCase := cs()
	moveCase := cs()
	contactCase := cs()
	type caseBody struct {
		Version int `json:"version"`
		models.CaseFields
	}
	apiInputs := []struct {
		route string // method and path of the route table
		typ   reflect.Type
		path  string
		base  map[string]any
	}{
		{"POST /api/v1/cases", reflect.TypeOf(models.IntakeInput{}), "/api/v1/cases", full},
		{"POST /api/v1/contacts", reflect.TypeOf(models.ContactInput{}), "/api/v1/contacts", map[string]any{
			"received_at": "2024-03-01T10:00", "channel": "phone", "category": "raid", "summary": "Asked about a raid",
			"case_id": contactCase.ID, "caller": full["caller"]}},
		{"PATCH /api/v1/cases/:id", reflect.TypeOf(caseBody{}), caseAPI(patchCase.ID), with(full, "version", patchCase.Version)},
		{"PATCH /api/v1/callers/:id", reflect.TypeOf(models.CallerInput{}), fmt.Sprintf("/api/v1/callers/%d", callerOf(t, e, admin, contactCase.ID)),
			map[string]any{"name": "Farkhat", "phone": "+992 93 123 4567", "citizenship": "TJ", "language": "tg", "safe_contact": "WhatsApp only"}},
		{"POST /api/v1/cases/:id/transitions", reflect.TypeOf(models.TransitionInput{}), caseAPI(moveCase.ID) + "/transitions",
			map[string]any{"version": moveCase.Version, "to": "assigned", "note": "Over to you", "outcome": "released",
				"assignee_email": "cw@example.org"}},
	}
	structsSeen := map[string]bool{}
	covered := map[string]bool{}
	keys := map[string]bool{}
	for _, in := range apiInputs {
		covered[in.route] = true
		in.base = generic(t, in.base)
		paths := stringPaths(in.typ, "", structsSeen)
		for _, p := range paths {
			keys[p.key] = true
		}
		if len(paths) == 0 {
			t.Fatalf("%s: no strings in %s", in.route, in.typ)
		}
		method, _, _ := strings.Cut(in.route, " ")
		before := storedState(t, raw)
		send := func(body map[string]any) (int, apiErr) {
			var out apiErr
			st := e.api(method, in.path, tok, body, &out)
			return st, out
		}
		for _, p := range paths {
			if p.key == "assignee_email" {
				p.key = "assignee" // the refusal names the assignee, however it was given
			}
			get, _ := jsonAt(in.base, p.path)
			valid, ok := get()
			if !ok {
				t.Fatalf("%s: the test's valid body has no value for %s: add one", in.route, p.path)
			}
			long := longTexts[p.key]
			for _, pr := range probesFor(freeTexts[p.key]) {
				if long && !pr.inLong {
					continue
				}
				body := generic(t, in.base)
				_, set := jsonAt(body, p.path)
				set(probed(valid, pr.r))
				st, out := send(body)
				if st != 422 || out.Error.Fields[p.key] == "" {
					t.Errorf("%s with U+%04X in %s: %d %+v, want 422 naming %s", in.route, pr.r, p.path, st, out.Error, p.key)
				}
				if storedState(t, raw) != before {
					t.Fatalf("%s with U+%04X in %s: something was stored", in.route, pr.r, p.path)
				}
			}
		}
		// The valid body is accepted, line breaks and tabs in its long texts included.
		body := generic(t, in.base)
		for _, p := range paths {
			if longTexts[p.key] {
				_, set := jsonAt(body, p.path)
				set("First line\nsecond line\r\n\tindented")
			}
		}
		if st, out := send(body); st >= 300 {
			t.Errorf("%s: the valid body with multi-line long texts: %d %+v", in.route, st, out.Error)
		}
	}
	for k := range freeTexts {
		if !keys[k] {
			t.Errorf("free text %s is in no body of the API: update freeTexts", k)
		}
	}
	if c, err := e.Store.GetCase(ctx, admin, patchCase.ID); err != nil || c.Summary.String() != "First line\nsecond line\r\n\tindented" {
		t.Errorf("the multi-line summary was not kept: %v %q", err, c.Summary)
	}

	// The forms: every route of the table that changes something, either probed here with a
	// valid form and its text fields, or said to take no text that is stored and shown.
	target, moveTarget, noteCase := cs(), cs(), cs()
	term := e.findTerm(models.KindCategory, "raid")
	formInputs := []struct {
		route  string
		path   string
		base   url.Values
		fields []formField
	}{
		{"POST /calls", "/calls", intakeForm(map[string]string{"received_at": "2024-03-01T10:00"}), []formField{
			{"caller.name", true}, {"caller.phone", false}, {"caller.safe_contact", true}, {"city", true}, {"summary", true},
			{"channel", false}, {"received_at", false}, {"category", false}, {"region", false}}},
		{"POST /cases/:id", casePath(target.ID), url.Values{"version": {strconv.Itoa(target.Version)}, "category": {"illegal_detention"},
			"summary": {"Detained at the market"}, "region": {"RU-MOW"}, "city": {"Moscow"}, "urgency": {"normal"},
			"people_affected": {"1"}}, []formField{{"summary", true}, {"city", true}}},
		{"POST /cases/:id/transitions", casePath(moveTarget.ID) + "/transitions", url.Values{"version": {strconv.Itoa(moveTarget.Version)},
			"to": {"assigned"}, "note": {"Over to you"}, "assignee_id": {strconv.Itoa(int(cw.ID))}}, []formField{{"note", true}, {"to", false}}},
		{"POST /cases/:id/assign", casePath(noteCase.ID) + "/assign", url.Values{"version": {strconv.Itoa(noteCase.Version)},
			"note": {"Over to you"}, "assignee_id": {strconv.Itoa(int(cw.ID))}}, []formField{{"note", true}}},
		{"POST /cases/:id/notes", casePath(noteCase.ID) + "/notes", url.Values{"note": {"Called back"}}, []formField{{"note", true}}},
		{"POST /cases/:id/contacts", casePath(noteCase.ID) + "/contacts", url.Values{"channel": {"phone"}, "summary": {"Called again"},
			"received_at": {"2024-03-01T10:00"}}, []formField{{"summary", true}, {"channel", false}, {"received_at", false}}},
		{"POST /events", "/events", url.Values{"name": {"Raid at the market"}, "starts_on": {"2024-03-01"}, "region": {"RU-MOW"}},
			formFieldsOf(reflect.TypeOf(models.EventInput{}), structsSeen, map[string]bool{"name": true})},
		{"POST /admin/users", "/admin/users", url.Values{"email": {"new@example.org"}, "name": {"New Person"}, "role": {"caseworker"},
			"password": {testPassword}}, formFieldsOf(reflect.TypeOf(models.UserInput{}), structsSeen, map[string]bool{"name": true, "email": true})},
		{"POST /admin/users/:id", fmt.Sprintf("/admin/users/%d", cw.ID), url.Values{"name": {"Case Worker"}, "role": {"caseworker"},
			"active": {"1"}}, []formField{{"name", true}, {"role", false}}},
		{"POST /admin/taxonomy", "/admin/taxonomy", url.Values{"kind": {"category"}, "code": {"new_code"}, "label_en": {"New"},
			"label_ru": {"Новый"}}, []formField{{"label_en", true}, {"label_ru", true}, {"code", false}, {"kind", false}}},
		{"POST /callers/:id", fmt.Sprintf("/callers/%d", callerOf(t, e, admin, target.ID)), url.Values{"name": {"Farkhat"}, "phone": {"+992 93 123 4567"},
			"citizenship": {"TJ"}, "language": {"tg"}, "safe_contact": {"WhatsApp only"}},
			[]formField{{"name", true}, {"phone", false}, {"safe_contact", true}, {"citizenship", false}, {"language", false}}},
		{"POST /admin/taxonomy/:id", fmt.Sprintf("/admin/taxonomy/%d", term.ID), url.Values{"label_en": {"Raid"}, "label_ru": {"Облава"},
			"active": {"1"}}, []formField{{"label_en", true}, {"label_ru", true}}},
	}
	noText := map[string]string{
		"POST /login":                        "an e-mail and password are checked, not stored",
		"POST /login/2fa":                    "a code",
		"POST /logout":                       "nothing",
		"POST /account/2fa":                  "a code",
		"POST /account/sessions/:id/end":     "an id",
		"POST /account/password":             "a password: any character, never shown",
		"POST /account/language":             "a language code from a list, never stored otherwise",
		"POST /cases/search":                 "filters, not stored",
		"POST /cases/:id/restricted":         "a flag",
		"POST /cases/:id/shares":             "an account id",
		"POST /cases/:id/unshare":            "an account id",
		"POST /callers/:id/forget":           "a reason code",
		"POST /events/:id":                   "a flag",
		"POST /admin/users/:id/password":     "a password: any character, never shown",
		"POST /admin/users/:id/sessions/end": "nothing",
		"POST /admin/users/:id/2fa/reset":    "nothing",
	}
	for _, in := range formInputs {
		covered[in.route] = true
		before := storedState(t, raw)
		for _, f := range in.fields {
			if in.base.Get(f.name) == "" {
				t.Fatalf("%s: the test's valid form has no value for %s: add one", in.route, f.name)
			}
			long := longTexts[f.name]
			for _, pr := range probesFor(f.text) {
				if long && !pr.inLong {
					continue
				}
				form := url.Values{}
				for k, v := range in.base {
					form[k] = append([]string(nil), v...)
				}
				form.Set(f.name, probed(in.base.Get(f.name), pr.r))
				resp, page := b.post(in.path, form)
				if resp.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("%s with U+%04X in %s: status %d, want 422", in.route, pr.r, f.name, resp.StatusCode)
				} else if hint := problemHint(pr.r); f.text && !strings.Contains(page, hint) &&
					!strings.Contains(page, strings.ReplaceAll(hint, "+", "&#43;")) {
					t.Errorf("%s with U+%04X in %s: the page does not say what is wrong (%q)", in.route, pr.r, f.name, problemHint(pr.r))
				}
				if storedState(t, raw) != before {
					t.Fatalf("%s with U+%04X in %s: something was stored", in.route, pr.r, f.name)
				}
			}
		}
		// The valid form is accepted, with line breaks in its long texts.
		form := url.Values{}
		for k, v := range in.base {
			form[k] = append([]string(nil), v...)
		}
		for _, f := range in.fields {
			if longTexts[f.name] {
				form.Set(f.name, "First line\nsecond line\r\n\tindented")
			}
		}
		if resp, _ := b.post(in.path, form); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: the valid form: status %d, want 303", in.route, resp.StatusCode)
		}
	}

	// Every route that takes a body is probed above or takes no text.
	for _, rt := range Routes() {
		key := rt.Method + " " + rt.Path
		if rt.Method == "GET" || covered[key] {
			continue
		}
		if _, ok := noText[key]; !ok {
			t.Errorf("%s takes a body: probe its text fields in this test, or list it among the routes without text", key)
		}
	}
	// Every input struct of models is reached.
	for _, name := range inputStructs(t) {
		if !structsSeen[name] {
			t.Errorf("models.%s is not probed by this test: add the route that takes it", name)
		}
	}

	// The command line's token names.
	for _, pr := range textProbes {
		_, _, err := e.Store.CreateTokenWithRole(ctx, "cw@example.org", probed("telephony", pr.r), "")
		var ve *models.ValidationError
		if !errors.As(err, &ve) || ve.Fields["name"] == "" {
			t.Errorf("a token named with U+%04X: %v, want a refusal naming name", pr.r, err)
		}
	}
	if ts, err := e.Store.ListTokens(ctx, "cw@example.org"); err != nil || len(ts) != 0 {
		t.Errorf("tokens of cw after refused names: %d %v", len(ts), err)
	}
}

// formFieldsOf lists a struct's string fields as form fields (their JSON or lower-case
// names), all but the secret ones; text names the free-text ones.
func formFieldsOf(typ reflect.Type, seen map[string]bool, text map[string]bool) []formField {
	seen[typ.Name()] = true
	var out []formField
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if f.Type.Kind() != reflect.String || secretFields[typ.Name()+"."+f.Name] {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, formField{name, text[name]})
	}
	return out
}

// formField is a field of a form: text says it is free text, whose refusal explains itself.
type formField struct {
	name string
	text bool
}

// openCaseAPI opens a case through the API.
func openCaseAPI(t *testing.T, e *testEnv, tok string, body map[string]any) caseOut {
	t.Helper()
	var out caseOut
	if st := e.api("POST", "/api/v1/cases", tok, body, &out); st != 201 {
		t.Fatalf("open a case: %d", st)
	}
	return out
}

// callerOf is the id of a case's caller.
func callerOf(t *testing.T, e *testEnv, u *models.User, caseID uint) uint {
	t.Helper()
	c := getCase(t, e, u, caseID)
	if c.CallerID == nil {
		t.Fatalf("case %d has no caller", caseID)
	}
	return *c.CallerID
}
