package stats

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// cells reads a column as text: each count, or "x" where it is withheld.
func cells(ps ...*int) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		if p == nil {
			out[i] = "x"
		} else {
			out[i] = fmt.Sprint(*p)
		}
	}
	return strings.Join(out, " ")
}

func durs(ps ...*time.Duration) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		if p == nil {
			out[i] = "x"
		} else {
			out[i] = p.String()
		}
	}
	return strings.Join(out, " ")
}

func shares(rows []ReportRow) string {
	out := make([]string, len(rows))
	for i, x := range rows {
		if x.Share == nil {
			out[i] = "x"
		} else {
			out[i] = fmt.Sprint(*x.Share)
		}
	}
	return strings.Join(out, " ")
}

// suppressed is a public report of known counts, with k = 5, after suppress: each column,
// the days and the response times apart, so that what one of them withholds cannot hide what
// another shows.
func suppressed(allAssigned, allResolved int) *Report {
	row := func(code string, calls, cases, people int) ReportRow {
		return ReportRow{Code: code, Calls: ptr(calls), Cases: ptr(cases), People: ptr(people), Share: ptr(float64(calls) / 99)}
	}
	rt := func(urg string, assigned, resolved int, m time.Duration) ResponseTime {
		return ResponseTime{Urgency: urg, Assigned: ptr(assigned), Resolved: ptr(resolved), MedianToAssignment: ptr(m), MedianToResolution: ptr(2 * m)}
	}
	day := func(calls, cases int) ReportDay { return ReportDay{Calls: ptr(calls), Cases: ptr(cases)} }
	r := &Report{Public: true, MinCell: 5,
		Breakdowns: []ReportBreakdown{{Key: "category", Measures: []string{MeasureCalls, MeasureCases, MeasurePeople}, Rows: []ReportRow{
			row("a", 3, 30, 40), row("b", 40, 2, 60), row("c", 6, 35, 45), row("d", 50, 7, 70),
		}}},
		ByDay: []ReportDay{day(10, 6), day(2, 7), day(30, 1), day(40, 0)},
		ResponseTimes: []ResponseTime{rt("critical", 10, 8, time.Hour), rt("high", 2, 6, 2*time.Hour), rt("normal", 3, 1, 3*time.Hour),
			rt("all", allAssigned, allResolved, 4*time.Hour)},
	}
	r.suppress()
	return r
}

func TestSuppressEveryColumnDayAndUrgency(t *testing.T) {
	r := suppressed(15, 15)
	rows := r.Breakdowns[0].Rows
	col := func(m string) string {
		ps := make([]*int, len(rows))
		for i := range rows {
			ps[i] = rows[i].cell(m)
		}
		return cells(ps...)
	}
	for _, c := range []struct{ what, got, want string }{
		// Calls 3 and the next smallest, 6.
		{"calls", col(MeasureCalls), "x 40 x 50"},
		// A withheld number of calls has no share beside it (the share times the published
		// total gives the count); a shown one keeps its share, whatever its cases.
		{"shares", shares(rows), "x 0.40404040404040403 x 0.5050505050505051"},
		// Cases 2 and the next smallest, 7.
		{"cases", col(MeasureCases), "30 x 35 x"},
		// The people of withheld case counts go with them, though none is small: they
		// would describe fewer than k incidents.
		{"people", col(MeasurePeople), "40 x 45 x"},
		// The days: calls and cases each on their own.
		{"calls by day", cells(r.ByDay[0].Calls, r.ByDay[1].Calls, r.ByDay[2].Calls, r.ByDay[3].Calls), "x x 30 40"},
		{"cases by day", cells(r.ByDay[0].Cases, r.ByDay[1].Cases, r.ByDay[2].Cases, r.ByDay[3].Cases), "x 7 x 0"},
		// Response times, every urgency: assigned 10, 2, 3 (2 and 3 make 5) and resolved 8,
		// 6, 1 (1 and the next smallest); "all" is the published total.
		{"assigned", cells(r.ResponseTimes[0].Assigned, r.ResponseTimes[1].Assigned, r.ResponseTimes[2].Assigned, r.ResponseTimes[3].Assigned), "10 x x 15"},
		{"median to assignment", durs(r.ResponseTimes[0].MedianToAssignment, r.ResponseTimes[1].MedianToAssignment,
			r.ResponseTimes[2].MedianToAssignment, r.ResponseTimes[3].MedianToAssignment), "1h0m0s x x 4h0m0s"},
		{"resolved", cells(r.ResponseTimes[0].Resolved, r.ResponseTimes[1].Resolved, r.ResponseTimes[2].Resolved, r.ResponseTimes[3].Resolved), "8 x x 15"},
		{"median to resolution", durs(r.ResponseTimes[0].MedianToResolution, r.ResponseTimes[1].MedianToResolution,
			r.ResponseTimes[2].MedianToResolution, r.ResponseTimes[3].MedianToResolution), "2h0m0s x x 8h0m0s"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %s, want %s", c.what, c.got, c.want)
		}
	}
	// The overall medians: shown from k cases on, withheld below (their counts are totals,
	// and published).
	for _, tc := range []struct {
		assigned, resolved int
		want               string
	}{
		{4, 5, "4 x 5 8h0m0s"},
		{5, 4, "5 4h0m0s 4 x"},
	} {
		all := suppressed(tc.assigned, tc.resolved).ResponseTimes[3]
		if got := cells(all.Assigned) + " " + durs(all.MedianToAssignment) + " " + cells(all.Resolved) + " " + durs(all.MedianToResolution); got != tc.want {
			t.Errorf("all urgencies, %d assigned and %d resolved: %s, want %s", tc.assigned, tc.resolved, got, tc.want)
		}
	}
}

func TestSuppressionStatesTheRule(t *testing.T) {
	for _, k := range []int{2, 5, 11} {
		r := &Report{Public: true, MinCell: k}
		rule := r.Suppression()
		for _, want := range []string{fmt.Sprintf("counts from 1 to %d are withheld", k-1), fmt.Sprintf("make %d or more", k)} {
			if !strings.Contains(rule, want) {
				t.Errorf("k %d: the rule does not say %q: %s", k, want, rule)
			}
		}
		if r.Statement() != rule {
			t.Errorf("k %d: the public version's statement is not its rule", k)
		}
	}
	internal := &Report{MinCell: 5}
	if internal.Suppression() != "" || !strings.Contains(internal.Statement(), "Do not publish") {
		t.Errorf("internal version: %q %q", internal.Suppression(), internal.Statement())
	}
}
