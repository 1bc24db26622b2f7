package handlers

// Every JSON shape of the API is written here, apart from the types of models that are
// already what the API shows: what a client reads is decided in one place, not spread over
// JSON tags in models.

import (
	"bytes"
	"encoding/json"
	"time"

	"himoya/models"
	"himoya/models/stats"
)

// orderedObject is a JSON object whose keys keep their order.
type orderedObject []orderedField

type orderedField struct {
	key   string
	value any
}

// MarshalJSON writes the fields in order.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// reportJSON is a report as the API serves it. A withheld count is null; a row carries only
// the measures its breakdown counts.
func reportJSON(r *stats.Report) orderedObject {
	o := orderedObject{{"from", r.From}, {"to", r.To}, {"public", r.Public},
		{"calls", r.Calls}, {"cases", r.Cases}, {"people_affected", r.PeopleAffected}, {"resolved", r.Resolved}}
	measures := orderedObject{}
	notes := orderedObject{}
	for _, b := range r.Breakdowns {
		rows := make([]orderedObject, 0, len(b.Rows))
		for _, x := range b.Rows {
			row := orderedObject{{"code", x.Code}, {"label", x.Label}, {"label_ru", x.LabelRU}}
			for _, m := range b.Measures {
				row = append(row, orderedField{m, x.Count(m)})
			}
			if b.Counts(stats.MeasureCalls) {
				row = append(row, orderedField{"share", x.Share})
			}
			rows = append(rows, row)
		}
		o = append(o, orderedField{"by_" + b.Key, rows})
		measures = append(measures, orderedField{"by_" + b.Key, b.Measures})
		if b.Note != "" {
			notes = append(notes, orderedField{"by_" + b.Key, b.Note})
		}
	}
	days := make([]orderedObject, len(r.ByDay))
	for i, d := range r.ByDay {
		days[i] = orderedObject{{"date", d.Date}, {"calls", d.Calls}, {"cases", d.Cases}}
	}
	o = append(o, orderedField{"by_day", days})
	o = append(o, orderedField{"previous", orderedObject{{"from", r.Previous.From}, {"to", r.Previous.To},
		{"calls", r.Previous.Calls}, {"cases", r.Previous.Cases}, {"people_affected", r.Previous.PeopleAffected},
		{"resolved", r.Previous.Resolved}}})
	rts := make([]orderedObject, len(r.ResponseTimes))
	for i, rt := range r.ResponseTimes {
		rts[i] = orderedObject{{"urgency", rt.Urgency}, {"label", rt.Label}, {"label_ru", rt.LabelRU},
			{"assigned", rt.Assigned}, {"median_to_assignment_minutes", stats.Minutes(rt.MedianToAssignment)},
			{"resolved", rt.Resolved}, {"median_to_resolution_minutes", stats.Minutes(rt.MedianToResolution)}}
	}
	o = append(o, orderedField{"response_times", orderedObject{{"rule", stats.ResponseRule}, {"by_urgency", rts}}})
	o = append(o, orderedField{"headline", orderedObject{{"en", r.Headline.EN}, {"ru", r.Headline.RU}}})
	var sup any
	if r.Public {
		sup = orderedObject{{"min_cell", r.MinCell}, {"rule", r.Suppression()}}
	}
	o = append(o, orderedField{"suppression", sup}, orderedField{"measures", measures}, orderedField{"notes", notes},
		orderedField{"generated_at", r.GeneratedAt.UTC().Format(time.RFC3339)})
	return o
}

// The dashboards: the API keeps the names and units it has always had (minutes, codes).

// apiDashboard is stats.Dashboard as the API shows it.
type apiDashboard struct {
	At                      time.Time             `json:"at"`
	LookBack                bool                  `json:"look_back"`
	CallsToday              int                   `json:"calls_today"`
	Calls7d                 int                   `json:"calls_7d"`
	CasesToday              int                   `json:"cases_today"`
	Cases7d                 int                   `json:"cases_7d"`
	OpenByStatus            map[models.Status]int `json:"open_by_status"`
	OpenTotal               int                   `json:"open_total"`
	CriticalUnassigned      []apiWaitingCase      `json:"critical_unassigned"`
	CriticalUnassignedTotal int                   `json:"critical_unassigned_total"`
	Overdue                 []apiWaitingCase      `json:"overdue"`
	OverdueTotal            int                   `json:"overdue_total"`
	Workload                []apiWorkload         `json:"workload"`
	Surge                   apiSurge              `json:"surge"`
	EarlyWarnings           []apiEarlyWarning     `json:"early_warnings"`
	CallsByDay              apiCallSeries         `json:"calls_by_day"`
	CallsByRegion           []apiRegionCalls      `json:"calls_by_region"`
	Rules                   apiRulesText          `json:"rules"`
}

// apiWaitingCase is stats.WaitingCase as the API shows it.
type apiWaitingCase struct {
	ID              uint           `json:"id"`
	Reference       string         `json:"reference"`
	Status          models.Status  `json:"status"`
	Urgency         models.Urgency `json:"urgency"`
	Region          string         `json:"region"`
	RegionLabel     string         `json:"region_label"`
	ReceivedAt      time.Time      `json:"received_at"`
	Age             time.Duration  `json:"-"`
	Deadline        time.Duration  `json:"-"`
	Over            time.Duration  `json:"-"`
	AgeMinutes      int            `json:"age_minutes"`
	DeadlineMinutes int            `json:"deadline_minutes"`
	OverdueMinutes  int            `json:"overdue_minutes"`
	IsOverdue       bool           `json:"overdue"`
}

