package app

import (
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"himoya/models"
)

// apiErr is the error body of the API.
type apiErr struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// caseOut is the part of the case JSON the tests read.
type caseOut struct {
	ID             uint     `json:"id"`
	Reference      string   `json:"reference"`
	Status         string   `json:"status"`
	Version        int      `json:"version"`
	Category       string   `json:"category"`
	Categories     []string `json:"categories"`
	Summary        string   `json:"summary"`
	Region         string   `json:"region"`
	City           string   `json:"city"`
	PeopleAffected int      `json:"people_affected"`
	Urgency        string   `json:"urgency"`
	Assignee       *string  `json:"assignee"`
	Outcome        string   `json:"outcome"`
	ReceivedAt     string   `json:"received_at"`
	Caller         *struct {
		Name  string `json:"name"`
		Phone string `json:"phone"`
	} `json:"caller"`
	History []struct {
		Kind, From, To, By, Note string
	} `json:"history"`
	Contacts []struct {
		Channel string `json:"channel"`
	} `json:"contacts"`
}

func validCase() map[string]any {
	return map[string]any{
		"channel":         "phone",
		"caller":          map[string]any{"name": "Farkhat", "phone": "+992 93 123 4567", "citizenship": "TJ", "language": "tg"},
		"category":        "illegal_detention",
		"categories":      []string{"document_destruction"},
		"summary":         "Detained at the market; permit torn during questioning.",
		"region":          "RU-MOW",
		"city":            "Moscow",
		"place_type":      "market",
		"perpetrator":     "police",
		"people_affected": 3,
		"urgency":         "critical",
	}
}

