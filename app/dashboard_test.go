package app

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"himoya/models"
)

// dashboardEnv is a hotline with a known past (around 2024-03-23 12:00 in Moscow) and a
// present: a critical case waiting two hours for someone, and a case assigned to cw.
type dashboardEnv struct {
	*testEnv
	sup, cw      *models.User
	waiting, his *models.Case
}

const dashAt = "2024-03-23T12:00:00+03:00"

func newDashboardEnv(t *testing.T) *dashboardEnv {
	e := &dashboardEnv{testEnv: newTestEnv(t)}
	e.sup = e.user("sup@example.org", models.RoleSupervisor)
	e.cw = e.user("cw@example.org", models.RoleCaseworker)
	ctx := context.Background()
	open := func(received, urgency, region, category string) *models.Case {
		cs, err := e.Store.CreateCase(ctx, e.cw, models.IntakeInput{Channel: "phone", ReceivedAt: received,
			CaseFields: models.CaseFields{Category: category, Summary: "Ivan's story, not for the dashboard", Region: region, Urgency: urgency}})
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	call := func(received, category string, caseID *uint) {
		if _, err := e.Store.LogContact(ctx, e.cw, models.ContactInput{Channel: "phone", ReceivedAt: received,
			Category: category, CaseID: caseID, Summary: "a caller's words"}); err != nil {
			t.Fatal(err)
		}
	}
	// The past: 3 raid calls on the 22nd (one opened a case in Moscow, two follow it up), 2
	// deportation calls without a case on the 20th, a consultation at 11:00 on the 23rd.
	raid := open("2024-03-22T10:00:00+03:00", "normal", "RU-MOW", "raid")
	call("2024-03-22T10:30:00+03:00", "raid", &raid.ID)
	call("2024-03-22T11:00:00+03:00", "raid", &raid.ID)
	call("2024-03-20T09:00:00+03:00", "deportation", nil)
	call("2024-03-20T09:05:00+03:00", "deportation", nil)
	call("2024-03-23T11:00:00+03:00", "consultation", nil)
	call("2024-03-23T12:00:01+03:00", "consultation", nil) // after the moment looked at
	// The present.
	now := time.Now()
	e.waiting = open(now.Add(-2*time.Hour).Format(time.RFC3339), "critical", "RU-SPE", "illegal_detention")
	e.his = open(now.Add(-time.Hour).Format(time.RFC3339), "high", "RU-MOW", "deportation")
	if _, err := e.Store.Transition(ctx, e.sup, e.his.ID, models.TransitionInput{To: "assigned", AssigneeID: e.cw.ID}); err != nil {
		t.Fatal(err)
	}
	return e
}

var (
	svgRect   = regexp.MustCompile(`<rect class="s\d" [^>]*data-n="(\d+)"><title>([^<]*): (\d+)</title></rect>`)
	tableRow  = regexp.MustCompile(`<tr><th scope="row">([^<]*)</th>((?:<td class="num">\d+</td>)+)</tr>`)
	tableCell = regexp.MustCompile(`<td class="num">(\d+)</td>`)
	tableHead = regexp.MustCompile(`<th scope="col" class="num">([^<]*)</th>`)
)

// section is the part of a page from the element with id to the end of its table.
func section(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no %s on the page", id)
	}
	j := strings.Index(body[i:], "</table>")
	if j < 0 {
		t.Fatalf("%s has no table after it", id)
	}
	return body[i : i+j]
}

// chartNumbers reads the bars of an SVG chart: "label: n" -> n, and checks that each bar's
// data-n and title agree.
func chartNumbers(t *testing.T, svg string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range svgRect.FindAllStringSubmatch(svg, -1) {
		if m[1] != m[3] {
			t.Errorf("bar %q: data-n %s, title says %s", m[2], m[1], m[3])
		}
		n, _ := strconv.Atoi(m[3])
		if n > 0 {
			out[html.UnescapeString(m[2])] = n
		}
	}
	return out
}

