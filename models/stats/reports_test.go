package stats

import (
	"himoya/models"

	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
)

// reportFixture is a hotline's March 2024 whose report for 23-24 March is known by
// construction (times are Moscow time):
//
//	A  received 22 Mar 23:59 (previous period), raid, normal; assigned 23 Mar 00:30, resolved
//	   23 Mar 20:00 (fine_paid); a follow-up call without a caller on 23 Mar 15:00.
//	B  received 23 Mar 00:01, raid + illegal_detention, 3 people, critical, police, RU-MOW,
//	   caller TJ by phone; assigned 01:00, in progress 02:00, resolved 24 Mar 10:00 (released),
//	   reopened 26 Mar: resolved at the period's end, in progress today.
//	C  received 24 Mar 23:59 (recorded 25 Mar 00:30), illegal_detention, 1 person, high,
//	   RU-SPE, caller UZ by WhatsApp; assigned 25 Mar 01:00: new at the period's end.
//	D  received 25 Mar 00:01: after the period.
//	calls without a case: 23 Mar 12:00 consultation (caller KG, phone), 24 Mar 10:00 raid
//	(no caller, Telegram).
type reportFixture struct {
	s       *Stats
	sup, cw *models.User
	clock   time.Time
	a, b, c *models.Case
	moscow  *time.Location
	ctx     context.Context
	t       *testing.T
}

func (f *reportFixture) at(s string) {
	f.t.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", s, f.moscow)
	if err != nil {
		f.t.Fatal(err)
	}
	f.clock = t
}

