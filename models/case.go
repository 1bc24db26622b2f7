package models

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Case is a matter the hotline works on until it is resolved and closed.
type Case struct {
	ID             uint
	Reference      string
	Status         Status
	Version        int
	Category       string
	Categories     []CaseCategory
	Summary        Personal
	Region         string
	City           string
	PlaceType      string
	Perpetrator    string
	PeopleAffected int
	IncidentAt     *time.Time
	Urgency        Urgency
	AssigneeID     *uint
	Assignee       *User
	Outcome        string
	EventID        *uint
	Event          *Event
	CallerID       *uint
	Caller         *Caller
	OpenedByID     uint
	ReceivedAt     time.Time
	AssignedAt     *time.Time
	ResolvedAt     *time.Time
	ClosedAt       *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// ErasedAt is when the personal text of the case was erased (retention or "forget this
	// person"); the other fields, which the reports count, are kept.
	ErasedAt *time.Time
	// Restricted cases are seen only by their assignee, the people they are shared with, and
	// supervisors (see canSee).
	Restricted bool
	Shares     []CaseShare
	Documents  []CaseDocument
	Contacts   []Contact   `gorm:"-"`
	Entries    []CaseEntry `gorm:"-"`
}

// CategoryCodes lists the case's categories, the primary one first.
func (c *Case) CategoryCodes() []string {
	out := []string{c.Category}
	for _, x := range c.Categories {
		if x.Code != c.Category {
			out = append(out, x.Code)
		}
	}
	return out
}

// CaseCategory links a case to each of its categories, the primary one included.
type CaseCategory struct {
	CaseID uint   `gorm:"primaryKey;autoIncrement:false"`
	Code   string `gorm:"primaryKey"`
}

// CaseDocument records what happened to one of the person's documents.
type CaseDocument struct {
	ID       uint   `json:"-"`
	CaseID   uint   `json:"-"`
	Document string `json:"document"`
	Status   string `json:"status"`
}

// Kinds of timeline entries.
const (
	EntryOpened = "opened"
	EntryStatus = "status"
	EntryAssign = "assign"
	EntryNote   = "note"
	EntryEdit   = "edit"
)

// CaseEntry is one step of a case's history: who, when, what and why.
type CaseEntry struct {
	ID         uint
	CaseID     uint
	Kind       string
	FromStatus Status
	ToStatus   Status
	Outcome    string
	Note       Personal
	Fields     string // names of the fields an edit changed; never their values
	AssigneeID *uint
	Assignee   *User
	UserID     uint
	User       *User
	At         time.Time
}

// Urgency is how fast a case needs someone.
type Urgency string

// The urgencies, most urgent first.
const (
	UrgencyCritical Urgency = "critical" // in custody now, appeal deadline running, risk of abduction
	UrgencyHigh     Urgency = "high"
	UrgencyNormal   Urgency = "normal"
)

// Urgencies lists the urgencies, most urgent first.
var Urgencies = []Urgency{UrgencyCritical, UrgencyHigh, UrgencyNormal}

// Valid reports whether u is one of Urgencies.
func (u Urgency) Valid() bool {
	return u == UrgencyCritical || u == UrgencyHigh || u == UrgencyNormal
}

// Documents that police and others confiscate, tear, destroy or withhold.
var (
	DocumentKinds    = []string{"work_permit", "passport", "registration", "migration_card", "residence_permit", "other"}
	DocumentStatuses = []string{"confiscated", "torn", "destroyed", "withheld"}
)

// canSee and visible, who may see which case, are in access.go.

// GetCase loads a case with its caller, categories, documents, calls and timeline, to show
// it to u, and records the view in the audit log. A case u may not see is ErrNotFound, so ids
// reveal nothing. Code that re-reads a case it has just changed uses getCase, which logs no
// view.
func (s *Store) GetCase(ctx context.Context, u *User, id uint) (*Case, error) {
	cs, err := s.getCase(s.rdb(ctx), u, id)
	if err != nil {
		return nil, err
	}
	// A view changes nothing, so its entry has a short write transaction of its own; a view
	// that cannot be logged is not shown.
	err = s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		return s.audit(tx, Audit{Actor: u, Action: AuditCaseView, Object: ObjectCase, ObjectID: cs.ID})
	})
	if err != nil {
		return nil, err
	}
	return cs, nil
}

