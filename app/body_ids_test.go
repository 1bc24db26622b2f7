package app

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"himoya/models"
)

// Ids inside request bodies and forms pass the same need-to-see check as ids in URLs. The
// sweep below classifies every route of the table that changes something: either it names no
// record in its body (noBodyIDs, with the reason), or each id field it accepts has a probe
// that sends, as someone who may not see it, the id of someone else's record. A route added
// to the table without a line here fails TestBodyIDRoutesClassified.

// bodyIDFields lists, for each route that accepts ids in its body or form, those fields.
var bodyIDFields = map[string][]string{
	"POST /calls":                        {"caller.id", "case_id", "event_id"},
	"POST /cases/:id":                    {"event_id"},
	"POST /cases/:id/transitions":        {"assignee_id"},
	"POST /cases/:id/assign":             {"assignee_id"},
	"POST /cases/:id/shares":             {"user_id"},
	"POST /cases/:id/unshare":            {"user_id"},
	"POST /api/v1/cases":                 {"caller.id", "event_id"},
	"PATCH /api/v1/cases/:id":            {"event_id"},
	"POST /api/v1/cases/:id/transitions": {"assignee_email"},
	"POST /api/v1/contacts":              {"caller.id", "case_id"},
}

// noBodyIDs lists the routes that change something but name no record in their body, and why.
var noBodyIDs = map[string]string{
	"POST /login":                        "credentials only",
	"POST /login/2fa":                    "a code only",
	"POST /logout":                       "no body",
	"POST /account/2fa":                  "a code only",
	"POST /account/sessions/:id/end":     "the session is in the URL (and must be the user's own)",
	"POST /account/password":             "passwords only",
	"POST /account/language":             "a language code only",
	"POST /cases/search":                 "filters only: they select among visible cases",
	"POST /cases/:id/restricted":         "a flag and a version",
	"POST /cases/:id/notes":              "text only",
	"POST /cases/:id/contacts":           "the caller is the case's own, read on the server",
	"POST /callers/:id":                  "the caller is in the URL",
	"POST /callers/:id/forget":           "a reason code; the caller is in the URL",
	"POST /events":                       "a new event's fields",
	"POST /events/:id":                   "the event is in the URL",
	"POST /admin/users":                  "a new account's fields",
	"POST /admin/users/:id":              "the account is in the URL",
	"POST /admin/users/:id/password":     "the account is in the URL",
	"POST /admin/users/:id/sessions/end": "the account is in the URL",
	"POST /admin/users/:id/2fa/reset":    "the account is in the URL",
	"POST /admin/taxonomy":               "a new term's fields",
	"POST /admin/taxonomy/:id":           "the term is in the URL",
	"PATCH /api/v1/callers/:id":          "the caller is in the URL",
}

func TestBodyIDRoutesClassified(t *testing.T) {
	for _, rt := range Routes() {
		if rt.Method == "GET" {
			continue
		}
		key := rt.Method + " " + rt.Path
		_, withIDs := bodyIDFields[key]
		_, without := noBodyIDs[key]
		if withIDs == without {
			t.Errorf("%s: say whether its body names records by id (bodyIDFields) or not (noBodyIDs)", key)
		}
	}
}

// bodyProbe sends one request naming a record the sender may not see, and returns the status
// and the body of the answer.
type bodyProbe func(f *bodyFixture) (int, string)

type bodyFixture struct {
	*accessFixture
	cwB     *browser
	supB    *browser
	callers map[string]uint // theirs, restricted: the callers of those cases
}

// secrets are what the sender must never get back: the names, phones and texts of the
// callers and cases they may not see.
var bodySecrets = []string{"Фарход", "Каримов", "111 2233", "1112233", "Held at the station",
	"Зарина", "Активистка", "444 5566", "4445566", "followed by two men"}