func (f *reportFixture) open(received string, in models.IntakeInput) *models.Case {
	f.t.Helper()
	in.ReceivedAt = received
	if in.Summary == "" {
		in.Summary = "Detained near the market"
	}
	cs, err := f.s.store.CreateCase(f.ctx, f.cw, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return cs
}

func (f *reportFixture) move(cs *models.Case, by *models.User, in models.TransitionInput) {
	f.t.Helper()
	if _, err := f.s.store.Transition(f.ctx, by, cs.ID, in); err != nil {
		f.t.Fatalf("move %s to %s: %v", cs.Reference, in.To, err)
	}
}

func (f *reportFixture) call(in models.ContactInput) {
	f.t.Helper()
	if _, err := f.s.store.LogContact(f.ctx, f.cw, in); err != nil {
		f.t.Fatal(err)
	}
}

// newEmptyFixture is a store with a supervisor and a caseworker, on a clock the test sets.
func newEmptyFixture(t *testing.T) *reportFixture {
	s := openTest(t)
	f := &reportFixture{s: s, moscow: s.store.Loc, ctx: context.Background(), t: t}
	s.store.Now = func() time.Time { return f.clock }
	f.at("2024-03-01 09:00")
	f.sup = mkUser(t, s, "sup@example.org", models.RoleSupervisor)
	f.cw = mkUser(t, s, "cw@example.org", models.RoleCaseworker)
	return f
}

func newReportFixture(t *testing.T) *reportFixture {
	f := newEmptyFixture(t)
	three := 3

	f.at("2024-03-23 00:00")
	f.a = f.open("2024-03-22T23:59", models.IntakeInput{Channel: "phone", CaseFields: models.CaseFields{Category: "raid", Region: "RU-MOW"}})
	f.at("2024-03-23 00:05")
	f.b = f.open("2024-03-23T00:01", models.IntakeInput{Channel: "phone", Caller: models.CallerInput{Name: "Farrukh", Phone: "+992931234567", Citizenship: "TJ"},
		CaseFields: models.CaseFields{Category: "raid", Categories: []string{"illegal_detention"}, Region: "RU-MOW", Perpetrator: "police",
			PeopleAffected: &three, Urgency: "critical"}})
	f.at("2024-03-23 00:30")
	f.move(f.a, f.sup, models.TransitionInput{To: "assigned", AssigneeID: f.cw.ID})
	f.at("2024-03-23 00:40")
	f.move(f.a, f.cw, models.TransitionInput{To: "in_progress"})
	f.at("2024-03-23 01:00")
	f.move(f.b, f.sup, models.TransitionInput{To: "assigned", AssigneeID: f.cw.ID})
	f.at("2024-03-23 02:00")
	f.move(f.b, f.cw, models.TransitionInput{To: "in_progress"})
	f.at("2024-03-23 12:00")
	f.call(models.ContactInput{ReceivedAt: "2024-03-23T12:00", Channel: "phone", Category: "consultation",
		Caller: models.CallerInput{Name: "Dilshod", Phone: "+996555123456", Citizenship: "KG"}, Summary: "Asked about a patent"})
	f.at("2024-03-23 15:00")
	f.call(models.ContactInput{ReceivedAt: "2024-03-23T15:00", Channel: "phone", CaseID: &f.a.ID, Summary: "Brother called"})
	f.at("2024-03-23 20:00")
	f.move(f.a, f.cw, models.TransitionInput{To: "resolved", Outcome: "fine_paid"})
	f.at("2024-03-24 10:00")
	f.call(models.ContactInput{ReceivedAt: "2024-03-24T10:00", Channel: "telegram", Category: "raid", Summary: "Raid at a dormitory"})
	f.move(f.b, f.cw, models.TransitionInput{To: "resolved", Outcome: "released"})
	f.at("2024-03-25 00:30")
	f.c = f.open("2024-03-24T23:59", models.IntakeInput{Channel: "whatsapp", Caller: models.CallerInput{Name: "Aziz", Phone: "+998901234567", Citizenship: "UZ"},
		CaseFields: models.CaseFields{Category: "illegal_detention", Region: "RU-SPE", Urgency: "high"}})
	f.open("2024-03-25T00:01", models.IntakeInput{Channel: "phone", CaseFields: models.CaseFields{Category: "deportation", Region: "RU-MOW"}})
	f.at("2024-03-25 01:00")
	f.move(f.c, f.sup, models.TransitionInput{To: "assigned", AssigneeID: f.cw.ID})
	f.at("2024-03-26 09:00")
	f.move(f.b, f.cw, models.TransitionInput{To: "in_progress"})
	f.at("2024-04-02 09:00")
	return f
}

// rowsOf maps a breakdown's codes to their rows.
func rowsOf(t *testing.T, r *Report, key string) map[string]ReportRow {
	t.Helper()
	b := r.Breakdown(key)
	if b == nil {
		t.Fatalf("no breakdown %s", key)
	}
	m := map[string]ReportRow{}
	for _, x := range b.Rows {
		m[x.Code] = x
	}
	return m
}

func val(p *int) int {
	if p == nil {
		return -1 // withheld
	}
	return *p
}

func TestReportCountsKnownByConstruction(t *testing.T) {
	f := newReportFixture(t)
	r, err := f.s.Report(f.ctx, f.sup, "2024-03-23", "2024-03-24", ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Today B is in progress and C assigned; the report says where they stood on 24 March.
	b, _ := f.s.store.GetCase(f.ctx, f.sup, f.b.ID)
	c, _ := f.s.store.GetCase(f.ctx, f.sup, f.c.ID)
	if b.Status != models.StatusInProgress || c.Status != models.StatusAssigned {
		t.Fatalf("fixture: today B is %s, C is %s", b.Status, c.Status)
	}
	got := map[string]int{"calls": r.Calls, "cases": r.Cases, "people": r.PeopleAffected, "resolved": r.Resolved,
		"prev calls": r.Previous.Calls, "prev cases": r.Previous.Cases, "prev people": r.Previous.PeopleAffected,
		"prev resolved": r.Previous.Resolved}
	want := map[string]int{"calls": 5, "cases": 2, "people": 4, "resolved": 2,
		"prev calls": 1, "prev cases": 1, "prev people": 1, "prev resolved": 0}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %d, want %d", k, got[k], w)
		}
	}
	if r.Previous.From != "2024-03-21" || r.Previous.To != "2024-03-22" {
		t.Errorf("previous period %s..%s", r.Previous.From, r.Previous.To)
	}

	type cell struct {
		breakdown, code, measure string
		want                     int
	}
	for _, tc := range []cell{
		{"category", "raid", MeasureCalls, 3}, // B's call, the follow-up on A, the raid call without a case
		{"category", "illegal_detention", MeasureCalls, 1},
		{"category", "consultation", MeasureCalls, 1},
		{"category", "raid", MeasureCases, 1}, // B
		{"category", "illegal_detention", MeasureCases, 2},
		{"category", "illegal_detention", MeasurePeople, 4}, // B counts in both of its categories
		{"category", "raid", MeasurePeople, 3},
		{"region", "RU-MOW", MeasureCases, 1},
		{"region", "RU-SPE", MeasureCases, 1},
		{"region", "RU-MOW", MeasurePeople, 3},
		{"citizenship", "TJ", MeasureCalls, 1},
		{"citizenship", "UZ", MeasureCalls, 1},
		{"citizenship", "KG", MeasureCalls, 1},
		{"citizenship", "unknown", MeasureCalls, 2},
		{"citizenship", "TJ", MeasurePeople, 3},
		{"perpetrator", "police", MeasureCases, 1},
		{"perpetrator", "unknown", MeasureCases, 1},
		{"channel", "phone", MeasureCalls, 3},
		{"channel", "whatsapp", MeasureCalls, 1},
		{"channel", "telegram", MeasureCalls, 1},
		{"status", "resolved", MeasureCases, 1}, // B: resolved on 24 March, reopened since
		{"status", "new", MeasureCases, 1},      // C: recorded after the end, assigned since
		{"status", "in_progress", MeasureCases, 0},
		{"status", "assigned", MeasureCases, 0},
		{"outcome", "released", MeasureCases, 1},
		{"outcome", "open", MeasureCases, 1},
		{"event", "none", MeasureCases, 2},
	} {
		rows := rowsOf(t, r, tc.breakdown)
		x, ok := rows[tc.code]
		if !ok {
			t.Errorf("%s: no row %s", tc.breakdown, tc.code)
			continue
		}
		if got := val(x.cell(tc.measure)); got != tc.want {
			t.Errorf("%s %s %s = %d, want %d", tc.breakdown, tc.code, tc.measure, got, tc.want)
		}
	}
	if n := len(rowsOf(t, r, "category")); n != 3 {
		t.Errorf("category rows: %d, want 3", n)
	}
	if sh := rowsOf(t, r, "category")["raid"].Share; sh == nil || *sh != 0.6 {
		t.Errorf("share of raid = %v, want 0.6", sh)
	}
	if x := rowsOf(t, r, "status")["resolved"]; x.LabelRU != "Решено" {
		t.Errorf("status label in Russian: %q", x.LabelRU)
	}
	if x := rowsOf(t, r, "region")["RU-MOW"]; x.Label != "Moscow" || x.LabelRU != "Москва" {
		t.Errorf("region labels: %q %q", x.Label, x.LabelRU)
	}

	// Every day of the period, split at midnight Moscow time: B's call at 00:01 on the 23rd,
	// C's at 23:59 on the 24th; A's at 23:59 on the 22nd and D's at 00:01 on the 25th outside.
	if len(r.ByDay) != 2 || r.ByDay[0].Date != "2024-03-23" || val(r.ByDay[0].Calls) != 3 || val(r.ByDay[0].Cases) != 1 ||
		r.ByDay[1].Date != "2024-03-24" || val(r.ByDay[1].Calls) != 2 || val(r.ByDay[1].Cases) != 1 {
		t.Errorf("by day: %+v", r.ByDay)
	}

	// Response times: A assigned after 31 min (normal), B after 59 min (critical); A resolved
	// after 20 h 1 min, B after 33 h 59 min. C was assigned after the period.
	rt := map[string]ResponseTime{}
	for _, x := range r.ResponseTimes {
		rt[x.Urgency] = x
	}
	dur := func(d *time.Duration) time.Duration {
		if d == nil {
			return -1
		}
		return *d
	}
	for _, tc := range []struct {
		urgency            string
		assigned, resolved int
		toAssign, toSolve  time.Duration
	}{
		{"critical", 1, 1, 59 * time.Minute, 33*time.Hour + 59*time.Minute},
		{"normal", 1, 1, 31 * time.Minute, 20*time.Hour + time.Minute},
		{"high", 0, 0, -1, -1},
		{"all", 2, 2, 45 * time.Minute, 27 * time.Hour},
	} {
		x := rt[tc.urgency]
		if val(x.Assigned) != tc.assigned || val(x.Resolved) != tc.resolved ||
			dur(x.MedianToAssignment) != tc.toAssign || dur(x.MedianToResolution) != tc.toSolve {
			t.Errorf("%s: assigned %d in %v, resolved %d in %v", tc.urgency, val(x.Assigned), dur(x.MedianToAssignment),
				val(x.Resolved), dur(x.MedianToResolution))
		}
	}

	wantEN := "5 calls on 23-24 March 2024; 80% about police raid or illegal detention"
	wantRU := "5 обращений 23-24 марта 2024 г.; 80% — «Рейд полиции» или «Незаконное задержание»"
	if r.Headline.EN != wantEN || r.Headline.RU != wantRU {
		t.Errorf("headline:\n%q\n%q", r.Headline.EN, r.Headline.RU)
	}
}

