package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"himoya/models"
)

// reportEnv is a hotline whose 23-24 March 2024 (Moscow time) is known by construction: 10
// raid cases in Moscow on the 23rd (the first at 00:01), 7 deportation cases in Moscow
// Oblast and 3 illegal detention cases in Saint Petersburg on the 24th (the last at 23:59);
// outside the period, a raid case at 23:59 on the 22nd and one at 00:01 on the 25th.
type reportEnv struct {
	*testEnv
	sup, cw string // API tokens
}

func newReportEnv(t *testing.T) *reportEnv {
	e := newTestEnv(t)
	cw := e.user("cw@example.org", models.RoleCaseworker)
	e.user("sup@example.org", models.RoleSupervisor)
	ctx := context.Background()
	moscow := e.Store.Loc
	e.Store.Now = func() time.Time { return time.Date(2024, 3, 26, 9, 0, 0, 0, moscow) }
	open := func(at, category, region string) {
		t.Helper()
		_, err := e.Store.CreateCase(ctx, cw, models.IntakeInput{ReceivedAt: at, Channel: "phone",
			CaseFields: models.CaseFields{Category: category, Region: region, Summary: "Detained at the market"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	open("2024-03-22T23:59", "raid", "RU-MOW")
	open("2024-03-23T00:01", "raid", "RU-MOW")
	for i := range 9 {
		open("2024-03-23T1"+string(rune('0'+i))+":00", "raid", "RU-MOW")
	}
	for i := range 7 {
		open("2024-03-24T0"+string(rune('1'+i))+":00", "deportation", "RU-MOS")
	}
	open("2024-03-24T21:00", "illegal_detention", "RU-SPE")
	open("2024-03-24T22:00", "illegal_detention", "RU-SPE")
	open("2024-03-24T23:59", "illegal_detention", "RU-SPE")
	open("2024-03-25T00:01", "raid", "RU-MOW")
	e.Store.Now = time.Now // logins and sessions run on the real clock
	return &reportEnv{testEnv: e, sup: e.token("sup@example.org"), cw: e.token("cw@example.org")}
}

type reportJSON struct {
	From, To       string
	Calls          int `json:"calls"`
	Cases          int `json:"cases"`
	PeopleAffected int `json:"people_affected"`
	ByCategory     []struct {
		Code           string   `json:"code"`
		Label          string   `json:"label"`
		Calls          *int     `json:"calls"`
		Cases          *int     `json:"cases"`
		PeopleAffected *int     `json:"people_affected"`
		Share          *float64 `json:"share"`
	} `json:"by_category"`
	ByRegion []struct {
		Code  string `json:"code"`
		Cases *int   `json:"cases"`
	} `json:"by_region"`
	ByDay []struct {
		Date  string `json:"date"`
		Calls *int   `json:"calls"`
		Cases *int   `json:"cases"`
	} `json:"by_day"`
	Previous struct {
		From  string `json:"from"`
		Calls int    `json:"calls"`
	} `json:"previous"`
	Headline    struct{ EN, RU string } `json:"headline"`
	Suppression *struct {
		MinCell int    `json:"min_cell"`
		Rule    string `json:"rule"`
	} `json:"suppression"`
}

func (r reportJSON) category(code string) (calls, cases *int, share *float64, ok bool) {
	for _, x := range r.ByCategory {
		if x.Code == code {
			return x.Calls, x.Cases, x.Share, true
		}
	}
	return nil, nil, nil, false
}

func cnt(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func TestReportAPI(t *testing.T) {
	e := newReportEnv(t)
	var r reportJSON
	if st := e.api("GET", "/api/v1/reports?from=2024-03-23&to=2024-03-24", e.sup, nil, &r); st != 200 {
		t.Fatalf("status %d", st)
	}
	if r.Calls != 20 || r.Cases != 20 || r.PeopleAffected != 20 || r.Previous.Calls != 1 || r.Previous.From != "2024-03-21" {
		t.Errorf("figures: %+v", r)
	}
	if c, cs, sh, _ := r.category("raid"); cnt(c) != 10 || cnt(cs) != 10 || sh == nil || *sh != 0.5 {
		t.Errorf("raid: %d calls, %d cases, share %v", cnt(c), cnt(cs), sh)
	}
	if len(r.ByDay) != 2 || cnt(r.ByDay[0].Calls) != 10 || cnt(r.ByDay[1].Calls) != 10 {
		t.Errorf("by day: %+v", r.ByDay)
	}
	if r.Headline.EN != "20 calls on 23-24 March 2024; 50% about police raid" ||
		r.Headline.RU != "20 обращений 23-24 марта 2024 г.; 50% — «Рейд полиции»" {
		t.Errorf("headline %q / %q", r.Headline.EN, r.Headline.RU)
	}
	if r.Suppression != nil {
		t.Errorf("internal version states a suppression rule")
	}

	// Public: the 3 is withheld, and with it the next smallest (7), so that neither can be
	// worked out from the published total (20) and the 10.
	var p reportJSON
	if st := e.api("GET", "/api/v1/reports?from=2024-03-23&to=2024-03-24&public=1", e.sup, nil, &p); st != 200 {
		t.Fatalf("public: status %d", st)
	}
	raid, _, _, _ := p.category("raid")
	dep, _, depShare, _ := p.category("deportation")
	ill, _, _, _ := p.category("illegal_detention")
	if cnt(raid) != 10 || dep != nil || depShare != nil || ill != nil || p.Calls != 20 {
		t.Errorf("public categories: raid %d, deportation %d, illegal detention %d, total %d", cnt(raid), cnt(dep), cnt(ill), p.Calls)
	}
	if p.Suppression == nil || p.Suppression.MinCell != 5 || !strings.Contains(p.Suppression.Rule, "withheld") {
		t.Errorf("public JSON states no rule: %+v", p.Suppression)
	}
	for _, x := range p.ByRegion {
		if x.Code == "RU-MOW" && cnt(x.Cases) != 10 || x.Code != "RU-MOW" && x.Cases != nil {
			t.Errorf("public regions: %s %d", x.Code, cnt(x.Cases))
		}
	}
	if p.Headline.EN != r.Headline.EN {
		t.Errorf("public headline %q", p.Headline.EN)
	}

	// A month: the period and its headline.
	var m reportJSON
	if st := e.api("GET", "/api/v1/reports?month=2024-03", e.sup, nil, &m); st != 200 || m.Calls != 22 || m.From != "2024-03-01" {
		t.Errorf("month: %d, %d calls from %s", st, m.Calls, m.From)
	}
}

func TestReportRefusals(t *testing.T) {
	e := newReportEnv(t)
	for _, path := range []string{"/api/v1/reports", "/api/v1/reports?month=2024-03&format=csv"} {
		if st := e.api("GET", path, e.cw, nil, nil); st != http.StatusForbidden {
			t.Errorf("caseworker %s: %d, want 403", path, st)
		}
	}
	b := e.login("cw@example.org")
	for _, path := range []string{"/reports", "/reports/export?month=2024-03&format=pdf"} {
		if resp, _ := b.get(path); resp.StatusCode != http.StatusForbidden {
			t.Errorf("caseworker page %s: %d, want 403", path, resp.StatusCode)
		}
	}
	if _, body := b.get("/cases"); strings.Contains(body, `href="/reports"`) {
		t.Error("a caseworker's menu links to reports")
	}
	for _, q := range []string{"from=2024-03-31&to=2024-03-01", "from=2024-3-1&to=2024-03-31", "from=2021-01-01&to=2024-01-01",
		"month=2024-13", "from=2024-03-01", "month=2024-03&format=doc"} {
		var out struct {
			Error struct {
				Code   string            `json:"code"`
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		if st := e.api("GET", "/api/v1/reports?"+q, e.sup, nil, &out); st != http.StatusUnprocessableEntity || len(out.Error.Fields) == 0 {
			t.Errorf("%s: %d %+v, want 422 naming the field", q, st, out)
		}
	}
	sb := e.login("sup@example.org")
	resp, body := sb.get("/reports?from=2024-03-31&to=2024-03-01")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "must not be before from") || !strings.Contains(body, `value="2024-03-31"`) {
		t.Errorf("page with a bad period: %d", resp.StatusCode)
	}
}

// download gets a report file through the API and checks its headers.
func (e *reportEnv) download(path, wantType, wantName string) []byte {
	e.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+e.sup)
	resp := e.do(req)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		e.t.Fatalf("%s: status %d: %s", path, resp.StatusCode, data)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
		e.t.Errorf("%s: Content-Type %q", path, ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="`+wantName+`"` {
		e.t.Errorf("%s: Content-Disposition %q", path, cd)
	}
	return data
}

func TestReportExports(t *testing.T) {
	e := newReportEnv(t)
	e.user("admin@example.org", models.RoleAdmin)

	data := e.download("/api/v1/reports?from=2024-03-23&to=2024-03-24&public=1&format=csv", "text/csv",
		"himoya-report-2024-03-23_2024-03-24-public.csv")
	if !bytes.HasPrefix(data, []byte("\ufeff")) {
		t.Error("CSV without a byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, rec := range recs {
		got[rec[0]+"/"+rec[1]+"/"+rec[4]] = rec[5]
	}
	for k, want := range map[string]string{"category/raid/calls": "10", "category/deportation/calls": "x",
		"category/illegal_detention/calls": "x", "summary/calls/value": "20", "report/version/text": "public",
		"region/RU-MOW/cases": "10"} {
		if got[k] != want {
			t.Errorf("CSV %s = %q, want %q", k, got[k], want)
		}
	}
	if !strings.Contains(got["report/rule/text"], "withheld") {
		t.Error("CSV does not state the rule")
	}

	data = e.download("/api/v1/reports?month=2024-03&format=xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"himoya-report-2024-03.xlsx")
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for _, c := range []struct{ sheet, cell, want string }{
		{"Summary", "C9", "22"}, {"Category", "D2", "12"}, {"Category", "C2", "Рейд полиции"}, {"By day", "A23", "2024-03-22"},
		{"By day", "B24", "10"},
	} {
		v, _ := x.GetCellValue(c.sheet, c.cell)
		if v != c.want {
			t.Errorf("XLSX %s!%s = %q, want %q", c.sheet, c.cell, v, c.want)
		}
	}
	for _, cell := range []string{"C9", "D9"} {
		if typ, _ := x.GetCellType("Summary", cell); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("XLSX Summary!%s is not a number (%v)", cell, typ)
		}
	}

	data = e.download("/api/v1/reports?from=2024-03-23&to=2024-03-24&format=pdf", "application/pdf",
		"himoya-report-2024-03-23_2024-03-24.pdf")
	if !bytes.HasPrefix(data, []byte("%PDF-")) || bytes.Count(data, []byte("/Type /Page\n")) < 1 {
		t.Errorf("not a PDF with pages: %.20q", data)
	}

	// Each export is in the audit log, with its format and period and nothing else.
	admin, _ := e.Store.UserByEmail(context.Background(), "admin@example.org")
	log, err := e.Store.ListAudit(context.Background(), admin, models.AuditFilter{Action: models.AuditExport})
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, it := range log.Items {
		details = append(details, it.Detail)
	}
	all := strings.Join(details, "\n")
	for _, want := range []string{"report format=csv from=2024-03-23 to=2024-03-24 public=1",
		"report format=xlsx from=2024-03-01 to=2024-03-31 public=0", "report format=pdf from=2024-03-23 to=2024-03-24 public=0"} {
		if !strings.Contains(all, want) {
			t.Errorf("audit log lacks %q:\n%s", want, all)
		}
	}
}

func TestReportPage(t *testing.T) {
	e := newReportEnv(t)
	b := e.login("sup@example.org")
	resp, body := b.get("/reports?from=2024-03-23&to=2024-03-24")
	mustStatus(t, resp, 200, "report page")
	for _, want := range []string{
		"20 calls on 23-24 March 2024; 50% about police raid",
		`href="/reports"`, `<th scope="row">Police raid</th>`, `href="/reports/export?format=xlsx&amp;from=2024-03-23&amp;to=2024-03-24"`,
		`<time datetime="2024-03-24">`, "Status at the end of the period", "Median time to assignment", `type="month"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	b.lang = "ru" // the same report in Russian
	_, body = b.get("/reports?from=2024-03-23&to=2024-03-24")
	for _, want := range []string{"20 обращений 23-24 марта 2024 г.", "Рейд полиции"} {
		if !strings.Contains(body, want) {
			t.Errorf("Russian report page lacks %q", want)
		}
	}
	b.lang = ""
	_, body = b.get("/reports?from=2024-03-23&to=2024-03-24&public=1")
	for _, want := range []string{`<span aria-hidden="true">x</span><span class="sr">withheld</span>`, "public version", "public=1", `name="public" value="1" checked`} {
		if !strings.Contains(body, want) {
			t.Errorf("public report page lacks %q", want)
		}
	}
	_, body = b.get("/reports?month=2024-03")
	if !strings.Contains(body, "22 calls in March 2024") || !strings.Contains(body, `value="2024-03"`) {
		t.Error("month report page")
	}
	resp, body = b.get("/reports")
	if resp.StatusCode != 200 || !strings.Contains(body, "Download csv") {
		t.Errorf("default report page: %d", resp.StatusCode)
	}
	resp, data := b.get("/reports/export?month=2024-03&format=csv&public=1")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Disposition") != `attachment; filename="himoya-report-2024-03-public.csv"` ||
		!strings.Contains(data, "category,raid") {
		t.Errorf("download from the page: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
}

func TestReportMinCellConfig(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "HIMOYA_MIN_CELL" {
				return v
			}
			return ""
		}
	}
	for _, tc := range []struct {
		value string
		want  int
		ok    bool
	}{{"", 5, true}, {"10", 10, true}, {"1", 0, false}, {"five", 0, false}} {
		c, err := loadConfig(env(tc.value))
		if (err == nil) != tc.ok || (tc.ok && c.MinCell != tc.want) {
			t.Errorf("HIMOYA_MIN_CELL=%q: %d, %v", tc.value, c.MinCell, err)
		}
	}
	// The configured threshold is the public report's.
	e := newReportEnv(t)
	a, err := NewServer(context.Background(), e.Store, Config{MinCell: 11})
	if err != nil {
		t.Fatal(err)
	}
	e.App = a
	var r reportJSON
	if st := e.api("GET", "/api/v1/reports?from=2024-03-23&to=2024-03-24&public=1", e.sup, nil, &r); st != 200 {
		t.Fatalf("status %d", st)
	}
	if raid, _, _, _ := r.category("raid"); raid != nil || r.Suppression == nil || r.Suppression.MinCell != 11 {
		t.Errorf("with a threshold of 11, raid (10) is %v", raid)
	}
}
