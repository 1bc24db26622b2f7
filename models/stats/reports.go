package stats

import (
	"himoya/models"

	"context"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Measures a report counts. Calls are contacts (calls and messages) received in the period,
// with or without a case; cases are the cases received in the period; people affected is the
// sum of those cases' people affected.
const (
	MeasureCalls  = "calls"
	MeasureCases  = "cases"
	MeasurePeople = "people_affected"
)

// DefaultMinCell is the smallest count a public report shows: counts from 1 to
// DefaultMinCell-1 are withheld (HIMOYA_MIN_CELL changes it).
const DefaultMinCell = 5

// MaxReportDays bounds a report's period (three years).
const MaxReportDays = 3*365 + 1

// ReportOptions choose the version of a report.
type ReportOptions struct {
	// Public withholds small counts (see Report.Suppression) so the report can be published.
	Public bool
	// MinCell is the smallest count a public report shows (HIMOYA_MIN_CELL, which the
	// caller passes); 0 means DefaultMinCell.
	MinCell int
}

// ReportRow is one line of a breakdown. A count is nil when the public version withholds
// it; Share is the line's calls over all calls of the period (nil when its calls are
// withheld or the breakdown does not count calls).
type ReportRow struct {
	Code    string
	Label   string
	LabelRU string
	Calls   *int
	Cases   *int
	People  *int
	Share   *float64
	pos     int // display order of the public version (taxonomy order)
}

// ReportBreakdown splits the period's calls and cases by one field.
type ReportBreakdown struct {
	// Key names the field: category, region, citizenship, perpetrator, channel, outcome,
	// status, event (JSON: by_<key>).
	Key     string
	Title   string
	TitleRU string
	// Measures lists what the breakdown counts, in column order.
	Measures []string
	// Note says how to read it (e.g. that a case with several categories counts in each).
	Note string
	Rows []ReportRow
}

// Counts reports whether the breakdown has measure m.
func (b *ReportBreakdown) Counts(m string) bool {
	for _, x := range b.Measures {
		if x == m {
			return true
		}
	}
	return false
}

// ReportDay is one day of the period: calls and new cases.
type ReportDay struct {
	Date  string // YYYY-MM-DD in the organisation's time zone
	Calls *int
	Cases *int
}

// ReportFigures are the headline figures of a period.
type ReportFigures struct {
	From           string
	To             string
	Calls          int
	Cases          int
	PeopleAffected int
	// Resolved counts the cases moved to resolved during the period (whenever received).
	Resolved int
}

// ResponseTime is how fast cases of one urgency were assigned and resolved. The cases
// counted are those first assigned (resolved) during the period, timed from the call that
// opened them; a median is nil when its count is withheld or zero.
type ResponseTime struct {
	Urgency            string // critical, high, normal, or "all"
	Label              string
	LabelRU            string
	Assigned           *int
	MedianToAssignment *time.Duration
	Resolved           *int
	MedianToResolution *time.Duration
}

// Headline is a sentence about the period ready to quote, in English and Russian.
type Headline struct {
	EN string
	RU string
}

// Report is what the hotline publishes about a period: headline figures compared with the
// previous period, breakdowns, calls per day and response times. It holds counts of codes
// and dates only, never personal data or free text.
type Report struct {
	From    string // first day, YYYY-MM-DD
	To      string // last day, inclusive
	Public  bool
	MinCell int
	ReportFigures
	Previous      ReportFigures
	Breakdowns    []ReportBreakdown
	ByDay         []ReportDay
	ResponseTimes []ResponseTime
	Headline      Headline
	GeneratedAt   time.Time

	loc     *time.Location
	fromDay time.Time // first day, midnight in loc
	toDay   time.Time // last day, midnight in loc
}

// Breakdown returns the breakdown with key k, or nil.
func (r *Report) Breakdown(k string) *ReportBreakdown {
	for i := range r.Breakdowns {
		if r.Breakdowns[i].Key == k {
			return &r.Breakdowns[i]
		}
	}
	return nil
}

// reportPeriod checks a report's days and returns them as midnights in loc.
func reportPeriod(loc *time.Location, now time.Time, from, to string) (time.Time, time.Time, error) {
	if from == "" && to == "" {
		// The last complete calendar month: the report supervisors send every month.
		n := now.In(loc)
		first := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -1, 0)
		return first, first.AddDate(0, 1, -1), nil
	}
	fe := fieldErrors{}
	a, errA := time.ParseInLocation("2006-01-02", from, loc)
	b, errB := time.ParseInLocation("2006-01-02", to, loc)
	if errA != nil {
		fe.add("from", "v.use_day_like_2024_03")
	}
	if errB != nil {
		fe.add("to", "v.use_day_like_2024_03")
	}
	if errA == nil && errB == nil {
		switch {
		case b.Before(a):
			fe.add("to", "v.must_not_be_before_from")
		case b.After(a.AddDate(3, 0, -1)):
			fe.add("to", "v.choose_period_at_most_three")
		case a.Year() < 2000 || b.Year() > 9999:
			fe.add("from", "v.choose_period_after_2000")
		}
	}
	if err := fe.err(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	return a, b, nil
}

// MonthPeriod turns a month (YYYY-MM, what <input type=month> sends) into its first and last
// days.
func MonthPeriod(month string) (from, to string, err error) {
	m, err := time.Parse("2006-01", month)
	if err != nil {
		return "", "", &models.ValidationError{Fields: map[string]string{"month": "v.use_month_like_2024_03"}}
	}
	return m.Format("2006-01-02"), m.AddDate(0, 1, -1).Format("2006-01-02"), nil
}

// instant is midnight of day d in the organisation's time zone, in UTC (how times are
// stored and compared).
func instant(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, d.Location()).UTC()
}