// apiWorkload is stats.Workload as the API shows it.
type apiWorkload struct {
	UserID   uint   `json:"-"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Open     int    `json:"open"`
	Critical int    `json:"critical"`
}

// apiSurge is stats.Surge as the API shows it.
type apiSurge struct {
	Active        bool               `json:"active"`
	Calls24h      int                `json:"calls_24h"`
	BaselineDaily float64            `json:"baseline_daily"`
	Ratio         *float64           `json:"ratio"`
	BaselineDays  int                `json:"baseline_days"`
	TopCategories []apiSurgeCategory `json:"top_categories"`
}

// apiSurgeCategory is stats.SurgeCategory as the API shows it.
type apiSurgeCategory struct {
	Code          string  `json:"code"`
	Label         string  `json:"label"`
	Calls24h      int     `json:"calls_24h"`
	Share24h      float64 `json:"share_24h"`
	BaselineShare float64 `json:"baseline_share"`
}

// apiEarlyWarning is stats.EarlyWarning as the API shows it.
type apiEarlyWarning struct {
	Region        string   `json:"region"`
	RegionLabel   string   `json:"region_label"`
	Category      string   `json:"category"`
	CategoryLabel string   `json:"category_label"`
	Calls         int      `json:"calls"`
	WindowMinutes int      `json:"window_minutes"`
	Window        string   `json:"-"`
	Usual         float64  `json:"usual"`
	Ratio         *float64 `json:"ratio"`
}

// apiCallSeries is stats.CallSeries as the API shows it.
type apiCallSeries struct {
	Days   []string         `json:"days"` // YYYY-MM-DD in the organisation's time zone
	Series []apiSeriesCalls `json:"series"`
	Totals []int            `json:"totals"`
}

// apiSeriesCalls is stats.SeriesCalls as the API shows it.
type apiSeriesCalls struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	Counts []int  `json:"counts"`
}

// apiRegionCalls is stats.RegionCalls as the API shows it.
type apiRegionCalls struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Calls int    `json:"calls"`
}

// apiMyWork is stats.MyWork as the API shows it.
type apiMyWork struct {
	At                 time.Time              `json:"at"`
	ByUrgency          map[models.Urgency]int `json:"by_urgency"`
	OpenTotal          int                    `json:"open_total"`
	Cases              []apiWaitingCase       `json:"cases"`
	Overdue            []apiWaitingCase       `json:"overdue"`
	CriticalQueue      []apiWaitingCase       `json:"critical_queue"`
	CriticalQueueTotal int                    `json:"critical_queue_total"`
	Rules              apiRulesText           `json:"rules"`
}

// apiRulesText is stats.RulesText as the API shows it.
type apiRulesText struct {
	Overdue      string `json:"overdue"`
	Surge        string `json:"surge"`
	EarlyWarning string `json:"early_warning"`
	MyWork       string `json:"-"`
}

// apiWaitingCases converts a list, keeping nil a nil list (null in JSON, as it was).
func apiWaitingCases(ws []stats.WaitingCase) []apiWaitingCase {
	if ws == nil {
		return nil
	}
	out := make([]apiWaitingCase, len(ws))
	for i, w := range ws {
		out[i] = apiWaitingCase(w)
	}
	return out
}

// convert converts each element of a list, keeping nil a nil list.
func convert[T, U any](xs []T, f func(T) U) []U {
	if xs == nil {
		return nil
	}
	out := make([]U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// dashboardJSON is the supervisors' dashboard as the API serves it.
func dashboardJSON(d *stats.Dashboard) apiDashboard {
	return apiDashboard{
		At: d.At, LookBack: d.LookBack, CallsToday: d.CallsToday, Calls7d: d.Calls7d, CasesToday: d.CasesToday, Cases7d: d.Cases7d,
		OpenByStatus: d.OpenByStatus, OpenTotal: d.OpenTotal,
		CriticalUnassigned: apiWaitingCases(d.CriticalUnassigned), CriticalUnassignedTotal: d.CriticalUnassignedTotal,
		Overdue: apiWaitingCases(d.Overdue), OverdueTotal: d.OverdueTotal,
		Workload: convert(d.Workload, func(w stats.Workload) apiWorkload { return apiWorkload(w) }),
		Surge: apiSurge{Active: d.Surge.Active, Calls24h: d.Surge.Calls24h, BaselineDaily: d.Surge.BaselineDaily, Ratio: d.Surge.Ratio,
			BaselineDays:  d.Surge.BaselineDays,
			TopCategories: convert(d.Surge.TopCategories, func(c stats.SurgeCategory) apiSurgeCategory { return apiSurgeCategory(c) })},
		EarlyWarnings: convert(d.EarlyWarnings, func(w stats.EarlyWarning) apiEarlyWarning { return apiEarlyWarning(w) }),
		CallsByDay: apiCallSeries{Days: d.CallsByDay.Days, Totals: d.CallsByDay.Totals,
			Series: convert(d.CallsByDay.Series, func(s stats.SeriesCalls) apiSeriesCalls { return apiSeriesCalls(s) })},
		CallsByRegion: convert(d.CallsByRegion, func(r stats.RegionCalls) apiRegionCalls { return apiRegionCalls(r) }),
		Rules:         apiRulesText(d.Rules),
	}
}

// myWorkJSON is a caseworker's own dashboard as the API serves it.
func myWorkJSON(w *stats.MyWork) apiMyWork {
	return apiMyWork{At: w.At, ByUrgency: w.ByUrgency, OpenTotal: w.OpenTotal, Cases: apiWaitingCases(w.Cases),
		Overdue: apiWaitingCases(w.Overdue), CriticalQueue: apiWaitingCases(w.CriticalQueue),
		CriticalQueueTotal: w.CriticalQueueTotal, Rules: apiRulesText(w.Rules)}
}
