package models

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// userChanges names what an account change does, as codes for the audit log: the old and
// new role ("role=caseworker->supervisor") and the new active flag when they change, and
// "name" (never the name itself) when the name does.
func userChanges(u *User, name string, role Role, active bool) string {
	var parts []string
	if role != u.Choice() { // role is a choice: admin-only is an admin who is not a supervisor
		parts = append(parts, "role="+string(u.Choice())+"->"+string(role))
	}
	if active != u.Active {
		parts = append(parts, "active="+strconv.FormatBool(active))
	}
	if name != u.Name {
		parts = append(parts, "name")
	}
	return strings.Join(parts, " ")
}

// auditAssign records that u gave case caseID to the account assignee.
func (s *Store) auditAssign(tx *gorm.DB, u *User, caseID, assignee uint) error {
	return s.audit(tx, Audit{Actor: u, Action: AuditCaseAssign, Object: ObjectCase, ObjectID: caseID,
		Detail: "assignee=" + strconv.FormatUint(uint64(assignee), 10)})
}

// CaseAuditLimit bounds the entries the case page lists (the newest); the admin's log page
// has them all.
const CaseAuditLimit = 500

// caseEntries selects the entries about case id: the case itself and the calls logged on it.
func caseEntries(q *gorm.DB, id uint) *gorm.DB {
	return q.Where("(audit_entries.object = ? AND audit_entries.object_id = ?) OR "+
		"(audit_entries.object = ? AND audit_entries.object_id IN (SELECT id FROM contacts WHERE case_id = ?))",
		ObjectCase, id, ObjectContact, id)
}

// CaseAudit lists who opened and changed case caseID, and when, newest first (at most
// CaseAuditLimit entries). Only supervisors may read it.
func (s *Store) CaseAudit(ctx context.Context, u *User, caseID uint) ([]AuditEntry, error) {
	if !u.Can(RoleSupervisor) {
		return nil, ErrForbidden
	}
	var es []AuditEntry
	err := caseEntries(s.rdb(ctx), caseID).Preload("Actor").Order("id DESC").Limit(CaseAuditLimit).Find(&es).Error
	return es, err
}

// AuditFilter selects entries of the audit log. Every field is a code or a number, so a
// filter in a URL reveals nothing personal.
type AuditFilter struct {
	ActorID  uint   `query:"actor"`
	Action   string `query:"action"`
	Object   string `query:"object"`
	ObjectID uint   `query:"object_id"`
	// From and To are inclusive days (YYYY-MM-DD) in the organisation's time zone.
	From    string `query:"from"`
	To      string `query:"to"`
	Page    int    `query:"page"`
	PerPage int    `query:"per_page"`
}

// AuditPage is one page of the audit log.
type AuditPage struct {
	Items   []AuditEntry
	Total   int64
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p *AuditPage) Pages() int {
	if p.PerPage == 0 {
		return 0
	}
	return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
}

// auditQuery checks f and applies it to the log. Only admins read the whole log.
func (s *Store) auditQuery(ctx context.Context, u *User, f *AuditFilter) (*gorm.DB, error) {
	if !u.IsAdmin() {
		return nil, ErrForbidden
	}
	fe := fieldErrors{}
	q := s.rdb(ctx).Model(&AuditEntry{})
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Action = strings.TrimSpace(f.Action); f.Action != "" {
		if len(f.Action) > 40 {
			fe.add("action", "v.unknown_action")
		}
		q = q.Where("action = ?", f.Action)
	}
	if f.Object = strings.TrimSpace(f.Object); f.Object != "" {
		if len(f.Object) > 20 {
			fe.add("object", "v.unknown_kind_record")
		}
		q = q.Where("object = ?", f.Object)
	}
	if f.ObjectID != 0 {
		if f.Object == "" {
			fe.add("object_id", "v.choose_kind_record_too")
		}
		q = q.Where("object_id = ?", f.ObjectID)
	}
	from, to, err := s.DayRange(f.From, f.To)
	if err != nil {
		for k, v := range err.(*ValidationError).Fields {
			fe.add(k, v)
		}
	}
	if !from.IsZero() {
		q = q.Where("at >= ?", from)
	}
	if !to.IsZero() {
		q = q.Where("at < ?", to)
	}
	checkPaging(fe, &f.Page, &f.PerPage, 50)
	if err := fe.err(); err != nil {
		return nil, err
	}
	return q, nil
}

