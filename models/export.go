package models

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// MaxExport bounds one export of cases: a larger one must be narrowed with the filters.
const MaxExport = 50000

// exportBatch is how many cases an export loads at once.
const exportBatch = 500

// exportHeader names the columns of an export of cases.
var exportHeader = []string{"reference", "received_at", "status", "urgency", "category", "categories", "region", "city",
	"place_type", "perpetrator", "people_affected", "incident_at", "assignee", "restricted", "outcome",
	"caller_name", "caller_phone", "caller_citizenship", "caller_language", "safe_to_call", "safe_contact", "summary"}

// ExportCases writes the cases that the filters of f select, with their callers' names and
// phone numbers and the summaries, as CSV to w (supervisors only; the personal data of the
// public report is not in it). The export is recorded in the audit log, with the number of
// cases, before a byte is written: an export that cannot be logged does not happen.
//
// The CSV is UTF-8 with a byte order mark, so that spreadsheet programs read Cyrillic, and
// every text cell goes through SpreadsheetText (no cell is read as a formula). The text search (f.Q) is not offered: search text would go into the URL.
func (s *Store) ExportCases(ctx context.Context, u *User, f CaseFilter, w io.Writer) (int, error) {
	if !u.Can(RoleSupervisor) {
		return 0, ErrForbidden
	}
	fe := fieldErrors{}
	if strings.TrimSpace(f.Q) != "" {
		fe.add("q", "v.export_does_not_search_text")
	}
	q := s.filterCases(s.rdb(ctx), fe, u, f)
	if err := fe.err(); err != nil {
		return 0, err
	}
	var ids []uint
	err := q.Order(urgencyOrder).Order("cases.received_at DESC").Order("cases.id DESC").
		Limit(MaxExport+1).Pluck("cases.id", &ids).Error
	if err != nil {
		return 0, err
	}
	if len(ids) > MaxExport {
		return 0, &ValidationError{Fields: map[string]string{"export": Message("v.export_too_many", "Max", MaxExport)}}
	}
	err = s.wdb(ctx).Transaction(func(tx *gorm.DB) error {
		return s.audit(tx, Audit{Actor: u, Action: AuditExport, Object: ObjectCase, Detail: "cases=" + strconv.Itoa(len(ids))})
	})
	if err != nil {
		return 0, err
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(exportHeader); err != nil {
		return 0, err
	}
	for start := 0; start < len(ids); start += exportBatch {
		batch := ids[start:min(start+exportBatch, len(ids))]
		var cases []Case
		err := s.rdb(ctx).Preload("Assignee").Preload("Caller").Preload("Categories").Where("id IN ?", batch).Find(&cases).Error
		if err != nil {
			return 0, err
		}
		byID := make(map[uint]*Case, len(cases))
		for i := range cases {
			byID[cases[i].ID] = &cases[i]
		}
		for _, id := range batch {
			if cs := byID[id]; cs != nil {
				if err := cw.Write(s.exportRow(cs)); err != nil {
					return 0, err
				}
			}
		}
	}
	cw.Flush()
	return len(ids), cw.Error()
}

// exportRow is one case as a row of exportHeader: text through SpreadsheetText, the number
// of people as a number, dates and yes/no as the program writes them.
func (s *Store) exportRow(cs *Case) []string {
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(s.Loc).Format("2006-01-02 15:04")
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	assignee := ""
	if cs.Assignee != nil {
		assignee = cs.Assignee.Email
	}
	var caller Caller
	if cs.Caller != nil {
		caller = *cs.Caller
	}
	text := SpreadsheetText
	return []string{text(cs.Reference), day(&cs.ReceivedAt), text(string(cs.Status)), text(string(cs.Urgency)), text(cs.Category),
		text(strings.Join(cs.CategoryCodes(), ";")), text(cs.Region), text(cs.City), text(cs.PlaceType), text(cs.Perpetrator),
		strconv.Itoa(cs.PeopleAffected), day(cs.IncidentAt), text(assignee), yes(cs.Restricted), text(cs.Outcome),
		text(caller.Name.String()), text(caller.Phone.String()), text(caller.Citizenship), text(caller.Language), yes(caller.SafeToCall),
		text(caller.SafeContact.String()), text(cs.Summary.String())}
}