// TestReportOutcomeAtEnd: the outcome of a case closed at the end of the period is that of
// its last resolution before the end, whatever happened to it afterwards.
func TestReportOutcomeAtEnd(t *testing.T) {
	f := newEmptyFixture(t)
	in := func(cat string) models.IntakeInput {
		return models.IntakeInput{Channel: "phone", CaseFields: models.CaseFields{Category: cat}}
	}
	f.at("2024-04-02 09:00")
	x := f.open("2024-04-02T09:00", in("raid"))
	y := f.open("2024-04-02T09:00", in("raid"))
	z := f.open("2024-04-02T09:00", in("deportation"))
	for _, cs := range []*models.Case{x, z} {
		f.move(cs, f.sup, models.TransitionInput{To: "assigned", AssigneeID: f.cw.ID})
		f.move(cs, f.cw, models.TransitionInput{To: "in_progress"})
	}
	f.at("2024-04-02 12:00")
	f.move(x, f.cw, models.TransitionInput{To: "resolved", Outcome: "released"})
	f.move(z, f.cw, models.TransitionInput{To: "resolved", Outcome: "fine_paid"})
	f.move(y, f.sup, models.TransitionInput{To: "closed", Note: "Duplicate of another case"})
	f.at("2024-04-03 09:00")
	f.move(x, f.sup, models.TransitionInput{To: "closed"})
	f.move(z, f.sup, models.TransitionInput{To: "closed"})
	f.at("2024-04-05 09:00")
	f.move(z, f.sup, models.TransitionInput{To: "in_progress", AssigneeID: f.cw.ID, Note: "Appeal lost"})
	f.at("2024-04-06 09:00")
	f.move(z, f.cw, models.TransitionInput{To: "resolved", Outcome: "deported"})
	f.at("2024-04-10 09:00")
	for _, tc := range []struct {
		to       string
		status   map[string]int
		outcomes map[string]int
	}{
		{"2024-04-02", map[string]int{"closed": 1, "resolved": 2}, map[string]int{"none": 1, "released": 1, "fine_paid": 1}},
		{"2024-04-04", map[string]int{"closed": 3}, map[string]int{"none": 1, "released": 1, "fine_paid": 1}},
		{"2024-04-05", map[string]int{"closed": 2, "in_progress": 1}, map[string]int{"none": 1, "released": 1, "open": 1}},
		{"2024-04-06", map[string]int{"closed": 2, "resolved": 1}, map[string]int{"none": 1, "released": 1, "deported": 1}},
	} {
		r, err := f.s.Report(f.ctx, f.sup, "2024-04-01", tc.to, ReportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]map[string]int{"status": tc.status, "outcome": tc.outcomes} {
			got := map[string]int{}
			for code, x := range rowsOf(t, r, key) {
				if val(x.Cases) != 0 {
					got[code] = val(x.Cases)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("to %s, %s: %v, want %v", tc.to, key, got, want)
			}
		}
	}
}

// TestReportDayEdges: a call at 23:59 and one at 00:01 Moscow time fall on either side of a
// period's edge, whatever UTC says.
func TestReportDayEdges(t *testing.T) {
	f := newReportFixture(t)
	for _, tc := range []struct {
		from, to    string
		calls, prev int
	}{
		{"2024-03-22", "2024-03-22", 1, 0}, // A at 23:59 on the 22nd (20:59 UTC)
		{"2024-03-23", "2024-03-23", 3, 1}, // B at 00:01 on the 23rd (21:01 UTC on the 22nd)
		{"2024-03-24", "2024-03-24", 2, 3}, // C at 23:59
		{"2024-03-25", "2024-03-25", 1, 2}, // D at 00:01
		{"2024-03-01", "2024-03-31", 7, 0}, // the month, compared with February
	} {
		r, err := f.s.Report(f.ctx, f.sup, tc.from, tc.to, ReportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Calls != tc.calls || r.Previous.Calls != tc.prev {
			t.Errorf("%s..%s: %d calls (previous %d), want %d (%d)", tc.from, tc.to, r.Calls, r.Previous.Calls, tc.calls, tc.prev)
		}
	}
	r, err := f.s.Report(f.ctx, f.sup, "2024-03-01", "2024-03-31", ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Previous.From != "2024-02-01" || r.Previous.To != "2024-02-29" || len(r.ByDay) != 31 {
		t.Errorf("March: previous %s..%s, %d days", r.Previous.From, r.Previous.To, len(r.ByDay))
	}
	if !strings.HasPrefix(r.Headline.EN, "7 calls in March 2024; ") || !strings.HasPrefix(r.Headline.RU, "7 обращений в марте 2024 г.; ") {
		t.Errorf("month headline: %q / %q", r.Headline.EN, r.Headline.RU)
	}
	if r.FileName("xlsx") != "himoya-report-2024-03.xlsx" {
		t.Errorf("file name %s", r.FileName("xlsx"))
	}
	// Default: the last complete month before today (2 April).
	r, err = f.s.Report(f.ctx, f.sup, "", "", ReportOptions{})
	if err != nil || r.From != "2024-03-01" || r.To != "2024-03-31" {
		t.Errorf("default period: %v %v", r, err)
	}
}

func TestReportRefusals(t *testing.T) {
	f := newReportFixture(t)
	if _, err := f.s.Report(f.ctx, f.cw, "2024-03-01", "2024-03-31", ReportOptions{}); err != models.ErrForbidden {
		t.Errorf("caseworker: %v", err)
	}
	for _, p := range [][2]string{{"2024-03-31", "2024-03-01"}, {"2024-3-1", "2024-03-31"}, {"2024-03-01", ""},
		{"2020-01-01", "2023-01-01"}, {"2024-02-30", "2024-03-01"}} {
		_, err := f.s.Report(f.ctx, f.sup, p[0], p[1], ReportOptions{})
		if _, ok := err.(*models.ValidationError); !ok {
			t.Errorf("%s..%s: %v, want a validation error", p[0], p[1], err)
		}
	}
	if _, err := f.s.Report(f.ctx, f.sup, "2021-01-01", "2023-12-31", ReportOptions{}); err != nil {
		t.Errorf("three years: %v", err)
	}
}

func TestWithhold(t *testing.T) {
	for _, tc := range []struct {
		name  string
		k     int
		cells []int
		force []bool
		want  string // x withheld, . shown
	}{
		{"nothing small", 5, []int{5, 6, 70}, nil, "..."},
		{"a 3 and the next smallest", 5, []int{3, 10, 20}, nil, "xx."},
		{"zeros are shown and not picked first", 5, []int{0, 3, 50, 7, 8}, nil, ".x.x."},
		{"two small ones adding to less than k", 5, []int{2, 2, 100, 200}, nil, "xxx."},
		{"five ones are known from their sum", 5, []int{1, 1, 1, 1, 1, 40, 50}, nil, "xxxxxx."},
		{"two small ones adding to k", 5, []int{1, 4, 9, 9}, nil, "xx.."},
		{"only zeros left", 5, []int{3, 0, 0}, nil, "xxx"},
		{"forced by the cases column", 5, []int{12, 30, 40, 50}, []bool{true, false, false, false}, "xx.."},
		{"k of 2", 2, []int{1, 3, 1, 9}, nil, "xxx."},
		{"the next smallest first in the column", 5, []int{6, 2, 9, 20}, nil, "xx.."},
		{"the next smallest last in the column", 5, []int{20, 2, 9, 6}, nil, ".x.x"},
		// Of equal counts the first in the table's fixed order goes: the same counts always
		// withhold the same cells.
		{"ties go to the first", 5, []int{3, 10, 10, 20}, nil, "xx.."},
		{"ties go to the first, later in the column", 5, []int{20, 10, 3, 10}, nil, ".xx."},
	} {
		cells := make([]*int, len(tc.cells))
		for i := range tc.cells {
			cells[i] = ptr(tc.cells[i])
		}
		var got strings.Builder
		for _, h := range withhold(cells, tc.k, tc.force) {
			if h {
				got.WriteByte('x')
			} else {
				got.WriteByte('.')
			}
		}
		if got.String() != tc.want {
			t.Errorf("%s: %v -> %s, want %s", tc.name, tc.cells, got.String(), tc.want)
		}
	}
}

// TestWithholdCannotBeWorkedOut: on random columns, a withheld cell is never the only one,
// the withheld cells (whose sum anyone can work out from the total) make at least k and are
// not all ones, unless every cell is withheld.
func TestWithholdCannotBeWorkedOut(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		n := 1 + rng.IntN(8)
		cells := make([]*int, n)
		vals := make([]int, n)
		for i := range cells {
			vals[i] = rng.IntN(12)
			cells[i] = ptr(vals[i])
		}
		held := withhold(cells, 5, nil)
		count, sum, all := 0, 0, true
		for i, h := range held {
			if h {
				count++
				sum += vals[i]
			} else {
				all = false
				if vals[i] >= 1 && vals[i] < 5 {
					t.Fatalf("%v: small cell %d shown", vals, i)
				}
			}
		}
		if count > 0 && !all && (count < 2 || sum < 5 || sum <= count) {
			t.Fatalf("%v: withheld %v can be worked out", vals, held)
		}
	}
}

func TestPublicReport(t *testing.T) {
	f := newReportFixture(t)
	r, err := f.s.Report(f.ctx, f.sup, "2024-03-23", "2024-03-24", ReportOptions{Public: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.MinCell != DefaultMinCell || r.Calls != 5 || r.Cases != 2 || r.PeopleAffected != 4 {
		t.Fatalf("public totals: k %d, %d calls, %d cases, %d people", r.MinCell, r.Calls, r.Cases, r.PeopleAffected)
	}
	raid := rowsOf(t, r, "category")["raid"]
	if raid.Calls != nil || raid.Share != nil || raid.Cases != nil || raid.People != nil {
		t.Errorf("a 3 is shown: %+v", raid)
	}
	// Each day has 3 or 2 calls and one case; each urgency 0 or 1 case assigned and
	// resolved, 2 in all: none of them is shown, nor any median.
	if len(r.ByDay) != 2 || len(r.ResponseTimes) != 4 {
		t.Fatalf("%d days, %d urgencies", len(r.ByDay), len(r.ResponseTimes))
	}
	for _, d := range r.ByDay {
		if d.Calls != nil || d.Cases != nil {
			t.Errorf("%s: %d calls, %d cases shown", d.Date, val(d.Calls), val(d.Cases))
		}
	}
	for _, rt := range r.ResponseTimes {
		if rt.MedianToAssignment != nil || rt.MedianToResolution != nil {
			t.Errorf("%s: a median of fewer than 5 cases shown", rt.Urgency)
		}
		if rt.Urgency == "all" {
			if val(rt.Assigned) != 2 || val(rt.Resolved) != 2 {
				t.Errorf("all urgencies: %d assigned, %d resolved, want the totals 2 and 2", val(rt.Assigned), val(rt.Resolved))
			}
		} else if rt.Assigned != nil || rt.Resolved != nil {
			t.Errorf("%s: %d assigned, %d resolved shown", rt.Urgency, val(rt.Assigned), val(rt.Resolved))
		}
	}
	// Two cases, one new and one resolved: published zeros for the other statuses would tell
	// that each of the two is 1, so the zeros go too.
	for code, x := range rowsOf(t, r, "status") {
		if x.Cases != nil {
			t.Errorf("status %s shown: %d", code, *x.Cases)
		}
	}
	if r.Headline.EN != "5 calls on 23-24 March 2024" {
		t.Errorf("public headline names a withheld count: %q", r.Headline.EN)
	}
	if !strings.HasSuffix(r.FileName("csv"), "-public.csv") {
		t.Errorf("file name %s", r.FileName("csv"))
	}
	// With k = 2, only the ones go, and with them the next smallest.
	r, err = f.s.Report(f.ctx, f.sup, "2024-03-23", "2024-03-24", ReportOptions{Public: true, MinCell: 2})
	if err != nil {
		t.Fatal(err)
	}
	ch := rowsOf(t, r, "channel")
	if val(ch["phone"].Calls) != -1 || val(ch["whatsapp"].Calls) != -1 || val(ch["telegram"].Calls) != -1 {
		t.Errorf("channels 3, 1, 1 with k 2: %v %v %v", ch["phone"].Calls, ch["whatsapp"].Calls, ch["telegram"].Calls)
	}
	cit := rowsOf(t, r, "citizenship")
	// Calls 1, 1, 1 and 2: three ones add up to no more than their number, so the 2 goes too.
	// Cases 1 and 1 are withheld, and with them their people (3 and 1).
	if val(cit["unknown"].Calls) != -1 || val(cit["TJ"].People) != -1 || val(cit["TJ"].Cases) != -1 || val(cit["UZ"].People) != -1 ||
		val(cit["KG"].People) != 0 {
		t.Errorf("citizenship with k 2: %+v", cit)
	}
	// B's people (3) are withheld with its withheld case count, so UZ's 1 cannot be worked out.
	if val(rowsOf(t, r, "region")["RU-MOW"].People) != -1 {
		t.Errorf("people of a withheld case count shown")
	}
}

func TestReportQueriesUseIndexes(t *testing.T) {
	s := openTest(t)
	for _, bad := range reportFullScans(t, s) {
		t.Error(bad)
	}
}

// reportFullScans explains every query of a report and returns the steps that read a whole
// table or a whole index.
func reportFullScans(t testing.TB, s *Stats) []string {
	t.Helper()
	ok := map[string]bool{"days": true, "k": true, "r": true} // lists of values, a grouped subquery
	scan := regexp.MustCompile(`SCAN (\S+)`)
	var out []string
	for _, q := range reportQueries() {
		args := make([]any, strings.Count(q, "?"))
		for i := range args {
			args[i] = time.Now().UTC()
		}
		var plan []struct {
			ID, Parent, Notused int
			Detail              string
		}
		if err := s.store.ReadDB(context.Background()).Raw("EXPLAIN QUERY PLAN "+q, args...).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		for _, p := range plan {
			if strings.Contains(p.Detail, "CONSTANT ROW") {
				continue // the VALUES list of days
			}
			if m := scan.FindStringSubmatch(p.Detail); m != nil && (!ok[m[1]] || strings.Contains(p.Detail, "INDEX")) {
				out = append(out, "full scan "+p.Detail+" in "+q)
			}
		}
	}
	return out
}

// TestReportAddsUpWhileWriting: calls and cases saved while reports are computed never make
// a breakdown disagree with the totals (the two halves of a report read one state of the
// database).
func TestReportAddsUpWhileWriting(t *testing.T) {
	f := newReportFixture(t)
	done := make(chan struct{})
	stopped := make(chan error, 1)
	go func() {
		var err error
		for i := 0; err == nil; i++ {
			select {
			case <-done:
				stopped <- nil
				return
			default:
			}
			if i%2 == 0 {
				_, err = f.s.store.LogContact(f.ctx, f.cw, models.ContactInput{ReceivedAt: "2024-03-23T11:00", Channel: "phone", Category: "raid"})
			} else {
				_, err = f.s.store.CreateCase(f.ctx, f.cw, models.IntakeInput{ReceivedAt: "2024-03-24T11:00", Channel: "whatsapp",
					CaseFields: models.CaseFields{Category: "deportation", Summary: "Expulsion order"}})
			}
		}
		stopped <- err
	}()
	sum := func(r *Report, key, m string) int {
		n := 0
		for _, x := range r.Breakdown(key).Rows {
			n += val(x.cell(m))
		}
		return n
	}
	for range 15 {
		r, err := f.s.Report(f.ctx, f.sup, "2024-03-23", "2024-03-24", ReportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		days, dayCases := 0, 0
		for _, d := range r.ByDay {
			days += val(d.Calls)
			dayCases += val(d.Cases)
		}
		if sum(r, "category", MeasureCalls) != r.Calls || sum(r, "citizenship", MeasureCalls) != r.Calls || days != r.Calls ||
			sum(r, "region", MeasureCases) != r.Cases || sum(r, "status", MeasureCases) != r.Cases ||
			sum(r, "citizenship", MeasureCases) != r.Cases || dayCases != r.Cases {
			t.Fatalf("calls %d: by category %d, citizenship %d, days %d; cases %d: by region %d, status %d, citizenship %d, days %d",
				r.Calls, sum(r, "category", MeasureCalls), sum(r, "citizenship", MeasureCalls), days,
				r.Cases, sum(r, "region", MeasureCases), sum(r, "status", MeasureCases), sum(r, "citizenship", MeasureCases), dayCases)
		}
	}
	close(done)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}

// TestMigrationReportIndexes: migration 12 makes the indexes the reports name, on a database
// that has data, and running it again changes nothing.
func TestMigrationReportIndexes(t *testing.T) {
	f := newReportFixture(t)
	names := []string{"idx_contacts_report_pairs", "idx_contacts_report_callers", "idx_callers_report", "idx_cases_report",
		"idx_cases_report_times", "idx_case_entries_report_moves", "idx_case_entries_report_status"}
	count := func() int64 {
		var n int64
		if err := rawDB(t, f.s).Raw("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ?", names).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != int64(len(names)) {
		t.Fatalf("%d of the %d report indexes after opening", n, len(names))
	}
	for _, name := range names {
		if err := rawDB(t, f.s).Exec("DROP INDEX " + name).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := rawDB(t, f.s).Exec("DELETE FROM schema_migrations WHERE id = 12").Error; err != nil {
		t.Fatal(err)
	}
	if err := f.s.store.Migrate(f.ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != int64(len(names)) {
		t.Fatalf("%d of the %d report indexes after migration 12 on a database with data", n, len(names))
	}
	if err := rawDB(t, f.s).Exec("DELETE FROM schema_migrations WHERE id = 12").Error; err != nil {
		t.Fatal(err)
	}
	if err := f.s.store.Migrate(f.ctx); err != nil {
		t.Fatalf("running migration 12 again: %v", err)
	}
	r, err := f.s.Report(f.ctx, f.sup, "2024-03-23", "2024-03-24", ReportOptions{})
	if err != nil || r.Calls != 5 {
		t.Fatalf("report after migrating: %v %v", r, err)
	}
}