// bodyProbes holds one probe per route and id field (key "METHOD path field").
var bodyProbes = map[string]bodyProbe{
	"POST /calls caller.id": func(f *bodyFixture) (int, string) {
		// A colleague's caller, named by id with other details: neither shown nor overwritten.
		f.cwB.get("/calls/new")
		resp, page := f.cwB.post("/calls", intakeForm(map[string]string{"caller.id": id(f.callers["theirs"]),
			"caller.name": "Overwritten Name", "caller.phone": "+992 90 000 0000"}))
		return resp.StatusCode, page
	},
	"POST /calls case_id": func(f *bodyFixture) (int, string) {
		// The restricted case, even with its caller's real number.
		f.cwB.get("/calls/new")
		resp, page := f.cwB.post("/calls", intakeForm(map[string]string{"save_as": "attach", "case_id": id(f.restricted.ID),
			"caller.phone": f.restrictedPhone, "caller.name": ""}))
		// The form keeps what was typed: the number the caseworker typed is theirs to see.
		typed := strings.ReplaceAll(f.restrictedPhone, "+", "&#43;")
		return resp.StatusCode, strings.ReplaceAll(page, `value="`+typed+`"`, "")
	},
	"POST /calls event_id": func(f *bodyFixture) (int, string) {
		f.cwB.get("/calls/new")
		resp, page := f.cwB.post("/calls", intakeForm(map[string]string{"event_id": "99999"}))
		return resp.StatusCode, page
	},
	"POST /cases/:id event_id": func(f *bodyFixture) (int, string) {
		cs := getCase(f.t, f.testEnv, f.sup, f.queue.ID)
		f.cwB.get(casePath(cs.ID) + "/edit")
		form := url.Values{"version": {strconv.Itoa(cs.Version)}, "category": {cs.Category}, "summary": {cs.Summary.String()},
			"region": {cs.Region}, "urgency": {string(cs.Urgency)}, "people_affected": {"1"}, "event_id": {"99999"}}
		resp, page := f.cwB.post(casePath(cs.ID), form)
		return resp.StatusCode, page
	},
	"POST /cases/:id/transitions assignee_id": func(f *bodyFixture) (int, string) {
		// A caseworker may take a case only for themselves.
		cs := getCase(f.t, f.testEnv, f.sup, f.queue.ID)
		f.cwB.get(casePath(cs.ID))
		resp, page := f.cwB.post(casePath(cs.ID)+"/transitions", url.Values{"to": {"assigned"},
			"assignee_id": {id(f.other.ID)}, "version": {strconv.Itoa(cs.Version)}})
		return resp.StatusCode, page
	},
	"POST /cases/:id/assign assignee_id": func(f *bodyFixture) (int, string) {
		// A supervisor cannot give a case to an account that does not work on cases.
		cs := getCase(f.t, f.testEnv, f.sup, f.queue.ID)
		f.supB.get(casePath(cs.ID))
		resp, page := f.supB.post(casePath(cs.ID)+"/assign", url.Values{"assignee_id": {id(f.admOnly.ID)}, "version": {strconv.Itoa(cs.Version)}})
		return resp.StatusCode, page
	},
	"POST /cases/:id/shares user_id": func(f *bodyFixture) (int, string) {
		// A caseworker cannot share a restricted case with themselves.
		f.cwB.get("/account")
		resp, page := f.cwB.post(casePath(f.restricted.ID)+"/shares", url.Values{"user_id": {id(f.cw.ID)}})
		return resp.StatusCode, page
	},
	"POST /cases/:id/unshare user_id": func(f *bodyFixture) (int, string) {
		// A caseworker cannot take anyone's sight of a case away, nor learn of its shares.
		f.cwB.get("/account")
		resp, page := f.cwB.post(casePath(f.restricted.ID)+"/unshare", url.Values{"user_id": {id(f.other.ID)}})
		return resp.StatusCode, page
	},
	"POST /api/v1/cases caller.id": func(f *bodyFixture) (int, string) {
		return f.apiRaw("POST", "/api/v1/cases", with(validCase(), "caller",
			map[string]any{"id": f.callers["restricted"], "name": "Overwritten Name", "safe_contact": "overwritten"}))
	},
	"POST /api/v1/cases event_id": func(f *bodyFixture) (int, string) {
		return f.apiRaw("POST", "/api/v1/cases", with(validCase(), "event_id", 99999))
	},
	"PATCH /api/v1/cases/:id event_id": func(f *bodyFixture) (int, string) {
		cs := getCase(f.t, f.testEnv, f.sup, f.queue.ID)
		return f.apiRaw("PATCH", caseAPI(cs.ID), map[string]any{"version": cs.Version, "event_id": 99999})
	},
	"POST /api/v1/cases/:id/transitions assignee_email": func(f *bodyFixture) (int, string) {
		cs := getCase(f.t, f.testEnv, f.sup, f.queue.ID)
		return f.apiRaw("POST", caseAPI(cs.ID)+"/transitions", map[string]any{"to": "assigned", "assignee_email": "other@example.org", "version": cs.Version})
	},
	"POST /api/v1/contacts caller.id": func(f *bodyFixture) (int, string) {
		// A colleague's caller by id, with a wrong phone: an id alone proves nothing.
		return f.apiRaw("POST", "/api/v1/contacts", map[string]any{"channel": "phone", "category": "consultation", "summary": "x",
			"caller": map[string]any{"id": f.callers["theirs"], "phone": "+992 90 000 0000", "name": "Overwritten Name"}})
	},
	"POST /api/v1/contacts case_id": func(f *bodyFixture) (int, string) {
		// A colleague's case by id, with a phone that is not its caller's.
		return f.apiRaw("POST", "/api/v1/contacts", map[string]any{"channel": "phone", "summary": "x", "case_id": f.theirs.ID,
			"caller": map[string]any{"phone": "+992 90 000 0000"}})
	},
}