func (s *Store) getCase(db *gorm.DB, u *User, id uint) (*Case, error) {
	var cs Case
	err := db.Preload("Assignee").Preload("Caller").Preload("Event").Preload("Categories").
		Preload("Documents", func(q *gorm.DB) *gorm.DB { return q.Order("id") }).
		Preload("Shares", func(q *gorm.DB) *gorm.DB { return q.Order("created_at") }).Preload("Shares.User").
		First(&cs, id).Error
	if err != nil {
		return nil, translate(err)
	}
	if !canSee(u, &cs) {
		return nil, ErrNotFound
	}
	if err := db.Preload("Caller").Preload("TakenBy").Where("case_id = ?", id).Order("received_at, id").Find(&cs.Contacts).Error; err != nil {
		return nil, err
	}
	if err := db.Preload("User").Preload("Assignee").Where("case_id = ?", id).Order("at, id").Find(&cs.Entries).Error; err != nil {
		return nil, err
	}
	return &cs, nil
}

// CaseFilter selects cases for a list.
type CaseFilter struct {
	Status   string `query:"status"`
	Category string `query:"category"`
	Region   string `query:"region"`
	Urgency  string `query:"urgency"`
	// Assignee is an e-mail, "me" or "none".
	Assignee string `query:"assignee"`
	// From and To are inclusive days (YYYY-MM-DD) of receipt, in the organisation's time zone.
	From string `query:"from"`
	To   string `query:"to"`
	// Q searches references and summaries.
	Q       string `query:"q"`
	Open    bool   `query:"open"`
	Page    int    `query:"page"`
	PerPage int    `query:"per_page"`
}

// CasePage is one page of a case list.
type CasePage struct {
	Items   []Case
	Total   int64
	Page    int
	PerPage int
	// Capped says a text search read SearchLimit cases and stopped: older ones were not
	// searched (narrow the dates to reach them).
	Capped bool
}

// Pages is the number of pages.
func (p *CasePage) Pages() int {
	if p.PerPage == 0 {
		return 0
	}
	return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
}

// MaxPerPage bounds a list page.
const MaxPerPage = 200

// checkPaging fills in the first page and the default page size when they are 0, and
// refuses pages below 1 and sizes outside 1..MaxPerPage. It is the one check of paging for
// the pages and the API; handlers pass what is not a whole number as -1.
func checkPaging(fe fieldErrors, page, perPage *int, defaultPerPage int) {
	if *page == 0 {
		*page = 1
	}
	if *perPage == 0 {
		*perPage = defaultPerPage
	}
	if *page < 1 {
		fe.add("page", "v.must_be_1_more")
	}
	if *perPage < 1 || *perPage > MaxPerPage {
		fe.add("per_page", Message("v.per_page_range", "Max", MaxPerPage))
	}
}

// urgencyOrder sorts critical first.
const urgencyOrder = "CASE cases.urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 ELSE 2 END"

// ListCases lists the cases u may see that match f, most urgent first, then newest.
func (s *Store) ListCases(ctx context.Context, u *User, f CaseFilter) (*CasePage, error) {
	fe := fieldErrors{}
	q := s.filterCases(s.rdb(ctx), fe, u, f)
	text := strings.TrimSpace(f.Q)
	if utf8.RuneCountInString(text) > 200 {
		fe.add("q", "v.use_at_most_200_characters")
	}
	checkPaging(fe, &f.Page, &f.PerPage, 25)
	if err := fe.err(); err != nil {
		return nil, err
	}
	p := &CasePage{Page: f.Page, PerPage: f.PerPage}
	order := func(q *gorm.DB) *gorm.DB {
		return q.Order(urgencyOrder).Order("cases.received_at DESC").Order("cases.id DESC")
	}
	if text != "" {
		if err := s.searchCases(ctx, q, text, p); err != nil {
			return nil, err
		}
	} else {
		if err := q.Count(&p.Total).Error; err != nil {
			return nil, err
		}
		err := q.Scopes(order).Preload("Assignee").Preload("Categories").
			Offset((f.Page - 1) * f.PerPage).Limit(f.PerPage).Find(&p.Items).Error
		if err != nil {
			return nil, err
		}
	}
	if err := s.RecordRead(ctx, u, AuditCaseList, ObjectCase, f.auditDetail(len(p.Items))); err != nil {
		return nil, err
	}
	return p, nil
}

