package handlers

// Every JSON shape of the API is written here, apart from the types of models that are
// already what the API shows: what a client reads is decided in one place, not spread over
// JSON tags in models.

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"himoya/models"
	"himoya/models/stats"
)

// Cases, their history, calls and the taxonomy.

// apiTerm is a taxonomy entry in the API.
type apiTerm struct {
	Code    string `json:"code"`
	Label   string `json:"label"`
	LabelRU string `json:"label_ru,omitempty"`
}

// apiCase is a case in the API.
type apiCase struct {
	ID             uint                  `json:"id"`
	Reference      string                `json:"reference"`
	Status         models.Status         `json:"status"`
	Version        int                   `json:"version"`
	Category       string                `json:"category"`
	Categories     []string              `json:"categories"`
	Summary        string                `json:"summary"`
	Region         string                `json:"region"`
	City           string                `json:"city"`
	PlaceType      string                `json:"place_type"`
	Perpetrator    string                `json:"perpetrator"`
	PeopleAffected int                   `json:"people_affected"`
	Urgency        models.Urgency        `json:"urgency"`
	Assignee       *string               `json:"assignee"`
	Outcome        string                `json:"outcome"`
	ReceivedAt     time.Time             `json:"received_at"`
	IncidentAt     *time.Time            `json:"incident_at"`
	EventID        *uint                 `json:"event_id"`
	Documents      []models.CaseDocument `json:"documents"`
	Restricted     bool                  `json:"restricted"`
	SharedWith     []string              `json:"shared_with,omitempty"`
	Caller         *apiCaller            `json:"caller,omitempty"`
	History        []apiEntry            `json:"history,omitempty"`
	Contacts       []apiContact          `json:"contacts,omitempty"`
	UpdatedAt      time.Time             `json:"updated_at"`
}

// apiEntry is one step of a case's history.
type apiEntry struct {
	Kind     string        `json:"kind"`
	From     models.Status `json:"from"`
	To       models.Status `json:"to"`
	At       time.Time     `json:"at"`
	By       string        `json:"by"`
	Note     string        `json:"note"`
	Outcome  string        `json:"outcome,omitempty"`
	Assignee string        `json:"assignee,omitempty"`
	Fields   []string      `json:"fields,omitempty"`
}

// apiCaller is a caller in the API.
type apiCaller struct {
	ID          uint            `json:"id"`
	Name        models.Personal `json:"name"`
	Phone       models.Personal `json:"phone"`
	Citizenship string          `json:"citizenship"`
	Language    string          `json:"language"`
	SafeToCall  bool            `json:"safe_to_call"`
	SafeContact models.Personal `json:"safe_contact"`
	ErasedAt    *time.Time      `json:"erased_at,omitempty"`
}

// toAPICaller is a caller in its API form; nil stays nil.
func toAPICaller(cl *models.Caller) *apiCaller {
	if cl == nil {
		return nil
	}
	return &apiCaller{ID: cl.ID, Name: cl.Name, Phone: cl.Phone, Citizenship: cl.Citizenship, Language: cl.Language,
		SafeToCall: cl.SafeToCall, SafeContact: cl.SafeContact, ErasedAt: cl.ErasedAt}
}

// apiContact is a call in the API.
type apiContact struct {
	ID         uint       `json:"id"`
	CaseID     *uint      `json:"case_id"`
	Channel    string     `json:"channel"`
	ReceivedAt time.Time  `json:"received_at"`
	TakenBy    string     `json:"taken_by"`
	Category   string     `json:"category"`
	Summary    string     `json:"summary"`
	Caller     *apiCaller `json:"caller"`
}

func email(u *models.User) string {
	if u == nil {
		return ""
	}
	return u.Email
}

func toAPIContact(ct *models.Contact) apiContact {
	return apiContact{ID: ct.ID, CaseID: ct.CaseID, Channel: ct.Channel, ReceivedAt: ct.ReceivedAt,
		TakenBy: email(ct.TakenBy), Category: ct.Category, Summary: ct.Summary.String(), Caller: toAPICaller(ct.Caller)}
}

// toAPICase turns a case into its API form; full adds the caller, history and calls.
func toAPICase(cs *models.Case, full bool) apiCase {
	out := apiCase{ID: cs.ID, Reference: cs.Reference, Status: cs.Status, Version: cs.Version, Category: cs.Category,
		Categories: cs.CategoryCodes(), Summary: cs.Summary.String(), Region: cs.Region, City: cs.City,
		PlaceType: cs.PlaceType, Perpetrator: cs.Perpetrator, PeopleAffected: cs.PeopleAffected, Urgency: cs.Urgency,
		Outcome: cs.Outcome, ReceivedAt: cs.ReceivedAt, IncidentAt: cs.IncidentAt, EventID: cs.EventID,
		Documents: cs.Documents, UpdatedAt: cs.UpdatedAt, Restricted: cs.Restricted}
	if out.Documents == nil {
		out.Documents = []models.CaseDocument{}
	}
	if cs.Assignee != nil {
		out.Assignee = &cs.Assignee.Email
	}
	if !full {
		return out
	}
	out.Caller = toAPICaller(cs.Caller)
	out.SharedWith = []string{}
	for _, sh := range cs.Shares {
		out.SharedWith = append(out.SharedWith, email(sh.User))
	}
	out.History = []apiEntry{}
	for _, e := range cs.Entries {
		ae := apiEntry{Kind: e.Kind, From: e.FromStatus, To: e.ToStatus, At: e.At, By: email(e.User),
			Note: e.Note.String(), Outcome: e.Outcome, Assignee: email(e.Assignee)}
		if e.Fields != "" {
			ae.Fields = strings.Split(e.Fields, ",")
		}
		out.History = append(out.History, ae)
	}
	out.Contacts = []apiContact{}
	for i := range cs.Contacts {
		out.Contacts = append(out.Contacts, toAPIContact(&cs.Contacts[i]))
	}
	return out
}

// The report.

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