// nextDay is the day after d, at midnight in d's time zone (whatever the clocks do).
func nextDay(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, d.Location())
}

// isWholeMonth reports whether [a, b] is one calendar month.
func isWholeMonth(a, b time.Time) bool {
	return a.Day() == 1 && b.Equal(a.AddDate(0, 1, -1))
}

// previousPeriod is the period of the same length just before [a, b]; the previous
// calendar month when [a, b] is a whole month (so that March is compared with February).
func previousPeriod(a, b time.Time) (time.Time, time.Time) {
	if isWholeMonth(a, b) {
		p := a.AddDate(0, -1, 0)
		return p, a.AddDate(0, 0, -1)
	}
	days := 0
	for d := a; !d.After(b); d = nextDay(d) {
		days++
	}
	return a.AddDate(0, 0, -days), a.AddDate(0, 0, -1)
}

// Report computes the report of the days from..to (inclusive, YYYY-MM-DD in the
// organisation's time zone; both empty: the last complete calendar month). Supervisors only.
// The numbers are exact and reproducible from the records: calls and cases by when they
// were received, status and outcome as they stood at the end of the period (rebuilt from the
// cases' timelines), resolutions and assignments by when they happened.
func (s *Stats) Report(ctx context.Context, u *models.User, from, to string, opts ReportOptions) (*Report, error) {
	if !u.Can(models.RoleSupervisor) {
		return nil, models.ErrForbidden
	}
	a, b, err := reportPeriod(s.store.Loc, s.store.UTCNow(), from, to)
	if err != nil {
		return nil, err
	}
	k := opts.MinCell
	if k <= 0 {
		k = DefaultMinCell
	}
	r := &Report{From: a.Format("2006-01-02"), To: b.Format("2006-01-02"), Public: opts.Public, MinCell: k,
		GeneratedAt: s.store.UTCNow(), loc: s.store.Loc, fromDay: a, toDay: b}
	pa, pb := previousPeriod(a, b)
	r.Previous.From, r.Previous.To = pa.Format("2006-01-02"), pb.Format("2006-01-02")

	tax, err := s.store.Taxonomy(ctx)
	if err != nil {
		return nil, err
	}
	q, err := s.readReport(ctx, tax, a, b, pa, pb)
	if err != nil {
		return nil, err
	}
	r.Previous.Calls, r.Previous.Cases, r.Previous.PeopleAffected, r.Previous.Resolved = q.prev.calls, q.prev.cases, q.prev.people, q.prev.resolved
	r.build(q, tax)
	if r.Public {
		r.suppress()
	}
	r.Headline = r.headline(tax)
	return r, nil
}