// tableNumbers reads a chart's table: "row, column" (or "row" for one column) -> n, the
// non-zero cells only (the chart draws no bar for 0), leaving out the "All calls" column.
func tableNumbers(t *testing.T, table string) map[string]int {
	t.Helper()
	var heads []string
	for _, m := range tableHead.FindAllStringSubmatch(table, -1) {
		heads = append(heads, html.UnescapeString(m[1]))
	}
	out := map[string]int{}
	for _, m := range tableRow.FindAllStringSubmatch(table, -1) {
		row := html.UnescapeString(m[1])
		cells := tableCell.FindAllStringSubmatch(m[2], -1)
		for i, c := range cells {
			n, _ := strconv.Atoi(c[1])
			if n == 0 || (len(heads) > 1 && heads[i] == "All calls") {
				continue
			}
			key := row
			if len(heads) > 2 {
				key = row + ", " + heads[i]
			}
			out[key] = n
		}
	}
	return out
}

// TestDashboardPageForSupervisors: the page answers "what needs us now", reloads itself,
// carries no inline style or script, and each chart's bars say the numbers of its table.
func TestDashboardPageForSupervisors(t *testing.T) {
	e := newDashboardEnv(t)
	b := e.login(e.sup.Email)
	resp, _ := b.get("/")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard" {
		t.Errorf("home: %d to %q, want 303 to /dashboard", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.get("/dashboard")
	mustStatus(t, resp, http.StatusOK, "dashboard")
	for _, want := range []string{
		`<meta name="himoya-live" content="60">`, `<script src="/static/live.js" defer></script>`, `href="/dashboard">Refresh now</a>`,
		`href="/cases/` + strconv.Itoa(int(e.waiting.ID)) + `">` + e.waiting.Reference + `</a>`,
		"Critical cases nobody is assigned to (1)", "Overdue (2)",
		"A case is overdue when nobody is assigned to it 1 h after the call if it is critical, 4 h after if it is high, and 1 day after for every case.",
		"A surge is 20 calls or more in the last 24 hours", "An early warning is 5 calls or more",
		"Saint Petersburg", `role="img"`, `id="table-days"`, `id="table-regions"`, `id="table-status"`, "Workload",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	// Script only from himoya's own files (the strict CSP holds): no inline script or style.
	for _, never := range []string{" style=", "<script>", "Ivan", "caller's words"} {
		if strings.Contains(body, never) {
			t.Errorf("dashboard contains %q", never)
		}
	}
	// cw holds one open case, high.
	if !regexp.MustCompile(`<td>cw</td><td class="num">1</td><td class="num">0</td>`).MatchString(body) {
		t.Errorf("workload row of cw missing")
	}

	// Looking back at a known moment: no reload, and the numbers known by construction.
	resp, body = b.get("/dashboard?at=" + url.QueryEscape(dashAt))
	mustStatus(t, resp, http.StatusOK, "dashboard as of "+dashAt)
	if strings.Contains(body, `http-equiv="refresh"`) || !strings.Contains(body, "Dashboard as of 2024-03-23 12:00") {
		t.Errorf("a look back reloads itself or does not say when it is")
	}
	days := tableNumbers(t, section(t, body, "table-days"))
	want := map[string]int{"2024-03-22, Police raid": 3, "2024-03-20, Expulsion or deportation order": 2,
		"2024-03-23, Consultation (information only)": 1}
	if len(days) != len(want) {
		t.Errorf("table of days: %v, want %v", days, want)
	}
	for k, n := range want {
		if days[k] != n {
			t.Errorf("table of days: %q = %d, want %d", k, days[k], n)
		}
	}
	for _, c := range []struct{ chart, table string }{
		{"chart-days", "table-days"}, {"chart-regions", "table-regions"}, {"chart-status", "table-status"},
	} {
		svg := section(t, body, c.chart)
		svg = svg[:strings.Index(svg, "</svg>")]
		bars, cells := chartNumbers(t, svg), tableNumbers(t, section(t, body, c.table))
		if len(bars) == 0 || len(bars) != len(cells) {
			t.Errorf("%s has %d bars, its table %d numbers: %v / %v", c.chart, len(bars), len(cells), bars, cells)
		}
		for k, n := range cells {
			if bars[k] != n {
				t.Errorf("%s: %q is %d in the table, %d in the chart", c.chart, k, n, bars[k])
			}
		}
		if !strings.Contains(svg, `role="img" aria-labelledby="`+c.chart+`-title `+c.chart+`-desc"`) || !strings.Contains(svg, "<desc id=") {
			t.Errorf("%s is not a labelled image", c.chart)
		}
	}
	regions := tableNumbers(t, section(t, body, "table-regions"))
	if regions["Moscow"] != 3 || regions["No region (calls without a case)"] != 3 {
		t.Errorf("regions %v: want 3 in Moscow and 3 without a case", regions)
	}
	if desc := section(t, body, "chart-days"); !strings.Contains(desc, "Police raid 3") || !strings.Contains(desc, "2024-03-22 3") {
		t.Errorf("the day chart's description lacks its numbers")
	}

	resp, body = b.get("/dashboard?at=tomorrow")
	mustStatus(t, resp, http.StatusUnprocessableEntity, "dashboard at a bad moment")
	if !strings.Contains(body, "use a moment like") {
		t.Errorf("the error does not say what is wrong")
	}
}

// TestDashboardAPI: the JSON has the documented keys and the numbers known by construction;
// a bad "at" is a 422 naming the field; caseworkers are refused and get their own work.
func TestDashboardAPI(t *testing.T) {
	e := newDashboardEnv(t)
	sup, cw := e.token(e.sup.Email), e.token(e.cw.Email)
	var d map[string]any
	if st := e.api("GET", "/api/v1/dashboard?at="+url.QueryEscape(dashAt), sup, nil, &d); st != http.StatusOK {
		t.Fatalf("dashboard: %d", st)
	}
	for _, k := range []string{"calls_today", "calls_7d", "open_by_status", "critical_unassigned", "overdue", "surge", "workload", "early_warnings", "cases_today"} {
		if _, ok := d[k]; !ok {
			t.Errorf("no %q in %v", k, d)
		}
	}
	surge, _ := d["surge"].(map[string]any)
	for _, k := range []string{"active", "calls_24h", "baseline_daily", "ratio", "top_categories"} {
		if _, ok := surge[k]; !ok {
			t.Errorf("no surge.%s in %v", k, surge)
		}
	}
	// As of 12:00 on the 23rd: 1 call today; 6 in the 7 days; 1 in the last 24 hours (the
	// raid calls came 26 to 25 hours before).
	if d["calls_today"] != 1.0 || d["calls_7d"] != 6.0 || surge["calls_24h"] != 1.0 || surge["active"] != false {
		t.Errorf("calls today %v, 7 days %v, 24 h %v, surge %v", d["calls_today"], d["calls_7d"], surge["calls_24h"], surge["active"])
	}
	byStatus, _ := d["open_by_status"].(map[string]any)
	if byStatus["new"] != 1.0 || len(byStatus) != 5 {
		t.Errorf("open by status %v: want the raid case, new", byStatus)
	}
	if body, _ := json.Marshal(d); strings.Contains(string(body), "Ivan") || strings.Contains(string(body), "caller") {
		t.Errorf("personal data in the dashboard's JSON: %s", body)
	}
	var now map[string]any
	e.api("GET", "/api/v1/dashboard", sup, nil, &now)
	if list, _ := now["critical_unassigned"].([]any); len(list) != 1 || list[0].(map[string]any)["reference"] != e.waiting.Reference {
		t.Errorf("critical unassigned now: %v", now["critical_unassigned"])
	}
	// Overdue now: the raid case of 2024 (new for two years), and the critical case an hour late.
	over, _ := now["overdue"].([]any)
	if len(over) != 2 || over[1].(map[string]any)["reference"] != e.waiting.Reference || over[1].(map[string]any)["overdue_minutes"].(float64) < 59 {
		t.Errorf("overdue now: %v", now["overdue"])
	}

	var bad struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	for _, at := range []string{"tomorrow", "2024-13-01T00:00:00Z", time.Now().Add(time.Hour).Format(time.RFC3339)} {
		if st := e.api("GET", "/api/v1/dashboard?at="+url.QueryEscape(at), sup, nil, &bad); st != http.StatusUnprocessableEntity || bad.Error.Fields["at"] == "" {
			t.Errorf("at=%s: %d %+v, want 422 naming at", at, st, bad)
		}
	}
	if st := e.api("GET", "/api/v1/dashboard", cw, nil, nil); st != http.StatusForbidden {
		t.Errorf("caseworker: %d, want 403", st)
	}
	var mine map[string]any
	if st := e.api("GET", "/api/v1/my-work", cw, nil, &mine); st != http.StatusOK || mine["open_total"] != 1.0 {
		t.Errorf("my work: %d %v", st, mine)
	}
	if _, ok := mine["workload"]; ok {
		t.Errorf("my work carries the workload")
	}
}

// TestMyWorkPage: a caseworker's /dashboard is their own work and the critical queue, not
// the supervisors' numbers.
func TestMyWorkPage(t *testing.T) {
	e := newDashboardEnv(t)
	b := e.login(e.cw.Email)
	resp, body := b.get("/dashboard")
	mustStatus(t, resp, http.StatusOK, "my work")
	for _, want := range []string{"<h1>My work</h1>", "Your open cases (1)", e.his.Reference,
		"Critical cases nobody has taken (1)", e.waiting.Reference, `<meta name="himoya-live" content="60">`, "Your case is overdue when work on it has not started"} {
		if !strings.Contains(body, want) {
			t.Errorf("my work lacks %q", want)
		}
	}
	for _, never := range []string{"Workload", "surge", "Surge", "Calls by region", "Early warnings", "<svg", " style="} {
		if strings.Contains(body, never) {
			t.Errorf("my work shows %q", never)
		}
	}
	// Looking back is for supervisors: a caseworker's page ignores ?at.
	resp, _ = b.get("/dashboard?at=" + url.QueryEscape(dashAt))
	mustStatus(t, resp, http.StatusOK, "my work with at")
}

// TestSurgeBanner: a surge and a region's burst are on the page with their numbers, the
// categories that drive the surge, and their rules.
func TestSurgeBanner(t *testing.T) {
	e := newDashboardEnv(t)
	ctx := context.Background()
	cs, err := e.Store.CreateCase(ctx, e.cw, models.IntakeInput{Channel: "phone", ReceivedAt: "2024-03-23T09:00:00+03:00",
		CaseFields: models.CaseFields{Category: "raid", Region: "RU-SPE", Urgency: "critical"}})
	if err != nil {
		t.Fatal(err)
	}
	// 21 raid calls from St Petersburg from 09:00 to 10:45; the last 3 hours are those after 09:00.
	for i := 0; i < 20; i++ {
		if _, err := e.Store.LogContact(ctx, e.cw, models.ContactInput{Channel: "phone", CaseID: &cs.ID,
			ReceivedAt: "2024-03-23T" + fmt.Sprintf("%02d:%02d", 9+i/10, (i%10)*5) + ":00+03:00"}); err != nil {
			t.Fatal(err)
		}
	}
	b := e.login(e.sup.Email)
	resp, body := b.get("/dashboard?at=" + url.QueryEscape(dashAt))
	mustStatus(t, resp, http.StatusOK, "dashboard in a surge")
	for _, want := range []string{
		`<section class="surge" role="alert"`, "Surge: 22 calls in the last 24 hours",
		"A usual day has none (the median of the 28 days before is 0).",
		"<strong>Police raid</strong>: 21 calls, 95% of the last 24 hours against 60% before",
		"Early warnings (1)", "<td>Saint Petersburg</td><td>Police raid</td><td class=\"num\">19</td><td class=\"num\">0.0</td><td class=\"num\">none usually</td>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