// auditDetail says what a list read asked for and how many records it showed, in codes: the
// filters' codes and days, whether a text was searched (never the text), whose cases (never
// an e-mail).
func (f CaseFilter) auditDetail(rows int) string {
	var parts []string
	add := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("status", f.Status)
	add("category", f.Category)
	add("region", f.Region)
	add("urgency", f.Urgency)
	switch a := strings.TrimSpace(f.Assignee); a {
	case "", "me", "none":
		add("assignee", a)
	default:
		add("assignee", "other")
	}
	if f.Open {
		add("open", "1")
	}
	add("from", f.From)
	add("to", f.To)
	if strings.TrimSpace(f.Q) != "" {
		add("search", "1")
	}
	add("page", strconv.Itoa(f.Page))
	add("rows", strconv.Itoa(rows))
	return strings.Join(parts, " ")
}

// AuditCaseList records a read of a list of cases: a list page, a search, the API's list,
// a caseworker's own work or the dashboard ("rows=N" and the filters' codes).
const AuditCaseList = "case.list"

// filterCases selects, among the cases u may see, those the filters of f (all but the text
// search and the paging) select, and notes in fe the filters that are not valid.
func (s *Store) filterCases(db *gorm.DB, fe fieldErrors, u *User, f CaseFilter) *gorm.DB {
	q := db.Model(&Case{}).Scopes(visible(u))
	if f.Status != "" {
		if !Status(f.Status).Valid() {
			fe.add("status", "v.unknown_status")
		}
		q = q.Where("cases.status = ?", f.Status)
	}
	if f.Open {
		q = q.Where("cases.status NOT IN ?", []Status{StatusResolved, StatusClosed})
	}
	if f.Category != "" {
		q = q.Where("EXISTS (SELECT 1 FROM case_categories cc WHERE cc.case_id = cases.id AND cc.code = ?)", f.Category)
	}
	if f.Region != "" {
		q = q.Where("cases.region = ?", f.Region)
	}
	if f.Urgency != "" {
		if !Urgency(f.Urgency).Valid() {
			fe.add("urgency", "v.choose_critical_high_normal")
		}
		q = q.Where("cases.urgency = ?", f.Urgency)
	}
	switch a := strings.TrimSpace(f.Assignee); a {
	case "":
	case "me":
		q = q.Where("cases.assignee_id = ?", u.ID)
	case "none":
		q = q.Where("cases.assignee_id IS NULL")
	default:
		q = q.Where("cases.assignee_id IN (SELECT id FROM users WHERE email = ?)", normEmail(a))
	}
	from, to, err := s.DayRange(f.From, f.To)
	if err != nil {
		for k, v := range err.(*ValidationError).Fields {
			fe.add(k, v)
		}
	}
	if !from.IsZero() {
		q = q.Where("cases.received_at >= ?", from)
	}
	if !to.IsZero() {
		q = q.Where("cases.received_at < ?", to)
	}
	return q
}

// SearchLimit bounds a text search: it reads at most this many cases (the newest, most urgent
// first, among those the other filters select), opens their sealed text and matches it.
const SearchLimit = 100000