func orUnknown(code string) string {
	if code == "" {
		return "unknown"
	}
	return code
}

// breakdownSpec says how each breakdown is labelled and what it counts.
var breakdownSpecs = []struct {
	key, title, titleRU string
	kind                models.TermKind
	measures            []string
	note                string
}{
	{"category", "Category", "Категория", models.KindCategory, []string{MeasureCalls, MeasureCases, MeasurePeople},
		"A call counts under its own category. A case with several categories counts once in each, so the cases and people of this table add up to more than the totals."},
	{"region", "Region", "Регион", models.KindRegion, []string{MeasureCases, MeasurePeople}, "Cases by the region where it happened."},
	{"citizenship", "Citizenship", "Гражданство", models.KindCitizenship, []string{MeasureCalls, MeasureCases, MeasurePeople},
		"Calls by the citizenship of the person who called; cases by that of the case's caller."},
	{"perpetrator", "Perpetrator", "Нарушитель", models.KindPerpetrator, []string{MeasureCases, MeasurePeople}, ""},
	{"channel", "Channel", "Канал", models.KindChannel, []string{MeasureCalls}, "How the calls came in."},
	{"outcome", "Outcome at the end of the period", "Результат на конец периода", models.KindOutcome, []string{MeasureCases, MeasurePeople},
		"The outcome of the period's cases as it stood on the last day of the period."},
	{"status", "Status at the end of the period", "Статус на конец периода", "", []string{MeasureCases, MeasurePeople},
		"Where the period's cases stood on the last day of the period, rebuilt from their timelines."},
	{"event", "Event", "Событие", "", []string{MeasureCases, MeasurePeople}, "Cases linked to a named event."},
}

// specialLabels name the codes that are not in the taxonomy.
var specialLabels = map[string][2]string{
	"unknown": {"Not recorded", "Не указано"},
	"none":    {"None", "Нет"},
	"open":    {"Not resolved by the end of the period", "Не решено к концу периода"},
}

// statusLabelsRU are the statuses in Russian.
var statusLabelsRU = map[models.Status]string{
	models.StatusNew: "Новое", models.StatusAssigned: "Назначено", models.StatusInProgress: "В работе", models.StatusWaiting: "Ожидание",
	models.StatusEscalated: "Передано выше", models.StatusResolved: "Решено", models.StatusClosed: "Закрыто",
}

// urgencyLabels are the urgencies in English and Russian.
var urgencyLabels = map[string][2]string{
	"critical": {"Critical", "Критическая"}, "high": {"High", "Высокая"}, "normal": {"Normal", "Обычная"},
	"all": {"All", "Все"},
}

// build turns the raw counts into the report's figures, breakdowns, days and medians.
func (r *Report) build(q *reportQuery, tax *models.Taxonomy) {
	r.Calls, r.Cases, r.PeopleAffected, r.Resolved = q.calls, q.cases, q.people, q.resolved
	for _, sp := range breakdownSpecs {
		b := ReportBreakdown{Key: sp.key, Title: sp.title, TitleRU: sp.titleRU, Measures: sp.measures, Note: sp.note}
		counts := q.by[sp.key]
		if sp.key == "status" {
			counts = withAllStatuses(counts)
		}
		for code, t := range counts {
			row := ReportRow{Code: code}
			row.Label, row.LabelRU, row.pos = r.label(sp.key, sp.kind, code, tax, q.events)
			if b.Counts(MeasureCalls) {
				row.Calls = ptr(t.calls)
				if r.Calls > 0 {
					row.Share = ptr(float64(t.calls) / float64(r.Calls))
				}
			}
			if b.Counts(MeasureCases) {
				row.Cases = ptr(t.cases)
			}
			if b.Counts(MeasurePeople) {
				row.People = ptr(t.people)
			}
			b.Rows = append(b.Rows, row)
		}
		r.sortRows(&b)
		r.Breakdowns = append(r.Breakdowns, b)
	}
	for _, d := range q.days {
		r.ByDay = append(r.ByDay, ReportDay{Date: d.date, Calls: ptr(d.calls), Cases: ptr(d.cases)})
	}
	var allA, allR []float64
	for _, urg := range []string{"critical", "high", "normal", "all"} {
		as, rs := q.assign[urg], q.resolve[urg]
		if urg == "all" {
			as, rs = allA, allR
		} else {
			allA, allR = append(allA, as...), append(allR, rs...)
		}
		rt := ResponseTime{Urgency: urg, Label: urgencyLabels[urg][0], LabelRU: urgencyLabels[urg][1],
			Assigned: ptr(len(as)), Resolved: ptr(len(rs)), MedianToAssignment: median(as), MedianToResolution: median(rs)}
		r.ResponseTimes = append(r.ResponseTimes, rt)
	}
}