// ListAudit shows one page of the audit log, newest first, filtered by f (admins only).
func (s *Store) ListAudit(ctx context.Context, u *User, f AuditFilter) (*AuditPage, error) {
	q, err := s.auditQuery(ctx, u, &f)
	if err != nil {
		return nil, err
	}
	p := &AuditPage{Page: f.Page, PerPage: f.PerPage}
	if err := q.Count(&p.Total).Error; err != nil {
		return nil, err
	}
	err = q.Preload("Actor").Order("id DESC").Offset((f.Page - 1) * f.PerPage).Limit(f.PerPage).Find(&p.Items).Error
	return p, err
}

// auditExportBatch is how many entries an export reads at a time.
const auditExportBatch = 1000

// ExportAudit hands every entry f selects (paging aside), oldest first, to each, for an
// admin's export. The export is itself recorded in the log first, with its filter and the
// number of entries, so an export that cannot be logged does not happen; entries written
// after it are not exported.
func (s *Store) ExportAudit(ctx context.Context, u *User, f AuditFilter, each func(*AuditEntry) error) (int64, error) {
	q, err := s.auditQuery(ctx, u, &f)
	if err != nil {
		return 0, err
	}
	var last struct{ N int64 }
	if err := q.Session(&gorm.Session{}).Select("COALESCE(MAX(id), 0) AS n").Scan(&last).Error; err != nil {
		return 0, err
	}
	var n int64
	if err := q.Session(&gorm.Session{}).Count(&n).Error; err != nil {
		return 0, err
	}
	err = s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		return s.audit(tx, Audit{Actor: u, Action: AuditExport, Object: ObjectAudit, Detail: f.describe(n)})
	})
	if err != nil {
		return 0, err
	}
	after := uint(0)
	for {
		var batch []AuditEntry
		err := q.Session(&gorm.Session{}).Preload("Actor").Where("id > ? AND id <= ?", after, last.N).
			Order("id").Limit(auditExportBatch).Find(&batch).Error
		if err != nil {
			return n, err
		}
		for i := range batch {
			if err := each(&batch[i]); err != nil {
				return n, err
			}
		}
		if len(batch) < auditExportBatch {
			return n, nil
		}
		after = batch[len(batch)-1].ID
	}
}

// describe states a filter and an export's size as codes, for the export's own entry.
func (f *AuditFilter) describe(n int64) string {
	parts := []string{"audit.csv", "rows=" + strconv.FormatInt(n, 10)}
	add := func(k, v string) {
		if v != "" && v != "0" {
			parts = append(parts, k+"="+v)
		}
	}
	add("actor", strconv.FormatUint(uint64(f.ActorID), 10))
	add("action", f.Action)
	add("object", f.Object)
	add("object_id", strconv.FormatUint(uint64(f.ObjectID), 10))
	add("from", f.From)
	add("to", f.To)
	return strings.Join(parts, " ")
}

// AuditChoices are the values the log's filters offer.
type AuditChoices struct {
	Actors  []User
	Actions []string
	Objects []string
}

// AuditFilterChoices lists the accounts, actions and kinds of record the log's filters offer:
// the known ones and any the log holds (admins only).
func (s *Store) AuditFilterChoices(ctx context.Context, u *User) (*AuditChoices, error) {
	if !u.IsAdmin() {
		return nil, ErrForbidden
	}
	ch := &AuditChoices{}
	db := s.rdb(ctx)
	if err := db.Order("name, email").Find(&ch.Actors).Error; err != nil {
		return nil, err
	}
	merge := func(known []string, column string) ([]string, error) {
		var found []string
		if err := db.Model(&AuditEntry{}).Distinct(column).Where(column+" <> ''").Pluck(column, &found).Error; err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		var out []string
		for _, v := range append(append([]string{}, known...), found...) {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		sort.Strings(out)
		return out, nil
	}
	var err error
	if ch.Actions, err = merge(AuditActions, "action"); err != nil {
		return nil, err
	}
	if ch.Objects, err = merge(AuditObjects, "object"); err != nil {
		return nil, err
	}
	return ch, nil
}

// Record names the record an entry is about: "case 12", "user 3", or "" when none.
func (e *AuditEntry) Record() string {
	switch {
	case e.Object == "":
		return ""
	case e.ObjectID == nil:
		return e.Object
	}
	return e.Object + " " + strconv.FormatUint(uint64(*e.ObjectID), 10)
}
