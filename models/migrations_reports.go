package models

import "gorm.io/gorm"

// migrate0012 adds the indexes the reports read, so that no query of a report scans a whole
// table or reads wide rows it does not need (TestReportQueriesUseIndexes checks the plans;
// reports_queries.go names them in INDEXED BY):
//   - contacts(category, channel, received_at): a period's calls of each category and
//     channel, counted as ranges of the index;
//   - contacts(received_at, caller_id): a period's calls and their callers;
//   - callers(id, citizenship): a caller's citizenship without reading the sealed row;
//   - cases(received_at, region, perpetrator, event_id, people_affected, caller_id): a
//     period's cases by every field the reports break them down by;
//   - cases(id, received_at, urgency): when an assigned or resolved case came in;
//   - case_entries(to_status, at, case_id): the assignments and resolutions of a period;
//   - case_entries(case_id, at, to_status, outcome): a case's status and outcome at a moment.
//
// On a database of a million cases they take about a minute to build, once.
func migrate0012(tx *gorm.DB) error {
	for _, q := range []string{
		`CREATE INDEX IF NOT EXISTS idx_contacts_report_pairs ON contacts(category, channel, received_at)`,
		`CREATE INDEX IF NOT EXISTS idx_contacts_report_callers ON contacts(received_at, caller_id)`,
		`CREATE INDEX IF NOT EXISTS idx_callers_report ON callers(id, citizenship)`,
		`CREATE INDEX IF NOT EXISTS idx_cases_report ON cases(received_at, region, perpetrator, event_id, people_affected, caller_id)`,
		`CREATE INDEX IF NOT EXISTS idx_cases_report_times ON cases(id, received_at, urgency)`,
		`CREATE INDEX IF NOT EXISTS idx_case_entries_report_moves ON case_entries(to_status, at, case_id)`,
		`CREATE INDEX IF NOT EXISTS idx_case_entries_report_status ON case_entries(case_id, at, to_status, outcome)`,
	} {
		if err := tx.Exec(q).Error; err != nil {
			return err
		}
	}
	return nil
}