// searchCases finds, among the cases q selects, those whose reference, summary or caller's
// name contains text (ignoring case), and fills page p. Summaries and names are sealed in the
// database, so they are opened and matched here, in the application: nothing about the text
// is kept in the database in a searchable form. The cost grows with the cases the other
// filters select, which SearchLimit bounds (p.Capped says when it did).
func (s *Store) searchCases(ctx context.Context, q *gorm.DB, text string, p *CasePage) error {
	needle := strings.ToLower(text)
	type candidate struct {
		ID         uint
		Reference  string
		Urgency    Urgency
		ReceivedAt time.Time
		Summary    Personal
		Name       Personal
	}
	// The newest cases first: that order walks the index on received_at, so the read stops
	// after SearchLimit rows instead of sorting every case; the matches are then put in the
	// list's order (most urgent first) here.
	rows, err := q.Session(&gorm.Session{}).Model(&Case{}).
		Select("cases.id, cases.reference, cases.urgency, cases.received_at, cases.summary, callers.name").
		Joins("LEFT JOIN callers ON callers.id = cases.caller_id").
		Order("cases.received_at DESC").Order("cases.id DESC").Limit(SearchLimit).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	read := 0
	var found []candidate
	for rows.Next() {
		var c candidate
		if err := q.ScanRows(rows, &c); err != nil {
			return err
		}
		read++
		if strings.Contains(strings.ToLower(c.Reference), needle) ||
			strings.Contains(strings.ToLower(c.Summary.String()), needle) ||
			strings.Contains(strings.ToLower(c.Name.String()), needle) {
			c.Summary, c.Name = "", "" // keep no more opened text than needed
			found = append(found, c)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rank := map[Urgency]int{UrgencyCritical: 0, UrgencyHigh: 1}
	sort.SliceStable(found, func(i, j int) bool {
		ri, ok := rank[found[i].Urgency]
		if !ok {
			ri = 2
		}
		rj, ok := rank[found[j].Urgency]
		if !ok {
			rj = 2
		}
		return ri < rj // within an urgency, the newest first, as read
	})
	ids := make([]uint, len(found))
	for i, c := range found {
		ids[i] = c.ID
	}
	p.Capped = read >= SearchLimit
	p.Total = int64(len(ids))
	from := min((p.Page-1)*p.PerPage, len(ids))
	to := min(from+p.PerPage, len(ids))
	ids = ids[from:to]
	if len(ids) == 0 {
		return nil
	}
	var items []Case
	if err := s.rdb(ctx).Preload("Assignee").Preload("Categories").Where("id IN ?", ids).Find(&items).Error; err != nil {
		return err
	}
	byID := make(map[uint]Case, len(items))
	for _, c := range items {
		byID[c.ID] = c
	}
	for _, id := range ids {
		p.Items = append(p.Items, byID[id])
	}
	return nil
}

// DayRange turns inclusive days YYYY-MM-DD in the organisation's time zone into the instants
// [from, to). Either may be empty (zero time).
func (s *Store) DayRange(from, to string) (time.Time, time.Time, error) {
	fe := fieldErrors{}
	var a, b time.Time
	if from != "" {
		t, err := time.ParseInLocation("2006-01-02", from, s.Loc)
		if err != nil {
			fe.add("from", "v.use_day_like_2024_03")
		}
		a = t.UTC()
	}
	if to != "" {
		t, err := time.ParseInLocation("2006-01-02", to, s.Loc)
		if err != nil {
			fe.add("to", "v.use_day_like_2024_03")
		}
		b = t.AddDate(0, 0, 1).UTC()
	}
	if !a.IsZero() && !b.IsZero() && !a.Before(b) {
		fe.add("to", "v.must_not_be_before_from")
	}
	if err := fe.err(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	return a, b, nil
}

// canEdit reports whether u may change case c's fields or add to it.
func canEdit(u *User, c *Case) bool {
	return canSee(u, c)
}

// CaseUpdate changes some fields of a case. Version must be the version the user loaded.
type CaseUpdate struct {
	Version int
	CaseFields
	// Present names the fields given; the others keep their values.
	Present map[string]bool
	// Restricted, when not nil, restricts the case or lifts the restriction (supervisors).
	Restricted *bool
}

// UpdateCase changes a case's fields if nobody changed it since version in.Version, and
// records which fields changed (not their values) in the timeline.
func (s *Store) UpdateCase(ctx context.Context, u *User, id uint, in CaseUpdate) (*Case, error) {
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		cs, err := s.getCase(tx, u, id)
		if err != nil {
			return err
		}
		if in.Version < 1 {
			return &ValidationError{Fields: map[string]string{"version": "v.send_version_case_you_loaded"}}
		}
		if in.Version != cs.Version {
			return ErrConflict
		}
		if !canEdit(u, cs) {
			return ErrForbidden
		}
		if cs.Status == StatusClosed && !onlyRestricted(in.Present) {
			return &ValidationError{Fields: map[string]string{"status": "v.case_closed_reopen_change"}}
		}
		present := func(name string) bool { return in.Present[name] }
		if in.Present["category"] && !in.Present["categories"] {
			// The primary category is always among the categories: keep the others.
			in.Present["categories"] = true
			in.Categories = cs.CategoryCodes()[1:]
		}
		tax, err := loadTaxonomy(tx)
		if err != nil {
			return err
		}
		fe := fieldErrors{}
		var changed []string
		if in.Restricted != nil && *in.Restricted != cs.Restricted {
			if !u.Can(RoleSupervisor) {
				return ErrForbidden // only supervisors restrict a case or lift the restriction
			}
			cs.Restricted = *in.Restricted
			changed = append(changed, "restricted")
		}
		if err := s.applyFields(tx, u, fe, tax, cs, in.CaseFields, present, &changed); err != nil {
			return err
		}
		if err := fe.err(); err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		sort.Strings(changed)
		if err := s.audit(tx, Audit{Actor: u, Action: AuditCaseUpdate, Object: ObjectCase, ObjectID: cs.ID, Detail: strings.Join(changed, ",")}); err != nil {
			return err
		}
		return s.saveCase(tx, u, cs, CaseEntry{Kind: EntryEdit, Fields: strings.Join(changed, ",")})
	})
	if err != nil {
		return nil, err
	}
	return s.getCase(s.rdb(ctx), u, id)
}

// saveCase writes a changed case under its optimistic version, replaces its categories and
// documents, and appends entry to its timeline, inside tx.
func (s *Store) saveCase(tx *gorm.DB, u *User, cs *Case, entry CaseEntry) error {
	now := s.now()
	res := tx.Model(&Case{}).Where("id = ? AND version = ?", cs.ID, cs.Version).Updates(map[string]any{
		"version": cs.Version + 1, "status": cs.Status, "category": cs.Category, "summary": cs.Summary,
		"region": cs.Region, "city": cs.City, "place_type": cs.PlaceType, "perpetrator": cs.Perpetrator,
		"people_affected": cs.PeopleAffected, "incident_at": cs.IncidentAt, "urgency": cs.Urgency,
		"assignee_id": cs.AssigneeID, "outcome": cs.Outcome, "event_id": cs.EventID, "restricted": cs.Restricted,
		"assigned_at": cs.AssignedAt, "resolved_at": cs.ResolvedAt, "closed_at": cs.ClosedAt, "updated_at": now,
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrConflict
	}
	cs.Version++
	if err := tx.Where("case_id = ?", cs.ID).Delete(&CaseCategory{}).Error; err != nil {
		return err
	}
	for i := range cs.Categories {
		cs.Categories[i].CaseID = cs.ID
	}
	if len(cs.Categories) > 0 {
		if err := tx.Create(&cs.Categories).Error; err != nil {
			return err
		}
	}
	if err := tx.Where("case_id = ?", cs.ID).Delete(&CaseDocument{}).Error; err != nil {
		return err
	}
	for i := range cs.Documents {
		cs.Documents[i].ID, cs.Documents[i].CaseID = 0, cs.ID
	}
	if len(cs.Documents) > 0 {
		if err := tx.Create(&cs.Documents).Error; err != nil {
			return err
		}
	}
	entry.CaseID, entry.UserID, entry.At = cs.ID, u.ID, now
	return tx.Create(&entry).Error
}

// TransitionInput asks to move a case to another status.
type TransitionInput struct {
	// Version, when not 0, must be the version the user loaded.
	Version       int    `json:"version"`
	To            string `json:"to"`
	Note          string `json:"note"`
	Outcome       string `json:"outcome"`
	AssigneeEmail string `json:"assignee_email"`
	AssigneeID    uint   `json:"-"`
}

// Transition moves a case along the workflow, if the Workflow table allows the move for u and
// its guards are met, and records who, when, from, to and why. A refused move changes nothing.
func (s *Store) Transition(ctx context.Context, u *User, id uint, in TransitionInput) (*Case, error) {
	err := s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		cs, err := s.getCase(tx, u, id)
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != cs.Version {
			return ErrConflict
		}
		in.Note = strings.TrimSpace(in.Note)
		fe := fieldErrors{}
		longTextField(fe, "note", in.Note, maxSummary)
		assignee, err := s.findAssignee(tx, fe, in)
		if err != nil {
			return err
		}
		tax, err := loadTaxonomy(tx)
		if err != nil {
			return err
		}
		if in.Outcome != "" {
			termField(fe, tax, KindOutcome, "outcome", in.Outcome, "")
		}
		r, err := checkMove(u, cs, in, assignee)
		if err != nil {
			if ve, ok := err.(*ValidationError); ok {
				for k, v := range ve.Fields {
					fe.add(k, v)
				}
			} else {
				return err
			}
		}
		if err := fe.err(); err != nil {
			return err
		}
		now := s.now()
		entry := CaseEntry{Kind: EntryStatus, FromStatus: cs.Status, ToStatus: r.To, Note: Personal(in.Note)}
		if err := s.audit(tx, Audit{Actor: u, Action: AuditCaseMove, Object: ObjectCase, ObjectID: cs.ID, Detail: string(cs.Status) + "->" + string(r.To)}); err != nil {
			return err
		}
		if assignee != nil && (cs.AssigneeID == nil || *cs.AssigneeID != assignee.ID) {
			cs.AssigneeID, cs.Assignee = &assignee.ID, assignee
			entry.AssigneeID = &assignee.ID
			if err := s.auditAssign(tx, u, cs.ID, assignee.ID); err != nil {
				return err
			}
		}
		if r.To == StatusAssigned && cs.AssignedAt == nil {
			cs.AssignedAt = &now
		}
		switch r.To {
		case StatusResolved:
			cs.Outcome, cs.ResolvedAt = in.Outcome, &now
			entry.Outcome = in.Outcome
		case StatusClosed:
			cs.ClosedAt = &now
		case StatusInProgress:
			if cs.Status == StatusResolved || cs.Status == StatusClosed { // reopened
				cs.Outcome, cs.ResolvedAt, cs.ClosedAt = "", nil, nil
			}
		}
		cs.Status = r.To
		return s.saveCase(tx, u, cs, entry)
	})
	if err != nil {
		return nil, err
	}
	return s.getCase(s.rdb(ctx), u, id)
}

