package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"himoya/models"
)

// readableInFiles opens every sealed value found in the database file and its WAL with the
// key file, as someone who seized both would, and returns the texts joined. A sealed value's
// end is not marked in a page, so each candidate is tried at every length.
func readableInFiles(t *testing.T, path string, k *models.Keyring) string {
	t.Helper()
	re := regexp.MustCompile(`hk[0-9]+\.[0-9]+\.[A-Za-z0-9+/]{20,}`)
	var out []string
	for _, file := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(file)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAll(data, -1) {
			for n := len(m); n > 20; n-- {
				if plain, err := k.Open(string(m[:n])); err == nil {
					out = append(out, plain)
					break
				}
			}
		}
	}
	return strings.Join(out, "\n")
}

// sqliteFile opens a database file directly, to look at what is stored.
func sqliteFile(t *testing.T, path string) *gorm.DB {
	t.Helper()
	g, err := gorm.Open(sqlite.Open(path), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d, err := g.DB(); err == nil {
			d.Close()
		}
	})
	return g
}

// TestForgetThisPerson: a supervisor erases a caller from the case page, after a confirmation
// with a reason code; their name and phone are then on no page, in no API answer and in no
// file, the phone lookup does not find them, the numbers are the same, and the audit log
// has the reason code.
func TestForgetThisPerson(t *testing.T) {
	f := newAPIFixture(t)
	ctx := context.Background()
	const name, phone, safe = "Nigora Forgetful", "+992 93 999 00 11", "ask for Malika"
	body := validCase()
	body["caller"] = map[string]any{"name": name, "phone": phone, "safe_contact": safe, "citizenship": "TJ", "language": "tg"}
	body["summary"] = "Nigora Forgetful was taken from her flat at night"
	cs := f.create(f.cw, body)
	supUser, err := f.Store.UserByEmail(ctx, "sup@example.org")
	if err != nil {
		t.Fatal(err)
	}
	full := getCase(t, f.testEnv, supUser, cs.ID)
	callerID := *full.CallerID
	if st := f.api("POST", "/api/v1/contacts", f.cw, map[string]any{"channel": "phone", "case_id": cs.ID,
		"caller": map[string]any{"id": callerID}, "summary": "Nigora says the officers took her patent"}, nil); st != 201 {
		t.Fatalf("follow-up call: %d", st)
	}
	// A call logged by an integration that did not look the phone up made a second record
	// with the same number: the confirmation points to it, and it is forgotten on its own.
	if st := f.api("POST", "/api/v1/contacts", f.cw, map[string]any{"channel": "phone", "category": "consultation",
		"caller": map[string]any{"phone": "00992 93 999 0011", "name": "Sister of N."}, "summary": "asked for news"}, nil); st != 201 {
		t.Fatalf("information call: %d", st)
	}
	other := f.create(f.cw, validCase()) // someone else, untouched
	casePath := fmt.Sprintf("/cases/%d", cs.ID)
	forgetPath := fmt.Sprintf("/callers/%d/forget", callerID)
	before, err := f.Store.Count(ctx, models.CountRange{})
	if err != nil {
		t.Fatal(err)
	}

	// A caseworker is offered no button and cannot reach the confirmation or the action.
	cw := f.login("cw@example.org")
	_, page := cw.get(casePath)
	pageLacks(t, page, forgetPath, "caseworker's case page")
	resp, _ := cw.get(forgetPath)
	mustStatus(t, resp, 403, "caseworker opens the confirmation")
	resp, _ = cw.post(forgetPath, url.Values{"reason": {"safety_risk"}})
	mustStatus(t, resp, 403, "caseworker forgets")

	// The supervisor's case page links to the confirmation, which says what will go.
	sup := f.login("sup@example.org")
	_, page = sup.get(casePath)
	pageHas(t, page, name, "case page before")
	pageHas(t, page, `href="`+forgetPath+`"`, "supervisor's case page")
	resp, page = sup.get(forgetPath)
	mustStatus(t, resp, 200, "confirmation")
	pageHas(t, page, name, "confirmation")
	pageHas(t, page, cs.Reference, "confirmation lists the case")
	pageHas(t, page, `value="safety_risk"`, "confirmation offers the reasons")
	pageHas(t, page, "Sister of N.", "confirmation names the other record with the same phone")
	pageHas(t, page, fmt.Sprintf(`href="/callers/%d/forget"`, callerID+1), "confirmation links to the other record")
	// No reason, or one not on the list: nothing happens.
	for _, reason := range []string{"", "her husband asked"} {
		resp, page = sup.post(forgetPath, url.Values{"reason": {reason}})
		mustStatus(t, resp, 422, "forget without a reason code")
		pageHas(t, page, "choose why", "the refusal says why")
	}
	if c := getCase(t, f.testEnv, supUser, cs.ID); c.Caller.Name != name {
		t.Fatal("a refused forget erased the caller")
	}
	resp, _ = sup.post(forgetPath, url.Values{"reason": {"request_of_person"}})
	mustStatus(t, resp, 303, "forget")
	if loc := resp.Header.Get("Location"); loc != casePath {
		t.Errorf("after forgetting: to %q, want %q", loc, casePath)
	}

	// Gone from the pages...
	_, page = sup.get(casePath)
	for _, s := range []string{name, "Nigora", "999 00 11", safe, "taken from her flat", "took her patent"} {
		pageLacks(t, page, s, "case page after")
	}
	pageHas(t, page, "were erased on", "case page says the data was erased")
	_, page = sup.get("/cases")
	pageLacks(t, page, "Nigora", "case list")
	sup.get("/cases")
	_, page = sup.post("/cases/search", url.Values{"q": {"Nigora"}})
	pageHas(t, page, "0 cases", "search by her name")
	sup.get("/calls/new")
	_, page = sup.post("/calls", intakeForm(map[string]string{"action": "lookup", "caller.phone": "992939990011", "caller.name": ""}))
	pageLacks(t, page, "Nigora", "phone lookup")
	pageLacks(t, page, fmt.Sprintf(`name="caller.id" value="%d"`, callerID), "phone lookup offers the forgotten record")
	pageHas(t, page, "Sister of N.", "phone lookup still finds the other record with the number")
	// ...from the API...
	var out caseOut
	raw := map[string]any{}
	f.api("GET", fmt.Sprintf("/api/v1/cases/%d", cs.ID), f.sup, nil, &raw)
	js := fmt.Sprint(raw)
	// The phone as typed or as digits ("999" alone is found by chance in the nanoseconds of
	// a timestamp).
	for _, s := range []string{"Nigora", "999 00 11", "9990011", "Malika", "her flat", "patent"} {
		if strings.Contains(js, s) {
			t.Errorf("the API still answers %q", s)
		}
	}
	f.api("GET", fmt.Sprintf("/api/v1/cases/%d", cs.ID), f.sup, nil, &out)
	if out.Caller == nil || out.Category != "illegal_detention" || out.PeopleAffected != 3 || out.Reference != cs.Reference {
		t.Errorf("the case lost its other fields: %+v", out)
	}
	var list struct {
		Total int `json:"total"`
	}
	f.api("GET", "/api/v1/cases?q=forgetful", f.sup, nil, &list)
	if list.Total != 0 {
		t.Errorf("API search finds her: %d", list.Total)
	}
	// ...and from the files, even for someone holding the key file.
	texts := readableInFiles(t, f.Path, f.Store.Keys())
	for _, s := range []string{"Nigora", "939990011", "999 00 11", "Malika", "her flat", "her patent"} {
		if strings.Contains(texts, s) {
			t.Errorf("%q can still be read from the database files", s)
		}
	}
	if !strings.Contains(texts, "Farkhat") {
		t.Error("the file scan does not see the other caller, who was kept")
	}
	if c := getCase(t, f.testEnv, supUser, other.ID); c.Caller.Name != "Farkhat" || c.Summary == "" {
		t.Errorf("another person's case was touched: %+v", c)
	}

	after, _ := f.Store.Count(ctx, models.CountRange{})
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the numbers changed:\nbefore %+v\nafter  %+v", before, after)
	}
	var n int64
	err = sqliteFile(t, f.Path).Raw(`SELECT COUNT(*) FROM audit_entries a JOIN users u ON u.id = a.actor_id
		WHERE a.action = ? AND a.object = 'caller' AND a.object_id = ? AND u.email = 'sup@example.org'
		AND a.detail = 'reason=request_of_person cases=1 calls=2'`, models.AuditCallerForget, callerID).Scan(&n).Error
	if err != nil || n != 1 {
		t.Errorf("audit entries for the forget: %d (%v)", n, err)
	}
}