// withAllStatuses lists every status, with zeros, so the table always reads the same way.
func withAllStatuses(m map[string]*tally) map[string]*tally {
	out := map[string]*tally{}
	for _, st := range models.Statuses {
		out[string(st)] = &tally{}
	}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// label names a code of a breakdown in English and Russian, with its place in the taxonomy.
func (r *Report) label(key string, kind models.TermKind, code string, tax *models.Taxonomy, events map[string]string) (string, string, int) {
	if sl, ok := specialLabels[code]; ok && !(key == "perpetrator" && code == "unknown") {
		return sl[0], sl[1], 1 << 20
	}
	switch key {
	case "status":
		for i, st := range models.Statuses {
			if string(st) == code {
				return st.Label(), statusLabelsRU[st], i
			}
		}
	case "event":
		if name, ok := events[code]; ok {
			id, _ := strconv.Atoi(code)
			return name, name, id
		}
	}
	for _, t := range tax.Terms[kind] {
		if t.Code == code {
			ru := t.LabelRU
			if ru == "" {
				ru = t.LabelEN
			}
			return t.LabelEN, ru, t.Position
		}
	}
	return code, code, 1 << 19
}

// sortRows orders a breakdown. The internal version puts the largest first; the public one
// keeps the taxonomy's order, because an order by size would tell the size of a withheld
// count from the counts around it.
func (r *Report) sortRows(b *ReportBreakdown) {
	main := func(x ReportRow) int {
		switch b.Measures[0] {
		case MeasureCalls:
			return *x.Calls
		default:
			return *x.Cases
		}
	}
	sort.SliceStable(b.Rows, func(i, j int) bool {
		x, y := b.Rows[i], b.Rows[j]
		if !r.Public && b.Key != "status" {
			if main(x) != main(y) {
				return main(x) > main(y)
			}
		}
		if x.pos != y.pos {
			return x.pos < y.pos
		}
		return x.Code < y.Code
	})
}

// median of xs in seconds, or nil when there are none. The middle values are selected, not
// sorted for: a surge month has a hundred thousand times to take the median of.
func median(xs []float64) *time.Duration {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	n := len(s)
	m := nth(s, n/2)
	if n%2 == 0 {
		m = (slices.Max(s[:n/2]) + m) / 2 // nth left the smaller half before n/2
	}
	d := time.Duration(m * float64(time.Second)).Round(time.Second)
	return &d
}

// nth returns the k-th smallest of s (from 0) and reorders s so that s[:k] holds values no
// larger and s[k+1:] values no smaller (quickselect, three-way, for the many equal times).
func nth(s []float64, k int) float64 {
	lo, hi := 0, len(s)-1
	for lo < hi {
		a, b, c := s[lo], s[(lo+hi)/2], s[hi]
		p := max(min(a, b), min(max(a, b), c)) // the median of the three
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch {
			case s[i] < p:
				s[lt], s[i] = s[i], s[lt]
				lt++
				i++
			case s[i] > p:
				s[i], s[gt] = s[gt], s[i]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return p
		}
	}
	return s[k]
}

func ptr[T any](v T) *T { return &v }

// fieldErrors collects the validation messages of a report's period; err returns nil when
// there are none.
type fieldErrors map[string]string

func (f fieldErrors) add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &models.ValidationError{Fields: map[string]string(f)}
}