// findAssignee resolves the assignee a move or assignment names, if any.
func (s *Store) findAssignee(tx *gorm.DB, fe fieldErrors, in TransitionInput) (*User, error) {
	return namedAccount(tx, fe, "assignee", in.AssigneeID, in.AssigneeEmail)
}

// Assign gives a case to a caseworker (supervisors). A new case moves to assigned; a case
// further along keeps its status and records the change of hands.
func (s *Store) Assign(ctx context.Context, u *User, id uint, in TransitionInput) (*Case, error) {
	if !u.Can(RoleSupervisor) {
		return nil, ErrForbidden
	}
	cs, err := s.getCase(s.rdb(ctx), u, id)
	if err != nil {
		return nil, err
	}
	if cs.Status == StatusNew {
		in.To = string(StatusAssigned)
		return s.Transition(ctx, u, id, in)
	}
	err = s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		cs, err := s.getCase(tx, u, id)
		if err != nil {
			return err
		}
		if in.Version != 0 && in.Version != cs.Version {
			return ErrConflict
		}
		fe := fieldErrors{}
		note := longTextField(fe, "note", in.Note, maxSummary)
		a, err := s.findAssignee(tx, fe, in)
		if err != nil {
			return err
		}
		if a == nil {
			fe.add("assignee", "v.choose_who_will_work_on")
		}
		if !cs.Status.Open() {
			fe.add("status", "v.reopen_case_before_assigning")
		}
		if err := fe.err(); err != nil {
			return err
		}
		if cs.AssigneeID != nil && *cs.AssigneeID == a.ID {
			return nil
		}
		cs.AssigneeID = &a.ID
		if err := s.auditAssign(tx, u, cs.ID, a.ID); err != nil {
			return err
		}
		return s.saveCase(tx, u, cs, CaseEntry{Kind: EntryAssign, AssigneeID: &a.ID, Note: Personal(note)})
	})
	if err != nil {
		return nil, err
	}
	return s.getCase(s.rdb(ctx), u, id)
}