func id(n uint) string { return strconv.FormatUint(uint64(n), 10) }

// apiRaw sends a JSON request as the caseworker and returns the status and the raw body.
func (f *bodyFixture) apiRaw(method, path string, body any) (int, string) {
	var raw map[string]any
	st := f.api(method, path, f.cwTok, body, &raw)
	return st, fmt.Sprint(raw)
}

// world is everything a refused probe must leave as it was: the callers' details, the cases'
// states, and how many cases and calls there are.
func (f *bodyFixture) world() string {
	f.t.Helper()
	ctx := context.Background()
	var b strings.Builder
	keys := make([]string, 0, len(f.callers))
	for k := range f.callers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c, err := f.Store.GetCaller(ctx, f.sup, f.callers[k])
		if err != nil {
			f.t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s: %q %q %q %s %s %v\n", k, c.Name, c.Phone, c.SafeContact, c.Citizenship, c.Language, c.SafeToCall)
	}
	for _, id := range []uint{f.theirs.ID, f.restricted.ID, f.queue.ID} {
		fmt.Fprintf(&b, "case %d: %s\n", id, f.state(id))
	}
	p, err := f.Store.ListCases(ctx, f.sup, models.CaseFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	fmt.Fprintf(&b, "cases: %d\n", p.Total)
	return b.String()
}

// TestBodyIDsNeedToSee sends, for every route and id field of bodyIDFields, the id of a
// record the sender may not see (or may not use so): the answer is a refusal that carries
// nothing of the record, and nothing changes.
func TestBodyIDsNeedToSee(t *testing.T) {
	af := newAccessFixture(t)
	f := &bodyFixture{accessFixture: af, callers: map[string]uint{}}
	f.cwB = fresh(t, af.login("cw@example.org"))
	f.supB = fresh(t, af.login("sup@example.org"))
	f.callers["theirs"] = *getCase(t, af.testEnv, af.sup, af.theirs.ID).CallerID
	f.callers["restricted"] = *getCase(t, af.testEnv, af.sup, af.restricted.ID).CallerID

	var keys []string
	for route, fields := range bodyIDFields {
		for _, field := range fields {
			keys = append(keys, route+" "+field)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		probe := bodyProbes[k]
		if probe == nil {
			t.Errorf("%s: no probe", k)
			continue
		}
		before := f.world()
		st, body := probe(f)
		if st < 400 || st >= 500 {
			t.Errorf("%s: status %d, want a refusal (4xx)", k, st)
		}
		for _, s := range bodySecrets {
			if strings.Contains(body, s) {
				t.Errorf("%s: the answer shows %q", k, s)
			}
		}
		if after := f.world(); after != before {
			t.Errorf("%s changed what the sender may not see:\n%s->\n%s", k, before, after)
		}
	}
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	for k := range bodyProbes {
		if !want[k] {
			t.Errorf("probe %q is for no route and field of bodyIDFields", k)
		}
	}
}

// TestRepeatCallerTakenAsStored: a repeat call names its caller by id (found by their phone)
// and attaches to the caller as stored: what the record holds is never rewritten (its phone
// keeps its formatting), what it lacks is filled in, and the audit log names the fields
// filled. Correcting a caller is an explicit edit, audited with the fields changed.
func TestRepeatCallerTakenAsStored(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	cw := e.user("cw@example.org", models.RoleCaseworker)
	sup := e.user("sup@example.org", models.RoleSupervisor)
	tok := e.token("cw@example.org")
	body := with(validCase(), "caller", map[string]any{"name": "Farkhat", "phone": "+992 (93) 123-45-67"})
	var first caseOut
	if st := e.api("POST", "/api/v1/cases", tok, body, &first); st != 201 {
		t.Fatalf("first call: %d", st)
	}
	callerID := *getCase(t, e, sup, first.ID).CallerID
	if st := e.api("POST", caseAPI(first.ID)+"/transitions", tok, map[string]any{"to": "assigned", "assignee_email": "cw@example.org"}, nil); st != 200 {
		t.Fatalf("take the case: %d", st)
	}
	// The caller rings again; the bot sends the number in another format, a new spelling of
	// the name, and a language the record lacks.
	var second caseOut
	body = with(validCase(), "caller", map[string]any{"id": callerID, "name": "Фарход", "phone": "992931234567", "language": "tg", "safe_contact": "after 8 pm"})
	if st := e.api("POST", "/api/v1/cases", tok, body, &second); st != 201 {
		t.Fatalf("repeat call: %d", st)
	}
	c, err := e.Store.GetCaller(ctx, sup, callerID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name.String() != "Farkhat" || c.Phone.String() != "+992 (93) 123-45-67" {
		t.Errorf("a repeat call rewrote the caller: %q %q", c.Name, c.Phone)
	}
	if c.Language != "tg" || c.SafeContact.String() != "after 8 pm" {
		t.Errorf("a repeat call did not fill in what the record lacked: %q %q", c.Language, c.SafeContact)
	}
	if st := e.api("POST", caseAPI(second.ID)+"/transitions", tok, map[string]any{"to": "assigned", "assignee_email": "cw@example.org"}, nil); st != 200 {
		t.Fatalf("take the second case: %d", st)
	}
	if got := *getCase(t, e, sup, second.ID).CallerID; got != callerID {
		t.Errorf("the repeat call made caller %d, want %d", got, callerID)
	}
	entries, err := e.Store.ListAudit(ctx, e.adminFor(t), models.AuditFilter{Action: models.AuditCallerUpdate})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries.Items) != 1 || entries.Items[0].Detail != "filled=language,safe_contact" {
		t.Errorf("audit of the filled fields: %+v", entries.Items)
	}

	// The caseworker corrects the name explicitly, on the page.
	b := e.login("cw@example.org")
	resp, page := b.get(fmt.Sprintf("/callers/%d/edit?case=%d", callerID, first.ID))
	mustStatus(t, resp, 200, "caller form")
	pageHas(t, page, "Farkhat", "caller form")
	resp, _ = b.post(fmt.Sprintf("/callers/%d", callerID), url.Values{"case": {id(first.ID)}, "name": {"Farkhod Qodirov"},
		"phone": {"+992 (93) 123-45-67"}, "language": {"tg"}, "safe_contact": {"after 8 pm"}})
	mustStatus(t, resp, 303, "correct the caller")
	if c, _ = e.Store.GetCaller(ctx, sup, callerID); c.Name.String() != "Farkhod Qodirov" {
		t.Errorf("corrected name: %q", c.Name)
	}
	entries, _ = e.Store.ListAudit(ctx, e.adminFor(t), models.AuditFilter{Action: models.AuditCallerUpdate})
	if len(entries.Items) != 2 || entries.Items[0].Detail != "fields=name" || *entries.Items[0].ActorID != cw.ID {
		t.Errorf("audit of the correction: %+v", entries.Items)
	}
	// A bad phone is refused with the field named, and nothing changes.
	resp, page = b.post(fmt.Sprintf("/callers/%d", callerID), url.Values{"name": {"X"}, "phone": {"call me"}})
	mustStatus(t, resp, 422, "bad phone")
	pageHas(t, page, "country code", "bad phone")
	if c, _ = e.Store.GetCaller(ctx, sup, callerID); c.Name.String() != "Farkhod Qodirov" {
		t.Errorf("a refused correction changed the name: %q", c.Name)
	}
	// Someone who may not see the caller gets 404 on the page and the API.
	e.user("other@example.org", models.RoleCaseworker)
	ob := e.login("other@example.org")
	resp, _ = ob.get(fmt.Sprintf("/callers/%d/edit", callerID))
	mustStatus(t, resp, 404, "another caseworker's caller form")
	if st := e.api("PATCH", fmt.Sprintf("/api/v1/callers/%d", callerID), e.token("other@example.org"), map[string]any{"name": "Hijacked"}, nil); st != 404 {
		t.Errorf("another caseworker's API correction: %d, want 404", st)
	}
	if st := e.api("PATCH", fmt.Sprintf("/api/v1/callers/%d", callerID), tok, map[string]any{"safe_to_call": true}, nil); st != 200 {
		t.Errorf("API correction: %d", st)
	}
	if c, _ = e.Store.GetCaller(ctx, sup, callerID); c.Name.String() != "Farkhod Qodirov" || !c.SafeToCall {
		t.Errorf("API correction of one field: %q %v", c.Name, c.SafeToCall)
	}
}

// adminFor is an admin account to read the audit log with (made on first use).
func (e *testEnv) adminFor(t *testing.T) *models.User {
	t.Helper()
	u, err := e.Store.UserByEmail(context.Background(), "auditor@example.org")
	if err == nil {
		return u
	}
	return e.user("auditor@example.org", models.RoleAdminOnly)
}