func with(base map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for kk, vv := range base {
		out[kk] = vv
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

type apiFixture struct {
	*testEnv
	cw, cw2, sup string // tokens
}

func newAPIFixture(t *testing.T) *apiFixture {
	e := newTestEnv(t)
	e.user("cw@example.org", models.RoleCaseworker)
	e.user("cw2@example.org", models.RoleCaseworker)
	e.user("sup@example.org", models.RoleSupervisor)
	return &apiFixture{testEnv: e, cw: e.token("cw@example.org"), cw2: e.token("cw2@example.org"), sup: e.token("sup@example.org")}
}

func (f *apiFixture) create(token string, body map[string]any) caseOut {
	f.t.Helper()
	var out caseOut
	if st := f.api("POST", "/api/v1/cases", token, body, &out); st != 201 {
		f.t.Fatalf("create case: status %d", st)
	}
	return out
}

func TestAPIAuthentication(t *testing.T) {
	f := newAPIFixture(t)
	for _, tc := range []struct{ name, token string }{{"no token", ""}, {"bad token", "hmy_nope"}} {
		var e apiErr
		if st := f.api("GET", "/api/v1/cases", tc.token, nil, &e); st != 401 || e.Error.Code != "unauthenticated" {
			t.Errorf("%s: %d %q, want 401 unauthenticated", tc.name, st, e.Error.Code)
		}
	}
	// A session cookie does not open the API: only bearer tokens do.
	b := f.login("cw@example.org")
	req := httptest.NewRequest("GET", "/api/v1/cases", nil)
	resp, _ := b.send(req)
	mustStatus(t, resp, 401, "API with a cookie")
	if st := f.api("GET", "/api/v1/cases", f.cw, nil, nil); st != 200 {
		t.Fatalf("good token: %d", st)
	}
}

func TestAPIHealth(t *testing.T) {
	f := newAPIFixture(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		var out map[string]string
		if st := f.api("GET", p, "", nil, &out); st != 200 || out["status"] != "ok" {
			t.Errorf("%s: %d %v", p, st, out)
		}
	}
	f.Store.Close()
	if st := f.api("GET", "/readyz", "", nil, nil); st != 503 {
		t.Errorf("readyz with the database closed: %d, want 503", st)
	}
}

func TestAPITaxonomy(t *testing.T) {
	f := newAPIFixture(t)
	var out struct {
		Categories  []struct{ Code, Label string } `json:"categories"`
		Regions     []struct{ Code, Label string } `json:"regions"`
		Channels    []struct{ Code string }        `json:"channels"`
		Statuses    []struct{ Code string }        `json:"statuses"`
		Transitions map[string][]string            `json:"transitions"`
	}
	if st := f.api("GET", "/api/v1/taxonomy", f.cw, nil, &out); st != 200 {
		t.Fatalf("taxonomy: %d", st)
	}
	var codes []string
	for _, c := range out.Categories {
		codes = append(codes, c.Code)
		if c.Label == "" {
			t.Errorf("category %s has no label", c.Code)
		}
	}
	want := "illegal_detention,raid,document_destruction,police_extortion,police_violence,deportation,forced_return,entry_ban,hate_crime,discrimination,labour_exploitation,protest_related,transnational_repression,conscription_pressure,detention_conditions,consultation,other"
	if strings.Join(codes, ",") != want {
		t.Errorf("categories = %s", strings.Join(codes, ","))
	}
	if len(out.Regions) < 83 || out.Regions[0].Code != "RU-MOW" {
		t.Errorf("regions: %d, first %v", len(out.Regions), out.Regions[:1])
	}
	var ch []string
	for _, c := range out.Channels {
		ch = append(ch, c.Code)
	}
	if strings.Join(ch, ",") != "phone,whatsapp,telegram,walk_in,email,other" {
		t.Errorf("channels = %v", ch)
	}
	if len(out.Statuses) != 7 {
		t.Errorf("statuses = %v", out.Statuses)
	}
	if got := out.Transitions["new"]; strings.Join(got, ",") != "assigned,closed" {
		t.Errorf("transitions[new] = %v", got)
	}
	if got := out.Transitions["closed"]; strings.Join(got, ",") != "in_progress" {
		t.Errorf("transitions[closed] = %v", got)
	}
}

func TestAPICreateCase(t *testing.T) {
	f := newAPIFixture(t)
	before := time.Now().Add(-time.Second)
	cs := f.create(f.cw, validCase())
	if !regexp.MustCompile(`^HL-\d{4}-000001$`).MatchString(cs.Reference) {
		t.Errorf("reference %q", cs.Reference)
	}
	if cs.Status != "new" || cs.Version != 1 || cs.Assignee != nil {
		t.Errorf("status %s version %d assignee %v", cs.Status, cs.Version, cs.Assignee)
	}
	if strings.Join(cs.Categories, ",") != "illegal_detention,document_destruction" || cs.PeopleAffected != 3 || cs.Urgency != "critical" {
		t.Errorf("fields: %+v", cs)
	}
	if len(cs.Contacts) != 1 || cs.Contacts[0].Channel != "phone" {
		t.Errorf("the call is not the first contact: %+v", cs.Contacts)
	}
	if len(cs.History) != 1 || cs.History[0].To != "new" || cs.History[0].By != "cw@example.org" {
		t.Errorf("history: %+v", cs.History)
	}
	if cs.Caller == nil || cs.Caller.Name != "Farkhat" {
		t.Errorf("caller: %+v", cs.Caller)
	}
	got, _ := time.Parse(time.RFC3339, cs.ReceivedAt)
	if got.Before(before) {
		t.Errorf("received_at defaults to now, got %s", cs.ReceivedAt)
	}
	// A call logged after the fact keeps its time; its reference counts on.
	cs2 := f.create(f.cw, with(validCase(), "received_at", "2024-03-23T14:05:00+03:00"))
	if cs2.ReceivedAt != "2024-03-23T11:05:00Z" || cs2.Reference != "HL-2024-000001" {
		t.Errorf("after the fact: %s %s", cs2.ReceivedAt, cs2.Reference)
	}
	cs3 := f.create(f.cw, validCase())
	if cs3.Reference[len(cs3.Reference)-6:] != "000002" {
		t.Errorf("second reference of the year: %s", cs3.Reference)
	}
	// Defaults: urgency normal, one person affected.
	cs4 := f.create(f.cw, with(with(validCase(), "urgency", nil), "people_affected", nil))
	if cs4.Urgency != "normal" || cs4.PeopleAffected != 1 {
		t.Errorf("defaults: %s %d", cs4.Urgency, cs4.PeopleAffected)
	}
}

func TestAPICreateCaseValidation(t *testing.T) {
	f := newAPIFixture(t)
	long := strings.Repeat("я", 10001)
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no channel", with(validCase(), "channel", nil), "channel"},
		{"unknown channel", with(validCase(), "channel", "pigeon"), "channel"},
		{"no category", with(validCase(), "category", nil), "category"},
		{"unknown category", with(validCase(), "category", "robbery"), "category"},
		{"unknown extra category", with(validCase(), "categories", []string{"nope"}), "categories"},
		{"unknown region", with(validCase(), "region", "RU-XYZ"), "region"},
		{"unknown place type", with(validCase(), "place_type", "moon"), "place_type"},
		{"unknown perpetrator", with(validCase(), "perpetrator", "aliens"), "perpetrator"},
		{"bad urgency", with(validCase(), "urgency", "whenever"), "urgency"},
		{"no people", with(validCase(), "people_affected", 0), "people_affected"},
		{"negative people", with(validCase(), "people_affected", -4), "people_affected"},
		{"people as text", with(validCase(), "people_affected", "three"), "people_affected"},
		{"bad received_at", with(validCase(), "received_at", "yesterday"), "received_at"},
		{"future received_at", with(validCase(), "received_at", time.Now().Add(48*time.Hour).Format(time.RFC3339)), "received_at"},
		{"bad incident_at", with(validCase(), "incident_at", "2024-13-45"), "incident_at"},
		{"summary too long", with(validCase(), "summary", long), "summary"},
		{"bad phone", with(validCase(), "caller", map[string]any{"phone": "call me maybe"}), "caller.phone"},
		{"bad citizenship", with(validCase(), "caller", map[string]any{"citizenship": "ZZ"}), "caller.citizenship"},
		{"bad language", with(validCase(), "caller", map[string]any{"language": "klingon"}), "caller.language"},
		{"unknown caller id", with(validCase(), "caller", map[string]any{"id": 999}), "caller.id"},
		{"unknown event", with(validCase(), "event_id", 999), "event_id"},
		{"bad document", with(validCase(), "documents", []map[string]string{{"document": "diary", "status": "torn"}}), "documents"},
		{"bad document status", with(validCase(), "documents", []map[string]string{{"document": "passport", "status": "eaten"}}), "documents"},
		{"categories not a list", with(validCase(), "categories", "raid"), "categories"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var e apiErr
			st := f.api("POST", "/api/v1/cases", f.cw, tc.body, &e)
			if st != 422 || e.Error.Code != "validation" || e.Error.Fields[tc.field] == "" {
				t.Fatalf("status %d code %q fields %v; want 422 validation with %q", st, e.Error.Code, e.Error.Fields, tc.field)
			}
		})
	}
	for _, body := range []string{"{", "[]", "null", "", "not json", `{"channel": }`} {
		var e apiErr
		if st := f.api("POST", "/api/v1/cases", f.cw, body, &e); st < 400 || st >= 500 {
			t.Errorf("body %q: status %d, want 4xx", body, st)
		}
	}
	var n int64
	p, err := f.Store.ListCases(context.Background(), &models.User{Role: models.RoleSupervisor}, models.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n = p.Total
	if n != 0 {
		t.Fatalf("refused requests saved %d cases", n)
	}
}

func TestAPIGetAndVisibility(t *testing.T) {
	f := newAPIFixture(t)
	cs := f.create(f.cw, validCase())
	path := fmt.Sprintf("/api/v1/cases/%d", cs.ID)
	// Unassigned: every caseworker sees it (the queue).
	if st := f.api("GET", path, f.cw2, nil, nil); st != 200 {
		t.Fatalf("queue case for another caseworker: %d", st)
	}
	var moved caseOut
	if st := f.api("POST", path+"/transitions", f.cw, map[string]any{"to": "assigned", "assignee_email": "cw@example.org"}, &moved); st != 200 {
		t.Fatalf("take case: %d", st)
	}
	var e apiErr
	if st := f.api("GET", path, f.cw2, nil, &e); st != 404 || e.Error.Code != "not_found" {
		t.Errorf("another caseworker's case: %d %q, want 404", st, e.Error.Code)
	}
	if st := f.api("PATCH", path, f.cw2, map[string]any{"version": moved.Version, "summary": "x"}, nil); st != 404 {
		t.Errorf("another caseworker edits: %d, want 404", st)
	}
	if st := f.api("GET", path, f.sup, nil, nil); st != 200 {
		t.Errorf("supervisor: %d", st)
	}
	for _, p := range []string{"/api/v1/cases/999", "/api/v1/cases/abc", "/api/v1/cases/-1", "/api/v1/cases/0"} {
		if st := f.api("GET", p, f.sup, nil, &e); st != 404 {
			t.Errorf("%s: %d, want 404", p, st)
		}
	}
}

func TestAPIUpdateCase(t *testing.T) {
	f := newAPIFixture(t)
	cs := f.create(f.cw, validCase())
	path := fmt.Sprintf("/api/v1/cases/%d", cs.ID)
	var out caseOut
	if st := f.api("PATCH", path, f.cw, map[string]any{"version": 1, "city": "Khimki", "region": "RU-MOS"}, &out); st != 200 {
		t.Fatalf("patch: %d", st)
	}
	if out.Version != 2 || out.City != "Khimki" || out.Region != "RU-MOS" || out.Summary != cs.Summary || out.Urgency != "critical" {
		t.Errorf("patched case: %+v", out)
	}
	if last := out.History[len(out.History)-1]; last.Kind != "edit" {
		t.Errorf("edit not in the history: %+v", last)
	}
	// A stale version is refused and nothing is overwritten.
	var e apiErr
	if st := f.api("PATCH", path, f.cw, map[string]any{"version": 1, "city": "Podolsk"}, &e); st != 409 || e.Error.Code != "conflict" {
		t.Fatalf("stale patch: %d %q", st, e.Error.Code)
	}
	var now caseOut
	f.api("GET", path, f.cw, nil, &now)
	if now.City != "Khimki" || now.Version != 2 {
		t.Errorf("stale patch changed the case: %+v", now)
	}
	if st := f.api("PATCH", path, f.cw, map[string]any{"city": "Podolsk"}, &e); st != 422 || e.Error.Fields["version"] == "" {
		t.Errorf("patch without version: %d %v", st, e.Error.Fields)
	}
	if st := f.api("PATCH", path, f.cw, map[string]any{"version": 2, "people_affected": 0}, &e); st != 422 {
		t.Errorf("bad patch: %d", st)
	}
	if st := f.api("PATCH", path, f.cw, "[1,2]", &e); st != 400 {
		t.Errorf("array body: %d", st)
	}
	// Changing the primary category keeps the extra ones.
	f.api("PATCH", path, f.cw, map[string]any{"version": 2, "category": "raid"}, &out)
	if strings.Join(out.Categories, ",") != "raid,document_destruction" {
		t.Errorf("categories after changing the primary: %v", out.Categories)
	}
}

func TestAPITransitions(t *testing.T) {
	f := newAPIFixture(t)
	cs := f.create(f.cw, validCase())
	path := fmt.Sprintf("/api/v1/cases/%d/transitions", cs.ID)
	var e apiErr
	if st := f.api("POST", path, f.cw, map[string]any{"to": "resolved", "outcome": "released"}, &e); st != 422 || e.Error.Code != "invalid_transition" {
		t.Errorf("new -> resolved: %d %q", st, e.Error.Code)
	}
	if st := f.api("POST", path, f.cw, map[string]any{"to": "closed", "note": "duplicate"}, &e); st != 403 || e.Error.Code != "forbidden" {
		t.Errorf("caseworker closes: %d %q", st, e.Error.Code)
	}
	if st := f.api("POST", path, f.cw, map[string]any{"to": "assigned"}, &e); st != 422 || e.Error.Fields["assignee"] == "" {
		t.Errorf("assign without assignee: %d %v", st, e.Error.Fields)
	}
	if st := f.api("POST", path, f.cw, map[string]any{"to": "assigned", "assignee_email": "cw2@example.org"}, &e); st != 403 {
		t.Errorf("caseworker assigns to a colleague: %d", st)
	}
	if st := f.api("POST", path, f.cw, map[string]any{"to": "flying"}, &e); st != 422 {
		t.Errorf("unknown status: %d", st)
	}
	var out caseOut
	if st := f.api("POST", path, f.sup, map[string]any{"to": "assigned", "assignee_email": "cw@example.org", "note": "yours"}, &out); st != 200 {
		t.Fatalf("supervisor assigns: %d", st)
	}
	if out.Status != "assigned" || out.Assignee == nil || *out.Assignee != "cw@example.org" || out.Version != 2 {
		t.Errorf("after assign: %+v", out)
	}
	steps := []map[string]any{
		{"to": "in_progress"},
		{"to": "escalated", "note": "lawyer needed"},
		{"to": "in_progress"},
		{"to": "resolved", "outcome": "released"},
	}
	for _, s := range steps {
		if st := f.api("POST", path, f.cw, s, &out); st != 200 {
			t.Fatalf("%v: %d", s, st)
		}
	}
	if out.Status != "resolved" || out.Outcome != "released" {
		t.Errorf("after resolve: %s %s", out.Status, out.Outcome)
	}
	h := out.History[len(out.History)-1]
	if h.From != "in_progress" || h.To != "resolved" || h.By != "cw@example.org" {
		t.Errorf("last history entry: %+v", h)
	}
	if st := f.api("POST", path, f.cw, map[string]any{"to": "closed"}, &e); st != 403 {
		t.Errorf("caseworker closes a resolved case: %d", st)
	}
	if st := f.api("POST", path, f.sup, map[string]any{"to": "closed", "version": 1}, &e); st != 409 || e.Error.Code != "conflict" {
		t.Errorf("stale move: %d %q", st, e.Error.Code)
	}
	if st := f.api("POST", path, f.sup, map[string]any{"to": "closed"}, &out); st != 200 || out.Status != "closed" {
		t.Errorf("supervisor closes: %d %s", st, out.Status)
	}
	if st := f.api("POST", path, f.sup, map[string]any{"to": "in_progress"}, &out); st != 200 || out.Status != "in_progress" || out.Outcome != "" {
		t.Errorf("supervisor reopens: %d %s %q", st, out.Status, out.Outcome)
	}
	if st := f.api("POST", path, f.sup, "{bad", &e); st != 400 {
		t.Errorf("malformed: %d", st)
	}
}

func TestAPIContacts(t *testing.T) {
	f := newAPIFixture(t)
	cs := f.create(f.cw, validCase())
	var ct struct {
		ID     uint  `json:"id"`
		CaseID *uint `json:"case_id"`
	}
	// An information-only call counts as a call, with no case.
	if st := f.api("POST", "/api/v1/contacts", f.cw, map[string]any{"channel": "telegram", "category": "consultation", "summary": "asks how to leave"}, &ct); st != 201 || ct.CaseID != nil {
		t.Fatalf("info call: %d %+v", st, ct)
	}
	if st := f.api("POST", "/api/v1/contacts", f.cw, map[string]any{"channel": "phone", "case_id": cs.ID, "summary": "calls again"}, &ct); st != 201 || ct.CaseID == nil || *ct.CaseID != cs.ID {
		t.Fatalf("follow-up: %d %+v", st, ct)
	}
	var out caseOut
	f.api("GET", fmt.Sprintf("/api/v1/cases/%d", cs.ID), f.cw, nil, &out)
	if len(out.Contacts) != 2 || out.Version != 1 {
		t.Errorf("case after a follow-up: %d contacts, version %d", len(out.Contacts), out.Version)
	}
	var e apiErr
	for name, body := range map[string]map[string]any{
		"unknown case":    {"channel": "phone", "case_id": 999},
		"no category":     {"channel": "phone"},
		"no channel":      {"category": "consultation"},
		"future":          {"channel": "phone", "category": "consultation", "received_at": time.Now().Add(time.Hour).Format(time.RFC3339)},
		"case id as text": {"channel": "phone", "case_id": "one"},
	} {
		if st := f.api("POST", "/api/v1/contacts", f.cw, body, &e); st != 422 {
			t.Errorf("%s: %d, want 422", name, st)
		}
	}
}

func TestAPIListCases(t *testing.T) {
	f := newAPIFixture(t)
	// Moscow is UTC+3: 2024-03-22T21:30Z is already 23 March there.
	a := f.create(f.cw, with(with(validCase(), "received_at", "2024-03-22T21:30:00Z"), "summary", "Raid at the Viktoria market"))
	b := f.create(f.cw, with(with(with(validCase(), "received_at", "2024-03-22T20:30:00Z"), "category", "raid"), "urgency", "normal"))
	c := f.create(f.cw, with(with(validCase(), "region", "RU-SPE"), "categories", []string{"deportation"}))
	f.api("POST", fmt.Sprintf("/api/v1/cases/%d/transitions", c.ID), f.sup, map[string]any{"to": "assigned", "assignee_email": "cw2@example.org"}, nil)

	refs := func(query, token string) []string {
		t.Helper()
		var out struct {
			Items []caseOut `json:"items"`
			Total int       `json:"total"`
		}
		if st := f.api("GET", "/api/v1/cases?"+query, token, nil, &out); st != 200 {
			t.Fatalf("%s: %d", query, st)
		}
		if out.Total != len(out.Items) && !strings.Contains(query, "per_page") {
			t.Errorf("%s: total %d, items %d", query, out.Total, len(out.Items))
		}
		var r []string
		for _, x := range out.Items {
			r = append(r, x.Reference)
		}
		sort.Strings(r)
		return r
	}
	eq := func(query, token string, want ...caseOut) {
		t.Helper()
		var w []string
		for _, x := range want {
			w = append(w, x.Reference)
		}
		sort.Strings(w)
		if got := refs(query, token); strings.Join(got, ",") != strings.Join(w, ",") {
			t.Errorf("%s: got %v, want %v", query, got, w)
		}
	}
	eq("", f.sup, a, b, c)
	eq("from=2024-03-23&to=2024-03-23", f.sup, a)
	eq("from=2024-03-22&to=2024-03-22", f.sup, b)
	eq("category=raid", f.sup, b)
	eq("category=deportation", f.sup, c) // an extra category counts
	eq("region=RU-SPE", f.sup, c)
	eq("urgency=normal", f.sup, b)
	eq("status=assigned", f.sup, c)
	eq("assignee=cw2@example.org", f.sup, c)
	eq("assignee=none", f.sup, a, b)
	eq("q=viktoria", f.sup, a)
	eq("q="+a.Reference, f.sup, a)
	eq("q=%25", f.sup) // a LIKE wildcard is literal
	eq("", f.cw, a, b) // a caseworker sees their own and the unassigned queue
	eq("assignee=me", f.cw2, c)
	var page struct {
		Items   []caseOut `json:"items"`
		Total   int       `json:"total"`
		Page    int       `json:"page"`
		PerPage int       `json:"per_page"`
	}
	f.api("GET", "/api/v1/cases?per_page=2&page=2", f.sup, nil, &page)
	if page.Total != 3 || len(page.Items) != 1 || page.Page != 2 || page.PerPage != 2 {
		t.Errorf("paging: %+v", page)
	}
	for _, q := range []string{"per_page=0", "per_page=1000", "page=0", "page=x", "from=23-03-2024", "to=2024-02-30", "status=lost", "urgency=soon", "from=2024-03-24&to=2024-03-23", "q=" + strings.Repeat("a", 201)} {
		var e apiErr
		if st := f.api("GET", "/api/v1/cases?"+q, f.sup, nil, &e); st != 422 || e.Error.Code != "validation" {
			t.Errorf("%s: %d %q, want 422", q, st, e.Error.Code)
		}
	}
	// Injection strings in filters are only values.
	eq("region="+strings.ReplaceAll("RU-MOW' OR '1'='1", " ", "%20"), f.sup)
}