// AddNote adds a note to a case's timeline. Notes change no field, so they need no version.
func (s *Store) AddNote(ctx context.Context, u *User, id uint, note string) error {
	return s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		cs, err := s.getCase(tx, u, id)
		if err != nil {
			return err
		}
		if !canEdit(u, cs) {
			return ErrForbidden
		}
		fe := fieldErrors{}
		note = longTextField(fe, "note", note, maxSummary)
		if note == "" {
			fe.add("note", "v.write_note")
		}
		if err := fe.err(); err != nil {
			return err
		}
		if err := s.audit(tx, Audit{Actor: u, Action: AuditCaseNote, Object: ObjectCase, ObjectID: id}); err != nil {
			return err
		}
		return tx.Create(&CaseEntry{CaseID: id, Kind: EntryNote, Note: Personal(note), UserID: u.ID, At: s.now()}).Error
	})
}

// CanSee reports whether u may open case c (for showing links).
func CanSee(u *User, c *Case) bool { return canSee(u, c) }

// CaseReference returns the reference of case id and whether u may open it. The intake page
// uses it to name the case a call was attached to when that case is a colleague's: the
// caseworker saw the reference in the caller lookup, and learns nothing else of the case.
func (s *Store) CaseReference(ctx context.Context, u *User, id uint) (string, bool, error) {
	var cs Case
	err := s.rdb(ctx).Select("id", "reference", "assignee_id", "restricted").Scopes(notHidden(u)).Preload("Shares").
		First(&cs, id).Error
	if err != nil {
		return "", false, translate(err) // a case restricted away from u is not found
	}
	return cs.Reference, canSee(u, &cs), nil
}
