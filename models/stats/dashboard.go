package stats

import (
	"himoya/models"

	"context"
	"math"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Dashboard answers a supervisor's "what needs us now", as of At: nothing received or done
// after At counts. It holds counts, codes, references and dates only, never personal data.
type Dashboard struct {
	At time.Time
	// LookBack says At is in the past: the state of cases then was rebuilt from their
	// timelines (urgency and region are the cases' current ones: their history is not kept).
	LookBack bool
	// Calls and cases received today (since midnight in the organisation's time zone) and in
	// the last 7 days (today and the 6 days before).
	CallsToday int
	Calls7d    int
	CasesToday int
	Cases7d    int
	// OpenByStatus counts the open cases in each open status.
	OpenByStatus map[models.Status]int
	OpenTotal    int
	// CriticalUnassigned lists the open critical cases nobody is assigned to, longest waiting
	// first (at most ListLimit; the total is beside it).
	CriticalUnassigned      []WaitingCase
	CriticalUnassignedTotal int
	// Overdue lists the cases past their deadline for assignment (Rules.Overdue), most
	// overdue first (at most ListLimit).
	Overdue      []WaitingCase
	OverdueTotal int
	// Workload is each caseworker's open cases.
	Workload      []Workload
	Surge         Surge
	EarlyWarnings []EarlyWarning
	// CallsByDay is the calls of each of the last ChartDays days by category.
	CallsByDay CallSeries
	// CallsByRegion is the calls of the last 7 days by the region of their case.
	CallsByRegion []RegionCalls
	Rules         RulesText
}

// ListLimit bounds the lists of cases on the dashboard; totals count them all.
const ListLimit = 100

// ChartDays is how many days the chart of calls per day shows.
const ChartDays = 60

// ChartCategories is how many categories the chart of calls per day shows on their own; the
// others are added up as one.
const ChartCategories = 5

// ChartRegions is how many regions the chart of calls by region shows on their own.
const ChartRegions = 10

// WaitingCase is an open case nobody is assigned to (or, on a caseworker's page, not yet
// started), with how long it has waited.
type WaitingCase struct {
	ID          uint
	Reference   string
	Status      models.Status
	Urgency     models.Urgency
	Region      string
	RegionLabel string
	ReceivedAt  time.Time
	// Age is how long ago the call came; Deadline the rule's limit for its urgency; Over how
	// far past it (0 when not overdue).
	Age      time.Duration
	Deadline time.Duration
	Over     time.Duration
	// The same in whole minutes, for the API.
	AgeMinutes      int
	DeadlineMinutes int
	OverdueMinutes  int
	IsOverdue       bool
}

// Workload is one caseworker's open cases.
type Workload struct {
	UserID   uint
	Name     string
	Email    string
	Open     int
	Critical int
}

// Surge says whether the calls of the last 24 hours are a surge (Rules.Surge), with the
// numbers the rule compares.
type Surge struct {
	Active   bool
	Calls24h int
	// BaselineDaily is the median of the calls of each 24 hours of the baseline days.
	BaselineDaily float64
	// Ratio is Calls24h / BaselineDaily; nil when the baseline is 0.
	Ratio        *float64
	BaselineDays int
	// TopCategories are the categories whose share of the calls grew most against the
	// baseline days (at most 3): what drives the surge.
	TopCategories []SurgeCategory
}

// SurgeCategory is a category's calls in the last 24 hours against the baseline.
type SurgeCategory struct {
	Code          string
	Label         string
	Calls24h      int
	Share24h      float64
	BaselineShare float64
}

// EarlyWarning is one region's unusual burst of calls about one category (Rules.EarlyWarning).
type EarlyWarning struct {
	Region        string
	RegionLabel   string
	Category      string
	CategoryLabel string
	Calls         int
	WindowMinutes int
	Window        string
	Usual         float64
	// Ratio is Calls / Usual; nil when the region usually has none.
	Ratio *float64
}

// CallSeries is a count per day, by category.
type CallSeries struct {
	Days   []string // YYYY-MM-DD in the organisation's time zone
	Series []SeriesCalls
	Totals []int
}

// SeriesCalls is one category's count per day; the code "*" adds up the other categories.
type SeriesCalls struct {
	Code   string
	Label  string
	Counts []int
}

// RegionCalls is a region's calls; the code "" is calls without a case (no region known) and
// "*" adds up the regions after the first ChartRegions.
type RegionCalls struct {
	Code  string
	Label string
	Calls int
}

// OtherCode stands for "everything else" in a chart's series.
const OtherCode = "*"

// ParseAsOf reads the moment a dashboard is asked for: empty is now; otherwise RFC 3339, or a
// local "2006-01-02T15:04" (an HTML datetime input) in the organisation's time zone. A moment
// in the future or before 2000 is refused with a *ValidationError on field "at".
func (s *Stats) ParseAsOf(v string) (time.Time, error) {
	now := s.store.UTCNow()
	if v == "" {
		return now, nil
	}
	t, ok := models.ParseTime(v, s.store.Loc)
	switch {
	case !ok:
		return time.Time{}, &models.ValidationError{Fields: map[string]string{"at": "v.use_moment_like_2024_03"}}
	case t.After(now.Add(5 * time.Minute)):
		return time.Time{}, &models.ValidationError{Fields: map[string]string{"at": "v.cannot_be_in_future"}}
	case t.Year() < 2000:
		return time.Time{}, &models.ValidationError{Fields: map[string]string{"at": "v.too_long_ago"}}
	}
	return t, nil
}

// openStatuses are the statuses of a case that still needs work.
func openStatuses() []models.Status {
	var out []models.Status
	for _, s := range models.Statuses {
		if s.Open() {
			out = append(out, s)
		}
	}
	return out
}

// dayStart is midnight of t's day in loc.
func dayStart(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// Dashboard computes the supervisors' dashboard as of at (supervisors and admins only).
func (s *Stats) Dashboard(ctx context.Context, u *models.User, at time.Time, rules DashboardRules) (*Dashboard, error) {
	if !u.Can(models.RoleSupervisor) {
		return nil, models.ErrForbidden
	}
	rules = rules.WithDefaults()
	at = at.UTC()
	db := s.store.ReadDB(ctx)
	tax, err := models.LoadTaxonomy(db)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{At: at, LookBack: at.Before(s.store.UTCNow().Add(-time.Minute)), Rules: rules.Text(),
		OpenByStatus: map[models.Status]int{}, CriticalUnassigned: []WaitingCase{}, Overdue: []WaitingCase{},
		Workload: []Workload{}, EarlyWarnings: []EarlyWarning{}}
	if err := s.dashboardCalls(db, d, tax, at, rules); err != nil {
		return nil, err
	}
	if err := s.dashboardCases(db, d, tax, at, rules); err != nil {
		return nil, err
	}
	rows := len(d.CriticalUnassigned) + len(d.Overdue)
	if err := s.store.RecordRead(ctx, u, models.AuditCaseList, models.ObjectCase, "view=dashboard rows="+strconv.Itoa(rows)); err != nil {
		return nil, err
	}
	return d, nil
}

// dashboardCalls fills the call counts, the surge, the early warnings and the charts.
func (s *Stats) dashboardCalls(db *gorm.DB, d *Dashboard, tax *models.Taxonomy, at time.Time, rules DashboardRules) error {
	end := at.Add(time.Nanosecond) // spans are half-open; a call received at At counts
	today := dayStart(at, s.store.Loc)
	week := today.AddDate(0, 0, -6)
	spans := []span{{today, end}, {week, end}, {end.Add(-24 * time.Hour), end}}
	const firstBaseline = 3
	for k := 1; k <= rules.SurgeBaselineDays; k++ {
		spans = append(spans, span{end.Add(-time.Duration(k+1) * 24 * time.Hour), end.Add(-time.Duration(k) * 24 * time.Hour)})
	}
	firstDay := len(spans)
	days := make([]string, ChartDays)
	for i := 0; i < ChartDays; i++ {
		from := today.AddDate(0, 0, i-(ChartDays-1))
		to := from.AddDate(0, 0, 1)
		if to.After(end) {
			to = end
		}
		days[i] = from.Format("2006-01-02")
		spans = append(spans, span{from, to})
	}
	counts, err := callCounts(db, spans, false)
	if err != nil {
		return err
	}
	d.CallsToday, d.Calls7d = total(counts[0]), total(counts[1])
	d.Surge = surge(counts[2], counts[firstBaseline:firstDay], rules, tax)
	d.CallsByDay = callSeries(days, counts[firstDay:], tax)

	win := rules.BurstWindow
	byRegion, err := callCounts(db, []span{{week, end}, {end.Add(-win), end}}, true)
	if err != nil {
		return err
	}
	d.CallsByRegion = regionCalls(byRegion[0], tax)
	return s.earlyWarnings(db, d, byRegion[1], end, rules, tax)
}

// surge applies the surge rule to the last 24 hours' calls by category and the baseline's.
func surge(last map[callKey]int, baseline []map[callKey]int, rules DashboardRules, tax *models.Taxonomy) Surge {
	sg := Surge{Calls24h: total(last), BaselineDays: len(baseline), TopCategories: []SurgeCategory{}}
	daily := make([]int, len(baseline))
	base := map[string]int{}
	baseTotal := 0
	for i, m := range baseline {
		daily[i] = total(m)
		baseTotal += daily[i]
		for k, n := range m {
			base[k.Category] += n
		}
	}
	sg.BaselineDaily = medianCount(daily)
	if sg.BaselineDaily > 0 {
		r := float64(sg.Calls24h) / sg.BaselineDaily
		sg.Ratio = &r
	}
	sg.Active = sg.Calls24h >= rules.SurgeMin && float64(sg.Calls24h) >= rules.SurgeRatio*sg.BaselineDaily
	if sg.Calls24h == 0 {
		return sg
	}
	for k, n := range last {
		if n == 0 {
			continue
		}
		c := SurgeCategory{Code: k.Category, Label: tax.Label(models.KindCategory, k.Category), Calls24h: n,
			Share24h: float64(n) / float64(sg.Calls24h)}
		if baseTotal > 0 {
			c.BaselineShare = float64(base[k.Category]) / float64(baseTotal)
		}
		if c.Share24h > c.BaselineShare {
			sg.TopCategories = append(sg.TopCategories, c)
		}
	}
	sort.Slice(sg.TopCategories, func(i, j int) bool {
		a, b := sg.TopCategories[i], sg.TopCategories[j]
		ga, gb := a.Share24h-a.BaselineShare, b.Share24h-b.BaselineShare
		if ga != gb {
			return ga > gb
		}
		if a.Calls24h != b.Calls24h {
			return a.Calls24h > b.Calls24h
		}
		return a.Code < b.Code
	})
	if len(sg.TopCategories) > 3 {
		sg.TopCategories = sg.TopCategories[:3]
	}
	for i := range sg.TopCategories {
		sg.TopCategories[i].Share24h = round4(sg.TopCategories[i].Share24h)
		sg.TopCategories[i].BaselineShare = round4(sg.TopCategories[i].BaselineShare)
	}
	if sg.Ratio != nil {
		r := round4(*sg.Ratio)
		sg.Ratio = &r
	}
	return sg
}

func round4(f float64) float64 { return math.Round(f*10000) / 10000 }

// medianCount is the median of the counts (the mean of the middle two for an even number); 0 for none.
func medianCount(xs []int) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]int(nil), xs...)
	sort.Ints(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

// earlyWarnings applies the burst rule to the calls of the last window by region and
// category; only the pairs that pass the minimum are compared with their baseline.
func (s *Stats) earlyWarnings(db *gorm.DB, d *Dashboard, recent map[callKey]int, end time.Time, rules DashboardRules, tax *models.Taxonomy) error {
	win := rules.BurstWindow
	var candidates []callKey
	for k, n := range recent {
		if k.Region != "" && n >= rules.BurstMin {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	// The usual number is the mean over the same hours of each of the baseline days: calls
	// follow the clock (few at night), so a morning is compared with other mornings. One
	// count by region and category serves every candidate: a busy hotline has dozens of pairs
	// over the minimum at any time.
	days := make([]span, rules.SurgeBaselineDays)
	for k := range days {
		days[k] = span{end.Add(-win).Add(-time.Duration(k+1) * 24 * time.Hour), end.Add(-time.Duration(k+1) * 24 * time.Hour)}
	}
	base, err := callCounts(db, days, true)
	if err != nil {
		return err
	}
	for _, k := range candidates {
		n := recent[k]
		sum := 0
		for _, m := range base {
			sum += m[k]
		}
		usual := float64(sum) / float64(len(days))
		if float64(n) < rules.BurstRatio*usual {
			continue
		}
		w := EarlyWarning{Region: k.Region, RegionLabel: tax.Label(models.KindRegion, k.Region), Category: k.Category,
			CategoryLabel: tax.Label(models.KindCategory, k.Category), Calls: n, WindowMinutes: int(win / time.Minute),
			Window: HumanDuration(win), Usual: round4(usual)}
		if usual > 0 {
			r := round4(float64(n) / usual)
			w.Ratio = &r
		}
		d.EarlyWarnings = append(d.EarlyWarnings, w)
	}
	sort.Slice(d.EarlyWarnings, func(i, j int) bool {
		a, b := d.EarlyWarnings[i], d.EarlyWarnings[j]
		if a.Calls != b.Calls {
			return a.Calls > b.Calls
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.Category < b.Category
	})
	return nil
}

// callSeries turns the calls of each day by category into the chart's series: the
// ChartCategories categories with most calls over the days, and the rest added up.
func callSeries(days []string, counts []map[callKey]int, tax *models.Taxonomy) CallSeries {
	sums := map[string]int{}
	cs := CallSeries{Days: days, Totals: make([]int, len(days)), Series: []SeriesCalls{}}
	for i, m := range counts {
		for k, n := range m {
			sums[k.Category] += n
			cs.Totals[i] += n
		}
	}
	codes := make([]string, 0, len(sums))
	for c, n := range sums {
		if n > 0 {
			codes = append(codes, c)
		}
	}
	sort.Slice(codes, func(i, j int) bool {
		if sums[codes[i]] != sums[codes[j]] {
			return sums[codes[i]] > sums[codes[j]]
		}
		return codes[i] < codes[j]
	})
	top := codes[:min(len(codes), ChartCategories)]
	for _, c := range top {
		sc := SeriesCalls{Code: c, Label: tax.Label(models.KindCategory, c), Counts: make([]int, len(days))}
		for i, m := range counts {
			sc.Counts[i] = m[callKey{Category: c}]
		}
		cs.Series = append(cs.Series, sc)
	}
	if len(codes) > len(top) {
		rest := SeriesCalls{Code: OtherCode, Label: "Other categories", Counts: make([]int, len(days))}
		for i := range counts {
			rest.Counts[i] = cs.Totals[i]
			for _, sc := range cs.Series {
				rest.Counts[i] -= sc.Counts[i]
			}
		}
		cs.Series = append(cs.Series, rest)
	}
	return cs
}

// regionCalls turns calls by region and category into the chart's rows: the ChartRegions
// regions with most calls, the other regions added up, and the calls with no region.
func regionCalls(m map[callKey]int, tax *models.Taxonomy) []RegionCalls {
	by := map[string]int{}
	for k, n := range m {
		by[k.Region] += n
	}
	var rows []RegionCalls
	for r, n := range by {
		if r != "" && n > 0 {
			rows = append(rows, RegionCalls{Code: r, Label: tax.Label(models.KindRegion, r), Calls: n})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Calls != rows[j].Calls {
			return rows[i].Calls > rows[j].Calls
		}
		return rows[i].Code < rows[j].Code
	})
	if len(rows) > ChartRegions {
		rest := RegionCalls{Code: OtherCode, Label: "Other regions"}
		for _, r := range rows[ChartRegions:] {
			rest.Calls += r.Calls
		}
		rows = append(rows[:ChartRegions], rest)
	}
	if n := by[""]; n > 0 {
		rows = append(rows, RegionCalls{Code: "", Label: "No region (calls without a case)", Calls: n})
	}
	if rows == nil {
		rows = []RegionCalls{}
	}
	return rows
}

// AgeText is how long ago the call came, for reading.
func (w WaitingCase) AgeText() string { return HumanDuration(w.Age) }

// OverText is how far past its deadline the case is, for reading.
func (w WaitingCase) OverText() string { return HumanDuration(w.Over) }

// DeadlineText is the rule's deadline for the case, for reading.
func (w WaitingCase) DeadlineText() string { return HumanDuration(w.Deadline) }

// RatioText is the surge ratio for reading: "3.2×", or "no calls before" for a zero baseline.
func (s Surge) RatioText() string { return ratioText(s.Ratio) }

// BaselineText is the baseline for reading: 7 or 6.5.
func (s Surge) BaselineText() string { return trimFloat(s.BaselineDaily) }

// RatioText is the warning's ratio for reading.
func (w EarlyWarning) RatioText() string { return ratioText(w.Ratio) }

// UsualText is the usual number of calls in such a window, for reading: 0.4.
func (w EarlyWarning) UsualText() string { return strconv.FormatFloat(w.Usual, 'f', 1, 64) }

// ShareText is the category's share of the last 24 hours' calls: "48%".
func (c SurgeCategory) ShareText() string { return pct(c.Share24h) }

// BaselineShareText is its share over the baseline days: "12%".
func (c SurgeCategory) BaselineShareText() string { return pct(c.BaselineShare) }

func pct(f float64) string { return strconv.Itoa(int(math.Round(f*100))) + "%" }

func ratioText(r *float64) string {
	if r == nil {
		return "none usually"
	}
	return strconv.FormatFloat(*r, 'f', 1, 64) + "×"
}