// TestCLIRetentionRun: `himoya retention run` over a demo hotline erases the personal data of
// the cases closed before the period and keeps every number.
func TestCLIRetentionRun(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()
	if code, out := c.run("", "demo", "-months", "6", "-cases", "150", "-seed", "3"); code != 0 {
		t.Fatalf("demo: %d %s", code, out)
	}
	s := c.store()
	before, err := s.Count(ctx, models.CountRange{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	cutoff := time.Now().AddDate(0, -2, 0).UTC()
	old := c.count("SELECT COUNT(*) FROM cases WHERE status = 'closed' AND closed_at < ? AND summary <> ''", cutoff)
	if old == 0 {
		t.Fatal("the demo has no case closed more than 2 months ago")
	}
	c.env["HIMOYA_RETENTION_MONTHS"] = "2"
	code, out := c.run("", "retention", "run")
	if code != 0 || !strings.Contains(out, "erased the personal data of "+strconv.FormatInt(old, 10)+" cases") {
		t.Fatalf("retention run: %d %q, want %d cases", code, out, old)
	}
	if n := c.count("SELECT COUNT(*) FROM cases WHERE status = 'closed' AND closed_at < ? AND (summary <> '' OR erased_at IS NULL)", cutoff); n != 0 {
		t.Errorf("%d old closed cases kept their summary", n)
	}
	if n := c.count("SELECT COUNT(*) FROM cases WHERE status <> 'closed' AND (summary = '' OR erased_at IS NOT NULL)"); n != 0 {
		t.Errorf("%d cases that are not closed were erased", n)
	}
	if n := c.count("SELECT COUNT(*) FROM audit_entries WHERE action = ? AND detail LIKE ?", models.AuditRetentionRun, "cases="+strconv.FormatInt(old, 10)+" callers=%"); n != 1 {
		t.Errorf("%d audit entries for the run", n)
	}
	s = c.store()
	after, err := s.Count(ctx, models.CountRange{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the numbers changed:\nbefore %+v\nafter  %+v", before, after)
	}
	s.Close()
	if code, out := c.run("", "retention", "run", "-vacuum"); code != 0 || !strings.Contains(out, "0 cases") || !strings.Contains(out, "vacuum") {
		t.Errorf("second run with -vacuum: %d %q", code, out)
	}

	for _, tc := range []struct {
		env  string
		args []string
	}{{"abc", []string{"retention", "run"}}, {"0", []string{"retention", "run"}}, {"", []string{"retention"}}, {"", []string{"retention", "go"}}} {
		c.env["HIMOYA_RETENTION_MONTHS"] = tc.env
		if code, _ := c.run("", tc.args...); code != 2 {
			t.Errorf("HIMOYA_RETENTION_MONTHS=%q %v: exit %d, want 2", tc.env, tc.args, code)
		}
	}
}

// TestRetentionMonthsConfig: the default is 24 months.
func TestRetentionMonthsConfig(t *testing.T) {
	cfg, err := loadConfig(func(string) string { return "" })
	if err != nil || cfg.RetentionMonths != 24 {
		t.Fatalf("default: %d %v", cfg.RetentionMonths, err)
	}
	cfg, err = loadConfig(func(k string) string {
		if k == "HIMOYA_RETENTION_MONTHS" {
			return "60"
		}
		return ""
	})
	if err != nil || cfg.RetentionMonths != 60 {
		t.Fatalf("60: %d %v", cfg.RetentionMonths, err)
	}
}
