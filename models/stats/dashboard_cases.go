package stats

import (
	"himoya/models"

	"context"
	"database/sql"
	"sort"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// caseState is what the dashboard counts of one case: no personal data. It is read from
// indexes alone; the reference and region of the few cases listed are read afterwards
// (describe).
type caseState struct {
	ID         uint
	Status     models.Status
	Urgency    models.Urgency
	ReceivedAt time.Time
	AssigneeID *uint
}

// caseColumns are caseState's columns.
const caseColumns = "id, status, urgency, received_at, assignee_id"

// scanStates reads the caseColumns of the rows of q by hand: looking back at a crisis reads
// tens of thousands of them, and reflection would triple the time.
func scanStates(q *gorm.DB) ([]caseState, error) {
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []caseState
	for rows.Next() {
		var c caseState
		var status, urgency string
		var assignee sql.NullInt64
		if err := rows.Scan(&c.ID, &status, &urgency, &c.ReceivedAt, &assignee); err != nil {
			return nil, err
		}
		c.Status, c.Urgency = models.Status(status), models.Urgency(urgency)
		if assignee.Valid {
			a := uint(assignee.Int64)
			c.AssigneeID = &a
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// caseTally is the dashboard's counts over open cases, built from the current state of the
// cases and corrected for those that changed after the moment looked at.
type caseTally struct {
	byStatus map[models.Status]int
	load     map[uint]*Workload
	waiting  map[uint]caseState // open and unassigned, by id
}

func (t *caseTally) add(c caseState, sign int) {
	if !c.Status.Open() {
		return
	}
	t.byStatus[c.Status] += sign
	if c.AssigneeID == nil {
		if sign > 0 {
			t.waiting[c.ID] = c
		} else {
			delete(t.waiting, c.ID)
		}
		return
	}
	w := t.load[*c.AssigneeID]
	if w == nil {
		w = &Workload{UserID: *c.AssigneeID}
		t.load[*c.AssigneeID] = w
	}
	w.Open += sign
	if c.Urgency == models.UrgencyCritical {
		w.Critical += sign
	}
}

// openCasesAsOf tallies the cases that were open at the instant before end. The counts read
// the current state through the index on status (open cases are a small fraction of all);
// the cases changed since then (a search of the index on updated_at, empty when end is now)
// are taken out and put back as they were then, rebuilt from their timelines.
func (s *Stats) openCasesAsOf(db *gorm.DB, end time.Time) (*caseTally, error) {
	open := openStatuses()
	t := &caseTally{byStatus: map[models.Status]int{}, load: map[uint]*Workload{}, waiting: map[uint]caseState{}}
	for _, st := range open {
		t.byStatus[st] = 0
	}
	// One pass over the open part of idx_cases_open_work, which holds all four columns.
	var groups []struct {
		Status     models.Status
		AssigneeID *uint
		Critical   bool
		N          int
	}
	if err := db.Raw(`SELECT status, assignee_id, urgency = ? AS critical, COUNT(*) AS n
		FROM cases INDEXED BY idx_cases_open_work
		WHERE status IN ? AND received_at < ? GROUP BY status, assignee_id, urgency = ?`,
		models.UrgencyCritical, open, end, models.UrgencyCritical).Scan(&groups).Error; err != nil {
		return nil, err
	}
	for _, g := range groups {
		t.byStatus[g.Status] += g.N
		if g.AssigneeID == nil {
			continue
		}
		w := t.load[*g.AssigneeID]
		if w == nil {
			w = &Workload{UserID: *g.AssigneeID}
			t.load[*g.AssigneeID] = w
		}
		w.Open += g.N
		if g.Critical {
			w.Critical += g.N
		}
	}
	waiting, err := scanStates(db.Raw(`SELECT `+caseColumns+` FROM cases
		WHERE assignee_id IS NULL AND status IN ? AND received_at < ?`, open, end))
	if err != nil {
		return nil, err
	}
	for _, c := range waiting {
		t.waiting[c.ID] = c
	}
	changed, err := scanStates(db.Raw(`SELECT `+caseColumns+` FROM cases
		WHERE updated_at >= ? AND received_at < ?`, end, end))
	if err != nil {
		return nil, err
	}
	if len(changed) == 0 {
		return t, nil
	}
	then, err := statesAt(db, changed, end)
	if err != nil {
		return nil, err
	}
	for i, c := range changed {
		t.add(c, -1)
		t.add(then[i], +1)
	}
	return t, nil
}

// statesAt rebuilds the status and assignee each case had just before end from its
// timeline: the last status entry (or the opening) before end, and the last entry that named
// an assignee. A case with no entry yet (its call was recorded later) was new and unassigned.
func statesAt(db *gorm.DB, cases []caseState, end time.Time) ([]caseState, error) {
	idx := make(map[uint]int, len(cases))
	out := make([]caseState, len(cases))
	for i, c := range cases {
		idx[c.ID] = i
		c.Status, c.AssigneeID = models.StatusNew, nil
		out[i] = c
	}
	// A deep look back reads hundreds of thousands of entries: they are scanned by hand
	// rather than by reflection.
	const batch = 500
	for from := 0; from < len(cases); from += batch {
		ids := make([]uint, 0, batch)
		for _, c := range cases[from:min(from+batch, len(cases))] {
			ids = append(ids, c.ID)
		}
		rows, err := db.Raw(`SELECT case_id, to_status, assignee_id FROM case_entries
			WHERE case_id IN ? AND at < ? ORDER BY case_id, at, id`, ids, end).Rows()
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id uint
			var to string
			var assignee sql.NullInt64
			if err := rows.Scan(&id, &to, &assignee); err != nil {
				rows.Close()
				return nil, err
			}
			c := &out[idx[id]]
			if to != "" {
				c.Status = models.Status(to)
			}
			if assignee.Valid {
				a := uint(assignee.Int64)
				c.AssigneeID = &a
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// waitingCase describes a case waiting at `at` under the rules.
func waitingCase(c caseState, at time.Time, rules DashboardRules) WaitingCase {
	w := WaitingCase{ID: c.ID, Status: c.Status, Urgency: c.Urgency, ReceivedAt: c.ReceivedAt,
		Age: at.Sub(c.ReceivedAt), Deadline: rules.Deadline(c.Urgency)}
	if w.Age > w.Deadline {
		w.Over, w.IsOverdue = w.Age-w.Deadline, true
	}
	w.AgeMinutes, w.DeadlineMinutes, w.OverdueMinutes = int(w.Age/time.Minute), int(w.Deadline/time.Minute), int(w.Over/time.Minute)
	return w
}

// describe reads the reference and region of the cases of the lists.
func describe(db *gorm.DB, tax *models.Taxonomy, lists ...[]WaitingCase) error {
	var ids []uint
	for _, l := range lists {
		for _, w := range l {
			ids = append(ids, w.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var rows []struct {
		ID        uint
		Reference string
		Region    string
	}
	if err := db.Raw(`SELECT id, reference, region FROM cases WHERE id IN ?`, ids).Scan(&rows).Error; err != nil {
		return err
	}
	type about struct{ ref, region string }
	by := make(map[uint]about, len(rows))
	for _, r := range rows {
		by[r.ID] = about{r.Reference, r.Region}
	}
	for _, l := range lists {
		for i := range l {
			a := by[l[i].ID]
			l[i].Reference, l[i].Region = a.ref, a.region
			if a.region != "" {
				l[i].RegionLabel = tax.Label(models.KindRegion, a.region)
			}
		}
	}
	return nil
}

// sortWaiting orders cases most overdue first, then longest waiting, then oldest record.
func sortWaiting(ws []WaitingCase) {
	sort.Slice(ws, func(i, j int) bool {
		if ws[i].Over != ws[j].Over {
			return ws[i].Over > ws[j].Over
		}
		if ws[i].Age != ws[j].Age {
			return ws[i].Age > ws[j].Age
		}
		return ws[i].ID < ws[j].ID
	})
}

// dashboardCases fills the counts of cases, the waiting lists and the workload.
func (s *Stats) dashboardCases(db *gorm.DB, d *Dashboard, tax *models.Taxonomy, at time.Time, rules DashboardRules) error {
	end := at.Add(time.Nanosecond)
	today := dayStart(at, s.store.Loc)
	var n struct{ Today, Week int }
	err := db.Raw(`SELECT COUNT(*) FILTER (WHERE received_at >= ?) AS today, COUNT(*) AS week FROM cases
		WHERE received_at >= ? AND received_at < ?`, today.UTC(), today.AddDate(0, 0, -6).UTC(), end).Scan(&n).Error
	if err != nil {
		return err
	}
	d.CasesToday, d.Cases7d = n.Today, n.Week
	t, err := s.openCasesAsOf(db, end)
	if err != nil {
		return err
	}
	for st, k := range t.byStatus {
		d.OpenByStatus[st] = k
		d.OpenTotal += k
	}
	var crit, over []WaitingCase
	for _, c := range t.waiting {
		w := waitingCase(c, at, rules)
		if c.Urgency == models.UrgencyCritical {
			crit = append(crit, w)
		}
		if w.IsOverdue {
			over = append(over, w)
		}
	}
	sortWaiting(crit)
	sortWaiting(over)
	d.CriticalUnassignedTotal, d.OverdueTotal = len(crit), len(over)
	d.CriticalUnassigned = append(d.CriticalUnassigned, crit[:min(len(crit), ListLimit)]...)
	d.Overdue = append(d.Overdue, over[:min(len(over), ListLimit)]...)
	if err := describe(db, tax, d.CriticalUnassigned, d.Overdue); err != nil {
		return err
	}
	return s.workload(db, d, t)
}

// workload lists the active caseworkers and everyone who holds open cases, busiest first.
func (s *Stats) workload(db *gorm.DB, d *Dashboard, t *caseTally) error {
	var users []struct {
		ID     uint
		Name   string
		Email  string
		Role   models.Role
		Active bool
	}
	if err := db.Raw(`SELECT id, name, email, role, active FROM users`).Scan(&users).Error; err != nil {
		return err
	}
	for _, u := range users {
		w := t.load[u.ID]
		if w == nil && (!u.Active || u.Role != models.RoleCaseworker) {
			continue
		}
		row := Workload{UserID: u.ID, Name: u.Name, Email: u.Email}
		if w != nil {
			row.Open, row.Critical = w.Open, w.Critical
		}
		if row.Name == "" {
			row.Name = u.Email
		}
		if row.Open == 0 && !u.Active {
			continue
		}
		d.Workload = append(d.Workload, row)
	}
	sort.Slice(d.Workload, func(i, j int) bool {
		a, b := d.Workload[i], d.Workload[j]
		if a.Critical != b.Critical {
			return a.Critical > b.Critical
		}
		if a.Open != b.Open {
			return a.Open > b.Open
		}
		return a.Email < b.Email
	})
	return nil
}

// MyWork is a caseworker's own "what needs me now": their open cases by urgency, those not
// started past their deadline, and the queue of unassigned critical cases anyone may take.
type MyWork struct {
	At time.Time
	// ByUrgency counts the user's open cases by urgency.
	ByUrgency map[models.Urgency]int
	OpenTotal int
	// Cases lists the user's open cases, most urgent and oldest first (at most ListLimit).
	Cases []WaitingCase
	// Overdue lists the user's cases still "assigned" (not started) past the deadline of
	// their urgency (Rules.MyWork).
	Overdue []WaitingCase
	// CriticalQueue lists the open critical cases nobody is assigned to.
	CriticalQueue      []WaitingCase
	CriticalQueueTotal int
	Rules              RulesText
}

// MyWork computes user u's own work as of at.
func (s *Stats) MyWork(ctx context.Context, u *models.User, at time.Time, rules DashboardRules) (*MyWork, error) {
	if !u.Can(models.RoleCaseworker) {
		return nil, models.ErrForbidden
	}
	rules = rules.WithDefaults()
	at = at.UTC()
	end := at.Add(time.Nanosecond)
	db := s.store.ReadDB(ctx)
	tax, err := models.LoadTaxonomy(db)
	if err != nil {
		return nil, err
	}
	m := &MyWork{At: at, ByUrgency: map[models.Urgency]int{}, Cases: []WaitingCase{}, Overdue: []WaitingCase{},
		CriticalQueue: []WaitingCase{}, Rules: rules.Text()}
	for _, x := range models.Urgencies {
		m.ByUrgency[x] = 0
	}
	open := openStatuses()
	mine, err := scanStates(db.Raw(`SELECT `+caseColumns+` FROM cases
		WHERE assignee_id = ? AND status IN ? AND received_at < ?`, u.ID, open, end))
	if err != nil {
		return nil, err
	}
	// The queue holds the cases u may see: a caseworker does not see restricted ones.
	queue, err := scanStates(db.Table("cases").Scopes(models.Visible(u)).Select(caseColumns).
		Where("assignee_id IS NULL AND status IN ? AND urgency = ? AND received_at < ?", open, models.UrgencyCritical, end))
	if err != nil {
		return nil, err
	}
	rank := map[models.Urgency]int{models.UrgencyCritical: 0, models.UrgencyHigh: 1, models.UrgencyNormal: 2}
	for _, c := range mine {
		m.ByUrgency[c.Urgency]++
		m.OpenTotal++
		w := waitingCase(c, at, rules)
		if c.Status != models.StatusAssigned {
			w.Over, w.IsOverdue, w.OverdueMinutes = 0, false, 0
		}
		m.Cases = append(m.Cases, w)
		if w.IsOverdue {
			m.Overdue = append(m.Overdue, w)
		}
	}
	sort.Slice(m.Cases, func(i, j int) bool {
		a, b := m.Cases[i], m.Cases[j]
		if rank[a.Urgency] != rank[b.Urgency] {
			return rank[a.Urgency] < rank[b.Urgency]
		}
		if !a.ReceivedAt.Equal(b.ReceivedAt) {
			return a.ReceivedAt.Before(b.ReceivedAt)
		}
		return a.ID < b.ID
	})
	m.Cases = m.Cases[:min(len(m.Cases), ListLimit)]
	sortWaiting(m.Overdue)
	m.Overdue = m.Overdue[:min(len(m.Overdue), ListLimit)]
	for _, c := range queue {
		m.CriticalQueue = append(m.CriticalQueue, waitingCase(c, at, rules))
	}
	sortWaiting(m.CriticalQueue)
	m.CriticalQueueTotal = len(m.CriticalQueue)
	m.CriticalQueue = m.CriticalQueue[:min(len(m.CriticalQueue), ListLimit)]
	if err := describe(db, tax, m.Cases, m.Overdue, m.CriticalQueue); err != nil {
		return nil, err
	}
	rows := len(m.Cases) + len(m.CriticalQueue)
	if err := s.store.RecordRead(ctx, u, models.AuditCaseList, models.ObjectCase, "view=my-work rows="+strconv.Itoa(rows)); err != nil {
		return nil, err
	}
	return m, nil
}
