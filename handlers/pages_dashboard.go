package handlers

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"himoya/models"
	"himoya/models/stats"
	"himoya/views"
)

// refreshSeconds is how often the live dashboard updates itself (views/static/live.js; without
// script, a link refreshes it).
const refreshSeconds = 60

// pageList is how many cases of each list the page shows (the API gives stats.ListLimit):
// the page is read at a glance, and links to the full lists.
const pageList = 15

// dashboardPage is the supervisors' dashboard.
type dashboardPage struct {
	Page
	D *stats.Dashboard
	// Critical and Overdue are the first cases of the dashboard's lists, Warnings the
	// first early warnings.
	Critical, Overdue []stats.WaitingCase
	Warnings          []stats.EarlyWarning
	// At is the moment shown, for the look-back form (a datetime-local value when looking back).
	At string
	// Zone is the organisation's time zone, whose midnight starts "today".
	Zone string
	// The charts, and the rows of the tables that give their numbers.
	DayChart    template.HTML
	DaySeries   []views.ChartSeries
	DayRows     []dayRow
	RegionChart template.HTML
	RegionRows  []views.ChartBar
	StatusChart template.HTML
	StatusRows  []views.ChartBar
}

// dayRow is a row of the table of calls per day: each series' count, and all calls.
type dayRow struct {
	Day    string
	Counts []int
	Total  int
}

// myWorkPage is a caseworker's own dashboard.
type myWorkPage struct {
	Page
	W         *stats.MyWork
	Urgencies []urgencyCount
}

// urgencyCount is a row of the caseworker's count of open cases by urgency.
type urgencyCount struct {
	Urgency models.Urgency
	N       int
}

// ShowDashboard shows supervisors what needs the hotline now (or as of ?at=), and caseworkers
// their own work.
func (h *Handler) ShowDashboard(c *fiber.Ctx) error {
	u := CurrentUser(c)
	if !u.Can(models.RoleSupervisor) {
		return h.showMyWork(c, u)
	}
	at, err := h.Stats.ParseAsOf(c.Query("at"))
	if err != nil {
		return err
	}
	d, err := h.Stats.Dashboard(c.UserContext(), u, at, h.Rules)
	if err != nil {
		return err
	}
	p := h.layoutDashboard(c, d)
	return render(c, fiber.StatusOK, "dashboard/show", p)
}

// layoutDashboard lays out a dashboard: the first cases of each list, and the charts with the
// rows of the tables beside them.
func (h *Handler) layoutDashboard(c *fiber.Ctx, d *stats.Dashboard) *dashboardPage {
	at := d.At.In(h.Store.Loc)
	p := &dashboardPage{Page: h.page(c, "title.dashboard", "dashboard"), D: d, Zone: h.Store.Loc.String(),
		Critical: d.CriticalUnassigned[:min(pageList, len(d.CriticalUnassigned))], Overdue: d.Overdue[:min(pageList, len(d.Overdue))],
		Warnings: d.EarlyWarnings[:min(pageList, len(d.EarlyWarnings))]}
	if d.LookBack {
		p.Title = h.tr(c, msg("title.dashboard_at", "At", h.locale(c).When(at)))
		p.At = at.Format("2006-01-02T15:04")
	} else {
		p.Refresh = refreshSeconds
	}
	l := h.locale(c)
	p.DaySeries, p.DayChart = dayChart(l, d.CallsByDay)
	for i := len(d.CallsByDay.Days) - 1; i >= 0; i-- { // newest first: today is what is looked for
		row := dayRow{Day: d.CallsByDay.Days[i], Total: d.CallsByDay.Totals[i]}
		for _, s := range p.DaySeries {
			row.Counts = append(row.Counts, s.Counts[i])
		}
		p.DayRows = append(p.DayRows, row)
	}
	p.RegionRows = make([]views.ChartBar, len(d.CallsByRegion))
	for i, r := range d.CallsByRegion {
		p.RegionRows[i] = views.ChartBar{Label: r.Label, Value: r.Calls}
	}
	p.RegionChart = views.HorizontalBars("chart-regions", l.T("chart.regions.title"),
		l.T("chart.regions.desc", "Rows", views.SumDesc(p.RegionRows)), p.RegionRows)
	for _, st := range models.Statuses {
		if st.Open() {
			p.StatusRows = append(p.StatusRows, views.ChartBar{Label: l.Status(st), Value: d.OpenByStatus[st]})
		}
	}
	p.StatusChart = views.HorizontalBars("chart-status", l.T("chart.status.title"),
		l.T("chart.status.desc", "Rows", views.SumDesc(p.StatusRows)), p.StatusRows)
	return p
}

// dayChart draws the calls per day, stacked by category.
func dayChart(l *views.Locale, s stats.CallSeries) ([]views.ChartSeries, template.HTML) {
	series := make([]views.ChartSeries, len(s.Series))
	parts := make([]string, len(s.Series))
	for i, x := range s.Series {
		series[i] = views.ChartSeries{Label: x.Label, Class: "s" + strconv.Itoa(i), Counts: x.Counts}
		n := 0
		for _, v := range x.Counts {
			n += v
		}
		parts[i] = x.Label + " " + strconv.Itoa(n)
	}
	days := make([]string, len(s.Days))
	for i, d := range s.Days {
		days[i] = d + " " + strconv.Itoa(s.Totals[i])
	}
	title := l.N("chart.days.title", len(s.Days))
	desc := l.T("chart.days.desc", "Parts", strings.Join(parts, "; "), "Days", strings.Join(days, "; "))
	return series, views.StackedBars("chart-days", title, desc, s.Days, series, s.Totals)
}

// showMyWork shows a caseworker their open cases, those not started in time and the queue of
// unassigned critical cases.
func (h *Handler) showMyWork(c *fiber.Ctx, u *models.User) error {
	w, err := h.Stats.MyWork(c.UserContext(), u, h.Store.Now(), h.Rules)
	if err != nil {
		return err
	}
	p := myWorkPage{Page: h.page(c, "title.my_work", "dashboard"), W: w}
	p.Refresh = refreshSeconds
	for _, x := range models.Urgencies {
		p.Urgencies = append(p.Urgencies, urgencyCount{x, w.ByUrgency[x]})
	}
	return render(c, fiber.StatusOK, "dashboard/mine", p)
}
