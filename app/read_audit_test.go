package app

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"himoya/models"
)

// readActions are the audit entries a read of records leaves.
var readActions = map[string]bool{models.AuditCaseView: true, models.AuditCaseList: true, models.AuditCallerLookup: true,
	models.AuditCallerView: true, models.AuditExport: true}

// auditTotal is how many entries the audit log holds, and the newest.
func auditTotal(t *testing.T, e *testEnv) (int64, models.AuditEntry) {
	t.Helper()
	p, err := e.Store.ListAudit(context.Background(), e.adminFor(t), models.AuditFilter{PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	var last models.AuditEntry
	if len(p.Items) > 0 {
		last = p.Items[0]
	}
	return p.Total, last
}

// TestEveryReadOfRecordsIsAudited walks the route table as a supervisor and a caseworker —
// every page and API read, plus the search and the phone lookup, which are posts — and for
// each answer that shows a case's reference or a caller's name, requires a read entry in the
// audit log written by that request: lists, searches and lookups leave a trace as opening a
// case does. The entries hold codes and counts, never the searched text or the phone.
func TestEveryReadOfRecordsIsAudited(t *testing.T) {
	f := newAccessFixture(t)
	e := f.testEnv
	e.adminFor(t)
	callerID := *getCase(t, e, f.sup, f.queue.ID).CallerID
	shows := []string{f.theirs.Reference, f.restricted.Reference, f.queue.Reference, "Фарход", "Зарина", "Rustam Queue"}
	ids := map[string]string{"case": id(f.queue.ID), "caller": id(callerID), "user": id(f.cw.ID), "event": "1"}
	type reader struct {
		name string
		b    *browser
		tok  string
	}
	readers := []reader{{"supervisor", fresh(t, f.login("sup@example.org")), f.supTok}, {"caseworker", fresh(t, f.login("cw@example.org")), f.cwTok}}
	checked := 0
	for _, r := range readers {
		type read struct {
			what string
			do   func() string
		}
		var reads []read
		for _, rt := range Routes() {
			if rt.Method != "GET" {
				continue
			}
			path := fillParams(rt.Path, ids)
			if strings.HasPrefix(rt.Path, "/api/") {
				reads = append(reads, read{"GET " + rt.Path, func() string {
					req := httptest.NewRequest("GET", path, nil)
					req.Header.Set("Authorization", "Bearer "+r.tok)
					resp := e.do(req)
					defer resp.Body.Close()
					var b strings.Builder
					buf := make([]byte, 4096)
					for {
						n, err := resp.Body.Read(buf)
						b.Write(buf[:n])
						if err != nil {
							break
						}
					}
					return b.String()
				}})
				continue
			}
			reads = append(reads, read{"GET " + rt.Path, func() string { _, body := r.b.get(path); return body }})
		}
		reads = append(reads,
			read{"search", func() string {
				r.b.get("/cases")
				_, body := r.b.post("/cases/search", url.Values{"q": {"Rustam"}})
				return body
			}},
			read{"lookup", func() string {
				r.b.get("/calls/new")
				_, body := r.b.post("/calls", intakeForm(map[string]string{"action": "lookup", "caller.phone": "+992 93 777 8899"}))
				return body
			}})
		for _, rd := range reads {
			before, _ := auditTotal(t, e)
			body := rd.do()
			shown := ""
			for _, s := range shows {
				if strings.Contains(body, s) {
					shown = s
				}
			}
			if shown == "" {
				continue
			}
			checked++
			after, last := auditTotal(t, e)
			if after == before || !readActions[last.Action] {
				t.Errorf("%s, %s: the answer shows %q but the audit log has no read entry (newest: %s %q)", r.name, rd.what, shown, last.Action, last.Detail)
				continue
			}
			for _, secret := range []string{"Rustam", "777", "8899", "example.org"} {
				if strings.Contains(last.Detail, secret) {
					t.Errorf("%s, %s: the audit entry holds %q: %q", r.name, rd.what, secret, last.Detail)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d reads showed records: the sweep is not reading what it should", checked)
	}
	// What a list entry says: the filters' codes and the count, whether a text was searched.
	rb := readers[0].b
	rb.get("/cases?status=new&region=RU-MOW")
	_, last := auditTotal(t, e)
	if last.Action != models.AuditCaseList || !strings.Contains(last.Detail, "status=new") || !strings.Contains(last.Detail, "region=RU-MOW") || !strings.Contains(last.Detail, "rows=") {
		t.Errorf("list entry: %s %q", last.Action, last.Detail)
	}
	rb.get("/cases")
	rb.post("/cases/search", url.Values{"q": {"Rustam"}})
	if _, last = auditTotal(t, e); !strings.Contains(last.Detail, "search=1") || !strings.Contains(last.Detail, "rows=1") {
		t.Errorf("search entry: %s %q", last.Action, last.Detail)
	}
	rb.get("/calls/new")
	rb.post("/calls", intakeForm(map[string]string{"action": "lookup", "caller.phone": "+992 93 777 8899"}))
	if _, last = auditTotal(t, e); last.Action != models.AuditCallerLookup || last.Detail != "matches=1" {
		t.Errorf("lookup entry: %s %q", last.Action, last.Detail)
	}
}

// TestRequestIDIsHimoyas: a request id a client sends is neither echoed in the response's
// headers nor written into the audit log: the id is always himoya's own.
func TestRequestIDIsHimoyas(t *testing.T) {
	e := newTestEnv(t)
	e.user("cw@example.org", models.RoleCaseworker)
	tok := e.token("cw@example.org")
	e.adminFor(t)
	const sent = "=HYPERLINK(\"http://x\")"
	e.userText = []string{sent}
	req := httptest.NewRequest("GET", "/api/v1/cases", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-Request-ID", sent)
	resp := e.do(req)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Request-ID") == "" {
		t.Fatalf("status %d, request id %q", resp.StatusCode, resp.Header.Get("X-Request-ID"))
	}
	_, last := auditTotal(t, e)
	if last.Action != models.AuditCaseList || last.RequestID == sent || last.RequestID != resp.Header.Get("X-Request-ID") {
		t.Errorf("audit entry %s with request id %q, answer's %q", last.Action, last.RequestID, resp.Header.Get("X-Request-ID"))
	}
}
