package stats

import (
	"himoya/models"

	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// dashFixture is a hotline whose calls and cases are placed at known moments around a fixed
// "as of" instant, with the store's clock under the test's control.
type dashFixture struct {
	s       *Stats
	now     time.Time
	sup, cw *models.User
	cw2     *models.User
}

func newDashFixture(t *testing.T, now time.Time) *dashFixture {
	t.Helper()
	s := openTest(t)
	f := &dashFixture{s: s, now: now}
	s.store.Now = func() time.Time { return f.now }
	f.sup = mkUser(t, s, "sup@example.org", models.RoleSupervisor)
	f.cw = mkUser(t, s, "cw@example.org", models.RoleCaseworker)
	f.cw2 = mkUser(t, s, "cw2@example.org", models.RoleCaseworker)
	return f
}

// msk is a wall-clock time in Moscow.
func msk(t *testing.T, y int, mo time.Month, d, h, mi, sec int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(y, mo, d, h, mi, sec, 0, loc)
}

// calls inserts n calls about category received at `at`, attached to caseID if not 0.
func (f *dashFixture) calls(t *testing.T, at time.Time, category string, n int, caseID uint) {
	t.Helper()
	for i := 0; i < n; i++ {
		c := models.Contact{Channel: "phone", ReceivedAt: at.UTC(), TakenByID: f.cw.ID, Category: category}
		if caseID != 0 {
			id := caseID
			c.CaseID = &id
		}
		if err := rawDB(t, f.s).Create(&c).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// open records a call opening a case at `received`, written into the system at `written`.
func (f *dashFixture) open(t *testing.T, received, written time.Time, urgency models.Urgency, region string) *models.Case {
	t.Helper()
	f.now = written
	cs, err := f.s.store.CreateCase(context.Background(), f.cw, models.IntakeInput{Channel: "phone", ReceivedAt: received.UTC().Format(time.RFC3339Nano),
		CaseFields: models.CaseFields{Category: "raid", Summary: "someone's story", Region: region, Urgency: string(urgency)}})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// move makes the moves at `at` as the supervisor (assigning to cw).
func (f *dashFixture) move(t *testing.T, at time.Time, id uint, moves ...models.Status) {
	t.Helper()
	f.now = at
	for _, to := range moves {
		in := models.TransitionInput{To: string(to), Note: "why"}
		switch to {
		case models.StatusAssigned:
			in.AssigneeID = f.cw.ID
		case models.StatusResolved:
			in.Outcome = "released"
		}
		if _, err := f.s.store.Transition(context.Background(), f.sup, id, in); err != nil {
			t.Fatalf("move to %s: %v", to, err)
		}
	}
}

func (f *dashFixture) dash(t *testing.T, at time.Time, rules DashboardRules) *Dashboard {
	t.Helper()
	d, err := f.s.Dashboard(context.Background(), f.sup, at, rules)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDashboardCallWindows: calls today start at midnight in Moscow, not in UTC; the 7 days
// are today and the 6 days before; a call at the very instant asked about counts, one a second
// later does not. The instant is mid-hour, so both the hourly table and the calls' own rows
// are read.
func TestDashboardCallWindows(t *testing.T) {
	at := msk(t, 2024, 3, 23, 0, 30, 0) // 2024-03-22 21:30 UTC
	f := newDashFixture(t, at)
	f.calls(t, msk(t, 2024, 3, 22, 22, 0, 0), "raid", 1, 0)         // same UTC day, yesterday in Moscow
	f.calls(t, msk(t, 2024, 3, 22, 23, 59, 59), "raid", 2, 0)       // yesterday
	f.calls(t, msk(t, 2024, 3, 23, 0, 0, 0), "raid", 4, 0)          // today, first instant
	f.calls(t, msk(t, 2024, 3, 23, 0, 29, 59), "deportation", 8, 0) // today
	f.calls(t, at, "raid", 16, 0)                                   // the instant itself
	f.calls(t, at.Add(time.Second), "raid", 32, 0)                  // after: never counts
	f.calls(t, msk(t, 2024, 3, 17, 0, 0, 0), "raid", 64, 0)         // first instant of the 7 days
	f.calls(t, msk(t, 2024, 3, 16, 23, 59, 59), "raid", 128, 0)     // just before them
	f.now = at.Add(time.Hour)
	d := f.dash(t, at, DashboardRules{})
	if d.CallsToday != 4+8+16 {
		t.Errorf("calls today = %d, want %d", d.CallsToday, 4+8+16)
	}
	if want := 1 + 2 + 4 + 8 + 16 + 64; d.Calls7d != want {
		t.Errorf("calls in 7 days = %d, want %d", d.Calls7d, want)
	}
	if want := 1 + 2 + 4 + 8 + 16; d.Surge.Calls24h != want {
		t.Errorf("calls in 24 h = %d, want %d", d.Surge.Calls24h, want)
	}
	// The chart's days are Moscow days: the 23rd holds today's calls, the 22nd yesterday's.
	n := len(d.CallsByDay.Days)
	if n != ChartDays || d.CallsByDay.Days[n-1] != "2024-03-23" || d.CallsByDay.Totals[n-1] != 28 || d.CallsByDay.Totals[n-2] != 3 {
		t.Errorf("chart ends %v / %v, want 2024-03-23 with 28 and 3 the day before",
			d.CallsByDay.Days[n-2:], d.CallsByDay.Totals[n-2:])
	}
	// At a whole hour the same calls are counted from the hourly table alone.
	d = f.dash(t, msk(t, 2024, 3, 23, 1, 0, 0), DashboardRules{})
	if d.CallsToday != 4+8+16+32 {
		t.Errorf("at 01:00, calls today = %d, want %d", d.CallsToday, 4+8+16+32)
	}
}

// TestDashboardChartSeries: the chart shows the five categories with most calls and adds
// up the others, so that each day's series add up to its total.
func TestDashboardChartSeries(t *testing.T) {
	at := msk(t, 2024, 3, 23, 12, 0, 0)
	f := newDashFixture(t, at)
	cats := []string{"raid", "illegal_detention", "deportation", "entry_ban", "hate_crime", "discrimination", "other"}
	for i, c := range cats {
		f.calls(t, at.Add(-time.Duration(i+1)*time.Hour), c, 10-i, 0)
		f.calls(t, at.AddDate(0, 0, -59), c, 1, 0) // the first day of the chart
	}
	f.calls(t, at.AddDate(0, 0, -60), "raid", 100, 0) // before it
	d := f.dash(t, at, DashboardRules{})
	s := d.CallsByDay
	if len(s.Series) != ChartCategories+1 || s.Series[0].Code != "raid" || s.Series[ChartCategories].Code != OtherCode {
		t.Fatalf("series %+v", s.Series)
	}
	last := len(s.Days) - 1
	if s.Series[ChartCategories].Counts[last] != 5+4 || s.Series[ChartCategories].Counts[0] != 2 {
		t.Errorf("other categories: %d today and %d on the first day, want 9 and 2",
			s.Series[ChartCategories].Counts[last], s.Series[ChartCategories].Counts[0])
	}
	if s.Totals[0] != 7 || s.Totals[last] != 10+9+8+7+6+5+4 {
		t.Errorf("totals %d and %d", s.Totals[0], s.Totals[last])
	}
	for i := range s.Days {
		sum := 0
		for _, x := range s.Series {
			sum += x.Counts[i]
		}
		if sum != s.Totals[i] {
			t.Errorf("day %s: series add up to %d, total %d", s.Days[i], sum, s.Totals[i])
		}
	}
}

// TestDashboardOpenCases: open cases by status, cases opened today and in 7 days, workload.
func TestDashboardOpenCases(t *testing.T) {
	at := msk(t, 2024, 3, 23, 12, 0, 0)
	f := newDashFixture(t, at)
	day := func(d int) time.Time { return at.AddDate(0, 0, -d) }
	mk := func(daysAgo int, u models.Urgency, moves ...models.Status) *models.Case {
		cs := f.open(t, day(daysAgo).Add(-time.Hour), day(daysAgo).Add(-time.Hour), u, "RU-MOW")
		f.move(t, day(daysAgo).Add(-30*time.Minute), cs.ID, moves...)
		return cs
	}
	mk(0, models.UrgencyNormal)                                                                         // new
	mk(0, models.UrgencyCritical, models.StatusAssigned)                                                // assigned
	mk(1, models.UrgencyCritical, models.StatusAssigned, models.StatusInProgress)                       // in progress
	mk(6, models.UrgencyHigh, models.StatusAssigned, models.StatusInProgress, models.StatusWaiting)     // waiting, first of the 7 days
	mk(7, models.UrgencyNormal, models.StatusAssigned, models.StatusInProgress, models.StatusEscalated) // escalated, before the 7 days
	mk(2, models.UrgencyNormal, models.StatusAssigned, models.StatusInProgress, models.StatusResolved)  // not open
	mk(3, models.UrgencyNormal, models.StatusClosed)                                                    // not open
	f.open(t, at.Add(time.Minute), at.Add(time.Minute), models.UrgencyNormal, "")                       // after `at`
	d := f.dash(t, at, DashboardRules{})
	want := map[models.Status]int{models.StatusNew: 1, models.StatusAssigned: 1, models.StatusInProgress: 1, models.StatusWaiting: 1, models.StatusEscalated: 1}
	for st, n := range want {
		if d.OpenByStatus[st] != n {
			t.Errorf("open %s = %d, want %d", st, d.OpenByStatus[st], n)
		}
	}
	if len(d.OpenByStatus) != 5 || d.OpenTotal != 5 {
		t.Errorf("open by status %v (total %d), want the 5 open statuses, 5 cases", d.OpenByStatus, d.OpenTotal)
	}
	if d.CasesToday != 2 || d.Cases7d != 6 {
		t.Errorf("cases today %d, in 7 days %d; want 2 and 6", d.CasesToday, d.Cases7d)
	}
	var cw *Workload
	for i := range d.Workload {
		if d.Workload[i].Email == f.cw.Email {
			cw = &d.Workload[i]
		}
	}
	if cw == nil || cw.Open != 4 || cw.Critical != 2 {
		t.Errorf("workload of cw: %+v, want 4 open, 2 critical", cw)
	}
	if len(d.Workload) != 2 || d.Workload[1].Email != f.cw2.Email || d.Workload[1].Open != 0 {
		t.Errorf("workload %+v: the idle caseworker should be listed with 0", d.Workload)
	}
}

// TestDashboardDeadlines: each rule at its edge, and a configured rule.
func TestDashboardDeadlines(t *testing.T) {
	at := msk(t, 2024, 3, 23, 12, 0, 0)
	f := newDashFixture(t, at)
	cases := []struct {
		name     string
		urgency  models.Urgency
		age      time.Duration
		overdue  bool
		critical bool
	}{
		{"critical 59 min", models.UrgencyCritical, 59 * time.Minute, false, true},
		{"critical 60 min", models.UrgencyCritical, 60 * time.Minute, false, true},
		{"critical 61 min", models.UrgencyCritical, 61 * time.Minute, true, true},
		{"high 3h59", models.UrgencyHigh, 239 * time.Minute, false, false},
		{"high 4h01", models.UrgencyHigh, 241 * time.Minute, true, false},
		{"normal 23h59", models.UrgencyNormal, 24*time.Hour - time.Minute, false, false},
		{"normal 24h01", models.UrgencyNormal, 24*time.Hour + time.Minute, true, false},
	}
	refs := map[string]string{}
	for _, c := range cases {
		cs := f.open(t, at.Add(-c.age), at.Add(-c.age), c.urgency, "RU-SPE")
		refs[cs.Reference] = c.name
	}
	// A critical case assigned in time is in neither list, however old.
	old := f.open(t, at.Add(-5*time.Hour), at.Add(-5*time.Hour), models.UrgencyCritical, "RU-SPE")
	f.move(t, at.Add(-4*time.Hour), old.ID, models.StatusAssigned)
	d := f.dash(t, at, DashboardRules{})
	in := func(list []WaitingCase) map[string]bool {
		m := map[string]bool{}
		for _, w := range list {
			m[refs[w.Reference]] = true
			if w.Reference == old.Reference {
				t.Errorf("the assigned case is listed")
			}
			if w.RegionLabel == "" || w.Region != "RU-SPE" {
				t.Errorf("%s: region %q %q", w.Reference, w.Region, w.RegionLabel)
			}
		}
		return m
	}
	over, crit := in(d.Overdue), in(d.CriticalUnassigned)
	for _, c := range cases {
		if over[c.name] != c.overdue {
			t.Errorf("%s: overdue = %v, want %v", c.name, over[c.name], c.overdue)
		}
		if crit[c.name] != c.critical {
			t.Errorf("%s: critical unassigned = %v, want %v", c.name, crit[c.name], c.critical)
		}
	}
	if d.OverdueTotal != 3 || d.CriticalUnassignedTotal != 3 {
		t.Errorf("totals: %d overdue, %d critical", d.OverdueTotal, d.CriticalUnassignedTotal)
	}
	// Each is a minute late: the one that waited longest comes first.
	if d.Overdue[0].Urgency != models.UrgencyNormal || d.Overdue[0].OverdueMinutes != 1 || d.Overdue[0].AgeMinutes != 24*60+1 {
		t.Errorf("first overdue %+v", d.Overdue[0])
	}
	// Configured: critical within 30 minutes makes the 59-minute case overdue.
	d = f.dash(t, at, DashboardRules{CriticalWithin: 30 * time.Minute})
	if over := in(d.Overdue); !over["critical 59 min"] || d.OverdueTotal != 5 {
		t.Errorf("with a 30 min rule: %d overdue, the 59-minute case overdue: %v", d.OverdueTotal, over["critical 59 min"])
	}
	if r := d.Rules.Overdue; !strings.Contains(r, "30 min") || !strings.Contains(r, "4 h") || !strings.Contains(r, "1 day") {
		t.Errorf("rule text %q", d.Rules.Overdue)
	}
}

// TestDashboardLooksBack: as of a past moment, cases are in the state they were in then,
// rebuilt from their timelines, and nothing after it counts.
func TestDashboardLooksBack(t *testing.T) {
	t0 := msk(t, 2024, 3, 20, 10, 0, 0)
	f := newDashFixture(t, t0)
	a := f.open(t, t0, t0, models.UrgencyCritical, "RU-MOW")
	f.move(t, t0.Add(2*time.Hour), a.ID, models.StatusAssigned)
	f.move(t, t0.Add(3*time.Hour), a.ID, models.StatusInProgress)
	f.move(t, t0.Add(5*time.Hour), a.ID, models.StatusResolved)
	// Recorded at t0+1h30 for a call at t0+10min.
	late := f.open(t, t0.Add(10*time.Minute), t0.Add(90*time.Minute), models.UrgencyHigh, "RU-MOW")
	f.now = t0.Add(48 * time.Hour)
	for _, c := range []struct {
		at                  time.Duration
		newN, assigned, inP int
		overdue, critical   int
		cwOpen              int
	}{
		{30 * time.Minute, 2, 0, 0, 0, 1, 0}, // both new; the late case was received already
		{90 * time.Minute, 2, 0, 0, 1, 1, 0}, // the critical one is 30 minutes late
		{150 * time.Minute, 1, 1, 0, 0, 0, 1},
		{4 * time.Hour, 1, 0, 1, 0, 0, 1},
		{5*time.Hour + 30*time.Minute, 1, 0, 0, 1, 0, 0}, // resolved; the high case is overdue
	} {
		d := f.dash(t, t0.Add(c.at), DashboardRules{})
		if !d.LookBack {
			t.Errorf("at +%s: not marked as a look back", c.at)
		}
		got := []int{d.OpenByStatus[models.StatusNew], d.OpenByStatus[models.StatusAssigned], d.OpenByStatus[models.StatusInProgress], d.OverdueTotal, d.CriticalUnassignedTotal}
		want := []int{c.newN, c.assigned, c.inP, c.overdue, c.critical}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("at +%s: new, assigned, in progress, overdue, critical = %v, want %v", c.at, got, want)
		}
		cwOpen := 0
		for _, w := range d.Workload {
			if w.Email == f.cw.Email {
				cwOpen = w.Open
			}
		}
		if cwOpen != c.cwOpen {
			t.Errorf("at +%s: cw has %d open cases, want %d", c.at, cwOpen, c.cwOpen)
		}
	}
	if late.Status != models.StatusNew {
		t.Fatal(late.Status)
	}
	// Now: a is resolved, late is new.
	d := f.dash(t, f.now, DashboardRules{})
	if d.LookBack || d.OpenTotal != 1 || d.OpenByStatus[models.StatusNew] != 1 {
		t.Errorf("now: %v, look back %v", d.OpenByStatus, d.LookBack)
	}
}

// TestSurgeRule: the rule at its edges.
func TestSurgeRule(t *testing.T) {
	tax := &models.Taxonomy{}
	days := func(counts ...int) []map[callKey]int {
		out := make([]map[callKey]int, 28)
		for i := range out {
			out[i] = map[callKey]int{}
			if i < len(counts) {
				out[i][callKey{Category: "consultation"}] = counts[i]
			}
		}
		return out
	}
	repeat := func(n, v int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	last := func(n int) map[callKey]int { return map[callKey]int{{Category: "raid"}: n} }
	rules := DefaultDashboardRules()
	for _, c := range []struct {
		name     string
		calls    int
		baseline []int
		active   bool
		median   float64
	}{
		{"exactly 3x", 21, repeat(28, 7), true, 7},
		{"just under 3x", 20, repeat(28, 7), false, 7},
		{"exactly 20 calls, over 3x", 20, append(repeat(14, 6), repeat(14, 7)...), true, 6.5},
		{"19 calls at over 10x", 19, append(repeat(14, 1), repeat(14, 2)...), false, 1.5},
		{"2.9x", 29, repeat(28, 10), false, 10},
		{"3x at 30", 30, repeat(28, 10), true, 10},
		{"15 zero days make the median 0; 20 calls", 20, repeat(13, 50), true, 0},
		{"15 zero days make the median 0; 19 calls", 19, repeat(13, 50), false, 0},
		{"14 zero days: the median is 25", 20, repeat(14, 50), false, 25},
		{"no calls at all", 0, nil, false, 0},
	} {
		sg := surge(last(c.calls), days(c.baseline...), rules, tax)
		if sg.Active != c.active || sg.BaselineDaily != c.median || sg.Calls24h != c.calls {
			t.Errorf("%s: active %v median %v calls %d; want %v, %v", c.name, sg.Active, sg.BaselineDaily, sg.Calls24h, c.active, c.median)
		}
		if (sg.Ratio == nil) != (c.median == 0) {
			t.Errorf("%s: ratio %v with median %v", c.name, sg.Ratio, c.median)
		}
	}
}

// TestSurgeThroughTheDatabase: the 24-hour windows end at `at` whatever its minute, and the
// categories that drive a surge are those whose share grew most.
func TestSurgeThroughTheDatabase(t *testing.T) {
	at := msk(t, 2024, 3, 23, 14, 20, 0)
	f := newDashFixture(t, at)
	for k := 1; k <= 28; k++ { // 7 calls in each of the 28 windows, on their edges
		start := at.Add(-time.Duration(k+1) * 24 * time.Hour).Add(time.Second)
		f.calls(t, start, "consultation", 5, 0)
		f.calls(t, start.Add(24*time.Hour-2*time.Second), "raid", 2, 0)
	}
	last := at.Add(-24 * time.Hour).Add(time.Second)
	f.calls(t, last, "raid", 10, 0)
	f.calls(t, at, "illegal_detention", 8, 0)
	f.calls(t, at.Add(-time.Hour), "consultation", 2, 0)
	f.calls(t, at.Add(-24*time.Hour), "raid", 1, 0) // belongs to the window before
	d := f.dash(t, at, DashboardRules{})
	sg := d.Surge
	if sg.Calls24h != 20 || sg.BaselineDaily != 7 || sg.Active {
		t.Fatalf("surge %+v: want 20 calls against a median of 7, not active (20 < 21)", sg)
	}
	f.calls(t, at.Add(-time.Minute), "illegal_detention", 1, 0)
	sg = f.dash(t, at, DashboardRules{}).Surge
	if sg.Calls24h != 21 || !sg.Active || sg.Ratio == nil || *sg.Ratio != 3 {
		t.Fatalf("surge %+v: want 21 calls, active at 3x", sg)
	}
	if len(sg.TopCategories) != 2 || sg.TopCategories[0].Code != "illegal_detention" || sg.TopCategories[1].Code != "raid" {
		t.Errorf("top categories %+v: want illegal_detention (0%% before) then raid", sg.TopCategories)
	}
	sg = f.dash(t, at, DashboardRules{SurgeRatio: 3.5}).Surge
	if sg.Active {
		t.Errorf("with a ratio of 3.5 the surge is active")
	}
}

// TestEarlyWarning: five raid calls from one region within three hours warn; the same calls
// spread over five regions do not; nor do they in a region that usually has that many.
func TestEarlyWarning(t *testing.T) {
	at := msk(t, 2024, 3, 23, 14, 20, 0)
	f := newDashFixture(t, at)
	regions := []string{"RU-SPE", "RU-MOW", "RU-MOS", "RU-LEN", "RU-SVE"}
	byRegion := map[string]uint{}
	for _, r := range regions {
		byRegion[r] = f.open(t, at.AddDate(0, 0, -40), at.AddDate(0, 0, -40), models.UrgencyNormal, r).ID
	}
	// One region: 4 calls 2h59 ago and one now.
	f.calls(t, at.Add(-3*time.Hour+time.Minute), "raid", 4, byRegion["RU-SPE"])
	f.calls(t, at, "raid", 1, byRegion["RU-SPE"])
	// Spread: 5 deportation calls, one per region.
	for _, r := range regions {
		f.calls(t, at.Add(-time.Hour), "deportation", 1, byRegion[r])
	}
	d := f.dash(t, at, DashboardRules{})
	if len(d.EarlyWarnings) != 1 {
		t.Fatalf("early warnings %+v, want one", d.EarlyWarnings)
	}
	w := d.EarlyWarnings[0]
	if w.Region != "RU-SPE" || w.Category != "raid" || w.Calls != 5 || w.Usual != 0 || w.Ratio != nil || w.RegionLabel == "RU-SPE" {
		t.Errorf("warning %+v", w)
	}
	// Four in the window: below the minimum.
	if d := f.dash(t, at.Add(-time.Second), DashboardRules{}); len(d.EarlyWarnings) != 0 {
		t.Errorf("4 calls warn: %+v", d.EarlyWarnings)
	}
	// A region that usually has 2 raid calls in 3 hours: 5 is 2.5x, no warning.
	for day := 1; day <= 28; day++ {
		for k := 0; k < 8; k++ {
			f.calls(t, at.Add(-3*time.Hour+time.Minute).AddDate(0, 0, -day).Add(time.Duration(k)*3*time.Hour), "raid", 2, byRegion["RU-SPE"])
		}
	}
	d = f.dash(t, at, DashboardRules{})
	if len(d.EarlyWarnings) != 0 {
		t.Errorf("usual volume warns: %+v", d.EarlyWarnings)
	}
	if d = f.dash(t, at, DashboardRules{BurstRatio: 2.5}); len(d.EarlyWarnings) != 1 || d.EarlyWarnings[0].Usual != 2 {
		t.Errorf("ratio 2.5: %+v", d.EarlyWarnings)
	}
	// The chart of regions counts the calls of the 7 days (from 17 March, 00:00) by their
	// case's region: today's 6, 16 on each of the 6 days before and 6 early on the 17th.
	got := map[string]int{}
	for _, r := range d.CallsByRegion {
		got[r.Code] = r.Calls
	}
	if got["RU-SPE"] != 6+6*16+6 || got["RU-MOW"] != 1 || len(got) != 5 {
		t.Errorf("calls by region %v", got)
	}
}

// TestDashboardForSupervisorsOnly: caseworkers get their own work, not the dashboard.
func TestDashboardForSupervisorsOnly(t *testing.T) {
	at := msk(t, 2024, 3, 23, 12, 0, 0)
	f := newDashFixture(t, at)
	if _, err := f.s.Dashboard(context.Background(), f.cw, at, DashboardRules{}); !errors.Is(err, models.ErrForbidden) {
		t.Errorf("caseworker: %v, want ErrForbidden", err)
	}
	a := f.open(t, at.Add(-2*time.Hour), at.Add(-2*time.Hour), models.UrgencyCritical, "RU-MOW")
	f.move(t, at.Add(-110*time.Minute), a.ID, models.StatusAssigned) // not started 2 h after the call
	b := f.open(t, at.Add(-30*time.Minute), at.Add(-30*time.Minute), models.UrgencyCritical, "RU-MOW")
	f.move(t, at.Add(-20*time.Minute), b.ID, models.StatusAssigned) // within the hour
	c := f.open(t, at.Add(-3*time.Hour), at.Add(-3*time.Hour), models.UrgencyHigh, "")
	f.move(t, at.Add(-2*time.Hour), c.ID, models.StatusAssigned, models.StatusInProgress) // started
	q := f.open(t, at.Add(-10*time.Minute), at.Add(-10*time.Minute), models.UrgencyCritical, "RU-SPE")
	f.open(t, at.Add(-10*time.Minute), at.Add(-10*time.Minute), models.UrgencyHigh, "RU-SPE") // not critical: not in the queue
	f.now = at
	m, err := f.s.MyWork(context.Background(), f.cw, at, DashboardRules{})
	if err != nil {
		t.Fatal(err)
	}
	if m.OpenTotal != 3 || m.ByUrgency[models.UrgencyCritical] != 2 || m.ByUrgency[models.UrgencyHigh] != 1 {
		t.Errorf("my work: %d open, by urgency %v", m.OpenTotal, m.ByUrgency)
	}
	if len(m.Overdue) != 1 || m.Overdue[0].ID != a.ID {
		t.Errorf("my overdue %+v, want only %s", m.Overdue, a.Reference)
	}
	if len(m.CriticalQueue) != 1 || m.CriticalQueue[0].ID != q.ID {
		t.Errorf("queue %+v, want only %s", m.CriticalQueue, q.Reference)
	}
	if m.Cases[0].Urgency != models.UrgencyCritical || m.Cases[2].ID != c.ID {
		t.Errorf("order %+v", m.Cases)
	}
	other, err := f.s.MyWork(context.Background(), f.cw2, at, DashboardRules{})
	if err != nil || other.OpenTotal != 0 || len(other.CriticalQueue) != 1 {
		t.Errorf("cw2: %+v %v", other, err)
	}
}

// TestCallCountsKeptInStep: whatever writes the calls (insert, a call moved to another hour,
// category or case, a case moving region, a deletion), the hourly tables equal a count of
// the calls themselves.
func TestCallCountsKeptInStep(t *testing.T) {
	at := msk(t, 2024, 3, 23, 12, 0, 0)
	f := newDashFixture(t, at)
	ctx := context.Background()
	a := f.open(t, at.Add(-2*time.Hour), at.Add(-2*time.Hour), models.UrgencyNormal, "RU-MOW")
	b := f.open(t, at.Add(-26*time.Hour), at.Add(-26*time.Hour), models.UrgencyNormal, "RU-SPE")
	f.calls(t, at.Add(-90*time.Minute), "raid", 3, a.ID)
	f.calls(t, at.Add(-30*time.Minute), "deportation", 2, 0)
	f.now = at
	if _, err := f.s.store.LogContact(ctx, f.cw, models.ContactInput{Channel: "phone", CaseID: &b.ID, ReceivedAt: at.Add(-time.Hour).Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	check := func(step string) { t.Helper(); checkCallCounts(t, f.s, step) }
	check("inserted")
	db := rawDB(t, f.s)
	if err := db.Exec(`UPDATE contacts SET received_at = ? WHERE id = (SELECT MIN(id) FROM contacts WHERE category = 'raid')`, at.Add(-5*time.Hour).UTC()).Error; err != nil {
		t.Fatal(err)
	}
	check("a call moved to another hour")
	if err := db.Exec(`UPDATE contacts SET category = 'entry_ban' WHERE category = 'deportation'`).Error; err != nil {
		t.Fatal(err)
	}
	check("category changed")
	if err := db.Exec(`UPDATE contacts SET case_id = ? WHERE case_id IS NULL`, a.ID).Error; err != nil {
		t.Fatal(err)
	}
	check("calls attached to a case")
	if _, err := f.s.store.UpdateCase(ctx, f.sup, a.ID, models.CaseUpdate{Version: a.Version, CaseFields: models.CaseFields{Region: "RU-LEN"}, Present: map[string]bool{"region": true}}); err != nil {
		t.Fatal(err)
	}
	check("case moved region")
	if err := db.Exec(`DELETE FROM contacts WHERE case_id = ?`, b.ID).Error; err != nil {
		t.Fatal(err)
	}
	check("calls deleted")
	d := f.dash(t, at, DashboardRules{})
	got := map[string]int{}
	for _, r := range d.CallsByRegion {
		got[r.Code] = r.Calls
	}
	if got["RU-LEN"] != 6 || got["RU-MOW"] != 0 || got["RU-SPE"] != 0 || len(d.CallsByRegion) != 1 {
		t.Errorf("calls by region %+v, want 6 in RU-LEN only", d.CallsByRegion)
	}
}

// TestParseAsOf: RFC 3339 or a local datetime; the future and garbage are refused.
func TestParseAsOf(t *testing.T) {
	now := msk(t, 2024, 3, 23, 12, 0, 0)
	f := newDashFixture(t, now)
	for _, c := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{"", now, false},
		{"2024-03-23T10:00:00+03:00", msk(t, 2024, 3, 23, 10, 0, 0), false},
		{"2024-03-23T07:00:00Z", msk(t, 2024, 3, 23, 10, 0, 0), false},
		{"2024-03-23T10:00", msk(t, 2024, 3, 23, 10, 0, 0), false},
		{"yesterday", time.Time{}, true},
		{"2024-03-24T10:00:00+03:00", time.Time{}, true},
		{"1999-03-24T10:00:00+03:00", time.Time{}, true},
	} {
		got, err := f.s.ParseAsOf(c.in)
		var ve *models.ValidationError
		if c.bad != errors.As(err, &ve) || (!c.bad && !got.Equal(c.want)) {
			t.Errorf("%q: %v %v", c.in, got, err)
		}
	}
}

// checkCallCounts fails the test when the hourly tables differ from a count of the calls.
func checkCallCounts(t *testing.T, s *Stats, step string) {
	t.Helper()
	ctx := context.Background()
	var diff []struct {
		Hour     int64
		Region   string
		Category string
		Want     int
		Got      int
	}
	q := `WITH truth AS (
			SELECT ` + callHour("c.received_at") + ` AS hour, COALESCE(cs.region, '') AS region, c.category, COUNT(*) AS n
			FROM contacts c LEFT JOIN cases cs ON cs.id = c.case_id GROUP BY 1, 2, 3),
		kept AS (SELECT hour, region, category, calls AS n FROM call_region_hours WHERE calls <> 0)
		SELECT t.hour, t.region, t.category, t.n AS want, COALESCE(k.n, 0) AS got FROM truth t
			LEFT JOIN kept k USING (hour, region, category) WHERE COALESCE(k.n, 0) <> t.n
		UNION ALL
		SELECT k.hour, k.region, k.category, 0, k.n FROM kept k
			WHERE NOT EXISTS (SELECT 1 FROM truth t WHERE t.hour = k.hour AND t.region = k.region AND t.category = k.category)
		UNION ALL
		SELECT h.hour, '*', h.category, COALESCE((SELECT SUM(n) FROM truth t WHERE t.hour = h.hour AND t.category = h.category), 0), h.calls
			FROM call_hours h WHERE h.calls <> COALESCE((SELECT SUM(n) FROM truth t WHERE t.hour = h.hour AND t.category = h.category), 0)`
	if err := s.store.ReadDB(ctx).Raw(q).Scan(&diff).Error; err != nil {
		t.Fatal(err)
	}
	if len(diff) > 0 {
		t.Errorf("%s: hourly counts differ from the calls: %+v", step, diff)
	}
	var n int
	s.store.ReadDB(ctx).Raw(`SELECT COALESCE(SUM(calls), 0) FROM call_hours`).Scan(&n)
	var calls int
	s.store.ReadDB(ctx).Raw(`SELECT COUNT(*) FROM contacts`).Scan(&calls)
	if n != calls || calls == 0 {
		t.Errorf("%s: call_hours adds up to %d, there are %d calls", step, n, calls)
	}
}

// TestMigrationsDashboard: migrations 14 and 15 on a database that has calls and cases
// already: the hourly tables count the calls there were, and the triggers keep them in step
// from then on.
func TestMigrationsDashboard(t *testing.T) {
	at := msk(t, 2024, 3, 23, 12, 0, 0)
	f := newDashFixture(t, at)
	a := f.open(t, at.Add(-2*time.Hour), at.Add(-2*time.Hour), models.UrgencyNormal, "RU-MOW")
	f.calls(t, at.Add(-90*time.Minute), "raid", 3, a.ID)
	f.calls(t, at.Add(-30*time.Hour), "deportation", 2, 0)
	db := rawDB(t, f.s)
	// Back to before 14: no triggers, tables or indexes of the dashboard.
	for _, q := range []string{
		"DROP TRIGGER call_counts_insert", "DROP TRIGGER call_counts_delete", "DROP TRIGGER call_counts_update",
		"DROP TRIGGER call_counts_case_region", "DROP TABLE call_hours", "DROP TABLE call_region_hours",
		"DROP INDEX idx_cases_open_work", "DROP INDEX idx_cases_changed", "DROP INDEX idx_contacts_received_category",
		"DELETE FROM schema_migrations WHERE id IN (14, 15)",
	} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatal(q, err)
		}
	}
	f.calls(t, at.Add(-time.Hour), "raid", 4, a.ID) // written while nothing counted them
	if err := f.s.store.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkCallCounts(t, f.s, "after migrating")
	f.calls(t, at.Add(-10*time.Minute), "entry_ban", 1, 0)
	checkCallCounts(t, f.s, "a call after migrating")
	d := f.dash(t, at, DashboardRules{})
	if d.CallsToday != 1+3+4+1 || d.Surge.Calls24h != 9 || d.Calls7d != 11 {
		t.Errorf("after migrating: today %d, 24 h %d, 7 days %d", d.CallsToday, d.Surge.Calls24h, d.Calls7d)
	}
}

// TestDashboardUsesIndexes: no query of the dashboard, looking back or not, nor of a
// caseworker's page, scans a whole table of cases, calls or timelines: every read is a
// search of an index, so the cost follows what is shown, not the size of the database.
func TestDashboardUsesIndexes(t *testing.T) {
	at := msk(t, 2024, 3, 23, 12, 17, 30)
	f := newDashFixture(t, at)
	a := f.open(t, at.Add(-2*time.Hour), at.Add(-2*time.Hour), models.UrgencyCritical, "RU-MOW")
	f.move(t, at.Add(time.Hour), a.ID, models.StatusAssigned) // changed after `at`: rebuilt from its timeline
	f.calls(t, at.Add(-90*time.Minute), "raid", 6, a.ID)
	type query struct {
		sql  string
		vars []any
	}
	var seen []query
	capture := func(db *gorm.DB) {
		seen = append(seen, query{db.Statement.SQL.String(), append([]any(nil), db.Statement.Vars...)})
	}
	if err := f.s.store.ReadDB(context.Background()).Callback().Row().After("gorm:row").Register("test:capture", capture); err != nil {
		t.Fatal(err)
	}
	if err := f.s.store.ReadDB(context.Background()).Callback().Query().After("gorm:query").Register("test:capture", capture); err != nil {
		t.Fatal(err)
	}
	d := f.dash(t, at, DashboardRules{})
	if d.CriticalUnassignedTotal != 1 || len(d.EarlyWarnings) != 1 {
		t.Fatalf("the data did not reach every query: %+v", d)
	}
	if _, err := f.s.MyWork(context.Background(), f.cw, at, DashboardRules{}); err != nil {
		t.Fatal(err)
	}
	// Plans name tables by their alias; the only things scanned whole may be the list of spans
	// (w), constant rows, and the small tables of accounts and terms.
	scan := regexp.MustCompile(`^SCAN (\w+)`)
	small := map[string]bool{"w": true, "users": true, "terms": true}
	// A search bounded only from above ("everything received before") reads the whole past.
	before := regexp.MustCompile(`\(\w+<\?\)$`)
	if len(seen) < 8 {
		t.Fatalf("captured only %d queries", len(seen))
	}
	for _, q := range seen {
		var plan []struct{ Detail string }
		if err := f.s.store.ReadDB(context.Background()).Raw("EXPLAIN QUERY PLAN "+q.sql, q.vars...).Scan(&plan).Error; err != nil {
			t.Fatalf("%v: %s", err, q.sql)
		}
		for _, p := range plan {
			if m := scan.FindStringSubmatch(p.Detail); m != nil && !small[m[1]] && !strings.Contains(p.Detail, "CONSTANT ROW") {
				t.Errorf("%s\nscans a table: %s", q.sql, p.Detail)
			}
			if before.MatchString(p.Detail) {
				t.Errorf("%s\nreads the whole past: %s", q.sql, p.Detail)
			}
		}
	}
}
