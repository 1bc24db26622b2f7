package models

import (
	"context"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// MaxExport bounds one export of cases: a larger one must be narrowed with the filters.
const MaxExport = 50000

// exportBatch is how many cases an export loads at once.
const exportBatch = 500

// ExportCases calls each with every case that the filters of f select, with its caller,
// assignee and categories loaded (supervisors only; the personal data of the public report
// is not in it), in the order of the list. The export is recorded in the audit log, with the
// number of cases, before each is called: an export that cannot be logged does not happen.
// views.CasesCSV writes the file. The text search (f.Q) is not offered: search text would
// go into the URL.
func (s *Store) ExportCases(ctx context.Context, u *User, f CaseFilter, each func(*Case) error) (int, error) {
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
				if err := each(cs); err != nil {
					return 0, err
				}
			}
		}
	}
	return len(ids), nil
}
